// Attribute names of the Agents API's own objects (sessions, turns), which the GenAI conventions
// do not name, and the bridge's marks on what it made itself rather than forwarded.

export const ATTR_OPENAI_AGENTS_SESSION_ID = 'openai.agents.session.id';
export const ATTR_OPENAI_AGENTS_TURN_ID = 'openai.agents.turn.id';
export const ATTR_OPENAI_AGENTS_TURN_STATUS = 'openai.agents.turn.status';

/** Where a span came from: `synthetic` for the one the bridge makes when a turn's trace is missing. */
export const ATTR_BRIDGE_TRACE_SOURCE = 'assistants_bridge.trace_source';
export const TRACE_SOURCE_VALUE_SYNTHETIC = 'synthetic';

/** Why a settled turn has no forwarded trace (see TraceUnavailable). */
export const ATTR_BRIDGE_TRACE_UNAVAILABLE = 'assistants_bridge.trace_unavailable';

/**
 * `not_published`: no span of the turn was ever listed; `too_large`: the API refused even a page
 * of one trace; `unreadable`: the trace was listed but held no span a reader could accept.
 */
export type TraceUnavailable = 'not_published' | 'too_large' | 'unreadable';
