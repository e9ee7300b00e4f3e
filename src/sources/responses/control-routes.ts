// The responses source's control routes: add, list and stop following Foundry agents and single
// responses (the ids an app created: the library's traceResponses, or by hand). Changes go through
// the watch, so looks start or stop at once, and are kept in the state file, so they survive a restart.
//   POST   /v1/foundry-agents         {"agent_name"}: 201 newly followed, 200 already; {"foundry_agent":{...}}
//   GET    /v1/foundry-agents         {"foundry_agents":[{"agent_name","origin","added_at"}]}
//   GET    /v1/foundry-agents/{name}  {"foundry_agent":{...}}; 404 when not followed
//   DELETE /v1/foundry-agents/{name}  200 {"agent_name","removed":true}; 404 when not followed
// POST answers 409 when the bridge does not talk to a Foundry project (no list of responses by agent).
//   POST   /v1/responses              {"response_id"}: 201 newly tracked, 200 already; {"response":{...}}
//   GET    /v1/responses              {"responses":[{"response_id","status","terminal","origin","added_at"}]}
//   GET    /v1/responses/{id}         {"response":{...}}; 404 when not tracked
//   DELETE /v1/responses/{id}         200 {"response_id","removed":true}; 404 when not tracked
// Every API profile reads a response by id, so these routes are there whatever the profile.
import type { Logger } from 'pino';
import { present } from '../../core/present.js';
import { HttpError, type Reply } from '../../control/http-reply.js';
import { readJsonObject } from '../../control/json-body.js';
import { onlyFields, validId } from '../../control/route-input.js';
import type { Route } from '../../control/router.js';
import type { StateStore } from '../../state/store.js';
import type { TrackedUnit } from '../../state/types.js';
import { FOUNDRY_AGENTS_CONTROL_PATH, isFoundryAgentName, RESPONSES_CONTROL_PATH } from './settings.js';
import { AGENT, agentRef, RESPONSE, responseRef, RESPONSES, type ResponsesWatch } from './watch.js';

const FIELD = 'agent_name';

export function agentView(unit: TrackedUnit): Record<string, unknown> {
  return { agent_name: unit.id, origin: unit.origin, added_at: new Date(unit.addedAt).toISOString() };
}

/** An agent name as Foundry allows them, from a body or a path: exact, never trimmed. */
export function validAgentName(value: unknown): string {
  if (value === undefined || value === null) throw new HttpError(400, `${FIELD} is required`, FIELD);
  if (typeof value !== 'string') throw new HttpError(400, `${FIELD} must be a string`, FIELD);
  if (!isFoundryAgentName(value))
    throw new HttpError(400, `${FIELD} must be 1 to 63 letters, digits and hyphens, not starting or ending with a hyphen`, FIELD);
  return value;
}

export function foundryAgentRoutes(watch: ResponsesWatch, store: StateStore, log: Logger): Route[] {
  const followed = (name: string): TrackedUnit => {
    const unit = store.getUnit(agentRef(name));
    if (!unit || unit.removed) throw new HttpError(404, `Foundry agent ${name} is not followed`, FIELD);
    return unit;
  };
  const collection = new RegExp(`^${FOUNDRY_AGENTS_CONTROL_PATH}$`);
  const one = new RegExp(`^${FOUNDRY_AGENTS_CONTROL_PATH}/([^/]+)$`);
  return [
    {
      path: collection,
      control: true,
      methods: {
        GET: (): Reply => ({ status: 200, body: { foundry_agents: store.listUnits(RESPONSES, AGENT).map(agentView) } }),
        POST: async ({ req }): Promise<Reply> => {
          const body = await readJsonObject(req);
          onlyFields(body, [FIELD]);
          const name = validAgentName(body.agent_name);
          const unavailable = watch.agentsUnavailable();
          if (unavailable !== null) throw new HttpError(409, unavailable, FIELD);
          const added = watch.addAgent(name, 'control');
          if (added) log.info({ foundryAgent: name }, 'control: Foundry agent followed');
          const unit = present(store.getUnit(agentRef(name)), `Foundry agent ${name} just followed`);
          return { status: added ? 201 : 200, body: { foundry_agent: agentView(unit) } };
        },
      },
    },
    {
      path: one,
      control: true,
      methods: {
        GET: ({ params }): Reply => ({ status: 200, body: { foundry_agent: agentView(followed(validAgentName(params[0]))) } }),
        DELETE: ({ params }): Reply => {
          const unit = followed(validAgentName(params[0]));
          if (!watch.removeAgent(unit.id)) throw new HttpError(404, `Foundry agent ${unit.id} is not followed`, FIELD);
          log.info({ foundryAgent: unit.id }, 'control: Foundry agent no longer followed');
          return { status: 200, body: { agent_name: unit.id, removed: true } };
        },
      },
    },
  ];
}

const RESPONSE_FIELD = 'response_id';

export function responseView(unit: TrackedUnit): Record<string, unknown> {
  return {
    response_id: unit.id,
    status: unit.status,
    terminal: unit.terminal,
    origin: unit.origin,
    added_at: new Date(unit.addedAt).toISOString(),
  };
}

/** Responses tracked one by one: those the app registers (traceResponses), by hand, by webhook, or handed over by an agent's list. */
export function responseRoutes(watch: ResponsesWatch, store: StateStore, log: Logger): Route[] {
  const tracked = (id: string): TrackedUnit => {
    const unit = store.getUnit(responseRef(id));
    if (!unit || unit.removed) throw new HttpError(404, `response ${id} is not tracked`, RESPONSE_FIELD);
    return unit;
  };
  return [
    {
      path: new RegExp(`^${RESPONSES_CONTROL_PATH}$`),
      control: true,
      methods: {
        GET: (): Reply => ({ status: 200, body: { responses: store.listUnits(RESPONSES, RESPONSE).map(responseView) } }),
        POST: async ({ req }): Promise<Reply> => {
          const body = await readJsonObject(req);
          onlyFields(body, [RESPONSE_FIELD]);
          const id = validId(body.response_id, RESPONSE_FIELD);
          const added = watch.addResponse(id, 'control');
          if (added) log.info({ responseId: id }, 'control: response tracked');
          const unit = present(store.getUnit(responseRef(id)), `response ${id} just tracked`);
          return { status: added ? 201 : 200, body: { response: responseView(unit) } };
        },
      },
    },
    {
      path: new RegExp(`^${RESPONSES_CONTROL_PATH}/([^/]+)$`),
      control: true,
      methods: {
        GET: ({ params }): Reply => ({ status: 200, body: { response: responseView(tracked(validId(params[0], RESPONSE_FIELD))) } }),
        DELETE: ({ params }): Reply => {
          const unit = tracked(validId(params[0], RESPONSE_FIELD));
          if (!watch.removeResponse(unit.id)) throw new HttpError(404, `response ${unit.id} is not tracked`, RESPONSE_FIELD);
          log.info({ responseId: unit.id }, 'control: response no longer tracked');
          return { status: 200, body: { response_id: unit.id, removed: true } };
        },
      },
    },
  ];
}
