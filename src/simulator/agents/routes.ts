// The Agents API routes (below the base path, `/agents...`) and their handlers.
import { present } from '../../core/present.js';
import { badRequest, invalidType, missingParameter, type ApiError } from '../errors.js';
import { matchSegments, pathParam, pathSegments, type ApiContext, type ApiResult, type RouteMatch } from '../routes.js';
import type { ApiObject } from '../state.js';
import { isError, isObject, optionalString, parseMetadata } from '../validate.js';
import { checkAgentsBeta } from './beta.js';
import { defined } from './defined.js';
import { activeTurn, agentsNotFound, conflict, responseTooLarge } from './errors.js';
import { pageOf, parseAgentsListParams, type AgentsListParams } from './lists.js';
import { functionTool, renderAgent, renderSubagent, renderTurn, type TurnView } from './objects.js';
import type { AgentRecord, SessionRecord, TurnRecord } from './state.js';
import type { AgentsWorld, SubagentTurnRef } from './world.js';
import { snapshotOf } from './worldgen.js';

interface AgentsContext extends ApiContext {
  agents: AgentsWorld;
}

type Handler = (ctx: AgentsContext) => ApiResult;

interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  segments: string[];
  handler: Handler;
}

const ok = (body: unknown): ApiResult => ({ status: 200, body });
const fail = (error: ApiError): ApiResult => ({ error });

function bodyObject(ctx: AgentsContext): Record<string, unknown> | ApiError {
  if (ctx.body === undefined) return {};
  return isObject(ctx.body) ? ctx.body : invalidType('body', 'an object', ctx.body);
}

function listParams(ctx: AgentsContext): AgentsListParams | ApiError {
  return parseAgentsListParams(ctx.query);
}

function list<T extends { id: string }>(
  ctx: AgentsContext,
  universe: readonly T[],
  visible: (item: T) => boolean,
  render: (item: T) => unknown,
): ApiResult {
  const params = listParams(ctx);
  if (isError(params)) return fail(params);
  const page = pageOf(universe, visible, params);
  return ok({ ...page, data: page.data.map(render) });
}

function lookupAgent(ctx: AgentsContext): AgentRecord | ApiError {
  const id = pathParam(ctx, 'agent');
  return ctx.agents.findAgent(id, ctx.now) ?? agentsNotFound('agent', id);
}

function lookupSession(ctx: AgentsContext): SessionRecord | ApiError {
  const id = pathParam(ctx, 'session');
  return ctx.agents.findSession(id, ctx.now) ?? agentsNotFound('session', id);
}

function lookupSubagent(ctx: AgentsContext, session: SessionRecord): SubagentTurnRef | ApiError {
  const id = pathParam(ctx, 'subagent');
  return ctx.agents.subagentTurns(session, ctx.now).find((r) => r.id === id) ?? agentsNotFound('subagent', id);
}

const all = (): boolean => true;

// --- agents ---------------------------------------------------------------------------------

function parseTools(value: unknown): ApiObject[] | undefined | ApiError {
  if (value === undefined) return undefined;
  if (value === null) return [];
  if (!Array.isArray(value)) return invalidType('tools', 'an array', value);
  const out: ApiObject[] = [];
  for (const [i, tool] of value.entries()) {
    if (!isObject(tool) || typeof tool.type !== 'string') return missingParameter(`tools[${i}].type`);
    if (tool.type !== 'function') {
      out.push(tool);
      continue;
    }
    if (typeof tool.name !== 'string' || tool.name === '') return missingParameter(`tools[${i}].name`);
    out.push({ ...functionTool(tool.name), ...tool, defer_loading: tool.defer_loading === true });
  }
  return out;
}

function multiAgentField(value: unknown): boolean | undefined | ApiError {
  if (value === undefined) return undefined;
  if (value === null) return false;
  if (!isObject(value) || typeof value.enabled !== 'boolean')
    return invalidType('multi_agent.enabled', 'a boolean', isObject(value) ? value.enabled : value);
  return value.enabled;
}

