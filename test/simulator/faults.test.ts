import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { api, control, startFrozen } from './helpers.js';

let sim: RunningSimulator;
let threadId: string;
let runId: string;

beforeAll(async () => {
  sim = await startFrozen({ seed: 3, world: { threads: 2, backfillRuns: 6, liveRuns: 0 } });
  const run = sim.world.runs()[0]!;
  threadId = run.threadId;
  runId = run.id;
});
afterAll(() => sim.shutdown());
beforeEach(() => {
  sim.setFaults({});
  sim.clearRequestLog();
});

const runsPath = () => `/threads/${threadId}/runs`;

describe('injected 429s', () => {
  it('retry-after form: every Nth request, seconds header, OpenAI body, logged', async () => {
    sim.setFaults({ rateLimit429: { every: 2, headers: 'retry-after', retryAfterSeconds: 3 } });
    const first = await api(sim, runsPath());
    const second = await api(sim, runsPath());
    const third = await api(sim, runsPath());
    expect([first.status, second.status, third.status]).toEqual([200, 429, 200]);
    expect(second.headers.get('retry-after')).toBe('3');
    expect(second.headers.get('retry-after-ms')).toBeNull();
    expect(second.json).toEqual({
      error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' },
    });
    expect(sim.requestLog().map((e) => [e.status, e.fault])).toEqual([
      [200, null],
      [429, 'rate_limit_429'],
      [200, null],
    ]);
  });

  it('retry-after-ms form', async () => {
    sim.setFaults({ rateLimit429: { every: 1, headers: 'retry-after-ms', retryAfterMs: 250 } });
    const res = await api(sim, runsPath());
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after-ms')).toBe('250');
    expect(res.headers.get('retry-after')).toBeNull();
  });

  it('x-ratelimit form', async () => {
    sim.setFaults({ rateLimit429: { every: 1, headers: 'x-ratelimit', resetDuration: '6m0s' } });
    const res = await api(sim, runsPath());
    expect(res.status).toBe(429);
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(res.headers.get('x-ratelimit-reset-requests')).toBe('6m0s');
    expect(res.headers.get('x-ratelimit-limit-requests')).toMatch(/^\d+$/);
    expect(res.headers.get('retry-after')).toBeNull();
  });

  it('bare form, with no hint at all', async () => {
    sim.setFaults({ rateLimit429: { probability: 1, headers: 'none' } });
    const res = await api(sim, runsPath());
    expect(res.status).toBe(429);
    for (const h of ['retry-after', 'retry-after-ms', 'x-ratelimit-reset-requests']) expect(res.headers.get(h)).toBeNull();
  });

  it('probabilities are reproducible for a seed', async () => {
    const statuses = async (s: RunningSimulator): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < 20; i++) out.push((await api(s, '/assistants')).status);
      return out;
    };
    const faults = { rateLimit429: { probability: 0.5, headers: 'none' as const } };
    const a = await startSimulator({ seed: 99, faults, clock: { speed: 0 } });
    const b = await startSimulator({ seed: 99, faults, clock: { speed: 0 } });
    try {
      const sa = await statuses(a);
      expect(await statuses(b)).toEqual(sa);
      expect(sa).toContain(429);
      expect(sa).toContain(200);
    } finally {
      await Promise.all([a.shutdown(), b.shutdown()]);
    }
  });
});

describe('rpm limiter', () => {
  it('sends x-ratelimit headers on every answer and 429s past the limit', async () => {
    sim.setFaults({ rpmLimit: 3 });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await api(sim, runsPath()));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers.map((a) => a.headers.get('x-ratelimit-remaining-requests'))).toEqual(['2', '1', '0', '0']);
    for (const a of answers) {
      expect(a.headers.get('x-ratelimit-limit-requests')).toBe('3');
      expect(a.headers.get('x-ratelimit-reset-requests')).toMatch(/^(\d+m)?\d+(\.\d+)?(ms|s)$/);
    }
    expect(answers[3]!.json).toEqual({
      error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' },
    });
    expect(sim.requestLog()[3]!.fault).toBe('rpm_limit');
  });
});

