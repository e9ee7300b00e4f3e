// Every metric the bridge exports, in one place: the instruments are built from it, the stored
// totals are read through it, and the tests check dashboards and alert rules against it.
import { OUTBOX_REFUSED_COMMITS_METRIC } from '../state/store.js';

export type MetricKind = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  /** OpenTelemetry name (dots); Prometheus names are derived with `prometheusNames`. */
  name: string;
  kind: MetricKind;
  unit: string;
  description: string;
  /**
   * `store`: totals kept in the state file, advanced with the outbox (exact across crashes and
   * restarts). `process`: the running bridge's own numbers, reset at start like any process metric.
   */
  source: 'store' | 'process';
  attributes: readonly string[];
  buckets?: readonly number[];
}

/** Semantic-convention boundaries of `gen_ai.client.token.usage`. */
export const TOKEN_USAGE_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864] as const;
/** Semantic-convention boundaries of `gen_ai.client.operation.duration`. */
export const OPERATION_DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92] as const;
/** Runs wait in queues and for tool outputs: seconds to hours (the API expires a run after 10 minutes by default). */
export const RUN_DURATION_BUCKETS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200] as const;
/** From a step's end (whole API seconds) to the collector's acknowledgement; backfilled runs land in the top buckets. */
export const EXPORT_LAG_BUCKETS = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600, 21600, 86400] as const;

const AGENT = 'gen_ai.agent.id';
const MODEL = 'gen_ai.request.model';
const PROVIDER = 'gen_ai.provider.name';

