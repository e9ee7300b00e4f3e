// A `fetch` for the openai SDK's `fetch` option that spends one budget slot per attempt and
// does the retrying itself; the client runs with `maxRetries: 0`, so its own retries (which
// would bypass the budget) never happen. Auto-pagination calls this once per page, so every
// page takes its own slot too.
//
// The SDK's `timeout` becomes the deadline of the whole call: it covers the wait for slots, the
// attempts and the backoff between them, and arrives here as an abort of the caller's signal,
// which is never retried. Give it room (minutes); `attemptTimeoutMs` bounds each attempt.
//
// Nothing here logs or emits request headers: the Authorization header only passes through.
import { describeNetworkError } from '../core/network-error.js';
import { parseRetryAfter, parseRetryAfterMs } from '../core/retry-after.js';
import { fullJitterDelay, sleep, type BackoffOptions, type RandomSource } from '../core/timing.js';
import { bracketsCloseAtEnd } from './json-complete.js';
import { isPriority, type Priority } from './priorities.js';
import type { AttemptOutcome, RequestBudget } from './request-budget.js';
import { defaultPriorityFor, routeTemplate } from './route-label.js';

/** The shape of the openai SDK's `Fetch` type (openai/internal/builtin-types). */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * A request header that sets the priority of one call, e.g. `{ headers: { [PRIORITY_HEADER]:
 * 'finishing' } }` in the SDK's request options for a `runs.list` that polls active runs.
 * It is removed before the request is sent.
 */
export const PRIORITY_HEADER = 'x-budget-priority';

/**
 * A request header that names the route of one call for metrics and logs, a template without
 * ids (`/agents/sessions/{session_id}/turns`), for a source whose vocabulary `routeTemplate`
 * does not know. It is removed before the request is sent.
 */
export const ROUTE_HEADER = 'x-budget-route';

/** A route template: path segments of letters, digits, `_`, `.`, `-`, or a `{name}` placeholder. */
const ROUTE_TEMPLATE = /^(?:\/(?:[A-Za-z0-9_.-]+|\{[a-z_]+\}))+$/;

const DEFAULT_MAX_ATTEMPTS = 6;
const DEFAULT_ATTEMPT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRY_BACKOFF_BASE_MS = 500;
export const DEFAULT_RETRY_BACKOFF_CAP_MS = 30_000;

/** Statuses worth another attempt. 429 waits for the budget's pause instead of a backoff. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 409, 429, 500, 502, 503, 504]);

const RETRYABLE_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

export interface RetryInfo {
  route: string;
  method: string;
  /** The attempt that failed (1 for the first). */
  attempt: number;
  reason: AttemptOutcome | 'status';
  status?: number;
  /** Backoff before the next attempt, on top of any budget pause. */
  delayMs: number;
}

export interface BudgetedFetchOptions {
  /** The fetch that sends. Default `globalThis.fetch`. */
  fetch?: Fetch;
  /** Attempts per request, the first included. Default 6. */
  maxAttempts?: number;
  /** Each attempt, body included, is aborted and retried after this long. Default 30 000 ms. */
  attemptTimeoutMs?: number;
  /** Full-jitter backoff between attempts: base... Default 500 ms. */
  backoffBaseMs?: number;
  /** ...and ceiling. Default 30 000 ms. Also caps a Retry-After on a retried 5xx. */
  backoffCapMs?: number;
  /** Jitter source, in [0, 1). Default Math.random. */
  random?: RandomSource;
  /** Priority of a request; `undefined` falls back to `defaultPriorityFor`. */
  priorityFor?: (url: URL, method: string) => Priority | undefined;
  /** Route label of a request; must be a template. Default `routeTemplate`. */
  routeFor?: (url: URL) => string;
  /**
   * Read each body inside its attempt (default true), so the attempt timeout covers the body
   * and a connection dropped mid-body is retried. Event streams are never buffered.
   */
  bufferBody?: boolean;
  /** Called before each retry. */
  onRetry?: (info: RetryInfo) => void;
  /**
   * Called after each attempt: `ok` once the server answered (any status), else how the
   * connection failed (`connect ECONNREFUSED 127.0.0.1:9`, no answer in time). Not for aborts.
   */
  onConnection?: (event: ConnectionEvent) => void;
  /** Aborts every request, whether waiting for a slot, in an attempt or backing off: the bridge is stopping. */
  stopSignal?: AbortSignal;
}

