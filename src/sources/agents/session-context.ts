// What mapping a session's turns needs besides the turns, recorded when the bridge first sees the
// session and read from the record after: a restart or an agent renamed upstream never changes
// a span or a metric label already made.
import { isObj } from '../../mapping/json-values.js';

export interface AgentSessionContext {
  sessionId: string;
  /** The session's agent (`session.agent.id`), as it was when the session was created. */
  agentId: string | null;
  /** Its name; null when the agent has none. */
  agentName: string | null;
  /** Its model (`session.agent.model`). */
  model: string | null;
  /** Unix seconds when the bridge first saw the session: work that ended well before is history. */
  firstSeenSeconds: number;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * The context of a session as the API shows it (`session.agent` holds the agent as it was when
 * the session was created), first seen at `nowSeconds`. Odd fields cost themselves only.
 */
export function sessionContextFrom(sessionId: string, session: unknown, nowSeconds: number): AgentSessionContext {
  const agent = isObj(session) && isObj(session.agent) ? session.agent : {};
  return { sessionId, agentId: text(agent.id), agentName: text(agent.name), model: text(agent.model), firstSeenSeconds: nowSeconds };
}

/** A recorded context read back; null when `raw` is not one (never recorded, or written by something else). */
export function readSessionContext(raw: unknown): AgentSessionContext | null {
  if (!isObj(raw) || typeof raw.sessionId !== 'string' || typeof raw.firstSeenSeconds !== 'number') return null;
  const orNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return {
    sessionId: raw.sessionId,
    agentId: orNull(raw.agentId),
    agentName: orNull(raw.agentName),
    model: orNull(raw.model),
    firstSeenSeconds: raw.firstSeenSeconds,
  };
}
