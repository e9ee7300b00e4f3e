// HTTP plumbing: request log, control routes, then for API routes the fault decisions, dialect
// checks and routing, in the order a real service applies them.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleControl } from './control.js';
import type { Dialect } from './dialect.js';
import { invalidJsonBody, invalidUrl, rateLimited, type ApiError } from './errors.js';
import type { FaultDecision, FaultEngine } from './faults.js';
import { controlMounted, routeMounted, type SimulatorMount } from './mount.js';
import type { RequestLog, RequestLogEntry } from './requestlog.js';
import { matchRoute } from './routes.js';
import type { World } from './world.js';

export interface ServerDeps {
  world: World;
  faults: FaultEngine;
  dialect: Dialect;
  apiKey: string;
  log: RequestLog;
  wallClockMs: () => number;
  /** Further APIs on the same server (Responses and Conversations). */
  mounts?: readonly SimulatorMount[];
}

const MAX_BODY_BYTES = 1 << 20;

/** Responses held back (latency) or never sent (hang), so shutdown() can end them. */
export interface PendingResponses {
  timers: Set<NodeJS.Timeout>;
}

export function createRequestHandler(deps: ServerDeps, pending: PendingResponses): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, pending, req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: String(error), type: 'server_error', param: null, code: null } }));
      }
    });
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(raw: string): { ok: true; value: unknown } | { ok: false } {
  if (raw.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false };
  }
}

async function handle(deps: ServerDeps, pending: PendingResponses, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = deps.wallClockMs();
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://simulator.invalid');
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
  const requestId = `req_${randomBytes(16).toString('hex')}`;
  const control = path === '/_sim' || path.startsWith('/_sim/');
  const entry: RequestLogEntry = {
    requestId,
    time: started,
    method,
    path,
    query: url.search.slice(1),
    status: null,
    fault: null,
    latencyMs: 0,
    control,
  };
  deps.log.add(entry);
  const raw = await readBody(req);
  const { dialect } = deps;

  const send = (status: number, payload: string, headers: Record<string, string> = {}, latencyMs = 0): void => {
    const write = (): void => {
      entry.status = status;
      if (res.destroyed) return;
      res.writeHead(status, {
        'content-type': 'application/json',
        'openai-version': '2020-10-01',
        'openai-processing-ms': String(Math.max(0, deps.wallClockMs() - started)),
        ...dialect.requestIdHeaders(requestId),
        ...headers,
      });
      res.end(payload);
    };
    if (latencyMs <= 0) return write();
    entry.latencyMs = latencyMs;
    const timer = setTimeout(() => {
      pending.timers.delete(timer);
      write();
    }, latencyMs);
    pending.timers.add(timer);
  };
  const sendError = (error: ApiError, headers: Record<string, string> = {}, latencyMs = 0): void =>
    send(error.status, JSON.stringify(dialect.errorBody(error)), { ...headers, ...error.headers }, latencyMs);

  if (control) {
    const body = parseJson(raw);
    if (!body.ok) {
      send(400, JSON.stringify({ error: { message: 'body is not valid JSON', type: 'invalid_request_error', param: null, code: null } }));
      return;
    }
    const ctx = {
      method,
      path: path.slice('/_sim'.length) || '/',
      body: body.value,
      world: deps.world,
      faults: deps.faults,
      log: deps.log,
      dialect,
    };
    const result = (await controlMounted(deps.mounts ?? [], ctx)) ?? handleControl(ctx);
    send(result.status, JSON.stringify(result.body));
    return;
  }

  const base = dialect.basePath;
  if (path !== base && !path.startsWith(`${base}/`)) {
    sendError(invalidUrl(method, path));
    return;
  }
  const decision: FaultDecision = deps.faults.decide();
  if (decision.hang) {
    // Never answered; the socket stays open until the client gives up or the server closes.
    entry.fault = 'hang';
    return;
  }
  const latency = decision.latencyMs;
  const authError = dialect.authenticate(req.headers, deps.apiKey);
  if (authError) {
    sendError(authError, {}, latency);
    return;
  }
  const sub = path.slice(base.length) || '/';
  const match = matchRoute(method, sub, dialect) ?? routeMounted(deps.mounts ?? [], method, sub, dialect);
  if (!match) {
    sendError(invalidUrl(method, path), {}, latency);
    return;
  }
  const request = { method, path: sub, query: url.searchParams, headers: req.headers };
  const protocolError = match.check ? match.check(request) : dialect.checkRequest(request);
  if (protocolError) {
    sendError(protocolError, {}, latency);
    return;
  }

  const limit = deps.faults.limit();
  const limitHeaders = limit?.headers ?? {};
  if (limit && !limit.allowed) {
    entry.fault = 'rpm_limit';
    sendError(rateLimited(limit.headers), {}, latency);
    return;
  }
  if (decision.rateLimit) {
    entry.fault = 'rate_limit_429';
    sendError(decision.rateLimit, limitHeaders, latency);
    return;
  }
  if (decision.serverError) {
    entry.fault = 'server_error';
    sendError(decision.serverError, limitHeaders, latency);
    return;
  }
  const body = parseJson(raw);
  if (!body.ok) {
    sendError(invalidJsonBody(), limitHeaders, latency);
    return;
  }

  const now = deps.world.now();
  deps.world.sync(now);
  const result = match.handler({
    world: deps.world,
    dialect,
    faults: deps.faults,
    now,
    params: match.params,
    query: url.searchParams,
    body: body.value,
    markFault: (name) => {
      entry.fault = name;
    },
  });
  if ('error' in result) {
    if (!decision.malformedJson) {
      sendError(result.error, limitHeaders, latency);
      return;
    }
  }
  const status = 'error' in result ? result.error.status : result.status;
  const payload =
    'error' in result ? JSON.stringify(dialect.errorBody(result.error)) : 'raw' in result ? result.raw : JSON.stringify(result.body);
  if (decision.malformedJson) {
    entry.fault = 'malformed_json';
    send(200, payload.slice(0, Math.max(1, Math.floor(payload.length / 2))), limitHeaders, latency);
    return;
  }
  send(status, payload, limitHeaders, latency);
}
