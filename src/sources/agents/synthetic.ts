// A settled root turn of which no span was ever forwarded (never published, too large to list,
// or unreadable) gets one span of its own, so that a failed turn is never invisible: an
// `invoke_agent` CLIENT span over the turn's lifetime, its status as for runs, its ids from the
// turn id.
import { compareNanos, SpanKindName, type SpanRecord } from '../../core/span-record.js';
import { statusFor } from '../../mapping/status.js';
import { usageAttributes } from '../../mapping/token-usage.js';
import {
  ATTR_BRIDGE_END_CLAMPED,
  ATTR_BRIDGE_END_UNKNOWN,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
} from '../../semconv/attributes.js';
import {
  ATTR_BRIDGE_TRACE_SOURCE,
  ATTR_BRIDGE_TRACE_UNAVAILABLE,
  ATTR_OPENAI_AGENTS_TURN_STATUS,
  TRACE_SOURCE_VALUE_SYNTHETIC,
  type TraceUnavailable,
} from './attributes.js';
import { syntheticSpanId, syntheticSpanKey, syntheticTraceId } from './keys.js';
import { rootTurnAttributes } from './root-turn.js';
import type { AgentSessionContext } from './session-context.js';
import { turnEndNanos, turnStartNanos, type TurnFacts } from './turn.js';
import { limitAttributes, type AttributeLimits } from './value-limits.js';

/** What the bridge saw of a root turn's trace until the turn settled. */
export interface TraceSighting {
  /** A list entry for the turn was read at least once. */
  listed: boolean;
  /** Valid spans ever read from it. */
  spans: number;
  /** A traces page starting with the turn was refused as too large even at a limit of 1. */
  tooLarge: boolean;
}

/**
 * Why a settled turn needs a synthetic span; null when it needs none: some span of its trace was
 * read, or it is a subagent's turn (those belong to their root turn's trace).
 */
export function missingTrace(turn: TurnFacts, seen: TraceSighting): TraceUnavailable | null {
  if (turn.subagentId !== null || seen.spans > 0) return null;
  if (seen.tooLarge) return 'too_large';
  return seen.listed ? 'unreadable' : 'not_published';
}

export interface SyntheticSpanInput {
  turn: TurnFacts;
  session: AgentSessionContext;
  reason: TraceUnavailable;
  /** The turn ended long before the bridge first saw its session. */
  history: boolean;
  limits: AttributeLimits;
}

/** Sampled: the bridge exports every span it makes. */
const SAMPLED = 1;

export function syntheticTurnSpan(input: SyntheticSpanInput): SpanRecord {
  const { turn, session } = input;
  const end = turnEndNanos(turn);
  // A turn shows at least created_at; should it not, the span sits at its end, or at 0 and says so.
  const start = turnStartNanos(turn) ?? end ?? '0';
  const endUnknown = end === null;
  const clamped = end !== null && compareNanos(end, start) < 0;
  const status = statusFor(turn.status, turn.error);
  const attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
    ...rootTurnAttributes({ sessionId: session.sessionId, turnId: turn.id, agentId: turn.agentId ?? session.agentId }),
    ...(session.agentName ? { [ATTR_GEN_AI_AGENT_NAME]: session.agentName } : {}),
    ...(session.model ? { [ATTR_GEN_AI_REQUEST_MODEL]: session.model } : {}),
    ...Object.fromEntries(usageAttributes(turn.usage)),
    ...(turn.status === null ? {} : { [ATTR_OPENAI_AGENTS_TURN_STATUS]: turn.status }),
    ...(status.errorType ? { [ATTR_ERROR_TYPE]: status.errorType } : {}),
    [ATTR_BRIDGE_TRACE_SOURCE]: TRACE_SOURCE_VALUE_SYNTHETIC,
    [ATTR_BRIDGE_TRACE_UNAVAILABLE]: input.reason,
    ...(endUnknown ? { [ATTR_BRIDGE_END_UNKNOWN]: true } : {}),
    ...(clamped ? { [ATTR_BRIDGE_END_CLAMPED]: true } : {}),
  };
  const limited = limitAttributes(attributes, input.limits);
  return {
    traceId: syntheticTraceId(turn.id),
    spanId: syntheticSpanId(turn.id),
    parent: null,
    traceFlags: SAMPLED,
    name: session.agentName ? `${GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT} ${session.agentName}` : GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
    kind: SpanKindName.CLIENT,
    start,
    end: end === null || clamped ? start : end,
    status: { code: status.code, ...(status.message ? { message: status.message } : {}) },
    attributes: limited.attributes,
    droppedAttributesCount: limited.dropped,
    key: syntheticSpanKey(turn.id),
    unit: session.sessionId,
    ...(input.history ? { history: true as const } : { lagSample: true as const }),
  };
}
