// Shared by the library tests: an active span without an SDK, and an SSE answer for the streaming
// helpers (the simulator does not stream).
import { AsyncLocalStorage } from 'node:async_hooks';
import { context, ROOT_CONTEXT, trace, type Context, type ContextManager } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';

/** What Node apps get from @opentelemetry/context-async-hooks, in a few lines. */
export class AsyncContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.#storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#storage.disable();
    return this;
  }
}

export function installContextManager(): () => void {
  const manager = new AsyncContextManager();
  context.setGlobalContextManager(manager);
  return () => context.disable();
}

export const APP_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
export const APP_SPAN = '00f067aa0ba902b7';
export const APP_TRACEPARENT = `00-${APP_TRACE}-${APP_SPAN}-01`;

/** Runs `fn` with the app's span active (optionally with a trace state). */
export function inAppSpan<T>(fn: () => T, traceState?: string): T {
  const ctx = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: APP_TRACE,
    spanId: APP_SPAN,
    traceFlags: 1,
    ...(traceState ? { traceState: new TraceState(traceState) } : {}),
  });
  return context.with(ctx, fn);
}

export interface Captured {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

const sse = (events: { event: string; data: unknown }[]): string =>
  events.map((e) => `event: ${e.event}\ndata: ${typeof e.data === 'string' ? e.data : JSON.stringify(e.data)}\n\n`).join('');

export function runObject(id: string, threadId: string, status: string, metadata: Record<string, string> = {}): Record<string, unknown> {
  return {
    id,
    object: 'thread.run',
    created_at: 1_760_000_000,
    assistant_id: 'asst_1',
    thread_id: threadId,
    status,
    model: 'gpt-4o',
    instructions: '',
    tools: [],
    metadata,
    usage: null,
    required_action: null,
    last_error: null,
  };
}

/**
 * A fetch that answers every run-creating POST with an SSE stream (created, completed, done) for
 * `run_stream` on `thread_stream` (or the thread in the path), and records what was sent.
 */
export function streamingFetch(captured: Captured[]): typeof fetch {
  return async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : {};
    captured.push({ method: init?.method ?? 'GET', path: url.pathname, body });
    const threadId = /\/threads\/([^/]+)\/runs$/.exec(url.pathname)?.[1] ?? 'thread_stream';
    const metadata = (body.metadata ?? {}) as Record<string, string>;
    const text = sse([
      { event: 'thread.run.created', data: runObject('run_stream', threadId, 'queued', metadata) },
      { event: 'thread.run.completed', data: runObject('run_stream', threadId, 'completed', metadata) },
      { event: 'done', data: '[DONE]' },
    ]);
    return new Response(text, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  };
}