export const METRICS = {
  tokenUsage: {
    name: 'gen_ai.client.token.usage',
    kind: 'histogram',
    unit: '{token}',
    description: 'Tokens used per run step, by token type (from step.usage).',
    source: 'store',
    attributes: ['gen_ai.operation.name', PROVIDER, 'gen_ai.token.type', MODEL, AGENT],
    buckets: TOKEN_USAGE_BUCKETS,
  },
  operationDuration: {
    name: 'gen_ai.client.operation.duration',
    kind: 'histogram',
    unit: 's',
    description: 'Duration of run steps (chat operations), from the API timestamps (end - created_at, whole seconds).',
    source: 'store',
    attributes: ['gen_ai.operation.name', PROVIDER, MODEL, AGENT, 'error.type'],
    buckets: OPERATION_DURATION_BUCKETS,
  },
  runDuration: {
    name: 'assistants.run.duration',
    kind: 'histogram',
    unit: 's',
    description: 'Duration of finished runs, from created_at to their end, from the API timestamps.',
    source: 'store',
    attributes: ['openai.run.status', PROVIDER, MODEL, AGENT],
    buckets: RUN_DURATION_BUCKETS,
  },
  runs: {
    name: 'assistants.runs',
    kind: 'counter',
    unit: '{run}',
    description: 'Finished runs, by final status.',
    source: 'store',
    attributes: ['openai.run.status', PROVIDER, MODEL, AGENT],
  },
  steps: {
    name: 'assistants.steps',
    kind: 'counter',
    unit: '{step}',
    description: 'Finished run steps, by final status and type.',
    source: 'store',
    attributes: ['openai.run_step.status', 'openai.run_step.type', PROVIDER, MODEL, AGENT],
  },
  outboxRefusedCommits: {
    name: 'assistants_bridge.outbox.refused_commits',
    kind: 'counter',
    unit: '{commit}',
    description: 'Commits refused because the outbox was full (back-pressure: retried later, nothing dropped).',
    source: 'store',
    attributes: [],
  },
  apiRequests: {
    name: 'assistants_bridge.api.requests',
    kind: 'counter',
    unit: '{request}',
    description: 'API request attempts (retries included), by route template, method and outcome.',
    source: 'process',
    attributes: ['route', 'method', 'outcome'],
  },
  apiThrottles: {
    name: 'assistants_bridge.api.throttles',
    kind: 'counter',
    unit: '{throttle}',
    description: 'HTTP 429 answers from the API; each paused every request.',
    source: 'process',
    attributes: [],
  },
  apiPaused: {
    name: 'assistants_bridge.api.paused',
    kind: 'gauge',
    unit: '',
    description: '1 while the request budget is paused (rate limited or quota spent), else 0.',
    source: 'process',
    attributes: [],
  },
  apiQueued: {
    name: 'assistants_bridge.api.queued_requests',
    kind: 'gauge',
    unit: '{request}',
    description: 'Requests waiting for a slot of the request budget, by priority.',
    source: 'process',
    attributes: ['priority'],
  },
  polls: {
    name: 'assistants_bridge.polls',
    kind: 'counter',
    unit: '{poll}',
    description: 'Looks at a run or a thread, by outcome (ok, transient_error, outbox_full).',
    source: 'process',
    attributes: ['outcome'],
  },
  lastPoll: {
    name: 'assistants_bridge.poll.last_success_time',
    kind: 'gauge',
    unit: 's',
    description: 'Unix time of the last successful poll (the bridge start time until the first one).',
    source: 'process',
    attributes: [],
  },
  upstreamDeletions: {
    name: 'assistants_bridge.upstream_deletions',
    kind: 'counter',
    unit: '{object}',
    description: 'Tracked runs and threads the API says no longer exist (no longer tracked).',
    source: 'process',
    attributes: ['object'],
  },
  exportAttempts: {
    name: 'assistants_bridge.export.attempts',
    kind: 'counter',
    unit: '{request}',
    description: 'OTLP export requests for spans, retries included.',
    source: 'process',
    attributes: [],
  },
  exportFailures: {
    name: 'assistants_bridge.export.failures',
    kind: 'counter',
    unit: '{request}',
    description: 'Retryable OTLP export failures (the spans stay in the outbox and are retried).',
    source: 'process',
    attributes: [],
  },
  exportSpans: {
    name: 'assistants_bridge.export.spans',
    kind: 'counter',
    unit: '{span}',
    description: 'Spans by export outcome: exported, partially_rejected (the collector acknowledged but rejected them), dead_lettered.',
    source: 'process',
    attributes: ['outcome'],
  },
  lastExport: {
    name: 'assistants_bridge.export.last_success_time',
    kind: 'gauge',
    unit: 's',
    description: 'Unix time of the last acknowledged export (the bridge start time until the first one).',
    source: 'process',
    attributes: [],
  },
  exportLag: {
    name: 'assistants_bridge.export.lag',
    kind: 'histogram',
    unit: 's',
    description: "From a step's end (API time) to the collector's acknowledgement of its span.",
    source: 'process',
    attributes: [],
    buckets: EXPORT_LAG_BUCKETS,
  },
  outboxDepth: {
    name: 'assistants_bridge.outbox.depth',
    kind: 'gauge',
    unit: '{span}',
    description: 'Spans waiting in the outbox for the collector.',
    source: 'process',
    attributes: [],
  },
  outboxCapacity: {
    name: 'assistants_bridge.outbox.capacity',
    kind: 'gauge',
    unit: '{span}',
    description: 'Outbox size at which commits are refused (back-pressure).',
    source: 'process',
    attributes: [],
  },
  deadLetters: {
    name: 'assistants_bridge.dead_letters',
    kind: 'gauge',
    unit: '{span}',
    description: 'Spans in the dead-letter table (refused by the collector; kept for inspection).',
    source: 'process',
    attributes: [],
  },
  trackedRuns: {
    name: 'assistants_bridge.runs.tracked',
    kind: 'gauge',
    unit: '{run}',
    description: 'Tracked runs by state: active (still polled) or finished.',
    source: 'process',
    attributes: ['state'],
  },
  trackedThreads: {
    name: 'assistants_bridge.threads.tracked',
    kind: 'gauge',
    unit: '{thread}',
    description: 'Tracked threads (their new runs are discovered).',
    source: 'process',
    attributes: [],
  },
} as const satisfies Record<string, MetricSpec>;

export type MetricKey = keyof typeof METRICS;

export const ALL_METRICS: readonly MetricSpec[] = Object.values(METRICS);

/** Where the Prometheus names come from (DESIGN "Metrics"). */
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

/** Every series name the bridge exports on `path`, plus `target_info` (the resource). */
export function exportedSeriesNames(path: NamePath): Set<string> {
  const names = new Set<string>(['target_info']);
  for (const spec of ALL_METRICS) for (const n of prometheusNames(spec, path)) names.add(n);
  return names;
}

/** The store's own total behind `assistants_bridge.outbox.refused_commits`. */
export const STORED_REFUSED_COMMITS = OUTBOX_REFUSED_COMMITS_METRIC;
