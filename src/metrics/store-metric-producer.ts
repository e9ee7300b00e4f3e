// The run totals of the state store as OpenTelemetry metric data, for every reader (the
// Prometheus exporter and the OTLP one). The API has no observable histogram, and an SDK
// histogram would start from zero at each restart and miss or repeat what happened around a
// crash; this producer instead builds each point from the stored totals at collection time, so
// what Prometheus or the collector sees is exactly what the state file committed with the spans.
//
// The points are cumulative since the state file's totals began (kept as `metrics.since` in the
// file), not since the process started: a restart continues the series instead of resetting them.
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type DataPoint,
  type Histogram,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import type { GenAiConventions } from '../config/semconv.js';
import { ATTR_GEN_AI_AGENT_ID, ATTR_GEN_AI_AGENT_NAME } from '../semconv/attributes.js';
import type { MetricTotal } from '../state/types.js';
import { METRICS, storeViews, type MetricSpec, type StoreView } from './catalog.js';
import { LabelCap, OTHER, type MetaStore } from './label-cap.js';
import { bucketTotalName, observedMetricSpecs, OVERFLOW_BUCKET, sumTotalName } from './stored-totals.js';

/** The part of the state store the producer reads. */
export interface TotalsStore extends MetaStore {
  metricTotals(): MetricTotal[];
  readonly closed: boolean;
}

export interface StoreMetricProducerOptions {
  store: TotalsStore;
  scope: InstrumentationScope;
  /** Attributes added to every point of the run metrics (`gen_ai.provider.name`). */
  commonAttributes: Attributes;
  labelCaps: Readonly<Record<string, number>>;
  /** Which names the totals are exported under (default: today's names). */
  conventions?: GenAiConventions;
  /** The metrics sources observe; their own stored ones are exported too (default: the registered sources'). */
  observed?: Iterable<MetricSpec>;
  now?: () => number;
}

const SINCE_KEY = 'metrics.since';

/** Reported as 0 before anything happened, so alerts and dashboards find the series. */
const ALWAYS_PRESENT: readonly MetricSpec[] = [METRICS.outboxRefusedCommits];

interface HistogramAccumulator {
  attributes: Attributes;
  counts: number[];
  sum: number;
}

export class StoreMetricProducer implements MetricProducer {
  readonly #store: TotalsStore;
  readonly #scope: InstrumentationScope;
  readonly #common: Attributes;
  readonly #caps: LabelCap[];
  readonly #views: readonly StoreView[];
  readonly #now: () => number;
  readonly #since: HrTime;
  #last: CollectionResult | null = null;

  constructor(options: StoreMetricProducerOptions) {
    this.#store = options.store;
    this.#scope = options.scope;
    this.#common = options.commonAttributes;
    this.#now = options.now ?? Date.now;
    this.#caps = Object.entries(options.labelCaps).map(([label, limit]) => new LabelCap(options.store, label, limit));
    this.#views = storeViews(options.conventions ?? 'default', options.observed ?? observedMetricSpecs());
    this.#since = msToHrTime(this.#sinceMs());
  }

