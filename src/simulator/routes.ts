// The Assistants API routes (below the dialect's base path) and their handlers.
import { present } from '../core/present.js';
import type { Dialect, DialectRequest } from './dialect.js';
import { badRequest, invalidType, invalidValue, missingParameter, notFound, type ApiError } from './errors.js';
import type { FaultEngine, FaultName } from './faults.js';
import { paginate, parseListParams } from './lists.js';
import { renderAssistant, renderRun, renderStep, renderThread, visibleSteps } from './objects.js';
import type { RunOverrides, RunState, ThreadState } from './state.js';
import { isError, isObject, optionalNumber, optionalString, parseMetadata } from './validate.js';
import type { World } from './world.js';

export const FILE_SEARCH_CONTENT_INCLUDE = 'step_details.tool_calls[*].file_search.results[*].content';

export interface ApiContext {
  world: World;
  dialect: Dialect;
  faults: FaultEngine;
  now: number;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /** Records a fault a handler applied (the not-found faults). */
  markFault(name: FaultName): void;
}

/** `raw`: a body already serialized (a large one, or none at all). */
export type ApiResult = { status: number; body: unknown } | { status: number; raw: string } | { error: ApiError };

interface Route {
  method: 'GET' | 'POST';
  segments: string[];
  handler: (ctx: ApiContext) => ApiResult;
  feature?: keyof Dialect['features'];
}

const ok = (body: unknown): ApiResult => ({ status: 200, body });
const fail = (error: ApiError): ApiResult => ({ error });

/** The `:name` segment of the route that matched, which matchSegments always sets. */
export function pathParam(ctx: { params: Readonly<Record<string, string>> }, name: string): string {
  return present(ctx.params[name], `the path parameter :${name}`);
}

function lookupThread(ctx: ApiContext, id: string): ThreadState | ApiError {
  if (ctx.faults.isNotFoundThread(id)) {
    ctx.markFault('not_found_thread');
    return notFound('thread', id);
  }
  return ctx.world.findThread(id) ?? notFound('thread', id);
}

function lookupRun(ctx: ApiContext): { thread: ThreadState; run: RunState } | ApiError {
  const thread = lookupThread(ctx, pathParam(ctx, 'thread'));
  if (isError(thread)) return thread;
  const runId = pathParam(ctx, 'run');
  if (ctx.faults.isNotFoundRun(runId)) {
    ctx.markFault('not_found_run');
    return notFound('run', runId);
  }
  const run = ctx.world.findRun(runId);
  if (!run || run.threadId !== thread.id) return notFound('run', runId);
  return { thread, run };
}

const presentRun = (ctx: ApiContext, run: RunState) => ctx.dialect.present('run', renderRun(run, ctx.now));
const presentThread = (ctx: ApiContext, thread: ThreadState) => ctx.dialect.present('thread', renderThread(thread));

function bodyObject(ctx: ApiContext): Record<string, unknown> | ApiError {
  if (ctx.body === undefined) return {};
  return isObject(ctx.body) ? ctx.body : invalidType('body', 'an object', ctx.body);
}

