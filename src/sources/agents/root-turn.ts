// The root turn span is the published span with no parent (no span name is relied on). The bridge
// adds what tells a backend whose turn it is, where the span lacks it, and never changes a value
// that is present.
import type { AttributeValue, Attributes } from '../../core/span-record.js';
import { ATTR_GEN_AI_AGENT_ID, ATTR_GEN_AI_CONVERSATION_ID, ATTR_GEN_AI_PROVIDER_NAME } from '../../semconv/attributes.js';
import { ATTR_OPENAI_AGENTS_SESSION_ID, ATTR_OPENAI_AGENTS_TURN_ID } from './attributes.js';
import type { PublishedSpan } from './otlp-json.js';
import { setAttribute } from './otlp-values.js';

/** The Agents API is OpenAI's alone. */
export const AGENTS_PROVIDER_NAME = 'openai';

export interface RootTurnIdentity {
  sessionId: string;
  /** The root turn (the trace entry's id). */
  turnId: string | null;
  /** The turn's agent, else the session's. */
  agentId: string | null;
}

export const isRootTurnSpan = (span: Pick<PublishedSpan, 'parent'>): boolean => span.parent === null;

/** The attributes a root turn span carries, from what the bridge knows of the turn. */
export function rootTurnAttributes(turn: RootTurnIdentity): Attributes {
  const out: Attributes = {
    [ATTR_GEN_AI_CONVERSATION_ID]: turn.sessionId,
    [ATTR_GEN_AI_PROVIDER_NAME]: AGENTS_PROVIDER_NAME,
    [ATTR_OPENAI_AGENTS_SESSION_ID]: turn.sessionId,
  };
  if (turn.agentId !== null) out[ATTR_GEN_AI_AGENT_ID] = turn.agentId;
  if (turn.turnId !== null) out[ATTR_OPENAI_AGENTS_TURN_ID] = turn.turnId;
  return out;
}

/**
 * The root span with the turn's attributes it lacks put first (so the count limit, which keeps
 * the first attributes, never drops them); the same span when it lacks none.
 */
export function completeRootSpan<S extends PublishedSpan>(span: S, turn: RootTurnIdentity): S {
  const missing = Object.entries(rootTurnAttributes(turn)).filter(([key]) => !Object.hasOwn(span.attributes, key));
  if (missing.length === 0) return span;
  const attributes: Attributes = Object.fromEntries(missing);
  for (const key in span.attributes) setAttribute(attributes, key, span.attributes[key] as AttributeValue);
  return { ...span, attributes };
}