function agentFields(
  body: Record<string, unknown>,
  requireModel: boolean,
): Partial<Pick<AgentRecord, 'name' | 'model' | 'instructions' | 'metadata' | 'tools' | 'multiAgent'>> | ApiError {
  const out: Partial<Pick<AgentRecord, 'name' | 'model' | 'instructions' | 'metadata' | 'tools' | 'multiAgent'>> = {};
  if (body.model !== undefined) {
    if (typeof body.model !== 'string' || body.model === '') return invalidType('model', 'a string', body.model);
    out.model = body.model;
  } else if (requireModel) {
    return missingParameter('model');
  }
  for (const key of ['name', 'instructions'] as const) {
    if (body[key] === undefined) continue;
    if (body[key] !== null && typeof body[key] !== 'string') return invalidType(key, 'a string', body[key]);
    out[key] = body[key];
  }
  const metadata = parseMetadata(body.metadata);
  if (isError(metadata)) return metadata;
  if (metadata !== undefined) out.metadata = metadata;
  const tools = parseTools(body.tools);
  if (isError(tools)) return tools;
  if (tools !== undefined) out.tools = tools;
  const multi = multiAgentField(body.multi_agent);
  if (isError(multi)) return multi;
  if (multi !== undefined) out.multiAgent = multi;
  return out;
}

// --- sessions -------------------------------------------------------------------------------

function sessionFilter(ctx: AgentsContext): { agentId: string | null; metadata: [string, string][] } | ApiError {
  const agentId = ctx.query.get('agent_id');
  const metadata: [string, string][] = [];
  for (const [key, value] of ctx.query) {
    const m = /^metadata\[(.+)\]$/.exec(key);
    if (m) metadata.push([m[1] ?? '', value]);
  }
  if (metadata.length > 16) return badRequest('Invalid metadata filter: at most 16 pairs.', 'metadata', 'object_above_max_properties');
  return { agentId: agentId === '' ? null : agentId, metadata };
}

function inputText(value: unknown, param: string): string | null | ApiError {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return invalidType(param, 'a string or an array of messages', value);
  const texts: string[] = [];
  for (const [i, message] of value.entries()) {
    if (!isObject(message) || !Array.isArray(message.content)) return missingParameter(`${param}[${i}].content`);
    for (const part of message.content)
      if (isObject(part) && part.type === 'input_text' && typeof part.text === 'string') texts.push(part.text);
  }
  return texts.join('\n');
}

function createSession(ctx: AgentsContext): ApiResult {
  const body = bodyObject(ctx);
  if (isError(body)) return fail(body);
  if (body.stream === true) return fail(badRequest('Streaming is not supported by the simulator.', 'stream', 'unsupported_value'));
  const env = body.environment;
  if (env === undefined || env === null) return fail(missingParameter('environment'));
  if (!isObject(env) || typeof env.type !== 'string') return fail(invalidType('environment', 'an object with a type', env));
  const agentId = optionalString(body, 'agent_id');
  if (isError(agentId)) return fail(agentId);
  const inline = body.agent === undefined || body.agent === null ? {} : body.agent;
  if (!isObject(inline)) return fail(invalidType('agent', 'an object', inline));
  const fields = agentFields(inline, agentId === undefined);
  if (isError(fields)) return fail({ ...fields, param: fields.param === null ? null : `agent.${fields.param}` });
  const input = inputText(body.input, 'input');
  if (isError(input)) return fail(input);
  if (env.type === 'none' && input === null) return fail(missingParameter('input'));
  const metadata = parseMetadata(body.metadata);
  if (isError(metadata)) return fail(metadata);
  let snapshot;
  if (agentId !== undefined) {
    const agent = ctx.agents.findAgent(agentId, ctx.now);
    if (!agent) return fail(agentsNotFound('agent', agentId));
    const { metadata: _agentMetadata, ...overrides } = fields;
    snapshot = { ...snapshotOf(agent), ...defined(overrides) };
  } else {
    snapshot = ctx.agents.inlineAgent({
      name: null,
      model: present(fields.model, 'the model agentFields requires'),
      instructions: fields.instructions ?? null,
      tools: fields.tools ?? [],
      multiAgent: fields.multiAgent ?? false,
    });
  }
  const session = ctx.agents.createSession(ctx.now, snapshot, metadata ?? {});
  if (input !== null) {
    const turn = ctx.agents.createTurn(session, ctx.now, { input });
    if (typeof turn === 'string') return fail(activeTurn(turn));
  }
  return ok(ctx.agents.renderSession(session, ctx.now));
}

function updateSession(ctx: AgentsContext, session: SessionRecord): ApiResult {
  const body = bodyObject(ctx);
  if (isError(body)) return fail(body);
  const metadata = parseMetadata(body.metadata);
  if (isError(metadata)) return fail(metadata);
  if (body.agent !== undefined) {
    if (!isObject(body.agent)) return fail(invalidType('agent', 'an object', body.agent));
    const model = optionalString(body.agent, 'model');
    if (isError(model)) return fail({ ...model, param: 'agent.model' });
    // Applies to the turns created from now on.
    if (model !== undefined) session.agent = { ...session.agent, model };
  }
  if (metadata !== undefined) ctx.agents.setMetadata(session, ctx.now, metadata);
  return ok(ctx.agents.renderSession(session, ctx.now));
}

