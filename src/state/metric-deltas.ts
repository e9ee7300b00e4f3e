// Metric deltas as the store writes them: one upsert per distinct total in a commit. A unit's
// spans mostly share their labels (ten spans of one unit are ten deltas of one total), so summing
// first saves most of the statements of a progress commit.
import type { MetricDelta } from './types.js';

/** Label sets as sorted-key JSON, so the same labels in any order are one total. */
function canonicalLabels(labels: Record<string, string>): string {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(labels).sort()) sorted[key] = String(labels[key]);
  return JSON.stringify(sorted);
}

export interface SummedDelta {
  name: string;
  /** canonicalLabels of the delta's labels. */
  labels: string;
  delta: number;
}

/** Past this many label sets under one name, further ones are written as they come (still correct, just more upserts). */
const MERGE_LIMIT = 32;

/**
 * Deltas of the same name and equal labels summed, in order of first appearance. Labels are
 * compared value by value (no key strings to build); labels that differ only in key order, or
 * in a value's type, stay apart and become two upserts of the same total, which add up the same.
 */
export function sumDeltas(deltas: readonly MetricDelta[]): SummedDelta[] {
  const byName = new Map<string, MetricDelta[]>();
  const order: MetricDelta[] = [];
  for (const d of deltas) {
    let groups = byName.get(d.name);
    if (!groups) byName.set(d.name, (groups = []));
    const same = groups.find((g) => sameLabels(g.labels, d.labels));
    if (same) {
      same.delta += d.delta;
      continue;
    }
    const group = { name: d.name, labels: d.labels, delta: d.delta };
    if (groups.length < MERGE_LIMIT) groups.push(group);
    order.push(group);
  }
  return order.map((g) => ({ name: g.name, labels: canonicalLabels(g.labels), delta: g.delta }));
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  let count = 0;
  for (const key in b) {
    if (!Object.hasOwn(b, key)) continue;
    if (!Object.hasOwn(a, key) || a[key] !== b[key]) return false;
    count += 1;
  }
  for (const key in a) if (Object.hasOwn(a, key)) count -= 1;
  return count === 0;
}
