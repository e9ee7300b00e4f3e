// A response's times: the API gives only `created_at` and, once completed, `completed_at`; never
// the bridge's clock. The span and the duration metrics share these rules, so they never disagree.
import { isHistory } from '../../metrics/history.js';
import type { ResponseContext } from './context.js';
import { apiSeconds, type ResponsePayload } from './payload.js';

export interface ResponseTimes {
  /** Unix seconds. */
  start: number;
  end: number;
  /** The end preceded the start and was moved to it. */
  clamped: boolean;
  /** No usable `created_at`: the time the bridge first saw the response's unit stands in. */
  startFromFirstSeen: boolean;
  /** Nothing said when it ended: the span ends where it starts. */
  endUnknown: boolean;
}

type Timed = Pick<ResponsePayload, 'createdAt' | 'completedAt'>;
type Reported = Pick<ResponseContext, 'reportedEndSeconds'>;

/** `completed_at`, else the end a webhook event reported; null when nothing says. */
export const responseEndSeconds = (response: Timed, ctx: Reported): number | null =>
  response.completedAt ?? apiSeconds(ctx.reportedEndSeconds);

export function responseTimes(response: Timed, ctx: Reported & Pick<ResponseContext, 'firstSeenSeconds'>): ResponseTimes {
  const start = response.createdAt ?? apiSeconds(ctx.firstSeenSeconds) ?? 0;
  const end = responseEndSeconds(response, ctx);
  const base = { startFromFirstSeen: response.createdAt === null, endUnknown: end === null };
  if (end === null) return { start, end: start, clamped: false, ...base };
  return end < start ? { start, end: start, clamped: true, ...base } : { start, end, clamped: false, ...base };
}

/**
 * From `created_at` to the end, in seconds, as the span shows it (0 when the end came first);
 * null without both: such a response stays out of the duration histograms.
 */
export function responseDurationSeconds(response: Timed, ctx: Reported): number | null {
  const end = responseEndSeconds(response, ctx);
  if (response.createdAt === null || end === null) return null;
  return Math.max(0, end - response.createdAt);
}

/**
 * History (metrics/history.ts): the response ended long before the bridge first saw its unit. A
 * failed, cancelled or incomplete response has no end time; its creation stands in, the only time
 * it gives (responses mostly last seconds, so one created long before was over long before).
 */
export const isResponseHistory = (response: Timed, ctx: Reported & Pick<ResponseContext, 'firstSeenSeconds'>): boolean =>
  isHistory(responseEndSeconds(response, ctx) ?? response.createdAt, ctx.firstSeenSeconds);
