// The agents source's metrics come from turns, not traces, so they count even when a trace never
// appears. A root turn counts by status (and error code), duration and queue time when the bridge
// first sees it terminal; a turn's tokens count when it settles (usage is best effort until then),
// every turn's, a subagent's too, since a root turn's usage is its own agent's only; a settled
// root turn without a forwarded trace counts as a missing trace. Labels name the session's agent
// and model as frozen with the session; each observation says whether it is history.
import type { MetricObservation } from '../../core/observation.js';
import { truncate } from '../../mapping/limits.js';
import { statusFor } from '../../mapping/status.js';
import { readTokenUsage } from '../../mapping/token-usage.js';
import { GENAI_V010_METRICS, METRICS, type MetricSpec } from '../../metrics/catalog.js';
import { isHistory } from '../../metrics/history.js';
import { tokenObservations } from '../../metrics/token-observations.js';
import {
  ATTR_BRIDGE_HISTORY,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
} from '../../semconv/attributes.js';
import { ATTR_BRIDGE_TRACE_UNAVAILABLE, ATTR_OPENAI_AGENTS_TURN_STATUS, type TraceUnavailable } from './attributes.js';
import type { AgentSessionContext } from './session-context.js';
import type { TurnFacts } from './turn.js';
import { registerObservedMetrics } from '../../metrics/stored-totals.js';

/** Who a turn total is about, and whether it is history. */
const TURN_LABELS = [
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_BRIDGE_HISTORY,
] as const;

/** The source's own metrics; it records tokens and durations into the shared gen_ai.client.* ones too. */
export const AGENTS_METRICS = {
  turns: {
    name: 'openai.agents.turns',
    kind: 'counter',
    unit: '{turn}',
    description: 'Finished root turns of Agents API sessions, by final status and error code (error.type).',
    source: 'store',
    attributes: [ATTR_OPENAI_AGENTS_TURN_STATUS, ATTR_ERROR_TYPE, ...TURN_LABELS],
  },
  turnDuration: {
    name: 'openai.agents.turn.duration',
    kind: 'histogram',
    unit: 's',
    description: 'Duration of finished root turns, from created_at to completed_at (whole API seconds), by final status.',
    source: 'store',
    attributes: [ATTR_OPENAI_AGENTS_TURN_STATUS, ...TURN_LABELS],
    buckets: METRICS.runDuration.buckets,
  },
  queueDuration: {
    name: 'openai.agents.turn.queue.duration',
    kind: 'histogram',
    unit: 's',
    description:
      'Time finished root turns waited to start, from created_at to started_at (whole API seconds); turns that never started are not in it.',
    source: 'store',
    attributes: TURN_LABELS,
    buckets: METRICS.queueDuration.buckets,
  },
  missingTraces: {
    name: 'openai.agents.traces.missing',
    kind: 'counter',
    unit: '{trace}',
    description: 'Settled root turns without a forwarded trace (a synthetic span stands in), by why: not_published, too_large, unreadable.',
    source: 'store',
    attributes: [ATTR_BRIDGE_TRACE_UNAVAILABLE, ...TURN_LABELS],
  },
} as const satisfies Record<string, MetricSpec>;

/** Every metric the source observes: the registry stores each as its spec says. */
export const AGENTS_OBSERVED_METRICS: readonly MetricSpec[] = [
  AGENTS_METRICS.turns,
  AGENTS_METRICS.turnDuration,
  AGENTS_METRICS.queueDuration,
  AGENTS_METRICS.missingTraces,
  METRICS.tokenUsage,
  METRICS.operationDuration,
  GENAI_V010_METRICS.cacheReadTokens,
  GENAI_V010_METRICS.reasoningTokens,
];
// Known to stored totals as this module loads: a state file opened by a tool or a test stores what it observes.
registerObservedMetrics([{ metrics: AGENTS_OBSERVED_METRICS }]);

/** Agent names are for people: a huge one must not become a huge label value. */
const AGENT_NAME_MAX = 128;

export interface TurnMetricsInput {
  turn: TurnFacts;
  session: AgentSessionContext;
  /** The bridge sees the turn terminal for the first time: its status, duration and queue time count now. */
  firstSeenTerminal: boolean;
  /** The turn settles now: its tokens count now. */
  settled: boolean;
  /** Settled without a forwarded trace, and why (root turns only). */
  missingTrace?: TraceUnavailable | null;
}

/** What one commit records for a turn; each kind of observation once per turn, as the caller's flags say. */
export function turnObservations(input: TurnMetricsInput): MetricObservation[] {
  const { turn, session } = input;
  const history = isHistory(turn.completedAt, session.firstSeenSeconds);
  const labels: Record<string, string> = {
    [ATTR_GEN_AI_REQUEST_MODEL]: session.model ?? 'unknown',
    [ATTR_GEN_AI_AGENT_ID]: session.agentId ?? turn.agentId ?? 'unknown',
    ...(session.agentName ? { [ATTR_GEN_AI_AGENT_NAME]: truncate(session.agentName, AGENT_NAME_MAX) } : {}),
  };
  const observe = (spec: MetricSpec, extra: Record<string, string>, value: number): MetricObservation => ({
    name: spec.name,
    labels: { ...extra, ...labels },
    value,
    history,
  });
  const root = turn.subagentId === null;
  const out: MetricObservation[] = [];
  if (root && input.firstSeenTerminal) {
    const status = turn.status ?? 'unknown';
    const errorType = statusFor(turn.status, turn.error).errorType;
    const error: Record<string, string> = errorType ? { [ATTR_ERROR_TYPE]: errorType } : {};
    out.push(observe(AGENTS_METRICS.turns, { [ATTR_OPENAI_AGENTS_TURN_STATUS]: status, ...error }, 1));
    const duration = secondsBetween(turn.createdAt, turn.completedAt);
    if (duration !== null) {
      out.push(observe(AGENTS_METRICS.turnDuration, { [ATTR_OPENAI_AGENTS_TURN_STATUS]: status }, duration));
      out.push(
        observe(METRICS.operationDuration, { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT, ...error }, duration),
      );
    }
    const queued = secondsBetween(turn.createdAt, turn.startedAt);
    if (queued !== null) out.push(observe(AGENTS_METRICS.queueDuration, {}, queued));
  }
  if (input.settled) {
    const usage = readTokenUsage(turn.usage);
    const operation = { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT };
    out.push(...tokenObservations(usage, operation, observe));
    if (root && input.missingTrace) {
      out.push(observe(AGENTS_METRICS.missingTraces, { [ATTR_BRIDGE_TRACE_UNAVAILABLE]: input.missingTrace }, 1));
    }
  }
  return out;
}

/** Whole API seconds from `from` to `to`; null when either is unknown. */
function secondsBetween(from: number | null, to: number | null): number | null {
  return from === null || to === null ? null : Math.max(0, Math.floor(to) - Math.floor(from));
}
