// Wraps an `openai` client so every run it creates carries the app's trace context in its
// metadata and is registered with the bridge, which then traces the run inside the app's trace.
//
//   const client = traceRuns(new OpenAI());
//   await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id });
//
// The wrapped client is a Proxy with the client's own type: every other property and method is
// the client's, bound to it (the SDK keeps private fields that a Proxy receiver cannot reach).
import { withTraceArgument } from './run-metadata.js';
import { Registrar, type RegistrarOptions } from './registrar.js';
import { rememberRegistrations } from './client-registrations.js';
import { isFn, isObj, isRun, observeIteration, observeResult, overlay, type Fn, type Obj } from './overlay.js';
import { toolOutputSubmitters } from './tool-outputs.js';

export interface TraceRunsOptions extends RegistrarOptions {
  /** Write `traceparent` / `tracestate` into run metadata. Default true. */
  propagate?: boolean;
}

/** The part of an `openai` client that traceRuns needs (openai 4 and later; AzureOpenAI too). */
export interface AssistantsClientLike {
  beta: { threads: { runs: object } };
}

/** Run-creating methods and the position of their body argument. */
const RUN_CREATORS = { create: 1, createAndPoll: 1, stream: 1, createAndStream: 1 } as const;
const THREAD_RUN_CREATORS = { createAndRun: 0, createAndRunPoll: 0, createAndRunStream: 0 } as const;

interface Tracing {
  registrar: Registrar;
  propagate: boolean;
}

function inject(tracing: Tracing, args: unknown[], index: number): unknown[] {
  return tracing.propagate ? withTraceArgument(args, index) : args;
}

/**
 * What a create call resolved to: a run (registered), or an SSE stream of events (`stream: true`),
 * whose iteration is watched for the run's creation. The same stream object is returned.
 */
function afterCreate(tracing: Tracing, data: unknown): unknown {
  if (isRun(data)) {
    void tracing.registrar.register(data.thread_id, data.id);
    return data;
  }
  let seen = false;
  observeIteration(data, (event) => {
    if (seen || !isObj(event) || event.event !== 'thread.run.created') return;
    seen = true;
    if (isRun(event.data)) void tracing.registrar.register(event.data.thread_id, event.data.id);
  });
  return data;
}

/** Registers what a create call resolves to, keeping an APIPromise an APIPromise. */
function observeCreation(tracing: Tracing, result: unknown): unknown {
  return observeResult(result, (data) => afterCreate(tracing, data));
}

/** An AssistantStream: registers the run when its `thread.run.created` event arrives. */
function observeAssistantStream(tracing: Tracing, stream: unknown): unknown {
  if (!isObj(stream) || !isFn(stream.on)) return stream;
  let seen = false;
  stream.on.call(stream, 'event', (event: unknown) => {
    if (seen || !isObj(event) || event.event !== 'thread.run.created' || !isRun(event.data)) return;
    seen = true;
    void tracing.registrar.register(event.data.thread_id, event.data.id);
  });
  return stream;
}

/**
 * `createAndPoll` and `createAndRunPoll` call the resource's own `create` / `createAndRun`:
 * run them against a view whose creator is the traced one, so the run is registered as soon as
 * it exists rather than when polling ends. Should an SDK version not go through that creator,
 * the final run is registered instead.
 */
function pollHelper(tracing: Tracing, target: object, method: Fn, creatorName: string, tracedCreator: Fn, bodyIndex: number): Fn {
  return (...args: unknown[]) => {
    let created = false;
    const inner = overlay(target, (prop) =>
      prop === creatorName
        ? (...a: unknown[]) => {
            created = true;
            return tracedCreator(...a);
          }
        : undefined,
    );
    const result = method.apply(inner, inject(tracing, args, bodyIndex));
    if (!isObj(result) || !isFn(result.then)) return result;
    return (result as unknown as Promise<unknown>).then((run) => {
      if (!created && isRun(run)) void tracing.registrar.register(run.thread_id, run.id);
      return run;
    });
  };
}

