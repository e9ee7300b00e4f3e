// The agents source's control routes: add, list and remove tracked sessions. Changes go through the
// watch, so looks start or stop at once, and are kept in the state file, so they survive a restart.
//   POST   /v1/agent-sessions               {"session_id"}: 201 newly tracked, 200 already tracked; {"agent_session":{...}}
//   GET    /v1/agent-sessions               {"agent_sessions":[{"session_id","status","terminal","origin","added_at"}]}
//   GET    /v1/agent-sessions/{session_id}  {"agent_session":{...}}; 404 when not tracked
//   DELETE /v1/agent-sessions/{session_id}  200 {"session_id","removed":true}; 404 when not tracked
//   POST   /v1/agents                       {"agent_id"}: every session of the agent; 201 newly followed, 200 already; {"agent":{...}}
//   GET    /v1/agents                       {"agents":[{"agent_id","status","origin","added_at"}]}
//   GET    /v1/agents/{agent_id}            {"agent":{...}}; 404 when not followed
//   DELETE /v1/agents/{agent_id}            200 {"agent_id","removed":true}: the sessions found stay tracked
import type { Logger } from 'pino';
import { present } from '../../core/present.js';
import { HttpError, type Reply } from '../../control/http-reply.js';
import { readJsonObject } from '../../control/json-body.js';
import { onlyFields, validId } from '../../control/route-input.js';
import type { Route } from '../../control/router.js';
import type { StateStore } from '../../state/store.js';
import type { TrackedUnit } from '../../state/types.js';
import { AGENTS, type AgentsWatch } from './watch.js';

const SESSION = 'session';
const AGENT = 'agent';

export function sessionView(unit: TrackedUnit): Record<string, unknown> {
  return {
    session_id: unit.id,
    status: unit.status,
    terminal: unit.terminal,
    origin: unit.origin,
    added_at: new Date(unit.addedAt).toISOString(),
  };
}

export function agentView(unit: TrackedUnit): Record<string, unknown> {
  return { agent_id: unit.id, status: unit.status, origin: unit.origin, added_at: new Date(unit.addedAt).toISOString() };
}

export function agentSessionRoutes(watch: AgentsWatch, store: StateStore, log: Logger): Route[] {
  const tracked = (sessionId: string): TrackedUnit => {
    const unit = store.getUnit({ source: AGENTS, kind: SESSION, id: sessionId });
    if (!unit || unit.removed) throw new HttpError(404, `agent session ${sessionId} is not tracked`, 'session_id');
    return unit;
  };
  return [
    {
      path: /^\/v1\/agent-sessions$/,
      control: true,
      methods: {
        GET: (): Reply => ({ status: 200, body: { agent_sessions: store.listUnits(AGENTS, SESSION).map(sessionView) } }),
        POST: async ({ req }): Promise<Reply> => {
          const body = await readJsonObject(req);
          onlyFields(body, ['session_id']);
          const sessionId = validId(body.session_id, 'session_id');
          const added = watch.addSession(sessionId, 'control');
          if (added) log.info({ sessionId }, 'control: agent session tracked');
          const unit = present(store.getUnit({ source: AGENTS, kind: SESSION, id: sessionId }), `agent session ${sessionId} just tracked`);
          return { status: added ? 201 : 200, body: { agent_session: sessionView(unit) } };
        },
      },
    },
    {
      path: /^\/v1\/agent-sessions\/([^/]+)$/,
      control: true,
      methods: {
        GET: ({ params }): Reply => ({ status: 200, body: { agent_session: sessionView(tracked(validId(params[0], 'session_id'))) } }),
        DELETE: ({ params }): Reply => {
          const unit = tracked(validId(params[0], 'session_id'));
          if (!watch.removeSession(unit.id)) throw new HttpError(404, `agent session ${unit.id} is not tracked`, 'session_id');
          log.info({ sessionId: unit.id }, 'control: agent session no longer tracked');
          return { status: 200, body: { session_id: unit.id, removed: true } };
        },
      },
    },
    ...agentRoutes(watch, store, log),
  ];
}

function agentRoutes(watch: AgentsWatch, store: StateStore, log: Logger): Route[] {
  const followed = (agentId: string): TrackedUnit => {
    const unit = store.getUnit({ source: AGENTS, kind: AGENT, id: agentId });
    if (!unit || unit.removed) throw new HttpError(404, `agent ${agentId} is not followed`, 'agent_id');
    return unit;
  };
  return [
    {
      path: /^\/v1\/agents$/,
      control: true,
      methods: {
        GET: (): Reply => ({ status: 200, body: { agents: store.listUnits(AGENTS, AGENT).map(agentView) } }),
        POST: async ({ req }): Promise<Reply> => {
          const body = await readJsonObject(req);
          onlyFields(body, ['agent_id']);
          const agentId = validId(body.agent_id, 'agent_id');
          const added = watch.addAgent(agentId, 'control');
          if (added) log.info({ agentId }, 'control: agent followed');
          const unit = present(store.getUnit({ source: AGENTS, kind: AGENT, id: agentId }), `agent ${agentId} just followed`);
          return { status: added ? 201 : 200, body: { agent: agentView(unit) } };
        },
      },
    },
    {
      path: /^\/v1\/agents\/([^/]+)$/,
      control: true,
      methods: {
        GET: ({ params }): Reply => ({ status: 200, body: { agent: agentView(followed(validId(params[0], 'agent_id'))) } }),
        DELETE: ({ params }): Reply => {
          const unit = followed(validId(params[0], 'agent_id'));
          if (!watch.removeAgent(unit.id)) throw new HttpError(404, `agent ${unit.id} is not followed`, 'agent_id');
          log.info({ agentId: unit.id }, 'control: agent no longer followed');
          return { status: 200, body: { agent_id: unit.id, removed: true } };
        },
      },
    },
  ];
}
