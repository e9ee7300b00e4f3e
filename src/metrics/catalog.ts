// Every metric the bridge exports, in one place: the instruments are built from it, the stored
// totals are read through it, and the tests check dashboards and alert rules against it.
import type { GenAiConventions } from '../config/semconv.js';
import {
  ATTR_BRIDGE_HISTORY,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_TOKEN_MODALITY,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  LABEL_METHOD,
  LABEL_OBJECT,
  LABEL_OUTCOME,
  LABEL_PRIORITY,
  LABEL_REASON,
  LABEL_ROUTE,
  LABEL_STATE,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
  GEN_AI_TOKEN_TYPE_VALUE_INPUT,
  GEN_AI_TOKEN_TYPE_VALUE_OUTPUT,
} from '../semconv/attributes.js';
import { ATTR_OPENAI_RUN_STATUS, ATTR_OPENAI_RUN_STEP_STATUS, ATTR_OPENAI_RUN_STEP_TYPE } from '../sources/assistants/attributes.js';

export type MetricKind = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  /** OpenTelemetry name (dots); Prometheus shows it with underscores and, through OTLP, a unit suffix. */
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
const RUN_DURATION_BUCKETS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200] as const;
/** Whole API seconds from created_at to started_at: mostly 0, minutes when the service is saturated. */
const QUEUE_DURATION_BUCKETS = [0, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600] as const;
/** From a step's end (whole API seconds) to the collector's acknowledgement; history never enters it. */
export const EXPORT_LAG_BUCKETS = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600, 21600, 86400] as const;

/** Who and what every run total is about, and whether it is history (see history.ts). */
const RUN_LABELS = [
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_BRIDGE_HISTORY,
] as const;

export const METRICS = {
  tokenUsage: {
    name: 'gen_ai.client.token.usage',
    kind: 'histogram',
    unit: '{token}',
    description: 'Tokens per model call (a run step), by token type; from the run, once, when none of its steps reports usage.',
    source: 'store',
    attributes: [ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_TOKEN_TYPE, ...RUN_LABELS],
    buckets: TOKEN_USAGE_BUCKETS,
  },
  operationDuration: {
    name: 'gen_ai.client.operation.duration',
    kind: 'histogram',
    unit: 's',
    description:
      'Duration by operation, from the API timestamps (whole seconds): invoke_agent a run (created_at to its end), chat a message-creation step (model time), execute_tool each tool call (its tool-call step: the tool and the wait for its output).',
    source: 'store',
    attributes: [ATTR_GEN_AI_OPERATION_NAME, ...RUN_LABELS, ATTR_GEN_AI_TOOL_NAME, ATTR_GEN_AI_TOOL_TYPE, ATTR_ERROR_TYPE],
    buckets: OPERATION_DURATION_BUCKETS,
  },
  runDuration: {
    name: 'assistants.run.duration',
    kind: 'histogram',
    unit: 's',
    description: 'Duration of finished runs, from created_at to their end, from the API timestamps.',
    source: 'store',
    attributes: [ATTR_OPENAI_RUN_STATUS, ...RUN_LABELS],
    buckets: RUN_DURATION_BUCKETS,
  },
  queueDuration: {
    name: 'assistants.run.queue.duration',
    kind: 'histogram',
    unit: 's',
    description:
      'Time finished runs waited in the queue, from created_at to started_at (whole API seconds); runs that never started are not in it.',
    source: 'store',
    attributes: RUN_LABELS,
    buckets: QUEUE_DURATION_BUCKETS,
  },
  runs: {
    name: 'assistants.runs',
    kind: 'counter',
    unit: '{run}',
    description: 'Finished runs, by final status.',
    source: 'store',
    attributes: [ATTR_OPENAI_RUN_STATUS, ...RUN_LABELS],
  },
  steps: {
    name: 'assistants.steps',
    kind: 'counter',
    unit: '{step}',
    description: 'Finished run steps, by final status and type.',
    source: 'store',
    attributes: [ATTR_OPENAI_RUN_STEP_STATUS, ATTR_OPENAI_RUN_STEP_TYPE, ...RUN_LABELS],
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
    attributes: [LABEL_ROUTE, LABEL_METHOD, LABEL_OUTCOME],
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
    attributes: [LABEL_PRIORITY],
  },
  polls: {
    name: 'assistants_bridge.polls',
    kind: 'counter',
    unit: '{poll}',
    description: 'Looks at a run or a thread, by outcome (ok, transient_error, outbox_full).',
    source: 'process',
    attributes: [LABEL_OUTCOME],
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
    attributes: [LABEL_OBJECT],
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
    attributes: [LABEL_OUTCOME],
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
    attributes: [LABEL_STATE],
  },
  trackedThreads: {
    name: 'assistants_bridge.threads.tracked',
    kind: 'gauge',
    unit: '{thread}',
    description: 'Tracked threads (their new runs are discovered).',
    source: 'process',
    attributes: [],
  },
  webhooksReceived: {
    name: 'assistants_bridge.webhooks.received',
    kind: 'counter',
    unit: '{delivery}',
    description: 'Requests to a webhook route a source registered (POST /v1/webhooks/{route}), whatever became of them.',
    source: 'process',
    attributes: [],
  },
  webhooksVerified: {
    name: 'assistants_bridge.webhooks.verified',
    kind: 'counter',
    unit: '{delivery}',
    description: 'Webhook deliveries whose signature and timestamp verified.',
    source: 'process',
    attributes: [],
  },
  webhooksRejected: {
    name: 'assistants_bridge.webhooks.rejected',
    kind: 'counter',
    unit: '{delivery}',
    description: 'Webhook deliveries refused with nothing done, by reason: bad_signature, stale, malformed (400), too_large (413).',
    source: 'process',
    attributes: [LABEL_REASON],
  },
  webhooksHandled: {
    name: 'assistants_bridge.webhooks.handled',
    kind: 'counter',
    unit: '{delivery}',
    description:
      'Webhook deliveries by outcome: accepted (its work tracked; once per webhook id), replayed and unclaimed (200, nothing done), in_flight_duplicate (409) and error (5xx; the sender retries both).',
    source: 'process',
    attributes: [LABEL_OUTCOME],
  },
  webhooksLastVerified: {
    name: 'assistants_bridge.webhooks.last_verified_time',
    kind: 'gauge',
    unit: 's',
    description: 'Unix time of the last webhook delivery that verified (the bridge start time until the first one).',
    source: 'process',
    attributes: [],
  },
} as const satisfies Record<string, MetricSpec>;

