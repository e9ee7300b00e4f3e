// What mapping a session's turns needs besides the turns, recorded when the bridge first sees the
// session and read from the record after: a restart or an agent renamed upstream never changes
// a span or a metric label already made.

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
