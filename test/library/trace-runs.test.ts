// traceRuns against the simulator through the real openai SDK: the run carries the app's
// traceparent as the API stored it, the caller's params stay as they were, the run is registered
// once its id is known, and nothing else about the client changes.
import OpenAI from 'openai';
import type { Run } from 'openai/resources/beta/threads/runs/runs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { flushRegistrations, registrationStats, traceRuns } from '../../src/library/trace-runs.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { APP_TRACEPARENT, inAppSpan, installContextManager } from './helpers.js';

let sim: RunningSimulator;
let client: OpenAI;
let assistantId: string;
let uninstall: () => void;

beforeAll(async () => {
  uninstall = installContextManager();
  sim = await startSimulator({ seed: 11, clock: { speed: 20 }, world: { threads: 1, backfillRuns: 0, liveRuns: 0 } });
  client = new OpenAI({ apiKey: sim.apiKey, baseURL: sim.url, maxRetries: 0 });
  assistantId = sim.world.assistants[0]!.id;
});
afterAll(async () => {
  await sim.shutdown();
  uninstall();
});

function recorder(): { calls: [string, string][]; register: (t: string, r: string) => Promise<void> } {
  const calls: [string, string][] = [];
  return { calls, register: async (t, r) => void calls.push([t, r]) };
}

const newThread = async (): Promise<string> => (await client.beta.threads.create()).id;

describe('traceRuns: runs.create', () => {
  it('writes the active span’s traceparent into the run’s metadata without touching the caller’s params', async () => {
    const { calls, register } = recorder();
    const traced = traceRuns(client, { register });
    const threadId = await newThread();
    const params = { assistant_id: assistantId, metadata: { customer: 'c-1' } };
    const before = structuredClone(params);
    const run = await inAppSpan(() => traced.beta.threads.runs.create(threadId, params));
    expect(params).toEqual(before);
    expect(run.metadata).toEqual({ customer: 'c-1', traceparent: APP_TRACEPARENT });
    const stored = await client.beta.threads.runs.retrieve(run.id, { thread_id: threadId });
    expect(stored.metadata).toEqual({ customer: 'c-1', traceparent: APP_TRACEPARENT });
    await flushRegistrations(traced);
    expect(calls).toEqual([[threadId, run.id]]);
    expect(registrationStats(traced)).toEqual({ registered: 1, failed: 0, pending: 0, lastError: null });
  });

  it('keeps a traceparent the user set', async () => {
    const traced = traceRuns(client, { register: recorder().register });
    const theirs = '00-11111111111111111111111111111111-2222222222222222-01';
    const threadId = await newThread();
    const kept = await inAppSpan(() =>
      traced.beta.threads.runs.create(threadId, { assistant_id: assistantId, metadata: { traceparent: theirs } }),
    );
    expect(kept.metadata).toEqual({ traceparent: theirs });
  });

  it('passes the API’s errors to the caller unchanged and registers nothing', async () => {
    const { calls, register } = recorder();
    const traced = traceRuns(client, { register });
    const threadId = await newThread();
    await expect(inAppSpan(() => traced.beta.threads.runs.create(threadId, { assistant_id: 'asst_missing' }))).rejects.toBeInstanceOf(
      OpenAI.NotFoundError,
    );
    await flushRegistrations(traced);
    expect(calls).toEqual([]);
  });

  it('still registers the run, without metadata, when no span is active', async () => {
    const { calls, register } = recorder();
    const traced = traceRuns(client, { register });
    const threadId = await newThread();
    const run = await traced.beta.threads.runs.create(threadId, { assistant_id: assistantId });
    expect(run.metadata).not.toHaveProperty('traceparent');
    await flushRegistrations(traced);
    expect(calls).toEqual([[threadId, run.id]]);
  });

  it('with propagate: false, registers the run but leaves its metadata alone', async () => {
    const { calls, register } = recorder();
    const traced = traceRuns(client, { register, propagate: false });
    const threadId = await newThread();
    const run = await inAppSpan(() => traced.beta.threads.runs.create(threadId, { assistant_id: assistantId }));
    expect(run.metadata).not.toHaveProperty('traceparent');
    await flushRegistrations(traced);
    expect(calls).toEqual([[threadId, run.id]]);
  });

  it('keeps the APIPromise: withResponse() gives the run and the HTTP response, and the run is registered', async () => {
    const { calls, register } = recorder();
    const traced = traceRuns(client, { register });
    const threadId = await newThread();
    const { data, response } = await inAppSpan(() =>
      traced.beta.threads.runs.create(threadId, { assistant_id: assistantId }).withResponse(),
    );
    expect(response.status).toBe(200);
    expect(data.metadata).toEqual({ traceparent: APP_TRACEPARENT });
    await flushRegistrations(traced);
    expect(calls).toEqual([[threadId, data.id]]);
  });
});

