// /_sim/agents control routes: no auth, never faulted. For tests and demos of the Agents API.
import { z } from 'zod';
import { isObject } from '../validate.js';
import { defined } from './defined.js';
import { isAgentTurnKind, AGENT_TURN_KINDS, HOSTILE_TURN_KINDS } from './plans.js';
import { DEFAULT_AGENTS_BEHAVIOUR, type AgentsWorld } from './world.js';
import { snapshotOf } from './worldgen.js';

export interface AgentsControlContext {
  method: string;
  /** Path below `/_sim/agents`. */
  path: string;
  body: unknown;
  agents: AgentsWorld;
}

export interface AgentsControlResult {
  status: number;
  body: unknown;
}

export const AgentsBehaviourSchema = z.strictObject({
  filterLagSeconds: z.number().int().nonnegative().optional(),
  oversizeStatus: z.union([z.literal(400), z.literal(413)]).optional(),
});

const problem = (status: number, message: string): AgentsControlResult => ({
  status,
  body: { error: { message, type: 'invalid_request_error', param: null, code: null } },
});

const KINDS = [...AGENT_TURN_KINDS, ...HOSTILE_TURN_KINDS].join(', ');

export function handleAgentsControl(ctx: AgentsControlContext): AgentsControlResult {
  const { agents } = ctx;
  const now = agents.now();
  agents.sync(now);
  const body = ctx.body === undefined ? {} : ctx.body;
  const route = `${ctx.method} ${ctx.path}`;
  if (route === 'GET /truth') return { status: 200, body: agents.truth() };
  if (route === 'GET /behaviour') return { status: 200, body: agents.behaviour };
  if (route === 'POST /behaviour') {
    const parsed = AgentsBehaviourSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return problem(400, `behaviour.${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
    }
    agents.behaviour = { ...DEFAULT_AGENTS_BEHAVIOUR, ...defined(parsed.data) };
    return { status: 200, body: agents.behaviour };
  }
  if (!isObject(body)) return problem(400, 'body must be a JSON object');
  if (route === 'POST /sessions') {
    const agent = typeof body.agentId === 'string' ? agents.findAgent(body.agentId, now) : agents.agents.find((a) => a.deletedAt === null);
    if (!agent) return problem(404, `no agent ${String(body.agentId)}`);
    const metadata = isObject(body.metadata)
      ? (Object.fromEntries(Object.entries(body.metadata).map(([k, v]) => [k, String(v)])) as Record<string, string>)
      : {};
    const session = agents.createSession(now, snapshotOf(agent), metadata);
    return { status: 200, body: { session_id: session.id, agent_id: agent.id } };
  }
  if (route === 'POST /turns') {
    const { sessionId, agentId, kind, publishDelaySeconds, autoAnswer } = body;
    if (sessionId !== undefined && typeof sessionId !== 'string') return problem(400, 'sessionId must be a string');
    if (kind !== undefined && !isAgentTurnKind(kind)) return problem(400, `kind must be one of ${KINDS}`);
    if (
      publishDelaySeconds !== undefined &&
      (typeof publishDelaySeconds !== 'number' || !Number.isInteger(publishDelaySeconds) || publishDelaySeconds < 0)
    ) {
      return problem(400, 'publishDelaySeconds must be a non-negative integer');
    }
    if (autoAnswer !== undefined && typeof autoAnswer !== 'boolean') return problem(400, 'autoAnswer must be a boolean');
    let session = sessionId === undefined ? undefined : agents.findSession(sessionId, now);
    if (sessionId !== undefined && !session) return problem(404, `no session ${sessionId}`);
    if (!session) {
      const agent = typeof agentId === 'string' ? agents.findAgent(agentId, now) : agents.agents.find((a) => a.deletedAt === null);
      if (!agent) return problem(404, `no agent ${String(agentId)}`);
      session = agents.createSession(now, snapshotOf(agent), {});
    }
    const turn = agents.createTurn(session, now, { kind, origin: 'control', publishDelaySeconds, autoAnswer });
    if (typeof turn === 'string') return problem(409, turn);
    return { status: 200, body: { session_id: session.id, turn_id: turn.id, kind: turn.plan.kind } };
  }
  const scripted = /^POST \/sessions\/([^/]+)\/next-turn$/.exec(route);
  if (scripted) {
    const session = agents.findSession(scripted[1] ?? '', now);
    if (!session) return problem(404, `no session ${scripted[1]}`);
    if (!isAgentTurnKind(body.kind)) return problem(400, `kind must be one of ${KINDS}`);
    agents.scriptNextClientTurn(session, body.kind);
    return { status: 200, body: { session_id: session.id, kind: body.kind } };
  }
  const deletion = /^DELETE \/sessions\/([^/]+)$/.exec(route);
  if (deletion) {
    const session = agents.findSession(deletion[1] ?? '', now);
    if (!session) return problem(404, `no session ${deletion[1]}`);
    agents.deleteSession(session, now, true);
    return { status: 200, body: { session_id: session.id, deleted_at: now } };
  }
  const trace = /^GET \/traces\/([^/]+)$/.exec(route);
  if (trace) {
    const json = agents.finalTrace(trace[1] ?? '');
    return json === null
      ? problem(404, `turn ${trace[1]} has no trace that will be listed`)
      : { status: 200, body: JSON.parse(json) as unknown };
  }
  return problem(404, `Invalid URL (${ctx.method} /_sim/agents${ctx.path})`);
}