type SessionEvent =
  | { type: 'message'; text: string }
  | { type: 'cancel' }
  | { type: 'tool_result'; turnId: string; callId: string; success: boolean; output: string | null; error: string | null };

function parseEvents(body: Record<string, unknown>): SessionEvent[] | ApiError {
  const events = body.events;
  if (events === undefined || events === null) return missingParameter('events');
  if (!Array.isArray(events) || events.length === 0) return invalidType('events', 'a non-empty array', events);
  const out: SessionEvent[] = [];
  for (const [i, e] of events.entries()) {
    const at = `events[${i}]`;
    if (!isObject(e) || typeof e.type !== 'string') return missingParameter(`${at}.type`);
    switch (e.type) {
      case 'agent.session.input.message': {
        const text = inputText(e.input, `${at}.input`);
        if (isError(text)) return text;
        if (text === null) return missingParameter(`${at}.input`);
        out.push({ type: 'message', text });
        break;
      }
      case 'agent.session.input.cancel':
        out.push({ type: 'cancel' });
        break;
      case 'agent.session.input.tool_result': {
        if (typeof e.turn_id !== 'string') return missingParameter(`${at}.turn_id`);
        if (typeof e.call_id !== 'string') return missingParameter(`${at}.call_id`);
        if (typeof e.success !== 'boolean') return missingParameter(`${at}.success`);
        const output =
          typeof e.output === 'string' ? e.output : e.output === undefined || e.output === null ? null : JSON.stringify(e.output);
        out.push({
          type: 'tool_result',
          turnId: e.turn_id,
          callId: e.call_id,
          success: e.success,
          output,
          error: typeof e.error === 'string' ? e.error : null,
        });
        break;
      }
      default:
        return badRequest(`The simulator does not support '${e.type}' events.`, `${at}.type`, 'unsupported_value');
    }
  }
  return out;
}

function postEvents(ctx: AgentsContext, session: SessionRecord): ApiResult {
  const body = bodyObject(ctx);
  if (isError(body)) return fail(body);
  const events = parseEvents(body);
  if (isError(events)) return fail(events);
  for (const event of events) {
    if (event.type === 'message') {
      const turn = ctx.agents.createTurn(session, ctx.now, { input: event.text });
      if (typeof turn === 'string') return fail(activeTurn(turn));
    } else if (event.type === 'cancel') {
      const active = ctx.agents.activeTurn(session, ctx.now);
      if (active) ctx.agents.cancel(active, ctx.now);
    } else {
      const turn = ctx.agents.findRootTurn(session, event.turnId, ctx.now);
      if (!turn) return fail(agentsNotFound('turn', event.turnId));
      const problem = ctx.agents.answer(turn, ctx.now, event.callId, event);
      if (problem) return fail(conflict(problem, 'events'));
    }
  }
  // Accepted, not necessarily done: 202 with no body.
  return { status: 202, raw: '' };
}

function traces(ctx: AgentsContext, session: SessionRecord): ApiResult {
  const params = listParams(ctx);
  if (isError(params)) return fail(params);
  const roots = ctx.agents.rootTurns(session, ctx.now);
  const page = pageOf(roots, (t) => ctx.agents.publishedParts(t, ctx.now) > 0, params);
  const entries = page.data.map((t) => ctx.agents.traceEntry(t, ctx.agents.publishedParts(t, ctx.now)));
  const head = '{"object":"list","data":[';
  const tail = `],"first_id":${JSON.stringify(page.first_id)},"last_id":${JSON.stringify(page.last_id)},"has_more":${page.has_more}}`;
  const cap = ctx.agents.spec.traceResponseCapBytes;
  const bytes = head.length + tail.length + Math.max(0, entries.length - 1) + entries.reduce((n, e) => n + Buffer.byteLength(e), 0);
  if (bytes > cap) return fail(responseTooLarge(ctx.agents.behaviour.oversizeStatus, cap));
  return { status: 200, raw: `${head}${entries.join(',')}${tail}` };
}