function traceResource<K extends string>(
  tracing: Tracing,
  target: Obj,
  creators: Readonly<Record<K, number>>,
  creatorName: K,
  extra: (prop: PropertyKey) => unknown,
): object {
  const original = (name: string): Fn | undefined => (isFn(target[name]) ? target[name] : undefined);
  const create = original(creatorName);
  const tracedCreator: Fn | undefined =
    create && ((...args: unknown[]) => observeCreation(tracing, create.apply(target, inject(tracing, args, creators[creatorName]))));
  const wrapped = new Map<string, Fn>();
  for (const [name, bodyIndex] of Object.entries<number>(creators)) {
    const method = original(name);
    if (!method) continue;
    if (name === creatorName && tracedCreator) wrapped.set(name, tracedCreator);
    else if (/Poll$/.test(name) && tracedCreator)
      wrapped.set(name, pollHelper(tracing, target, method, creatorName, tracedCreator, bodyIndex));
    else if (/Stream$|^stream$/.test(name))
      wrapped.set(name, (...args: unknown[]) => observeAssistantStream(tracing, method.apply(target, inject(tracing, args, bodyIndex))));
  }
  return overlay(target, (prop) => (typeof prop === 'string' && wrapped.has(prop) ? wrapped.get(prop) : extra(prop)));
}

/**
 * The same client, with `beta.threads.runs.create` / `createAndPoll` / `stream` /
 * `createAndStream` and `beta.threads.createAndRun` / `createAndRunPoll` / `createAndRunStream`
 * traced: the active span's `traceparent` goes into the run's metadata (unless the user set one,
 * or it would pass 16 keys or 512 characters; the caller's params are never changed), and once
 * the API returns the run id the run is registered with the bridge.
 *
 * `beta.threads.runs.submitToolOutputs` / `submitToolOutputsAndPoll` / `submitToolOutputsStream`
 * register the run again once the API has accepted the outputs (the request resolved; for a
 * stream, once it connected; `AndPoll` before it starts polling). That tells the bridge the wait
 * is over: a run in `requires_action` is otherwise looked at only at its back-off pace (up to
 * once a minute), so the step the outputs end would reach the trace that late. Each submit counts
 * as one registration in `registrationStats`; what the calls return is unchanged.
 *
 * Registrations run alongside the app's call, never delay it, and their failures are counted
 * (`registrationStats`) and logged to `options.logger`, never thrown.
 */
export function traceRuns<C extends AssistantsClientLike>(client: C, options: TraceRunsOptions = {}): C {
  // JavaScript callers can pass anything: checked here as well as by the type.
  const threads: unknown = (client as Partial<AssistantsClientLike>).beta?.threads;
  if (!isObj(threads) || !isObj(threads.runs))
    throw new TypeError('traceRuns: expected an openai client with beta.threads.runs (openai >= 4)');
  const tracing: Tracing = { registrar: new Registrar(options), propagate: options.propagate ?? true };
  const submitters = toolOutputSubmitters(threads.runs, (threadId, runId) => void tracing.registrar.register(threadId, runId));
  const runs = traceResource(tracing, threads.runs, RUN_CREATORS, 'create', (prop) =>
    typeof prop === 'string' ? submitters.get(prop) : undefined,
  );
  const tracedThreads = traceResource(tracing, threads, THREAD_RUN_CREATORS, 'createAndRun', (prop) =>
    prop === 'runs' ? runs : undefined,
  );
  const beta = overlay(client.beta, (prop) => (prop === 'threads' ? tracedThreads : undefined));
  const traced = overlay(client, (prop) => (prop === 'beta' ? beta : undefined));
  rememberRegistrations(traced, client, tracing.registrar);
  return traced;
}

export { flushRegistrations, registrationStats } from './client-registrations.js';