describe('traceRuns: the polling helpers', () => {
  it('createAndPoll registers the run once, as soon as it exists, before polling ends', async () => {
    const events: string[] = [];
    const traced = traceRuns(client, { register: async (_t, r) => void events.push(`registered ${r}`) });
    const threadId = await newThread();
    const run = await inAppSpan(() =>
      traced.beta.threads.runs.createAndPoll(threadId, { assistant_id: assistantId }, { pollIntervalMs: 20 }),
    );
    events.push(`resolved ${run.status}`);
    expect(['completed', 'requires_action']).toContain(run.status);
    expect(run.metadata).toEqual({ traceparent: APP_TRACEPARENT });
    expect(events).toEqual([`registered ${run.id}`, `resolved ${run.status}`]);
  });

  it('createAndRun and createAndRunPoll register the run on the thread they created', async () => {
    const { calls, register } = recorder();
    const traced = traceRuns(client, { register });
    const first = await inAppSpan(() => traced.beta.threads.createAndRun({ assistant_id: assistantId, thread: { metadata: { t: '1' } } }));
    const second = await inAppSpan(() => traced.beta.threads.createAndRunPoll({ assistant_id: assistantId }, { pollIntervalMs: 20 }));
    expect(first.metadata).toEqual({ traceparent: APP_TRACEPARENT });
    expect(second.metadata).toEqual({ traceparent: APP_TRACEPARENT });
    await flushRegistrations(traced);
    expect(calls).toEqual([
      [first.thread_id, first.id],
      [second.thread_id, second.id],
    ]);
    expect((await client.beta.threads.retrieve(first.thread_id)).metadata).toEqual({ t: '1' });
  });
});

/** A client whose requests (and the bodies of their answers) land in `log`, in order. */
function loggingClient(log: string[], bodies: Map<string, unknown>): OpenAI {
  const logged: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = init?.method ?? 'GET';
    log.push(`${method} ${url.pathname}`);
    const response = await fetch(input, init);
    bodies.set(`${method} ${url.pathname}`, await response.clone().json());
    return response;
  };
  return new OpenAI({ apiKey: sim.apiKey, baseURL: sim.url, maxRetries: 0, fetch: logged });
}

/** A run of `kind` created through `traced`, polled until it waits for tool outputs the simulator will not submit itself. */
async function waitingRun(traced: OpenAI, kind: 'requires_action' | 'tools' = 'requires_action'): Promise<Run> {
  const threadId = await newThread();
  expect(sim.world.scriptNextClientRun(threadId, { kind, autoSubmit: false })).toBeNull();
  const run = await traced.beta.threads.runs.createAndPoll(threadId, { assistant_id: assistantId }, { pollIntervalMs: 20 });
  expect(run.status).toBe('requires_action');
  return run;
}

const outputsFor = (run: Run): { tool_call_id: string; output: string }[] =>
  run.required_action!.submit_tool_outputs.tool_calls.map((c) => ({ tool_call_id: c.id, output: '{"ok":true}' }));

