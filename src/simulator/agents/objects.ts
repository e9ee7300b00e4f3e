// The Agents API's JSON objects, shaped as the openai SDK's `beta.agents` types describe them.
import type { ApiObject } from '../state.js';
import { secondsAt, type TimedSubagent, type TurnStatus } from './layout.js';
import { functionDescription, type SubagentPlan, type TokenCounts } from './plans.js';
import type { AgentRecord, AgentSnapshot, SessionRecord, TurnRecord } from './state.js';

export function renderUsage(u: TokenCounts | null): ApiObject | null {
  if (u === null) return null;
  return {
    input_tokens: u.input,
    input_tokens_details: { cached_tokens: u.cached },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: u.reasoning },
    total_tokens: u.input + u.output,
  };
}

export function functionTool(name: string): ApiObject {
  return {
    type: 'function',
    name,
    description: functionDescription(name),
    parameters: { type: 'object', properties: {}, additionalProperties: true },
    defer_loading: false,
  };
}

const multiAgent = (enabled: boolean): ApiObject => ({ enabled, max_concurrent_subagents: enabled ? 6 : null });

const agentConfig = (a: { model: string; instructions: string | null; tools: ApiObject[]; multiAgent: boolean }): ApiObject => ({
  model: a.model,
  instructions: a.instructions,
  multi_agent: multiAgent(a.multiAgent),
  reasoning: { effort: null, summary: null },
  service_tier: 'auto',
  text: { format: { type: 'text' }, verbosity: 'medium' },
  tools: a.tools,
  compaction: { async: true },
  experimental: { time_awareness: false },
});

export function renderAgent(a: AgentRecord): ApiObject {
  return {
    id: a.id,
    object: 'agent',
    created_at: a.createdAt,
    updated_at: a.updatedAt,
    name: a.name,
    metadata: a.metadata,
    ...agentConfig(a),
  };
}

export function renderSessionAgent(a: AgentSnapshot): ApiObject {
  return { id: a.id, name: a.name, ...agentConfig(a) };
}

export interface SessionView {
  status: 'idle' | 'in_progress' | 'requires_action' | 'failed';
  lastActiveAt: number;
  usage: TokenCounts | null;
  requiredActions: ApiObject[];
  metadata: Record<string, string>;
}

export function renderSession(s: SessionRecord, view: SessionView): ApiObject {
  return {
    id: s.id,
    object: 'agent.session',
    agent: renderSessionAgent(s.agent),
    created_at: s.createdAt,
    environment: { type: 'none' },
    error: null,
    last_active_at: view.lastActiveAt,
    metadata: view.metadata,
    required_actions: view.requiredActions,
    status: view.status,
    usage: renderUsage(view.usage),
    vault_ids: [],
  };
}

export interface TurnView {
  id: string;
  agentId: string;
  sessionId: string;
  subagentId: string | null;
  status: TurnStatus;
  createdAt: number;
  startedAt: number | null;
  completedAt: number | null;
  usage: TokenCounts | null;
  error: { code: string; message: string } | null;
}

export function renderTurn(t: TurnView): ApiObject {
  return {
    id: t.id,
    object: 'agent.session.turn',
    agent_id: t.agentId,
    session_id: t.sessionId,
    subagent_id: t.subagentId,
    status: t.status,
    created_at: t.createdAt,
    started_at: t.startedAt,
    completed_at: t.completedAt,
    usage: renderUsage(t.usage),
    error: t.error,
    prompt_cache_options: null,
  };
}

/** A subagent of a root turn, as its layout places it. */
export interface SubagentRef {
  id: string;
  turnId: string;
  root: TurnRecord;
  step: number;
  index: number;
  plan: SubagentPlan;
  timed: TimedSubagent;
  /** When the root turn closed it: the end of the step that waited for it. */
  closedNs: number | null;
}

export function renderSubagent(session: SessionRecord, ref: SubagentRef, offsetNs: number): ApiObject {
  const closedNs = ref.closedNs !== null && offsetNs >= ref.closedNs ? ref.closedNs : null;
  return {
    id: ref.id,
    object: 'agent.session.subagent',
    session_id: session.id,
    parent_agent_id: session.agent.id,
    name: ref.plan.name,
    instructions: [{ type: 'output_text', text: ref.plan.task }],
    opened_at: secondsAt(ref.root.createdAt, ref.timed.startNs),
    closed_at: closedNs === null ? null : secondsAt(ref.root.createdAt, closedNs),
    status: closedNs === null ? 'active' : 'closed',
  };
}
