// The Responses and Conversations routes, below the dialect's Responses prefix.
import type { Dialect } from '../dialect.js';
import { isError, isObject, parseMetadata } from '../validate.js';
import { badRequest, invalidType, missingParameter, type ApiError } from '../errors.js';
import { paginate, parseListParams } from '../lists.js';
import { matchSegments, pathParam, pathSegments, type ApiContext, type ApiResult, type RouteMatch } from '../routes.js';
import type { ApiObject } from '../state.js';
import { responsesDialectFor, type ResponsesDialect } from './dialect.js';
import { renderConversation, renderItem, renderResponse } from './render.js';
import { notFoundError, parseCreate, parseInclude, parseItems } from './requests.js';
import type { ConversationState, ResponseState } from './state.js';
import type { ResponseFilter, ResponsesWorld } from './world.js';

interface Env {
  world: ResponsesWorld;
  rd: ResponsesDialect;
}

interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  segments: string[];
  feature?: 'listResponses' | 'listConversations';
  handler: (ctx: ApiContext, env: Env) => ApiResult;
}

const ok = (body: unknown): ApiResult => ({ status: 200, body });
const fail = (error: ApiError): ApiResult => ({ error });

function lookupResponse(ctx: ApiContext, env: Env): ResponseState | ApiError {
  const id = pathParam(ctx, 'response');
  return env.world.find(id, ctx.now) ?? notFoundError(`Response with id '${id}' not found.`);
}

function lookupConversation(ctx: ApiContext, env: Env): ConversationState | ApiError {
  const id = pathParam(ctx, 'conversation');
  return env.world.findConversation(id, ctx.now) ?? notFoundError(`Conversation with id '${id}' not found.`);
}

const present = (ctx: ApiContext, env: Env, r: ResponseState, include: ReadonlySet<string> = new Set()): ApiObject =>
  renderResponse(r, ctx.now, { agentReference: env.rd.agentReference, include });

function withResponse(ctx: ApiContext, env: Env, then: (r: ResponseState) => ApiResult): ApiResult {
  const r = lookupResponse(ctx, env);
  return isError(r) ? fail(r) : then(r);
}

/** A list page of `items` (oldest first) with the request's limit, order and cursors. */
function page<T extends { id: string }>(ctx: ApiContext, items: readonly T[], show: (item: T) => unknown): ApiResult {
  const params = parseListParams(ctx.query);
  if (isError(params)) return fail(params);
  const p = paginate(items, params);
  return ok({ ...p, data: p.data.map(show) });
}

function agentFilter(query: URLSearchParams): ResponseFilter {
  const filter: ResponseFilter = {};
  const name = query.get('agent_name');
  const id = query.get('agent_id');
  if (name) filter.agentName = name;
  if (id) filter.agentId = id;
  return filter;
}

function itemsPage(ctx: ApiContext, items: readonly ApiObject[]): ApiResult {
  const include = parseInclude(ctx.query);
  if (isError(include)) return fail(include);
  const withIds = items.map((item) => ({ id: String(item.id), item }));
  return page(ctx, withIds, ({ item }) => renderItem(item, include));
}

