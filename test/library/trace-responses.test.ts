// traceResponses through the real openai SDK: against the simulator's Responses API (the response
// carries the app's traceparent as the API stored it, the caller's params stay as they were, each
// response id is registered) and against a stand-in fetch where the simulator cannot answer (SSE
// streams, an exact answer to compare). A bridge that fails never fails or changes the app's call.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { flushRegistrations, registrationStats } from '../../src/library/client-registrations.js';
import { traceResponses } from '../../src/library/trace-responses.js';
import { traceRuns } from '../../src/library/trace-runs.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { APP_TRACEPARENT, inAppSpan, installContextManager } from './helpers.js';

let sim: RunningSimulator;
let client: OpenAI;
let uninstall: () => void;

beforeAll(async () => {
  uninstall = installContextManager();
  sim = await startSimulator({
    seed: 17,
    clock: { speed: 20 },
    world: { threads: 1, backfillRuns: 0, liveRuns: 0 },
    responses: { world: { backfillResponses: 0, liveResponses: 0 } },
  });
  client = new OpenAI({ apiKey: sim.apiKey, baseURL: sim.responsesUrl, maxRetries: 0 });
});
afterAll(async () => {
  await sim.shutdown();
  uninstall();
});

function recorder(): { calls: string[]; register: (id: string) => Promise<void> } {
  const calls: string[] = [];
  return { calls, register: async (id) => void calls.push(id) };
}

const MODEL = 'gpt-4.1-mini';
const ended = (status: unknown): boolean => ['completed', 'failed', 'cancelled', 'incomplete'].includes(String(status));

