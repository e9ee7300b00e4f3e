// The Prometheus series names of the bridge's metrics, derived from the catalog the way each
// path into Prometheus derives them, so dashboards and alert rules can be checked against it.
import type { GenAiConventions } from '../../src/config/semconv.js';
import { METRICS, storeViews, type MetricSpec } from '../../src/metrics/catalog.js';
import type { SourceRegistration } from '../../src/core/source.js';
import { SOURCES } from '../../src/sources/registry.js';

export const ALL_METRICS: readonly MetricSpec[] = Object.values(METRICS);

/** The webhook intake's: exported only by a watch where a source takes webhooks. */
const isWebhookMetric = (spec: MetricSpec): boolean => spec.name.startsWith('assistants_bridge.webhooks.');

/**
 * Every metric exported under `conventions`: the store's views (with the own stored metrics of
 * `sources`, by default every source's) and the process's own (the intake's only with `webhooks`).
 */
export function exportedMetrics(
  conventions: GenAiConventions = 'default',
  sources: readonly SourceRegistration[] = SOURCES,
  webhooks = true,
): MetricSpec[] {
  const observed = sources.flatMap((s) => s.metrics);
  return [
    ...storeViews(conventions, observed).map((v) => v.spec),
    ...ALL_METRICS.filter((m) => m.source === 'process' && (webhooks || !isWebhookMetric(m))),
  ];
}

/** Where the Prometheus names come from. */
export type NamePath =
  /** The bridge's own `GET /metrics` (the JS Prometheus exporter): `_total` on counters, no unit suffix. */
  | 'scrape'
  /** OTLP through the collector's prometheus exporter or Prometheus's OTLP ingestion: unit suffixes too (`_seconds`). */
  | 'otlp';

function unitSuffix(unit: string): string {
  if (unit === 's') return '_seconds';
  if (unit === 'ms') return '_milliseconds';
  if (unit === 'By') return '_bytes';
  // Annotations in braces ({token}) and no unit add nothing.
  return '';
}

/** The series names a metric appears under in Prometheus on `path`. */
export function prometheusNames(spec: MetricSpec, path: NamePath): string[] {
  let base = spec.name.replace(/[^a-zA-Z0-9_]/g, '_').replace(/_{2,}/g, '_');
  if (path === 'otlp') {
    const suffix = unitSuffix(spec.unit);
    if (suffix && !base.endsWith(suffix)) base += suffix;
  }
  if (spec.kind === 'counter') return [base.endsWith('_total') ? base : `${base}_total`];
  if (spec.kind === 'histogram') return [`${base}_bucket`, `${base}_sum`, `${base}_count`];
  return [base];
}

/**
 * Every series name the bridge exports on `path` under `conventions` (for `sources`' work), plus
 * `target_info` (the resource); `webhooks: false` for a bridge where no source takes webhooks (no intake).
 */
export function exportedSeriesNames(
  path: NamePath,
  conventions: GenAiConventions = 'default',
  sources: readonly SourceRegistration[] = SOURCES,
  webhooks = true,
): Set<string> {
  const names = new Set<string>(['target_info']);
  for (const spec of exportedMetrics(conventions, sources, webhooks)) for (const n of prometheusNames(spec, path)) names.add(n);
  return names;
}