function parseRunParams(ctx: ApiContext, body: Record<string, unknown>): { assistantId: string; overrides: RunOverrides } | ApiError {
  // The dialect's own name first; the other spelling too, as the Azure SDKs and the openai SDK each send one.
  const field = ctx.dialect.assistantField;
  const other = field === 'assistant_id' ? 'agent_id' : 'assistant_id';
  const assistantId = body[field] ?? body[other];
  if (assistantId === undefined || assistantId === null || assistantId === '') return missingParameter(field);
  if (typeof assistantId !== 'string') return invalidType(field, 'a string', assistantId);
  if (body.stream === true) return badRequest('Streaming is not supported by the simulator.', 'stream', 'unsupported_value');
  const overrides: RunOverrides = {};
  const model = optionalString(body, 'model');
  if (isError(model)) return model;
  if (model !== undefined) overrides.model = model;
  const instructions = optionalString(body, 'instructions');
  if (isError(instructions)) return instructions;
  if (instructions !== undefined) overrides.instructions = instructions;
  const metadata = parseMetadata(body.metadata);
  if (isError(metadata)) return metadata;
  if (metadata !== undefined) overrides.metadata = metadata;
  if (body.tools !== undefined && body.tools !== null) {
    if (!Array.isArray(body.tools) || !body.tools.every(isObject)) return invalidType('tools', 'an array of objects', body.tools);
    overrides.tools = body.tools;
  }
  const responseFormat = parseResponseFormat(body.response_format);
  if (isError(responseFormat)) return responseFormat;
  if (responseFormat !== undefined) overrides.responseFormat = responseFormat;
  for (const [key, target, integer] of [
    ['temperature', 'temperature', false],
    ['top_p', 'topP', false],
    ['max_prompt_tokens', 'maxPromptTokens', true],
    ['max_completion_tokens', 'maxCompletionTokens', true],
  ] as const) {
    const v = optionalNumber(body, key, integer);
    if (isError(v)) return v;
    if (v === undefined) continue;
    if (target === 'temperature' || target === 'topP') {
      if (v !== null) overrides[target] = v;
    } else {
      overrides[target] = v;
    }
  }
  return { assistantId, overrides };
}

const RESPONSE_FORMAT_TYPES = ['text', 'json_object', 'json_schema'];

/** `auto`, or `{ type: text | json_object | json_schema, ... }` as the API takes it; undefined or null leaves the assistant's. */
function parseResponseFormat(value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  if (value === 'auto') return value;
  if (!isObject(value)) return invalidType('response_format', "'auto' or an object", value);
  if (typeof value.type !== 'string' || !RESPONSE_FORMAT_TYPES.includes(value.type))
    return invalidValue('response_format.type', String(value.type), RESPONSE_FORMAT_TYPES);
  return value;
}

function startRun(ctx: ApiContext, thread: ThreadState | null, body: Record<string, unknown>): ApiResult {
  const params = parseRunParams(ctx, body);
  if (isError(params)) return fail(params);
  const assistant = ctx.world.findAssistant(params.assistantId);
  if (!assistant) return fail(notFound('assistant', params.assistantId));
  let target = thread;
  if (!target) {
    const spec = body.thread === undefined || body.thread === null ? {} : body.thread;
    if (!isObject(spec)) return fail(invalidType('thread', 'an object', spec));
    const metadata = parseMetadata(spec.metadata, 'thread.metadata');
    if (isError(metadata)) return fail(metadata);
    target = ctx.world.createThread(ctx.now, metadata ?? {});
  }
  const run = ctx.world.createRun(ctx.now, target, assistant, { overrides: params.overrides });
  return isError(run) ? fail(run) : ok(presentRun(ctx, run));
}

function parseInclude(query: URLSearchParams): { fileSearchContent: boolean } | ApiError {
  const values = [...query.getAll('include[]'), ...query.getAll('include')];
  for (const [i, v] of values.entries()) {
    if (v !== FILE_SEARCH_CONTENT_INCLUDE) return invalidValue(`include[${i}]`, v, [FILE_SEARCH_CONTENT_INCLUDE]);
  }
  return { fileSearchContent: values.length > 0 };
}