/** Polls a background response (through `c`) until it ends. */
async function untilEnded(c: OpenAI, id: string): Promise<OpenAI.Responses.Response> {
  for (;;) {
    const r = await c.responses.retrieve(id);
    if (ended(r.status)) return r;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('traceResponses: metadata', () => {
  it('writes the active span’s traceparent and tracestate into the response’s metadata without touching the caller’s params', async () => {
    const traced = traceResponses(client, { register: recorder().register });
    const params = { model: MODEL, input: 'hi', metadata: { customer: 'c-1' } };
    const before = structuredClone(params);
    const response = await inAppSpan(() => traced.responses.create(params), 'vendor=abc');
    expect(params).toEqual(before);
    const expected = { customer: 'c-1', traceparent: APP_TRACEPARENT, tracestate: 'vendor=abc' };
    expect(response.metadata).toEqual(expected);
    expect((await client.responses.retrieve(response.id)).metadata).toEqual(expected);
  });

  it('never overwrites the app’s traceparent or tracestate', async () => {
    const traced = traceResponses(client, { register: recorder().register });
    const theirs = '00-11111111111111111111111111111111-2222222222222222-01';
    const kept = await inAppSpan(() => traced.responses.create({ model: MODEL, input: 'hi', metadata: { traceparent: theirs } }));
    expect(kept.metadata).toEqual({ traceparent: theirs });
    const state = await inAppSpan(
      () => traced.responses.create({ model: MODEL, input: 'hi', metadata: { tracestate: 'mine=1' } }),
      'vendor=abc',
    );
    expect(state.metadata).toEqual({ tracestate: 'mine=1', traceparent: APP_TRACEPARENT });
  });

  it('stays within 16 keys: nothing added when full, the traceparent alone with one key free, and the call succeeds', async () => {
    const traced = traceResponses(client, { register: recorder().register });
    const keys = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    const full = await inAppSpan(() => traced.responses.create({ model: MODEL, input: 'hi', metadata: keys(16) }), 'vendor=abc');
    expect(full.metadata).toEqual(keys(16));
    const oneFree = await inAppSpan(() => traced.responses.create({ model: MODEL, input: 'hi', metadata: keys(15) }), 'vendor=abc');
    expect(oneFree.metadata).toEqual({ ...keys(15), traceparent: APP_TRACEPARENT });
  });

  it('keeps a long tracestate within the 512-character values', async () => {
    const traced = traceResponses(client, { register: recorder().register });
    const long = Array.from({ length: 40 }, (_, i) => `vendor${i}=${'x'.repeat(10)}`).join(',');
    expect(long.length).toBeGreaterThan(512);
    const response = await inAppSpan(() => traced.responses.create({ model: MODEL, input: 'hi' }), long);
    const metadata = response.metadata ?? {};
    expect(metadata.traceparent).toBe(APP_TRACEPARENT);
    expect(metadata.tracestate!.length).toBeLessThanOrEqual(512);
    expect(long.startsWith(metadata.tracestate!)).toBe(true);
  });

  it('adds nothing without an active span, or with propagate: false, and registers the response all the same', async () => {
    const { calls, register } = recorder();
    const traced = traceResponses(client, { register });
    const bare = await traced.responses.create({ model: MODEL, input: 'hi' });
    expect(bare.metadata).toEqual({});
    const quiet = traceResponses(client, { register, propagate: false });
    const off = await inAppSpan(() => quiet.responses.create({ model: MODEL, input: 'hi' }));
    expect(off.metadata).toEqual({});
    await Promise.all([flushRegistrations(traced), flushRegistrations(quiet)]);
    expect(calls).toEqual([bare.id, off.id]);
  });
});

describe('traceResponses: registration', () => {
  it('registers a background response when created, not again while it runs, once more when the app sees it ended', async () => {
    const { calls, register } = recorder();
    const traced = traceResponses(client, { register });
    // Queued for 20 to 45 virtual seconds (1 to 2 s here): still running when retrieved at once.
    sim.responses.world.scriptNextClientResponse('slow_queue');
    const created = await inAppSpan(() => traced.responses.create({ model: MODEL, input: 'hi', background: true }));
    expect(ended(created.status)).toBe(false);
    await flushRegistrations(traced);
    expect(calls).toEqual([created.id]);
    const still = await traced.responses.retrieve(created.id);
    expect(ended(still.status)).toBe(false);
    await flushRegistrations(traced);
    expect(calls).toEqual([created.id]);
    const final = await untilEnded(traced, created.id);
    await traced.responses.retrieve(created.id);
    await flushRegistrations(traced);
    expect(ended(final.status)).toBe(true);
    expect(calls).toEqual([created.id, created.id]);
    expect(registrationStats(traced)).toEqual({ registered: 2, failed: 0, pending: 0, lastError: null });
  });

  it('registers a finished response once; one it only retrieves or cancels too', async () => {
    const { calls, register } = recorder();
    const traced = traceResponses(client, { register });
    const done = await traced.responses.create({ model: MODEL, input: 'hi' });
    expect(done.status).toBe('completed');
    sim.responses.world.scriptNextClientResponse('slow_queue');
    const elsewhere = await client.responses.create({ model: MODEL, input: 'hi', background: true });
    expect((await traced.responses.cancel(elsewhere.id)).status).toBe('cancelled');
    const other = await client.responses.create({ model: MODEL, input: 'hi' });
    await traced.responses.retrieve(other.id);
    await flushRegistrations(traced);
    expect(calls).toEqual([done.id, elsewhere.id, other.id]);
  });

  it('registers a response made by parse()', async () => {
    const { calls, register } = recorder();
    const traced = traceResponses(client, { register });
    const parsed = await inAppSpan(() => traced.responses.parse({ model: MODEL, input: 'hi' }));
    expect(parsed.metadata).toEqual({ traceparent: APP_TRACEPARENT });
    await flushRegistrations(traced);
    expect(calls).toEqual([parsed.id]);
  });

  it('registers nothing for a response the API does not store, nor when the API refuses the call', async () => {
    const { calls, register } = recorder();
    const traced = traceResponses(client, { register });
    await traced.responses.create({ model: MODEL, input: 'hi', store: false });
    await expect(traced.responses.retrieve('resp_missing')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await flushRegistrations(traced);
    expect(calls).toEqual([]);
  });

  it('never fails the app’s call: a register that throws, one that rejects, a bridge that is not there, a logger that throws', async () => {
    const warn = vi.fn(() => {
      throw new Error('logger down');
    });
    const clients = [
      traceResponses(client, {
        register: () => {
          throw new Error('sync boom');
        },
        logger: { warn },
      }),
      traceResponses(client, { register: () => Promise.reject(new Error('async boom')), logger: { warn } }),
      traceResponses(client, { bridgeUrl: 'http://127.0.0.1:9', timeoutMs: 200, logger: { warn } }),
    ];
    for (const traced of clients) {
      const response = await inAppSpan(() => traced.responses.create({ model: MODEL, input: 'hi' }));
      expect(response.status).toBe('completed');
      await flushRegistrations(traced);
      expect(registrationStats(traced)).toMatchObject({ registered: 0, failed: 1, pending: 0 });
    }
    expect(registrationStats(clients[2]!).lastError).toContain('cannot reach the bridge at http://127.0.0.1:9/v1/responses');
    expect(warn).toHaveBeenCalledTimes(3);
  });

  it('tries a failed registration again the next time the app sees the response', async () => {
    let fail = true;
    const calls: string[] = [];
    const traced = traceResponses(client, {
      register: async (id) => {
        calls.push(id);
        if (fail) throw new Error('bridge restarting');
      },
    });
    const response = await traced.responses.create({ model: MODEL, input: 'hi' });
    await flushRegistrations(traced);
    fail = false;
    await traced.responses.retrieve(response.id);
    await traced.responses.retrieve(response.id);
    await flushRegistrations(traced);
    expect(calls).toEqual([response.id, response.id]);
    expect(registrationStats(traced)).toMatchObject({ registered: 1, failed: 1 });
  });

  it('answers for both when wrapped with traceRuns too', async () => {
    const traced = traceRuns(traceResponses(client, { register: recorder().register }), { register: async () => undefined });
    await traced.responses.create({ model: MODEL, input: 'hi' });
    await flushRegistrations(traced);
    expect(registrationStats(traced)).toMatchObject({ registered: 1, failed: 0 });
  });
});

/** A fetch that answers every request with `answer` and records the requests. */
function standIn(answer: () => Response): { fetch: typeof fetch; sent: { method: string; path: string; body: unknown }[] } {
  const sent: { method: string; path: string; body: unknown }[] = [];
  return {
    sent,
    fetch: async (input, init) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      sent.push({ method: init?.method ?? 'GET', path: url.pathname, body: typeof init?.body === 'string' ? JSON.parse(init.body) : null });
      return answer();
    },
  };
}

const RESPONSE = {
  id: 'resp_fixed',
  object: 'response',
  created_at: 1_780_000_000,
  status: 'in_progress',
  model: MODEL,
  output: [],
  metadata: {},
  store: true,
  background: true,
};

function sseAnswer(): Response {
  const events = [
    { type: 'response.created', sequence_number: 0, response: { ...RESPONSE } },
    { type: 'response.in_progress', sequence_number: 1, response: { ...RESPONSE } },
    { type: 'response.completed', sequence_number: 2, response: { ...RESPONSE, status: 'completed', completed_at: 1_780_000_003 } },
  ];
  const text = events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
  return new Response(text, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

const sdk = (f: typeof fetch): OpenAI => new OpenAI({ apiKey: 'sk-test', baseURL: 'http://stand-in.invalid/v1', fetch: f, maxRetries: 0 });

describe('traceResponses: what the SDK returns', () => {
  it('returns exactly what the untraced client returns, APIPromise helpers included', async () => {
    const answer = (): Response => new Response(JSON.stringify(RESPONSE), { status: 200, headers: { 'content-type': 'application/json' } });
    const plain = await sdk(standIn(answer).fetch).responses.create({ model: MODEL, input: 'hi' });
    const traced = traceResponses(sdk(standIn(answer).fetch), { register: recorder().register });
    const got = await traced.responses.create({ model: MODEL, input: 'hi' });
    expect(got).toEqual(plain);
    expect(Object.getPrototypeOf(got)).toBe(Object.getPrototypeOf(plain));
    const { data, response } = await traced.responses.retrieve('resp_fixed').withResponse();
    expect(response.status).toBe(200);
    expect(data).toEqual(await sdk(standIn(answer).fetch).responses.retrieve('resp_fixed'));
    expect(traced.responses.inputItems).toBeDefined();
  });

  it('create({ stream: true }): the same events, the trace context in the body, registered at response.created and once ended', async () => {
    const { calls, register } = recorder();
    const { fetch: f, sent } = standIn(sseAnswer);
    const traced = traceResponses(sdk(f), { register });
    const stream = await inAppSpan(() => traced.responses.create({ model: MODEL, input: 'hi', stream: true }));
    const types: string[] = [];
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.created') expect(calls).toEqual(['resp_fixed']);
    }
    expect(types).toEqual(['response.created', 'response.in_progress', 'response.completed']);
    expect(sent[0]!.body).toMatchObject({ stream: true, metadata: { traceparent: APP_TRACEPARENT } });
    await flushRegistrations(traced);
    expect(calls).toEqual(['resp_fixed', 'resp_fixed']);
  });

  it('stream(): the trace context in the body, the response registered from its events; a replay by id sends no metadata', async () => {
    const { calls, register } = recorder();
    const { fetch: f, sent } = standIn(sseAnswer);
    const traced = traceResponses(sdk(f), { register });
    const final = await inAppSpan(() => traced.responses.stream({ model: MODEL, input: 'hi' }).finalResponse());
    expect(final.status).toBe('completed');
    expect(sent[0]).toMatchObject({ method: 'POST', path: '/v1/responses', body: { metadata: { traceparent: APP_TRACEPARENT } } });
    await flushRegistrations(traced);
    expect(calls).toEqual(['resp_fixed', 'resp_fixed']);

    const replay = await inAppSpan(() => traced.responses.stream({ response_id: 'resp_fixed' }).finalResponse());
    expect(replay.id).toBe('resp_fixed');
    expect(sent[1]).toMatchObject({ method: 'GET', path: '/v1/responses/resp_fixed', body: null });
    await flushRegistrations(traced);
    // Seen ended already: the bridge is not told again.
    expect(calls).toEqual(['resp_fixed', 'resp_fixed']);
  });

  it('refuses what is not an openai client with responses', () => {
    expect(() => traceResponses({} as unknown as OpenAI)).toThrow('traceResponses: expected an openai client with responses');
  });
});
