// History or news: every metric observation says which, and every source uses this rule.
//
// History is work that ended more than HISTORY_AGE_SECONDS before the bridge first saw the unit
// it belongs to (a run here; its first look, frozen with the run in the state file, so the
// verdict never changes across restarts). A backfilled run, a thread added with months of past,
// a bridge started with --since 2d: their old steps and runs are history. Everything that ends
// after the bridge has seen its unit is news, however late the bridge gets to it (a throttled or
// restarted bridge still owes it, and its lag shows that).
//
// Why 10 minutes: it is longer than the bridge ever takes to notice a live run at its defaults
// (discovery backs off to one look a minute), so work it merely found late stays news; it tolerates
// minutes of clock skew between the API and the bridge; and it is the window of the run and step
// alerts, so history is exactly what those alerts could only report as stale.
//
// History counts in every total, under the label `assistants_bridge.history` ("true"), so a total
// stays one query; it never enters an alert rule or the export lag histogram.

export const HISTORY_AGE_SECONDS = 600;

/**
 * @param endSeconds when the work ended (API time, Unix seconds); unknown ends are news
 * @param firstSeenSeconds when the bridge first saw the unit the work belongs to
 */
export function isHistory(endSeconds: number | null | undefined, firstSeenSeconds: number): boolean {
  return typeof endSeconds === 'number' && Number.isFinite(endSeconds) && endSeconds < firstSeenSeconds - HISTORY_AGE_SECONDS;
}

export const historyLabel = (history: boolean): string => (history ? 'true' : 'false');