describe('traceRuns: submitting tool outputs registers the run again', () => {
  it('submitToolOutputs: once the API accepted the outputs, and the app gets the API’s answer as it was', async () => {
    const log: string[] = [];
    const bodies = new Map<string, unknown>();
    const traced = traceRuns(loggingClient(log, bodies), { register: async (t, r) => void log.push(`registered ${t} ${r}`) });
    const run = await waitingRun(traced);
    const submitPath = `POST /v1/threads/${run.thread_id}/runs/${run.id}/submit_tool_outputs`;
    log.length = 0;
    const answer = await traced.beta.threads.runs.submitToolOutputs(run.id, { thread_id: run.thread_id, tool_outputs: outputsFor(run) });
    await flushRegistrations(traced);
    expect(log).toEqual([submitPath, `registered ${run.thread_id} ${run.id}`]);
    expect({ ...answer }).toEqual(bodies.get(submitPath));
    expect(answer.status).not.toBe('requires_action');
    expect(registrationStats(traced)).toEqual({ registered: 2, failed: 0, pending: 0, lastError: null });
  });

  it('submitToolOutputs keeps the APIPromise: withResponse() gives the run and the HTTP response', async () => {
    const { calls, register } = recorder();
    const traced = traceRuns(client, { register });
    const run = await waitingRun(traced);
    const { data, response } = await traced.beta.threads.runs
      .submitToolOutputs(run.id, { thread_id: run.thread_id, tool_outputs: outputsFor(run) })
      .withResponse();
    expect(response.status).toBe(200);
    expect(data.id).toBe(run.id);
    await flushRegistrations(traced);
    expect(calls).toEqual([
      [run.thread_id, run.id],
      [run.thread_id, run.id],
    ]);
  });

  it('submitToolOutputsAndPoll registers the run right after the submit, before it polls', async () => {
    const log: string[] = [];
    const traced = traceRuns(loggingClient(log, new Map()), { register: async (_t, r) => void log.push(`registered ${r}`) });
    const run = await waitingRun(traced, 'tools');
    log.length = 0;
    const done = await traced.beta.threads.runs.submitToolOutputsAndPoll(
      run.id,
      { thread_id: run.thread_id, tool_outputs: outputsFor(run) },
      { pollIntervalMs: 20 },
    );
    expect(done.status).toBe('completed');
    expect(log.slice(0, 2)).toEqual([`POST /v1/threads/${run.thread_id}/runs/${run.id}/submit_tool_outputs`, `registered ${run.id}`]);
    expect(log.slice(2).length).toBeGreaterThanOrEqual(1);
    expect(log.slice(2).every((line) => line === `GET /v1/threads/${run.thread_id}/runs/${run.id}`)).toBe(true);
  });

  it('registers nothing when the API refuses the outputs, and passes the error on', async () => {
    const { calls, register } = recorder();
    const traced = traceRuns(client, { register });
    const run = await waitingRun(traced);
    await expect(
      traced.beta.threads.runs.submitToolOutputs(run.id, {
        thread_id: run.thread_id,
        tool_outputs: [{ tool_call_id: 'call_unknown', output: '' }],
      }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await flushRegistrations(traced);
    expect(calls).toEqual([[run.thread_id, run.id]]);
  });

  it('a bridge that is down does not break the submit: the run comes back, the failure is counted and logged', async () => {
    const warn = vi.fn();
    // Nothing listens on port 9: every attempt is refused.
    const traced = traceRuns(client, { bridgeUrl: 'http://127.0.0.1:9', timeoutMs: 500, logger: { warn } });
    const run = await waitingRun(traced);
    const answer = await traced.beta.threads.runs.submitToolOutputs(run.id, { thread_id: run.thread_id, tool_outputs: outputsFor(run) });
    expect(answer.id).toBe(run.id);
    await flushRegistrations(traced);
    expect(registrationStats(traced)).toMatchObject({ registered: 0, failed: 2, pending: 0 });
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[1]![0]).toContain(
      `run ${run.id} on thread ${run.thread_id} was not registered with the bridge: cannot reach the bridge`,
    );
  });
});

describe('traceRuns: failures and everything else', () => {
  it('never lets a failed registration break the call: counted, logged, the run returned', async () => {
    const warn = vi.fn();
    const traced = traceRuns(client, { register: () => Promise.reject(new Error('bridge down')), logger: { warn } });
    const threadId = await newThread();
    const run = await inAppSpan(() => traced.beta.threads.runs.create(threadId, { assistant_id: assistantId }));
    expect(run.id).toMatch(/^run_/);
    await flushRegistrations(traced);
    expect(registrationStats(traced)).toEqual({ registered: 0, failed: 1, pending: 0, lastError: 'bridge down' });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toContain(`run ${run.id} on thread ${threadId} was not registered with the bridge: bridge down`);
  });

  it('survives a register function that throws synchronously and a logger that throws', async () => {
    const traced = traceRuns(client, {
      register: () => {
        throw new Error('sync');
      },
      logger: {
        warn: () => {
          throw new Error('logger broke');
        },
      },
    });
    const run = await traced.beta.threads.runs.create(await newThread(), { assistant_id: assistantId });
    await flushRegistrations(traced);
    expect(run.id).toMatch(/^run_/);
    expect(registrationStats(traced).failed).toBe(1);
  });

  it('leaves the rest of the client, and the original client, as they were', async () => {
    const { calls, register } = recorder();
    const traced = traceRuns(client, { register });
    expect(traced).toBeInstanceOf(OpenAI);
    const threadId = await newThread();
    const plain = await inAppSpan(() => client.beta.threads.runs.create(threadId, { assistant_id: assistantId }));
    expect(plain.metadata).not.toHaveProperty('traceparent');
    const retrieved = await traced.beta.threads.runs.retrieve(plain.id, { thread_id: threadId });
    expect(retrieved.id).toBe(plain.id);
    const listed: string[] = [];
    for await (const r of traced.beta.threads.runs.list(threadId)) listed.push(r.id);
    expect(listed).toEqual([plain.id]);
    expect((await traced.beta.assistants.retrieve(assistantId)).id).toBe(assistantId);
    expect(traced.baseURL).toBe(client.baseURL);
    await flushRegistrations(traced);
    expect(calls).toEqual([]);
  });

  it('refuses something that is not an openai client', () => {
    expect(() => traceRuns({ beta: {} } as never)).toThrow(TypeError);
    expect(() => registrationStats(client)).toThrow(TypeError);
  });
});