const ROUTES: Route[] = [
  {
    method: 'POST',
    segments: ['threads'],
    handler: (ctx) => {
      const body = bodyObject(ctx);
      if (isError(body)) return fail(body);
      const metadata = parseMetadata(body.metadata);
      if (isError(metadata)) return fail(metadata);
      return ok(presentThread(ctx, ctx.world.createThread(ctx.now, metadata ?? {})));
    },
  },
  {
    method: 'GET',
    segments: ['threads'],
    feature: 'listThreads',
    handler: (ctx) => {
      const params = parseListParams(ctx.query);
      if (isError(params)) return fail(params);
      const threads = ctx.world
        .threads()
        .filter((t) => !ctx.faults.isNotFoundThread(t.id))
        .sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
      const page = paginate(threads, params);
      return ok({ ...page, data: page.data.map((t) => presentThread(ctx, t)) });
    },
  },
  {
    method: 'POST',
    segments: ['threads', 'runs'],
    handler: (ctx) => {
      const body = bodyObject(ctx);
      return isError(body) ? fail(body) : startRun(ctx, null, body);
    },
  },
  {
    method: 'GET',
    segments: ['threads', ':thread'],
    handler: (ctx) => {
      const thread = lookupThread(ctx, pathParam(ctx, 'thread'));
      return isError(thread) ? fail(thread) : ok(presentThread(ctx, thread));
    },
  },
  {
    method: 'POST',
    segments: ['threads', ':thread', 'runs'],
    handler: (ctx) => {
      const thread = lookupThread(ctx, pathParam(ctx, 'thread'));
      if (isError(thread)) return fail(thread);
      const body = bodyObject(ctx);
      return isError(body) ? fail(body) : startRun(ctx, thread, body);
    },
  },
  {
    method: 'GET',
    segments: ['threads', ':thread', 'runs'],
    handler: (ctx) => {
      const thread = lookupThread(ctx, pathParam(ctx, 'thread'));
      if (isError(thread)) return fail(thread);
      const params = parseListParams(ctx.query);
      if (isError(params)) return fail(params);
      const runs = thread.runs
        .filter((r) => !ctx.faults.isNotFoundRun(r.id) && r.timeline.createdAt <= ctx.now)
        .sort((a, b) => a.timeline.createdAt - b.timeline.createdAt || a.seq - b.seq);
      const page = paginate(runs, params);
      return ok({ ...page, data: page.data.map((r) => presentRun(ctx, r)) });
    },
  },
  {
    method: 'GET',
    segments: ['threads', ':thread', 'runs', ':run'],
    handler: (ctx) => {
      const found = lookupRun(ctx);
      return isError(found) ? fail(found) : ok(presentRun(ctx, found.run));
    },
  },
  {
    method: 'POST',
    segments: ['threads', ':thread', 'runs', ':run'],
    handler: (ctx) => {
      const found = lookupRun(ctx);
      if (isError(found)) return fail(found);
      const body = bodyObject(ctx);
      if (isError(body)) return fail(body);
      const metadata = parseMetadata(body.metadata);
      if (isError(metadata)) return fail(metadata);
      if (metadata !== undefined) found.run.metadata = metadata;
      return ok(presentRun(ctx, found.run));
    },
  },
  {
    method: 'POST',
    segments: ['threads', ':thread', 'runs', ':run', 'cancel'],
    handler: (ctx) => {
      const found = lookupRun(ctx);
      if (isError(found)) return fail(found);
      const error = ctx.world.cancelRun(found.run, ctx.now);
      return error ? fail(error) : ok(presentRun(ctx, found.run));
    },
  },
  {
    method: 'POST',
    segments: ['threads', ':thread', 'runs', ':run', 'submit_tool_outputs'],
    handler: (ctx) => {
      const found = lookupRun(ctx);
      if (isError(found)) return fail(found);
      const body = bodyObject(ctx);
      if (isError(body)) return fail(body);
      if (body.stream === true) return fail(badRequest('Streaming is not supported by the simulator.', 'stream', 'unsupported_value'));
      const outputs = body.tool_outputs;
      if (outputs === undefined || outputs === null) return fail(missingParameter('tool_outputs'));
      if (!Array.isArray(outputs)) return fail(invalidType('tool_outputs', 'an array', outputs));
      const parsed: { tool_call_id: string; output: string }[] = [];
      for (const [i, o] of outputs.entries()) {
        if (!isObject(o) || typeof o.tool_call_id !== 'string') return fail(missingParameter(`tool_outputs[${i}].tool_call_id`));
        if (o.output !== undefined && typeof o.output !== 'string')
          return fail(invalidType(`tool_outputs[${i}].output`, 'a string', o.output));
        parsed.push({ tool_call_id: o.tool_call_id, output: o.output ?? '' });
      }
      const error = ctx.world.submitToolOutputs(found.run, ctx.now, parsed);
      return error ? fail(error) : ok(presentRun(ctx, found.run));
    },
  },
  {
    method: 'GET',
    segments: ['threads', ':thread', 'runs', ':run', 'steps'],
    handler: (ctx) => {
      const found = lookupRun(ctx);
      if (isError(found)) return fail(found);
      const params = parseListParams(ctx.query);
      if (isError(params)) return fail(params);
      const include = parseInclude(ctx.query);
      if (isError(include)) return fail(include);
      const { run } = found;
      const steps = visibleSteps(run, ctx.now).map((s) => ({ id: present(run.stepIds[s.index], 'step id'), s }));
      const page = paginate(steps, params);
      return ok({ ...page, data: page.data.map(({ s }) => ctx.dialect.present('step', renderStep(run, s, ctx.now, include))) });
    },
  },
  {
    method: 'GET',
    segments: ['threads', ':thread', 'runs', ':run', 'steps', ':step'],
    handler: (ctx) => {
      const found = lookupRun(ctx);
      if (isError(found)) return fail(found);
      const include = parseInclude(ctx.query);
      if (isError(include)) return fail(include);
      const { run } = found;
      const step = visibleSteps(run, ctx.now).find((s) => run.stepIds[s.index] === ctx.params.step);
      if (!step) return fail(notFound('run step', pathParam(ctx, 'step')));
      return ok(ctx.dialect.present('step', renderStep(run, step, ctx.now, include)));
    },
  },
  {
    method: 'GET',
    segments: ['assistants'],
    handler: (ctx) => {
      const params = parseListParams(ctx.query);
      if (isError(params)) return fail(params);
      const page = paginate(
        [...ctx.world.assistants].sort((a, b) => a.createdAt - b.createdAt),
        params,
      );
      return ok({ ...page, data: page.data.map((a) => ctx.dialect.present('assistant', renderAssistant(a))) });
    },
  },
  {
    method: 'GET',
    segments: ['assistants', ':assistant'],
    handler: (ctx) => {
      const assistant = ctx.world.findAssistant(pathParam(ctx, 'assistant'));
      return assistant
        ? ok(ctx.dialect.present('assistant', renderAssistant(assistant)))
        : fail(notFound('assistant', pathParam(ctx, 'assistant')));
    },
  },
];

export interface RouteMatch {
  handler: (ctx: ApiContext) => ApiResult;
  params: Record<string, string>;
  /** Protocol checks in place of the dialect's own (routes of another API under the same base path). */
  check?: (request: DialectRequest) => ApiError | null;
}

/** A path's decoded segments; null when it does not decode. */
export function pathSegments(path: string): string[] | null {
  try {
    return path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return null;
  }
}

/** The parameters when `parts` fit the route's segments (`:name` takes any one segment). */
export function matchSegments(segments: readonly string[], parts: readonly string[]): Record<string, string> | null {
  if (segments.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const seg = segments[i];
    if (seg?.startsWith(':')) params[seg.slice(1)] = part;
    else if (seg !== part) return null;
  }
  return params;
}

/** `path` is below the base path. Literal segments win over parameters (`/threads/runs`). */
export function matchRoute(method: string, path: string, dialect: Dialect): RouteMatch | null {
  const parts = pathSegments(path);
  if (!parts) return null;
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    if (route.feature && !dialect.features[route.feature]) continue;
    const params = matchSegments(route.segments, parts);
    if (params) return { handler: route.handler, params };
  }
  return null;
}
