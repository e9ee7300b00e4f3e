// What a source's mapping says about metrics: one observation per counted thing. The metrics
// registry turns observations into stored totals (histogram buckets from the metric's spec, the
// history label), so no source builds a bucket or a label of the core's itself.

export interface MetricObservation {
  /** A metric name from a catalog: the source's own, or one of the shared gen_ai.client.* ones. */
  name: string;
  labels: Record<string, string>;
  /** A counter's increment, or one histogram sample. */
  value: number;
  /**
   * The work ended long before the bridge first saw it (a backfill, an import, a unit added with
   * its past): counted in totals under the history label, never in an alert or the export lag.
   */
  history: boolean;
}