export type ConnectionEvent = { ok: true; url: URL } | { ok: false; url: URL; cause: string };

interface RequestShape {
  url: URL;
  method: string;
  priority: Priority;
  route: string;
  init: RequestInit | undefined;
  callerSignal: AbortSignal | undefined;
  replayable: boolean;
}

/** A `fetch` that takes a slot from `budget` for every attempt and retries what is transient. */
export function createBudgetedFetch(budget: RequestBudget, options: BudgetedFetchOptions = {}): Fetch {
  const send: Fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!(Number.isInteger(maxAttempts) && maxAttempts >= 1)) {
    throw new RangeError(`maxAttempts must be an integer >= 1, got ${maxAttempts}`);
  }
  const attemptTimeoutMs = options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
  const backoff = {
    baseMs: options.backoffBaseMs ?? DEFAULT_RETRY_BACKOFF_BASE_MS,
    capMs: options.backoffCapMs ?? DEFAULT_RETRY_BACKOFF_CAP_MS,
    random: options.random ?? Math.random,
  };
  const bufferBody = options.bufferBody ?? true;
  const routeFor = options.routeFor ?? routeTemplate;

  return async function budgetedFetch(input, init) {
    const request = describeRequest(input, init, routeFor, options.priorityFor);
    if (options.stopSignal)
      request.callerSignal = request.callerSignal ? AbortSignal.any([request.callerSignal, options.stopSignal]) : options.stopSignal;
    const attempts = request.replayable ? maxAttempts : 1;
    for (let attempt = 1; ; attempt += 1) {
      throwIfAborted(request.callerSignal);
      await budget.acquire(request.priority, {
        route: request.route,
        method: request.method,
        attempt,
        ...(request.callerSignal ? { signal: request.callerSignal } : {}),
      });
      const startedAt = performance.now();
      const timeoutSignal = AbortSignal.timeout(attemptTimeoutMs);
      const signal = request.callerSignal ? AbortSignal.any([request.callerSignal, timeoutSignal]) : timeoutSignal;
      const finish = (outcome: AttemptOutcome, status?: number): void => {
        budget.reportOutcome({
          route: request.route,
          method: request.method,
          priority: request.priority,
          attempt,
          outcome,
          ...(status !== undefined ? { status } : {}),
          durationMs: performance.now() - startedAt,
        });
      };

      let delayMs: number;
      let answered = false;
      try {
        const sent = await send(input instanceof Request ? input.clone() : input, { ...request.init, signal });
        answered = true;
        options.onConnection?.({ ok: true, url: request.url });
        // Before anything else can fail: a 429 must pause the budget even if its body is lost.
        budget.observeResponse(sent.status, sent.headers, request.route);
        const retryable = RETRYABLE_STATUSES.has(sent.status) && sent.headers.get('x-should-retry') !== 'false';
        const last = !retryable || attempt >= attempts;
        const held = last && bufferBody ? await buffered(sent, signal) : null;
        const response = held?.response ?? sent;
        // A 2xx JSON body cut short is a transport failure, not an answer: retry it like one.
        if (held && sent.ok && attempt < attempts && !isCompleteJson(response, held.body)) {
          finish('network_error', sent.status);
          delayMs = fullJitterDelay(attempt, backoff);
          options.onRetry?.({
            route: request.route,
            method: request.method,
            attempt,
            reason: 'network_error',
            status: sent.status,
            delayMs,
          });
          await sleep(delayMs, request.callerSignal);
          continue;
        }
        finish(statusOutcome(sent.status), sent.status);
        if (last) return response;
        await sent.body?.cancel().catch(() => undefined);
        delayMs = sent.status === 429 ? 0 : retryDelay(sent, attempt, backoff);
        options.onRetry?.({ route: request.route, method: request.method, attempt, reason: 'status', status: sent.status, delayMs });
      } catch (error) {
        if (request.callerSignal?.aborted) {
          finish('aborted');
          throw error;
        }
        const outcome: AttemptOutcome = timeoutSignal.aborted ? 'timeout' : 'network_error';
        finish(outcome);
        if (!answered) {
          const cause = outcome === 'timeout' ? `no answer within ${attemptTimeoutMs} ms` : describeNetworkError(error);
          options.onConnection?.({ ok: false, url: request.url, cause });
        }
        if (outcome === 'network_error' && !isRetryableNetworkError(error)) throw error;
        if (attempt >= attempts) throw error;
        delayMs = fullJitterDelay(attempt, backoff);
        options.onRetry?.({ route: request.route, method: request.method, attempt, reason: outcome, delayMs });
      }
      await sleep(delayMs, request.callerSignal);
    }
  };
}