  /** Epoch ms from which the stored totals count; recorded in the file the first time. */
  #sinceMs(): number {
    const stored = Number(this.#store.getMeta(SINCE_KEY));
    if (Number.isFinite(stored) && stored > 0) return stored;
    const now = Math.floor(this.#now());
    this.#store.setMeta(SINCE_KEY, String(now));
    return now;
  }

  collect(): Promise<CollectionResult> {
    // After shutdown closed the file, the last collection stands (a final export may still ask).
    if (this.#store.closed) return Promise.resolve(this.#last ?? this.#result([]));
    try {
      this.#last = this.#result(this.#build(this.#store.metricTotals()));
      return Promise.resolve(this.#last);
    } catch (error) {
      return Promise.resolve({ ...this.#result([]), errors: [error] });
    }
  }

  #result(metrics: MetricData[]): CollectionResult {
    // Readers replace this resource with the MeterProvider's.
    return { resourceMetrics: { resource: emptyResource(), scopeMetrics: [{ scope: this.#scope, metrics }] }, errors: [] };
  }

  #build(totals: MetricTotal[]): MetricData[] {
    for (const cap of this.#caps) cap.admit(totals.map((t) => t.labels[cap.label]).filter((v): v is string => v !== undefined));
    const end = msToHrTime(this.#now());
    const metrics: MetricData[] = [];

    for (const view of this.#views) {
      const metric = view.spec.kind === 'histogram' ? this.#histogram(view, totals, end) : this.#counter(view, totals, end);
      if (metric) metrics.push(metric);
    }
    return metrics;
  }

  /** A stored counter, or the sum of a stored histogram, as a cumulative sum. */
  #counter(view: StoreView, totals: readonly MetricTotal[], end: HrTime): MetricData | null {
    const stored = view.sumOf ? sumTotalName(view.stored) : view.stored;
    const points = new Map<string, { attributes: Attributes; value: number }>();
    for (const t of totals) {
      if (t.name !== stored || !matches(t.labels, view.where)) continue;
      const attributes = this.#attributes(view, t.labels);
      const key = attributesKey(attributes);
      const point = points.get(key) ?? { attributes, value: 0 };
      point.value += t.value;
      points.set(key, point);
    }
    if (points.size === 0 && ALWAYS_PRESENT.includes(view.spec)) points.set('{}', { attributes: {}, value: 0 });
    if (points.size === 0) return null;
    return {
      descriptor: descriptorOf(view.spec),
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints: [...points.values()].map((p) => ({ startTime: this.#since, endTime: end, attributes: p.attributes, value: p.value })),
    };
  }

  /** A stored histogram (per-bucket counts and a sum) as exact cumulative points. */
  #histogram(view: StoreView, totals: readonly MetricTotal[], end: HrTime): MetricData | null {
    const bounds = [...(view.spec.buckets ?? [])];
    const bucketName = bucketTotalName(view.stored);
    const sumName = sumTotalName(view.stored);
    const points = new Map<string, HistogramAccumulator>();
    const pointFor = (labels: Record<string, string>): HistogramAccumulator => {
      const attributes = this.#attributes(view, labels);
      const key = attributesKey(attributes);
      let acc = points.get(key);
      if (!acc) {
        acc = { attributes, counts: new Array<number>(bounds.length + 1).fill(0), sum: 0 };
        points.set(key, acc);
      }
      return acc;
    };
    for (const t of totals) {
      if (t.name === bucketName) {
        const { le, ...labels } = t.labels;
        if (!matches(labels, view.where)) continue;
        const acc = pointFor(labels);
        const index = bucketIndex(le, bounds);
        acc.counts[index] = (acc.counts[index] ?? 0) + t.value;
      } else if (t.name === sumName && matches(t.labels, view.where)) {
        pointFor(t.labels).sum += t.value;
      }
    }
    if (points.size === 0) return null;
    const dataPoints: DataPoint<Histogram>[] = [...points.values()].map((acc) => ({
      startTime: this.#since,
      endTime: end,
      attributes: acc.attributes,
      value: { buckets: { boundaries: bounds, counts: acc.counts }, sum: acc.sum, count: acc.counts.reduce((a, b) => a + b, 0) },
    }));
    return {
      descriptor: descriptorOf(view.spec),
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints,
    };
  }

  /**
   * Stored labels, capped, plus the common attributes of run metrics; only those the metric
   * declares. An agent whose id is over the cap loses its name too, so a name never escapes the cap.
   */
  #attributes(view: StoreView, labels: Record<string, string>): Attributes {
    const out: Attributes = {};
    for (const name of view.spec.attributes) {
      const value = view.fixed?.[name] ?? labels[name] ?? this.#common[name];
      if (value === undefined) continue;
      const cap = typeof value === 'string' ? this.#caps.find((c) => c.label === name) : undefined;
      out[name] = cap ? cap.map(value as string) : value;
    }
    if (out[ATTR_GEN_AI_AGENT_ID] === OTHER && out[ATTR_GEN_AI_AGENT_NAME] !== undefined) out[ATTR_GEN_AI_AGENT_NAME] = OTHER;
    return out;
  }
}

function matches(labels: Record<string, string>, where: StoreView['where']): boolean {
  if (!where) return true;
  for (const [key, value] of Object.entries(where)) if (labels[key] !== value) return false;
  return true;
}

function descriptorOf(spec: MetricSpec): MetricData['descriptor'] {
  return {
    name: spec.name,
    description: spec.description,
    unit: spec.unit,
    valueType: spec.kind === 'counter' ? ValueType.INT : ValueType.DOUBLE,
  };
}

/** Index of the bucket with upper bound `le`; a bound no longer in the list goes to the first one above it. */
function bucketIndex(le: string | undefined, bounds: readonly number[]): number {
  if (le === undefined || le === OVERFLOW_BUCKET) return bounds.length;
  const exact = bounds.findIndex((b) => String(b) === le);
  if (exact >= 0) return exact;
  const value = Number(le);
  const above = bounds.findIndex((b) => value <= b);
  return above >= 0 ? above : bounds.length;
}

function attributesKey(attributes: Attributes): string {
  return JSON.stringify(
    Object.keys(attributes)
      .sort()
      .map((k) => [k, attributes[k]]),
  );
}

function msToHrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}
