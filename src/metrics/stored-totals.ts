// Metric observations as the totals the state file keeps: a counter adds its value; a histogram
// adds one to the bucket its value falls in (bounds from the metric's spec) and its value to its
// sum. Every total says whether it is history under one label, added here and nowhere else.
import type { MetricObservation } from '../core/observation.js';
import { ATTR_BRIDGE_HISTORY } from '../semconv/attributes.js';
import type { MetricDelta } from '../state/types.js';
import type { MetricSpec } from './catalog.js';
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

/** The metrics observations may name, by name: the union of the given sources' catalogs. */
export type ObservedCatalog = ReadonlyMap<string, MetricSpec>;

/** One catalog of what `sources` observe; two different specs under one name would store as neither says, so that throws. */
export function observedCatalog(sources: readonly { readonly metrics: readonly MetricSpec[] }[]): ObservedCatalog {
  const specs = new Map<string, MetricSpec>();
  for (const spec of sources.flatMap((s) => s.metrics)) {
    const known = specs.get(spec.name);
    if (known && known !== spec) throw new TypeError(`metric ${JSON.stringify(spec.name)} has two different specs in the source catalogs`);
    specs.set(spec.name, spec);
  }
  return specs;
}

// The metrics every state file accepts observations of. Sources add their catalogs as they load
// (src/sources/registry.ts), so the state layer never imports a source to learn them.
const registered = new Map<string, MetricSpec>();

/** Adds `sources`' catalogs to what stored totals accept; a name already there under another spec throws. */
export function registerObservedMetrics(sources: readonly { readonly metrics: readonly MetricSpec[] }[]): void {
  for (const [name, spec] of observedCatalog([{ metrics: [...registered.values()] }, ...sources])) registered.set(name, spec);
}

const registeredCatalog = (): ObservedCatalog => registered;

/** Every metric the registered sources observe (their catalogs, as they loaded). */
export const observedMetricSpecs = (): MetricSpec[] => [...registered.values()];

/** The deltas that record `observations`; a name no catalog observes is a bug of its caller and throws. */
export function storedDeltas(observations: readonly MetricObservation[], catalog: ObservedCatalog = registeredCatalog()): MetricDelta[] {
  const deltas: MetricDelta[] = [];
  for (const o of observations) {
    const spec = catalog.get(o.name);
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