const ROUTES: Route[] = [
  {
    method: 'POST',
    segments: ['responses'],
    handler: (ctx, env) => {
      const params = parseCreate(ctx.body, ctx.now, env.world, env.rd);
      return isError(params) ? fail(params) : ok(present(ctx, env, env.world.create(ctx.now, params)));
    },
  },
  {
    method: 'GET',
    segments: ['responses'],
    feature: 'listResponses',
    handler: (ctx, env) => {
      const filter = agentFilter(ctx.query);
      const conversation = ctx.query.get('conversation_id');
      if (conversation) filter.conversationId = conversation;
      return page(ctx, env.world.list(ctx.now, filter), (r) => present(ctx, env, r));
    },
  },
  {
    method: 'GET',
    segments: ['responses', ':response'],
    handler: (ctx, env) =>
      withResponse(ctx, env, (r) => {
        if (ctx.query.get('stream') === 'true')
          return fail(badRequest('Streaming is not supported by the simulator.', 'stream', 'unsupported_value'));
        const include = parseInclude(ctx.query);
        return isError(include) ? fail(include) : ok(present(ctx, env, r, include));
      }),
  },
  {
    method: 'DELETE',
    segments: ['responses', ':response'],
    handler: (ctx, env) =>
      withResponse(ctx, env, (r) => {
        env.world.delete(r);
        return ok({ id: r.id, object: 'response', deleted: true });
      }),
  },
  {
    method: 'POST',
    segments: ['responses', ':response', 'cancel'],
    handler: (ctx, env) =>
      withResponse(ctx, env, (r) => {
        const error = env.world.cancel(r, ctx.now);
        return error ? fail(error) : ok(present(ctx, env, r));
      }),
  },
  {
    method: 'GET',
    segments: ['responses', ':response', 'input_items'],
    handler: (ctx, env) => withResponse(ctx, env, (r) => itemsPage(ctx, r.input)),
  },
  {
    method: 'POST',
    segments: ['conversations'],
    handler: (ctx, env) => {
      const body = ctx.body === undefined ? {} : ctx.body;
      if (!isObject(body)) return fail(invalidType('body', 'an object', body));
      const metadata = parseMetadata(body.metadata);
      if (isError(metadata)) return fail(metadata);
      const items = parseItems(body.items, 'items');
      if (isError(items)) return fail(items);
      return ok(renderConversation(env.world.createConversation(ctx.now, metadata ?? {}, items)));
    },
  },
  {
    method: 'GET',
    segments: ['conversations'],
    feature: 'listConversations',
    handler: (ctx, env) => page(ctx, env.world.listConversations(ctx.now, agentFilter(ctx.query)), renderConversation),
  },
  {
    method: 'GET',
    segments: ['conversations', ':conversation'],
    handler: (ctx, env) => {
      const c = lookupConversation(ctx, env);
      return isError(c) ? fail(c) : ok(renderConversation(c));
    },
  },
  {
    method: 'POST',
    segments: ['conversations', ':conversation'],
    handler: (ctx, env) => {
      const c = lookupConversation(ctx, env);
      if (isError(c)) return fail(c);
      if (!isObject(ctx.body)) return fail(invalidType('body', 'an object', ctx.body));
      if (!('metadata' in ctx.body)) return fail(missingParameter('metadata'));
      const metadata = parseMetadata(ctx.body.metadata);
      if (isError(metadata)) return fail(metadata);
      c.metadata = metadata ?? {};
      return ok(renderConversation(c));
    },
  },
  {
    method: 'GET',
    segments: ['conversations', ':conversation', 'items'],
    handler: (ctx, env) => {
      const c = lookupConversation(ctx, env);
      return isError(c) ? fail(c) : itemsPage(ctx, env.world.conversationItems(c, ctx.now));
    },
  },
  {
    method: 'GET',
    segments: ['conversations', ':conversation', 'items', ':item'],
    handler: (ctx, env) => {
      const c = lookupConversation(ctx, env);
      if (isError(c)) return fail(c);
      const include = parseInclude(ctx.query);
      if (isError(include)) return fail(include);
      const item = env.world.conversationItems(c, ctx.now).find((i) => i.id === ctx.params.item);
      return item ? ok(renderItem(item, include)) : fail(notFoundError(`Item with id '${ctx.params.item}' not found.`));
    },
  },
];

/** Matches a path below the Assistants base path against the Responses routes of `dialect`. */
export function matchResponsesRoute(world: ResponsesWorld, method: string, path: string, dialect: Dialect): RouteMatch | null {
  const rd = responsesDialectFor(dialect);
  const parts = pathSegments(path);
  const prefix = pathSegments(rd.prefix) ?? [];
  if (!parts || parts.length <= prefix.length || prefix.some((seg, i) => parts[i] !== seg)) return null;
  const rest = parts.slice(prefix.length);
  for (const route of ROUTES) {
    if (route.method !== method || (route.feature && !rd[route.feature])) continue;
    const params = matchSegments(route.segments, rest);
    if (params) return { handler: (ctx) => route.handler(ctx, { world, rd }), params, check: (request) => rd.check(request) };
  }
  return null;
}
