// The responses source's control routes: add, list and stop following Foundry agents. Changes go
// through the watch, so looks start or stop at once, and are kept in the state file, so they
// survive a restart.
//   POST   /v1/foundry-agents         {"agent_name"}: 201 newly followed, 200 already; {"foundry_agent":{...}}
//   GET    /v1/foundry-agents         {"foundry_agents":[{"agent_name","origin","added_at"}]}
//   GET    /v1/foundry-agents/{name}  {"foundry_agent":{...}}; 404 when not followed
//   DELETE /v1/foundry-agents/{name}  200 {"agent_name","removed":true}; 404 when not followed
// POST answers 409 when the bridge does not talk to a Foundry project (no list of responses by agent).
import type { Logger } from 'pino';
import { present } from '../../core/present.js';
import { HttpError, type Reply } from '../../control/http-reply.js';
import { readJsonObject } from '../../control/json-body.js';
import { onlyFields } from '../../control/route-input.js';
import type { Route } from '../../control/router.js';
import type { StateStore } from '../../state/store.js';
import type { TrackedUnit } from '../../state/types.js';
import { FOUNDRY_AGENTS_CONTROL_PATH, isFoundryAgentName } from './settings.js';
import { AGENT, agentRef, RESPONSES, type ResponsesWatch } from './watch.js';

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
