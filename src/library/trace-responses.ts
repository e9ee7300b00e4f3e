// Wraps an `openai` client so every response it creates carries the app's trace context in its
// metadata and is registered with the bridge, which then traces the response inside the app's trace.
//
//   const client = traceResponses(new OpenAI());
//   const response = await client.responses.create({ model, input, background: true });
//
// The wrapped client is a Proxy with the client's own type: every other property and method is
// the client's, bound to it (the SDK keeps private fields that a Proxy receiver cannot reach).
import { rememberRegistrations } from './client-registrations.js';
import { isFn, isObj, observeIteration, observeResult, overlay, type Fn, type Obj } from './overlay.js';
import { ResponseRegistrar, type ResponseRegistrarOptions } from './registrar.js';
import { withTraceArgument } from './run-metadata.js';

export interface TraceResponsesOptions extends ResponseRegistrarOptions {
  /** Write `traceparent` / `tracestate` into response metadata. Default true. */
  propagate?: boolean;
}

/** The part of an `openai` client that traceResponses needs (one with `responses`; AzureOpenAI too). */
export interface ResponsesClientLike {
  responses: object;
}

/** Statuses after which a response changes no more. */
const ENDED: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled', 'incomplete']);
/** Responses remembered per client as told to the bridge; the oldest are forgotten past this. */
const REMEMBERED = 10_000;

/** Whether `value` is a response as the API returns it (enough of one to register it). */
function isResponse(value: unknown): value is { id: string; status?: unknown; store?: unknown } {
  return isObj(value) && value.object === 'response' && typeof value.id === 'string' && value.id !== '';
}

/**
 * Which responses the bridge has been told of: each once when first seen, and once more when the
 * app first sees it ended (the bridge, which looks at an unfinished response at its own pace,
 * then looks at once). A failed registration is forgotten, so the next sighting tries again.
 */
class Sightings {
  readonly #registrar: ResponseRegistrar;
  readonly #told = new Map<string, 'open' | 'ended'>();

  constructor(registrar: ResponseRegistrar) {
    this.#registrar = registrar;
  }

  /** A response object seen in an answer; one the API does not store (`store: false`) cannot be read by the bridge. */
  see(value: unknown): void {
    if (!isResponse(value) || value.store === false) return;
    this.seeId(value.id, typeof value.status === 'string' && ENDED.has(value.status));
  }

  seeId(id: string, ended: boolean): void {
    const before = this.#told.get(id);
    if (before === 'ended' || (before === 'open' && !ended)) return;
    const now = ended ? 'ended' : 'open';
    this.#told.delete(id);
    this.#told.set(id, now);
    if (this.#told.size > REMEMBERED) this.#told.delete(this.#told.keys().next().value as string);
    void this.#registrar.register(id).then((registered) => {
      if (!registered && this.#told.get(id) === now) this.#told.delete(id);
    });
  }
}

interface Tracing {
  sightings: Sightings;
  propagate: boolean;
}

/** Each event of a response's SSE stream carries the response (`response.created`, `.completed`, ...) or not. */
const seeEvent = (tracing: Tracing, event: unknown): void => {
  if (isObj(event)) tracing.sightings.see(event.response);
};

/** What a call resolved to: a response (registered) or an SSE stream of events (registered as they pass). */
function afterCall(tracing: Tracing, data: unknown): unknown {
  if (!observeIteration(data, (event) => seeEvent(tracing, event))) tracing.sightings.see(data);
  return data;
}

/** Whether a create body asks the API not to store the response: the bridge could not read it. */
const unstored = (body: unknown): boolean => isObj(body) && body.store === false;

function tracedCreator(tracing: Tracing, target: Obj, method: Fn): Fn {
  return (...args: unknown[]) => {
    const sent = tracing.propagate ? withTraceArgument(args, 0) : args;
    const result = method.apply(target, sent);
    return unstored(args[0]) ? result : observeResult(result, (data) => afterCall(tracing, data));
  };
}

/** `retrieve(id, ...)` and `cancel(id, ...)`: what they answer is a response (or a stream of its events). */
function tracedReader(tracing: Tracing, target: Obj, method: Fn): Fn {
  return (...args: unknown[]) => observeResult(method.apply(target, args), (data) => afterCall(tracing, data));
}

/**
 * `stream(body)` starts a response and returns a ResponseStream (it creates through the client's
 * own, untraced, resource, so the trace context is added here); `stream({ response_id })` replays
 * one. Either way the response is registered as its events arrive.
 */
function tracedStream(tracing: Tracing, target: Obj, method: Fn): Fn {
  return (...args: unknown[]) => {
    const replay = isObj(args[0]) && 'response_id' in args[0];
    const sent = tracing.propagate && !replay ? withTraceArgument(args, 0) : args;
    const stream = method.apply(target, sent);
    if (!unstored(args[0]) && isObj(stream) && isFn(stream.on))
      stream.on.call(stream, 'event', (event: unknown) => seeEvent(tracing, event));
    return stream;
  };
}

const WRAPPERS: Readonly<Record<string, (tracing: Tracing, target: Obj, method: Fn) => Fn>> = {
  create: tracedCreator,
  parse: tracedCreator,
  stream: tracedStream,
  retrieve: tracedReader,
  cancel: tracedReader,
};

/**
 * The same client, with `responses.create` / `parse` / `stream` / `retrieve` / `cancel` traced
 * (those the SDK version has): the active span's `traceparent` (and `tracestate`) goes into the
 * metadata of a response being created (unless the app set one, or it would pass 16 keys or 512
 * characters; the caller's params are never changed), and every response id the calls return
 * (the response, or the events of its stream) is registered with the bridge: once when first
 * seen, once more when the app first sees it ended. Responses created with `store: false` are
 * not registered (the bridge cannot read them).
 *
 * Registrations run alongside the app's call, never delay it, and their failures are counted
 * (`registrationStats`) and logged to `options.logger`, never thrown. What the calls return is
 * what the SDK returned.
 */
export function traceResponses<C extends ResponsesClientLike>(client: C, options: TraceResponsesOptions = {}): C {
  // JavaScript callers can pass anything: checked here as well as by the type.
  const responses: unknown = (client as Partial<ResponsesClientLike>).responses;
  if (!isObj(responses))
    throw new TypeError('traceResponses: expected an openai client with responses (an openai SDK with the Responses API)');
  const registrar = new ResponseRegistrar(options);
  const tracing: Tracing = { sightings: new Sightings(registrar), propagate: options.propagate ?? true };
  const wrapped = new Map<string, Fn>();
  for (const [name, wrap] of Object.entries(WRAPPERS)) {
    const method = responses[name];
    if (isFn(method)) wrapped.set(name, wrap(tracing, responses, method));
  }
  const tracedResponses = overlay(responses, (prop) => (typeof prop === 'string' ? wrapped.get(prop) : undefined));
  const traced = overlay(client, (prop) => (prop === 'responses' ? tracedResponses : undefined));
  rememberRegistrations(traced, client, registrar);
  return traced;
}