function describeRequest(
  input: string | URL | Request,
  init: RequestInit | undefined,
  routeFor: (url: URL) => string,
  priorityFor: BudgetedFetchOptions['priorityFor'],
): RequestShape {
  const url = new URL(input instanceof Request ? input.url : input.toString());
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  let headersInit = init?.headers;
  let requested: string | null = null;
  let namedRoute: string | null = null;
  if (headersInit !== undefined) {
    const headers = new Headers(headersInit);
    requested = headers.get(PRIORITY_HEADER);
    namedRoute = headers.get(ROUTE_HEADER);
    if (requested !== null || namedRoute !== null) {
      headers.delete(PRIORITY_HEADER);
      headers.delete(ROUTE_HEADER);
      headersInit = headers;
    }
  }
  const priority = isPriority(requested) ? requested : (priorityFor?.(url, method) ?? defaultPriorityFor(url, method));
  const body = init?.body;
  return {
    url,
    method,
    priority,
    route: namedRoute !== null && ROUTE_TEMPLATE.test(namedRoute) ? namedRoute : routeFor(url),
    init: init === undefined ? undefined : { ...init, headers: headersInit },
    callerSignal: init?.signal ?? (input instanceof Request ? input.signal : undefined),
    // A stream is consumed by the first attempt; strings, buffers and forms can be sent again.
    replayable: !(body instanceof ReadableStream || (typeof body === 'object' && body !== null && Symbol.asyncIterator in body)),
  };
}

function statusOutcome(status: number): AttemptOutcome {
  if (status >= 200 && status < 300) return 'ok';
  if (status < 200) return '1xx';
  if (status < 400) return '3xx';
  if (status < 500) return '4xx';
  return '5xx';
}

// A 5xx or 408 may name its own wait; it applies to this request only (a 429 pauses everyone).
function retryDelay(response: Response, attempt: number, backoff: BackoffOptions & { random: RandomSource }): number {
  const named =
    parseRetryAfterMs(response.headers.get('retry-after-ms')) ?? parseRetryAfter(response.headers.get('retry-after'), Date.now());
  if (named !== null) return Math.ceil(Math.min(named, backoff.capMs));
  return fullJitterDelay(attempt, backoff);
}

const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 103, 204, 205, 304]);

/** False only for a JSON response whose body (`body`, as buffered) was cut short: its brackets never close at its end. */
function isCompleteJson(response: Response, body: ArrayBuffer | null): boolean {
  if (body === null || !(response.headers.get('content-type') ?? '').includes('json')) return true;
  const bytes = new Uint8Array(body);
  const closed = bracketsCloseAtEnd(bytes);
  if (closed !== null) return closed;
  // A bare value (no API answer is one): parse it.
  try {
    JSON.parse(Buffer.from(bytes).toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

/** The response with its body read into memory, and those bytes (null for no body or a stream, left as they are). */
async function buffered(response: Response, signal: AbortSignal): Promise<{ response: Response; body: ArrayBuffer | null }> {
  if (response.body === null || (response.headers.get('content-type') ?? '').includes('text/event-stream')) {
    return { response, body: null };
  }
  const body = await readAll(response, signal);
  const copy = new Response(NULL_BODY_STATUSES.has(response.status) ? null : body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  // The SDK reads `url` for its logs; a constructed Response has none.
  Object.defineProperty(copy, 'url', { value: response.url });
  return { response: copy, body };
}

// undici aborts a body read when the request's signal aborts, but this does not rely on it.
function readAll(response: Response, signal: AbortSignal): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    response.arrayBuffer().then(
      (body) => {
        signal.removeEventListener('abort', onAbort);
        resolve(body);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Connection-level failures: undici's `fetch failed` and the socket errors under it. */
function isRetryableNetworkError(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current !== undefined && current !== null && depth < 5; depth += 1) {
    if (typeof current !== 'object') return false;
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string' && RETRYABLE_ERROR_CODES.has(code)) return true;
    if (typeof message === 'string' && /fetch failed|socket hang up|other side closed|terminated/i.test(message)) {
      return true;
    }
    current = cause;
  }
  return false;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}