const TOKEN_COUNTER_LABELS = [ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_TOKEN_MODALITY, ...RUN_LABELS] as const;

/**
 * Exported instead of `gen_ai.client.token.usage` and `gen_ai.client.operation.duration` when
 * OTEL_SEMCONV_STABILITY_OPT_IN has `gen_ai_latest_experimental`: the names of the GenAI
 * semantic conventions v0.1.0. They are views of the same stored totals, so switching loses nothing.
 */
export const GENAI_V010_METRICS = {
  invokeAgentDuration: {
    name: 'gen_ai.invoke_agent.duration',
    kind: 'histogram',
    unit: 's',
    description: 'Duration of runs (agent invocations), from created_at to their end (whole API seconds).',
    source: 'store',
    attributes: [...RUN_LABELS, ATTR_ERROR_TYPE],
    buckets: OPERATION_DURATION_BUCKETS,
  },
  inferenceDuration: {
    name: 'gen_ai.client.inference.duration',
    kind: 'histogram',
    unit: 's',
    description: 'Duration of model calls: message-creation steps, from created_at to their end (whole API seconds).',
    source: 'store',
    attributes: [ATTR_GEN_AI_OPERATION_NAME, ...RUN_LABELS, ATTR_ERROR_TYPE],
    buckets: OPERATION_DURATION_BUCKETS,
  },
  executeToolDuration: {
    name: 'gen_ai.execute_tool.duration',
    kind: 'histogram',
    unit: 's',
    description: 'Duration of tool calls: their tool-call step (the tool and the wait for its output), whole API seconds.',
    source: 'store',
    attributes: [ATTR_GEN_AI_TOOL_NAME, ATTR_GEN_AI_TOOL_TYPE, ...RUN_LABELS, ATTR_ERROR_TYPE],
    buckets: OPERATION_DURATION_BUCKETS,
  },
  inputTokens: {
    name: 'gen_ai.client.inference.usage.input_tokens',
    kind: 'counter',
    unit: '{token}',
    description: 'Input tokens, cached ones included; from the run when none of its steps reports usage.',
    source: 'store',
    attributes: TOKEN_COUNTER_LABELS,
  },
  outputTokens: {
    name: 'gen_ai.client.inference.usage.output_tokens',
    kind: 'counter',
    unit: '{token}',
    description: 'Output tokens, reasoning ones included; from the run when none of its steps reports usage.',
    source: 'store',
    attributes: TOKEN_COUNTER_LABELS,
  },
  cacheReadTokens: {
    name: 'gen_ai.client.inference.usage.cache_read.input_tokens',
    kind: 'counter',
    unit: '{token}',
    description: 'Input tokens served from the provider cache, where the service reports them.',
    source: 'store',
    attributes: TOKEN_COUNTER_LABELS,
  },
  reasoningTokens: {
    name: 'gen_ai.client.inference.usage.reasoning.output_tokens',
    kind: 'counter',
    unit: '{token}',
    description: 'Output tokens spent on reasoning, where the service reports them.',
    source: 'store',
    attributes: TOKEN_COUNTER_LABELS,
  },
  operationInputTokens: {
    name: 'gen_ai.client.inference.operation.input_tokens',
    kind: 'histogram',
    unit: '{token}',
    description: 'Input tokens per model call (a run step that reports usage).',
    source: 'store',
    attributes: [ATTR_GEN_AI_OPERATION_NAME, ...RUN_LABELS],
    buckets: TOKEN_USAGE_BUCKETS,
  },
  operationOutputTokens: {
    name: 'gen_ai.client.inference.operation.output_tokens',
    kind: 'histogram',
    unit: '{token}',
    description: 'Output tokens per model call (a run step that reports usage).',
    source: 'store',
    attributes: [ATTR_GEN_AI_OPERATION_NAME, ...RUN_LABELS],
    buckets: TOKEN_USAGE_BUCKETS,
  },
} as const satisfies Record<string, MetricSpec>;

