// Metric observations as the totals the state file keeps: a counter adds its value; a histogram
// adds one to the bucket its value falls in (bounds from the metric's spec) and its value to its
// sum. Every total says whether it is history under one label, added here and nowhere else.
import type { MetricObservation } from '../core/observation.js';
import { ATTR_BRIDGE_HISTORY } from '../semconv/attributes.js';
import type { MetricDelta } from '../state/types.js';
import { OBSERVED_METRICS, type MetricSpec } from './catalog.js';
import { historyLabel } from './history.js';

/** Stored name of a histogram's per-bucket counts (label `le`: the bucket's upper bound, or `+Inf`). */
export const bucketTotalName = (metric: string): string => `${metric}#bucket`;
/** Stored name of a histogram's sum. */
export const sumTotalName = (metric: string): string => `${metric}#sum`;

export const OVERFLOW_BUCKET = '+Inf';

/** The `le` of the (non-cumulative) bucket `value` falls in: the first bound >= value. */
export function bucketFor(value: number, bounds: readonly number[]): string {
  for (const bound of bounds) if (value <= bound) return String(bound);
  return OVERFLOW_BUCKET;
}

const SPECS: ReadonlyMap<string, MetricSpec> = new Map(OBSERVED_METRICS.map((spec) => [spec.name, spec]));

/** The deltas that record `observations`; a name no catalog observes is a bug of its caller and throws. */
export function storedDeltas(observations: readonly MetricObservation[]): MetricDelta[] {
  const deltas: MetricDelta[] = [];
  for (const o of observations) {
    const spec = SPECS.get(o.name);
    if (!spec) throw new TypeError(`metric ${JSON.stringify(o.name)} is not in a catalog of observed metrics`);
    const labels = { ...o.labels, [ATTR_BRIDGE_HISTORY]: historyLabel(o.history) };
    if (spec.kind === 'histogram') {
      deltas.push(
        { name: bucketTotalName(spec.name), labels: { ...labels, le: bucketFor(o.value, spec.buckets ?? []) }, delta: 1 },
        { name: sumTotalName(spec.name), labels, delta: o.value },
      );
    } else {
      deltas.push({ name: spec.name, labels, delta: o.value });
    }
  }
  return deltas;
}