describe('other faults', () => {
  it('5xx with a server_error body', async () => {
    sim.setFaults({ serverError: { every: 1, status: 503 } });
    const res = await api(sim, runsPath());
    expect(res.status).toBe(503);
    expect(res.json.error).toMatchObject({ type: 'server_error' });
    sim.setFaults({ serverError: { every: 1 } });
    expect((await api(sim, runsPath())).status).toBe(500);
  });

  it('malformed JSON: 200 with a truncated body', async () => {
    sim.setFaults({ malformedJson: { every: 1 } });
    const res = await api(sim, runsPath());
    expect(res.status).toBe(200);
    expect(() => JSON.parse(res.text) as unknown).toThrow();
    expect(res.text.startsWith('{"object":"list"')).toBe(true);
    expect(sim.requestLog()[0]!.fault).toBe('malformed_json');
  });

  it('latency delays every API answer', async () => {
    sim.setFaults({ latencyMs: 150 });
    const started = Date.now();
    const res = await api(sim, runsPath());
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(sim.requestLog()[0]!.latencyMs).toBe(150);
  });

  it('hang never answers; the client gives up; close() still returns', async () => {
    const own = await startFrozen({ faults: { hang: { every: 1 } } });
    const attempt = fetch(`${own.url}/assistants`, {
      headers: { authorization: `Bearer ${own.apiKey}`, 'openai-beta': 'assistants=v2' },
      signal: AbortSignal.timeout(200),
    });
    await expect(attempt).rejects.toThrow();
    expect(own.requestLog()[0]).toMatchObject({ fault: 'hang', status: null });
    await own.shutdown();
  });

  it('answers 404 for runs and threads listed as gone', async () => {
    sim.setFaults({ notFoundRuns: [runId] });
    const run = await api(sim, `${runsPath()}/${runId}`);
    expect(run.status).toBe(404);
    expect(run.json.error!.message).toBe(`No run found with id '${runId}'.`);
    const list = await api(sim, `${runsPath()}?limit=100`);
    expect(list.json.data!.map((r) => r.id)).not.toContain(runId);
    sim.setFaults({ notFoundThreads: [threadId] });
    const thread = await api(sim, runsPath());
    expect(thread.status).toBe(404);
    expect(sim.requestLog().map((e) => e.fault)).toEqual(['not_found_run', null, 'not_found_thread']);
  });
});

describe('control routes', () => {
  it('are never faulted, and set and read faults over HTTP', async () => {
    const set = await control(sim, '/faults', { serverError: { every: 1 } });
    expect(set.status).toBe(200);
    expect((await control(sim, '/faults')).json).toEqual({ serverError: { every: 1 } });
    expect((await control(sim, '/health')).status).toBe(200);
    expect((await api(sim, runsPath())).status).toBe(500);
    const bad = await control(sim, '/faults', { serverError: { status: 418 } });
    expect(bad.status).toBe(400);
    expect(sim.getFaults()).toEqual({ serverError: { every: 1 } });
  });

  it('log every request, rejected ones included, and clear the log', async () => {
    await api(sim, `${runsPath()}?limit=5&order=asc`);
    await api(sim, runsPath(), { auth: false });
    const log = (await control(sim, '/requests')).json.requests as Record<string, unknown>[];
    const apiEntries = log.filter((e) => !e.control);
    expect(apiEntries).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: `/v1${runsPath()}`,
        query: 'limit=5&order=asc',
        status: 200,
        fault: null,
        time: expect.any(Number),
      }),
      expect.objectContaining({ method: 'GET', path: `/v1${runsPath()}`, query: '', status: 401 }),
    ]);
    expect((await control(sim, '/requests', undefined, 'DELETE')).status).toBe(200);
    expect(sim.requestLog().filter((e) => !e.control)).toEqual([]);
  });

  it('advance the clock and start runs; reject bad input', async () => {
    const before = (await control(sim, '/clock')).json.now as number;
    expect((await control(sim, '/clock', { advanceSeconds: 5 })).json.now).toBe(before + 5);
    expect((await control(sim, '/clock', { advanceSeconds: -1 })).status).toBe(400);
    expect((await control(sim, '/runs', { kind: 'nope' })).status).toBe(400);
    expect((await control(sim, '/runs', { threadId: 'thread_nope' })).status).toBe(404);
    const started = await control(sim, '/runs', { threadId, kind: 'message' });
    expect(started.json).toMatchObject({ thread_id: threadId, run_id: expect.stringMatching(/^run_/) });
    expect((await control(sim, '/runs', { threadId })).status).toBe(409);
  });
});
