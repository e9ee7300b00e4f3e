// The streaming helpers: the simulator does not stream, so a fetch answers with server-sent
// events. The request carries the traceparent; the run is registered from `thread.run.created`,
// and again when a submit of tool outputs has connected.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushRegistrations, traceRuns } from '../../src/library/trace-runs.js';
import { APP_TRACEPARENT, inAppSpan, installContextManager, streamingFetch, type Captured } from './helpers.js';

let uninstall: () => void;
beforeAll(() => {
  uninstall = installContextManager();
});
afterAll(() => uninstall());

function setup(): { traced: OpenAI; captured: Captured[]; calls: [string, string][] } {
  const captured: Captured[] = [];
  const calls: [string, string][] = [];
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0, fetch: streamingFetch(captured) });
  return { traced: traceRuns(client, { register: async (t, r) => void calls.push([t, r]) }), captured, calls };
}

describe('traceRuns: streams', () => {
  it('runs.stream sends the traceparent and registers the run when it is created', async () => {
    const { traced, captured, calls } = setup();
    const stream = inAppSpan(() => traced.beta.threads.runs.stream('thread_s', { assistant_id: 'asst_1', metadata: { a: 'b' } }));
    const final = await stream.finalRun();
    expect(final.status).toBe('completed');
    expect(captured).toHaveLength(1);
    expect(captured[0]).toMatchObject({
      method: 'POST',
      path: '/v1/threads/thread_s/runs',
      body: { stream: true, metadata: { a: 'b', traceparent: APP_TRACEPARENT } },
    });
    await flushRegistrations(traced);
    expect(calls).toEqual([['thread_s', 'run_stream']]);
  });

  it('runs.createAndStream (deprecated) does the same', async () => {
    const { traced, captured, calls } = setup();
    await inAppSpan(() => traced.beta.threads.runs.createAndStream('thread_s', { assistant_id: 'asst_1' })).finalRun();
    expect(captured[0]!.body.metadata).toEqual({ traceparent: APP_TRACEPARENT });
    await flushRegistrations(traced);
    expect(calls).toEqual([['thread_s', 'run_stream']]);
  });

  it('threads.createAndRunStream registers the run on the new thread', async () => {
    const { traced, captured, calls } = setup();
    await inAppSpan(() => traced.beta.threads.createAndRunStream({ assistant_id: 'asst_1' })).finalRun();
    expect(captured[0]).toMatchObject({ path: '/v1/threads/runs', body: { metadata: { traceparent: APP_TRACEPARENT } } });
    await flushRegistrations(traced);
    expect(calls).toEqual([['thread_stream', 'run_stream']]);
  });

  it('create with stream: true hands back the event stream and registers the run as the events pass', async () => {
    const { traced, captured, calls } = setup();
    const events: string[] = [];
    const stream = await inAppSpan(() => traced.beta.threads.runs.create('thread_s', { assistant_id: 'asst_1', stream: true }));
    for await (const event of stream) events.push(event.event);
    expect(events).toEqual(['thread.run.created', 'thread.run.completed']);
    expect(captured[0]!.body.metadata).toEqual({ traceparent: APP_TRACEPARENT });
    await flushRegistrations(traced);
    expect(calls).toEqual([['thread_s', 'run_stream']]);
  });

  it('createAndRun with stream: true does the same', async () => {
    const { traced, calls } = setup();
    const stream = await inAppSpan(() => traced.beta.threads.createAndRun({ assistant_id: 'asst_1', stream: true }));
    let count = 0;
    for await (const _event of stream) count += 1;
    expect(count).toBe(2);
    await flushRegistrations(traced);
    expect(calls).toEqual([['thread_stream', 'run_stream']]);
  });
});

describe('traceRuns: streamed tool outputs', () => {
  const tool_outputs = [{ tool_call_id: 'call_1', output: '{"ok":true}' }];

  it('submitToolOutputsStream registers the run again once the stream connected, and sends the outputs as they were', async () => {
    const { traced, captured, calls } = setup();
    const stream = traced.beta.threads.runs.submitToolOutputsStream('run_s', { thread_id: 'thread_s', tool_outputs });
    const registeredAtEvents: number[] = [];
    stream.on('event', () => registeredAtEvents.push(calls.length));
    const final = await stream.finalRun();
    expect(final.status).toBe('completed');
    // Registered as soon as the stream connected, not when it ended.
    expect(registeredAtEvents).toEqual([1, 1]);
    expect(captured).toEqual([
      { method: 'POST', path: '/v1/threads/thread_s/runs/run_s/submit_tool_outputs', body: { tool_outputs, stream: true } },
    ]);
    await flushRegistrations(traced);
    expect(calls).toEqual([['thread_s', 'run_s']]);
  });

  it('submitToolOutputs with stream: true hands back the event stream untouched and registers the run', async () => {
    const { traced, calls } = setup();
    const stream = await traced.beta.threads.runs.submitToolOutputs('run_s', { thread_id: 'thread_s', tool_outputs, stream: true });
    const events: string[] = [];
    for await (const event of stream) events.push(event.event);
    expect(events).toEqual(['thread.run.created', 'thread.run.completed']);
    await flushRegistrations(traced);
    expect(calls).toEqual([['thread_s', 'run_s']]);
  });

  it('registers nothing when the API refuses the streamed submit', async () => {
    const calls: [string, string][] = [];
    const refusing: typeof fetch = async () =>
      new Response(
        JSON.stringify({ error: { message: 'Runs in status "completed" do not accept tool outputs.', type: 'invalid_request_error' } }),
        {
          status: 400,
          headers: { 'content-type': 'application/json' },
        },
      );
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0, fetch: refusing });
    const traced = traceRuns(client, { register: async (t, r) => void calls.push([t, r]) });
    await expect(
      traced.beta.threads.runs.submitToolOutputsStream('run_s', { thread_id: 'thread_s', tool_outputs }).finalRun(),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(
      traced.beta.threads.runs.submitToolOutputs('run_s', { thread_id: 'thread_s', tool_outputs, stream: true }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await flushRegistrations(traced);
    expect(calls).toEqual([]);
  });
});