/** The totals the state store keeps (histograms as `name#bucket` and `name#sum`). */
export const STORED = {
  runs: METRICS.runs.name,
  steps: METRICS.steps.name,
  tokenUsage: METRICS.tokenUsage.name,
  operationDuration: METRICS.operationDuration.name,
  runDuration: METRICS.runDuration.name,
  queueDuration: METRICS.queueDuration.name,
  /** Counted always, exported only under the GenAI v0.1.0 names (the default conventions have no such metric). */
  cacheReadTokens: GENAI_V010_METRICS.cacheReadTokens.name,
  reasoningTokens: GENAI_V010_METRICS.reasoningTokens.name,
  /** Kept under an older name than the one it is exported as: state files already hold it. */
  refusedCommits: 'bridge.outbox.refused_commits',
} as const;

/** How one exported metric is read from the stored totals. */
export interface StoreView {
  spec: MetricSpec;
  /** The stored total it reads. */
  stored: string;
  /** A stored histogram exported as the counter of its sum. */
  sumOf?: true;
  /** Only the totals whose labels have these values. */
  where?: Readonly<Record<string, string>>;
  /** Attributes every point gets. */
  fixed?: Readonly<Record<string, string>>;
}

const COMMON_VIEWS: readonly StoreView[] = [
  { spec: METRICS.runs, stored: STORED.runs },
  { spec: METRICS.steps, stored: STORED.steps },
  { spec: METRICS.outboxRefusedCommits, stored: STORED.refusedCommits },
  { spec: METRICS.runDuration, stored: STORED.runDuration },
  { spec: METRICS.queueDuration, stored: STORED.queueDuration },
];

const DEFAULT_VIEWS: readonly StoreView[] = [
  ...COMMON_VIEWS,
  { spec: METRICS.tokenUsage, stored: STORED.tokenUsage },
  { spec: METRICS.operationDuration, stored: STORED.operationDuration },
];

const G = GENAI_V010_METRICS;
/** The v0.1.0 token counters give no modality; the Assistants API does not break usage down by one. */
const UNKNOWN_MODALITY = { [ATTR_GEN_AI_TOKEN_MODALITY]: 'unknown' };
const GENAI_V010_VIEWS: readonly StoreView[] = [
  ...COMMON_VIEWS,
  {
    spec: G.invokeAgentDuration,
    stored: STORED.operationDuration,
    where: { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT },
  },
  {
    spec: G.inferenceDuration,
    stored: STORED.operationDuration,
    where: { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT },
  },
  {
    spec: G.executeToolDuration,
    stored: STORED.operationDuration,
    where: { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL },
  },
  {
    spec: G.inputTokens,
    stored: STORED.tokenUsage,
    sumOf: true,
    where: { [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_INPUT },
    fixed: UNKNOWN_MODALITY,
  },
  {
    spec: G.outputTokens,
    stored: STORED.tokenUsage,
    sumOf: true,
    where: { [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_OUTPUT },
    fixed: UNKNOWN_MODALITY,
  },
  { spec: G.cacheReadTokens, stored: STORED.cacheReadTokens, fixed: UNKNOWN_MODALITY },
  { spec: G.reasoningTokens, stored: STORED.reasoningTokens, fixed: UNKNOWN_MODALITY },
  {
    spec: G.operationInputTokens,
    stored: STORED.tokenUsage,
    where: { [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_INPUT, [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT },
  },
  {
    spec: G.operationOutputTokens,
    stored: STORED.tokenUsage,
    where: { [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_OUTPUT, [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT },
  },
];

/** Stored totals the views above read (under either conventions); another stored metric is exported as itself. */
const READ_BY_VIEWS = new Set([...DEFAULT_VIEWS, ...GENAI_V010_VIEWS].map((v) => v.stored));

/**
 * How the stored totals are exported under `conventions`: the views above, and each other stored
 * metric a source observes (`observed`, the sources' catalogs) under its own name.
 */
export function storeViews(conventions: GenAiConventions, observed: Iterable<MetricSpec> = []): readonly StoreView[] {
  const base = conventions === 'genai-0.1.0' ? GENAI_V010_VIEWS : DEFAULT_VIEWS;
  const own = [...observed].filter((spec) => spec.source === 'store' && !READ_BY_VIEWS.has(spec.name));
  return [...base, ...own.map((spec) => ({ spec, stored: spec.name }))];
}