function rootTurnOf(ctx: AgentsContext, session: SessionRecord): TurnRecord | ApiError {
  const id = pathParam(ctx, 'turn');
  return ctx.agents.findRootTurn(session, id, ctx.now) ?? agentsNotFound('turn', id);
}

const withSession =
  (handler: (ctx: AgentsContext, session: SessionRecord) => ApiResult): Handler =>
  (ctx) => {
    const session = lookupSession(ctx);
    return isError(session) ? fail(session) : handler(ctx, session);
  };

const withSubagent = (handler: (ctx: AgentsContext, session: SessionRecord, ref: SubagentTurnRef) => ApiResult): Handler =>
  withSession((ctx, session) => {
    const ref = lookupSubagent(ctx, session);
    return isError(ref) ? fail(ref) : handler(ctx, session, ref);
  });

const subagentItems = (ctx: AgentsContext, ref: SubagentTurnRef): ApiResult =>
  list(
    ctx,
    ctx.agents.items([ref.root], ctx.now, (item) => item.subagent?.step === ref.step && item.subagent.index === ref.index),
    all,
    (i) => i.render(),
  );

const turnView = (v: TurnView): unknown => renderTurn(v);

// Literal segments come before parameters (`/agents/sessions` is not an agent).
const ROUTES: Route[] = [
  { method: 'POST', segments: ['agents', 'sessions'], handler: createSession },
  {
    method: 'GET',
    segments: ['agents', 'sessions'],
    handler: (ctx) => {
      const filter = sessionFilter(ctx);
      if (isError(filter)) return fail(filter);
      const filtered = filter.agentId !== null || filter.metadata.length > 0;
      const lagged = ctx.now - ctx.agents.behaviour.filterLagSeconds;
      const universe = [...ctx.agents.sessionUniverse()].sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
      const visible = (s: SessionRecord): boolean => {
        if (!filtered) return ctx.agents.listedAt(s, ctx.now);
        if (!ctx.agents.listedWhenFiltered(s, ctx.now)) return false;
        if (filter.agentId !== null && s.agent.id !== filter.agentId) return false;
        const metadata = ctx.agents.metadataAt(s, lagged);
        return filter.metadata.every(([k, v]) => metadata[k] === v);
      };
      return list(ctx, universe, visible, (s) => ctx.agents.renderSession(s, ctx.now));
    },
  },
  {
    method: 'GET',
    segments: ['agents', 'sessions', ':session'],
    handler: withSession((ctx, s) => ok(ctx.agents.renderSession(s, ctx.now))),
  },
  { method: 'POST', segments: ['agents', 'sessions', ':session'], handler: withSession(updateSession) },
  {
    method: 'DELETE',
    segments: ['agents', 'sessions', ':session'],
    handler: withSession((ctx, s) => {
      const problem = ctx.agents.deleteSession(s, ctx.now);
      return problem ? fail(conflict(problem)) : ok({ id: s.id, object: 'agent.session.deleted', deleted: true });
    }),
  },
  { method: 'POST', segments: ['agents', 'sessions', ':session', 'events'], handler: withSession(postEvents) },
  {
    method: 'GET',
    segments: ['agents', 'sessions', ':session', 'turns'],
    handler: withSession((ctx, s) => list(ctx, ctx.agents.turnUniverse(s, ctx.now), all, (t) => turnView(t.view()))),
  },
  {
    method: 'GET',
    segments: ['agents', 'sessions', ':session', 'turns', ':turn'],
    handler: withSession((ctx, s) => {
      const found = ctx.agents.turnUniverse(s, ctx.now).find((t) => t.id === ctx.params.turn);
      return found ? ok(turnView(found.view())) : fail(agentsNotFound('turn', pathParam(ctx, 'turn')));
    }),
  },
  {
    method: 'GET',
    segments: ['agents', 'sessions', ':session', 'turns', ':turn', 'items'],
    handler: withSession((ctx, s) => {
      const turn = rootTurnOf(ctx, s);
      if (isError(turn)) return fail(turn);
      return list(
        ctx,
        ctx.agents.items([turn], ctx.now, (item) => item.subagent === null),
        all,
        (i) => i.render(),
      );
    }),
  },
  {
    method: 'GET',
    segments: ['agents', 'sessions', ':session', 'items'],
    handler: withSession((ctx, s) =>
      list(
        ctx,
        ctx.agents.items(ctx.agents.rootTurns(s, ctx.now), ctx.now, (item) => item.subagent === null),
        all,
        (i) => i.render(),
      ),
    ),
  },
  { method: 'GET', segments: ['agents', 'sessions', ':session', 'traces'], handler: withSession(traces) },
  {
    method: 'GET',
    segments: ['agents', 'sessions', ':session', 'subagents'],
    handler: withSession((ctx, s) => {
      const refs = ctx.agents.subagentTurns(s, ctx.now).sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
      return list(ctx, refs, all, (r) => renderSubagent(s, r, (ctx.now - r.root.createdAt) * 1e9));
    }),
  },
  {
    method: 'GET',
    segments: ['agents', 'sessions', ':session', 'subagents', ':subagent'],
    handler: withSubagent((ctx, s, r) => ok(renderSubagent(s, r, (ctx.now - r.root.createdAt) * 1e9))),
  },
  {
    method: 'GET',
    segments: ['agents', 'sessions', ':session', 'subagents', ':subagent', 'items'],
    handler: withSubagent((ctx, _s, r) => subagentItems(ctx, r)),
  },
  {
    method: 'GET',
    segments: ['agents', 'sessions', ':session', 'subagents', ':subagent', 'turns'],
    handler: withSubagent((ctx, s, r) => list(ctx, [{ id: r.turnId }], all, () => turnView(ctx.agents.subView(s, r, ctx.now)))),
  },
  {
    method: 'GET',
    segments: ['agents', 'sessions', ':session', 'subagents', ':subagent', 'turns', ':turn'],
    handler: withSubagent((ctx, s, r) =>
      r.turnId === ctx.params.turn ? ok(turnView(ctx.agents.subView(s, r, ctx.now))) : fail(agentsNotFound('turn', pathParam(ctx, 'turn'))),
    ),
  },
  {
    method: 'GET',
    segments: ['agents', 'sessions', ':session', 'subagents', ':subagent', 'turns', ':turn', 'items'],
    handler: withSubagent((ctx, _s, r) =>
      r.turnId === ctx.params.turn ? subagentItems(ctx, r) : fail(agentsNotFound('turn', pathParam(ctx, 'turn'))),
    ),
  },
  {
    method: 'POST',
    segments: ['agents'],
    handler: (ctx) => {
      const body = bodyObject(ctx);
      if (isError(body)) return fail(body);
      const fields = agentFields(body, true);
      if (isError(fields)) return fail(fields);
      const agent = ctx.agents.createAgent(ctx.now, {
        name: fields.name ?? null,
        model: present(fields.model, 'the model agentFields requires'),
        instructions: fields.instructions ?? null,
        metadata: fields.metadata ?? {},
        tools: fields.tools ?? [],
        multiAgent: fields.multiAgent ?? false,
      });
      return ok(renderAgent(agent));
    },
  },
  {
    method: 'GET',
    segments: ['agents'],
    handler: (ctx) => list(ctx, ctx.agents.agentUniverse(), (a) => ctx.agents.findAgent(a.id, ctx.now) !== undefined, renderAgent),
  },
  {
    method: 'GET',
    segments: ['agents', ':agent'],
    handler: (ctx) => {
      const agent = lookupAgent(ctx);
      return isError(agent) ? fail(agent) : ok(renderAgent(agent));
    },
  },
  {
    method: 'POST',
    segments: ['agents', ':agent'],
    handler: (ctx) => {
      const agent = lookupAgent(ctx);
      if (isError(agent)) return fail(agent);
      const body = bodyObject(ctx);
      if (isError(body)) return fail(body);
      const fields = agentFields(body, false);
      if (isError(fields)) return fail(fields);
      Object.assign(agent, defined(fields), { updatedAt: ctx.now });
      return ok(renderAgent(agent));
    },
  },
  {
    method: 'DELETE',
    segments: ['agents', ':agent'],
    handler: (ctx) => {
      const agent = lookupAgent(ctx);
      if (isError(agent)) return fail(agent);
      agent.deletedAt = ctx.now;
      return ok({ id: agent.id, object: 'agent.deleted', deleted: true });
    },
  },
];

/** `path` is below the base path; null when it is no Agents API route. */
export function matchAgentsRoute(method: string, path: string, agents: AgentsWorld): RouteMatch | null {
  const parts = pathSegments(path);
  if (parts?.[0] !== 'agents') return null;
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const params = matchSegments(route.segments, parts);
    if (!params) continue;
    const handler = route.handler;
    return {
      params,
      handler: (ctx) => {
        agents.sync(ctx.now);
        return handler({ ...ctx, agents });
      },
      check: (request) => checkAgentsBeta(request.headers),
    };
  }
  return null;
}
