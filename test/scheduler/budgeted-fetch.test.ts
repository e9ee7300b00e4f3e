import { afterEach, describe, expect, it } from 'vitest';
import {
  createBudgetedFetch,
  PRIORITY_HEADER,
  ROUTE_HEADER,
  type BudgetedFetchOptions,
  type RetryInfo,
} from '../../src/scheduler/budgeted-fetch.js';
import {
  RequestBudget,
  type AttemptFinishEvent,
  type AttemptStartEvent,
  type RequestBudgetOptions,
  type ThrottleEvent,
} from '../../src/scheduler/request-budget.js';
import { json, sleep, startServer, type Handler, type Hit, type TestServer } from './http-fixture.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Rig {
  server: TestServer;
  budget: RequestBudget;
  fetch: ReturnType<typeof createBudgetedFetch>;
  starts: AttemptStartEvent[];
  finishes: AttemptFinishEvent[];
  throttles: ThrottleEvent[];
  retries: RetryInfo[];
}

async function rig(
  handler: Handler,
  budgetOptions: Partial<RequestBudgetOptions> = {},
  fetchOptions: BudgetedFetchOptions = {},
): Promise<Rig> {
  const server = await startServer(handler);
  const budget = new RequestBudget({ rpm: 1_000, ...budgetOptions });
  cleanups.push(
    () => server.close(),
    () => budget.shutdown(),
  );
  const starts: AttemptStartEvent[] = [];
  const finishes: AttemptFinishEvent[] = [];
  const throttles: ThrottleEvent[] = [];
  const retries: RetryInfo[] = [];
  budget.on('attemptStart', (event) => starts.push(event));
  budget.on('attemptFinish', (event) => finishes.push(event));
  budget.on('throttle', (event) => throttles.push(event));
  const fetch = createBudgetedFetch(budget, {
    backoffBaseMs: 20,
    backoffCapMs: 200,
    random: () => 0.5,
    onRetry: (info) => retries.push(info),
    ...fetchOptions,
  });
  return { server, budget, fetch, starts, finishes, throttles, retries };
}

const RUN = '/v1/threads/thread_1/runs/run_1';
const ok = { id: 'run_1', object: 'thread.run', status: 'completed' };

/** Answers the first `failures` requests with `fail`, the rest with 200. */
function failThenOk(failures: number, fail: Handler): Handler {
  return (req, res, hit, hits) => (hits.length <= failures ? fail(req, res, hit, hits) : json(res, 200, ok));
}

describe('createBudgetedFetch', () => {
  it('takes one slot per attempt and reports it with a route template', async () => {
    const r = await rig((_req, res) => json(res, 200, ok));
    const response = await r.fetch(`${r.server.url}${RUN}`, { headers: { authorization: 'Bearer sk-very-secret' } });
    expect(await response.json()).toEqual(ok);
    expect(r.server.hits).toHaveLength(1);
    expect(r.server.hits[0]?.headers.authorization).toBe('Bearer sk-very-secret');
    expect(r.starts).toEqual([
      expect.objectContaining({ route: '/threads/{thread_id}/runs/{run_id}', method: 'GET', priority: 'finishing', attempt: 1 }),
    ]);
    expect(r.finishes).toEqual([expect.objectContaining({ route: '/threads/{thread_id}/runs/{run_id}', outcome: 'ok', status: 200 })]);
    expect(r.budget.stats().totalAttempts).toBe(1);
    // Nothing observable carries the credentials or the ids.
    const observed = JSON.stringify([r.starts, r.finishes, r.budget.stats()]);
    expect(observed).not.toContain('sk-very-secret');
    expect(observed).not.toContain('run_1');
  });

  it.each([408, 409, 500, 502, 503, 504])('retries a %d and spends a slot on each attempt', async (status) => {
    const r = await rig(failThenOk(2, (_req, res) => json(res, status, { error: { message: 'try again' } })));
    const response = await r.fetch(`${r.server.url}${RUN}`);
    expect(response.status).toBe(200);
    expect(r.server.hits).toHaveLength(3);
    expect(r.budget.stats().totalAttempts).toBe(3);
    expect(r.starts.map((event) => event.attempt)).toEqual([1, 2, 3]);
    expect(r.finishes.map((event) => event.outcome)).toEqual([status >= 500 ? '5xx' : '4xx', status >= 500 ? '5xx' : '4xx', 'ok']);
  });

  it('waits a full-jitter backoff drawn from the injected random source between attempts', async () => {
    let draws = 0;
    const r = await rig(
      failThenOk(3, (_req, res) => json(res, 500, {})),
      {},
      {
        backoffBaseMs: 40,
        backoffCapMs: 1_000,
        random: () => {
          draws += 1;
          return 0.25;
        },
      },
    );
    expect((await r.fetch(`${r.server.url}${RUN}`)).status).toBe(200);
    expect(r.retries.map((retry) => retry.delayMs)).toEqual([10, 20, 40]);
    expect(draws).toBe(3);
    const gaps = r.server.hits.slice(1).map((hit, index) => hit.at - (r.server.hits[index] as { at: number }).at);
    expect(gaps[2]).toBeGreaterThanOrEqual(35);
  });

  it('retries a 2xx JSON answer cut short as a network error, and returns the whole one', async () => {
    const whole = JSON.stringify({ object: 'list', data: [ok, { ...ok, id: 'run_2', note: 'a "quoted" {bracket}' }] });
    const r = await rig((_req, res, _hit, hits) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // The first answer stops mid-string, inside the list: a proxy closed it early.
      res.end(hits.length === 1 ? whole.slice(0, whole.indexOf('{bracket')) : whole);
    });
    const response = await r.fetch(`${r.server.url}${RUN}`);
    expect(await response.text()).toBe(whole);
    expect(r.finishes.map((event) => event.outcome)).toEqual(['network_error', 'ok']);
    expect(r.retries).toEqual([expect.objectContaining({ reason: 'network_error', status: 200 })]);
  });

  it('returns the last answer once the attempts are spent', async () => {
    const r = await rig((_req, res) => json(res, 503, { error: { message: 'down' } }), {}, { maxAttempts: 3 });
    const response = await r.fetch(`${r.server.url}${RUN}`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: { message: 'down' } });
    expect(r.server.hits).toHaveLength(3);
  });

  it('makes six attempts by default', async () => {
    const r = await rig((_req, res) => json(res, 500, {}), {}, { backoffBaseMs: 1, backoffCapMs: 5 });
    expect((await r.fetch(`${r.server.url}${RUN}`)).status).toBe(500);
    expect(r.server.hits).toHaveLength(6);
  });

  it.each([400, 401, 403, 404, 422])('never retries a %d', async (status) => {
    const r = await rig((_req, res) => json(res, status, { error: { message: 'no' } }));
    const response = await r.fetch(`${r.server.url}${RUN}`);
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error: { message: 'no' } });
    await sleep(100);
    expect(r.server.hits).toHaveLength(1);
    expect(r.retries).toHaveLength(0);
  });

  it('obeys x-should-retry: false', async () => {
    const r = await rig((_req, res) => json(res, 503, {}, { 'x-should-retry': 'false' }));
    expect((await r.fetch(`${r.server.url}${RUN}`)).status).toBe(503);
    expect(r.server.hits).toHaveLength(1);
  });

  describe('429', () => {
    const httpDateIn = (ms: number) => new Date(Date.now() + ms).toUTCString();
    it.each([
      { name: 'retry-after-ms', headers: () => ({ 'retry-after-ms': '400' }), minMs: 390, maxMs: 400 },
      { name: 'retry-after', headers: () => ({ 'retry-after': '1' }), minMs: 990, maxMs: 1_000 },
      // An HTTP date has whole seconds, so the wait lands between one and two seconds.
      { name: 'retry-after', headers: () => ({ 'retry-after': httpDateIn(2_000) }), minMs: 990, maxMs: 2_000 },
      { name: 'x-ratelimit-reset-requests', headers: () => ({ 'x-ratelimit-reset-requests': '450ms' }), minMs: 440, maxMs: 450 },
      { name: 'backoff', headers: () => ({}), minMs: 290, maxMs: 300 },
    ])('pauses the budget for $name and retries after the pause', async ({ name, headers, minMs, maxMs }) => {
      const r = await rig(
        failThenOk(1, (_req, res) => json(res, 429, { error: { message: 'slow down' } }, headers())),
        { throttleBackoffBaseMs: 600, random: () => 0.5 },
      );
      const response = await r.fetch(`${r.server.url}${RUN}`);
      expect(response.status).toBe(200);
      expect(r.throttles).toHaveLength(1);
      const throttle = r.throttles[0] as ThrottleEvent;
      expect(throttle.source).toBe(name);
      expect(throttle.ms).toBeGreaterThanOrEqual(minMs);
      expect(throttle.ms).toBeLessThanOrEqual(maxMs);
      const [first, second] = r.server.hits as [Hit, Hit];
      expect(second.at - first.at).toBeGreaterThanOrEqual(throttle.ms - 10);
      expect(r.budget.stats()).toMatchObject({ throttledCount: 1, totalAttempts: 2 });
    });

    it('holds every other request until the pause ends', async () => {
      let throttled = false;
      const r = await rig((req, res) => {
        if (req.url?.includes('run_1') && !throttled) {
          throttled = true;
          json(res, 429, {}, { 'retry-after-ms': '600' });
          return;
        }
        json(res, 200, ok);
      });
      const first = r.fetch(`${r.server.url}${RUN}`);
      while (r.throttles.length === 0) await sleep(5);
      const pausedUntil = (r.throttles[0] as { until: number }).until;
      const other = await r.fetch(`${r.server.url}/v1/assistants/asst_1`);
      expect(other.status).toBe(200);
      expect((await first).status).toBe(200);
      const otherHit = r.server.hits.find((hit) => hit.path.includes('asst_1'));
      expect(otherHit).toBeDefined();
      // Against the pause's own end, not a clock read after polling for it: a busy machine only delays the hit.
      expect((otherHit as { at: number }).at).toBeGreaterThanOrEqual(pausedUntil - 2);
    });
  });

  it('never exceeds the window over HTTP', async () => {
    const r = await rig((_req, res) => json(res, 200, ok), { rpm: 5, marginFraction: 0, windowMs: 1_000 });
    const began = Date.now();
    const list = () => r.fetch(`${r.server.url}/v1/threads/t/runs`);
    const first = await list();
    await sleep(600);
    const responses = [first, ...(await Promise.all(Array.from({ length: 10 }, list)))];
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(r.server.hits).toHaveLength(11);
    const times = r.starts.map((event) => event.at).sort((a, b) => a - b);
    // Start times are read just after p-queue reads its clock, so allow 2 ms of skew.
    for (let index = 5; index < times.length; index += 1) {
      expect((times[index] as number) - (times[index - 5] as number)).toBeGreaterThanOrEqual(998);
    }
    expect(Date.now() - began).toBeGreaterThanOrEqual(2_000);
  });

  it('orders waiting requests by priority, and honours the priority header', async () => {
    const r = await rig((_req, res) => json(res, 200, ok));
    r.budget.pause(150);
    const base = r.server.url;
    await Promise.all([
      r.fetch(`${base}/v1/assistants/asst_1`),
      r.fetch(`${base}/v1/threads/t/runs?limit=100`),
      r.fetch(`${base}/v1/threads/t/runs/r/steps`),
      r.fetch(`${base}/v1/threads/t2/runs?limit=100`, { headers: { [PRIORITY_HEADER]: 'finishing' } }),
      r.fetch(`${base}/v1/threads/t/runs/r`),
    ]);
    expect(r.starts.map((event) => `${event.priority} ${event.route}`)).toEqual([
      'finishing /assistants/{assistant_id}',
      'finishing /threads/{thread_id}/runs/{run_id}/steps',
      'finishing /threads/{thread_id}/runs',
      'finishing /threads/{thread_id}/runs/{run_id}',
      'discovery /threads/{thread_id}/runs',
    ]);
    expect(r.server.hits.some((hit) => PRIORITY_HEADER in hit.headers)).toBe(false);
  });

  it('labels a request with the route its header names, a template only, and never sends the header', async () => {
    const r = await rig((_req, res) => json(res, 200, ok));
    const base = r.server.url;
    await r.fetch(`${base}/v1/agents/sessions/sess_1/turns`, { headers: { [ROUTE_HEADER]: '/agents/sessions/{session_id}/turns' } });
    // A value that is no template (an id in it, a query) is ignored: the default label stands.
    await r.fetch(`${base}/v1/threads/t/runs`, { headers: { [ROUTE_HEADER]: '/threads/thread 1?x=1' } });
    await r.fetch(`${base}/v1/threads/t/runs`);
    expect(r.starts.map((event) => event.route)).toEqual([
      '/agents/sessions/{session_id}/turns',
      '/threads/{thread_id}/runs',
      '/threads/{thread_id}/runs',
    ]);
    expect(r.server.hits.some((hit) => ROUTE_HEADER in hit.headers)).toBe(false);
  });

  it('takes the priority from priorityFor when given', async () => {
    const r = await rig(
      (_req, res) => json(res, 200, ok),
      {},
      { priorityFor: (url) => (url.pathname.includes('assistants') ? 'finishing' : undefined) },
    );
    await r.fetch(`${r.server.url}/v1/assistants/a`);
    await r.fetch(`${r.server.url}/v1/threads/t/runs`);
    expect(r.starts.map((event) => event.priority)).toEqual(['finishing', 'discovery']);
  });

  it('retries a reset connection', async () => {
    const r = await rig(failThenOk(1, (req) => req.socket.destroy()));
    const response = await r.fetch(`${r.server.url}${RUN}`);
    expect(response.status).toBe(200);
    expect(r.server.hits).toHaveLength(2);
    expect(r.finishes.map((event) => event.outcome)).toEqual(['network_error', 'ok']);
  });

  it('retries a connection dropped in the middle of the body', async () => {
    const r = await rig(
      failThenOk(1, (req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"id":"run_1",');
        setTimeout(() => req.socket.destroy(), 20);
      }),
    );
    const response = await r.fetch(`${r.server.url}${RUN}`);
    expect(await response.json()).toEqual(ok);
    expect(r.server.hits).toHaveLength(2);
    expect(r.finishes.map((event) => event.outcome)).toEqual(['network_error', 'ok']);
  });

  it('rethrows the last network error once the attempts are spent', async () => {
    const r = await rig((req) => req.socket.destroy(), {}, { maxAttempts: 3 });
    await expect(r.fetch(`${r.server.url}${RUN}`)).rejects.toThrow('fetch failed');
    expect(r.server.hits).toHaveLength(3);
    expect(r.budget.stats().totalAttempts).toBe(3);
  });

  it('retries a refused connection', async () => {
    const closed = await startServer(() => undefined);
    const url = closed.url;
    await closed.close();
    const r = await rig(() => undefined, {}, { maxAttempts: 3 });
    await expect(r.fetch(`${url}${RUN}`)).rejects.toThrow('fetch failed');
    expect(r.finishes.map((event) => event.outcome)).toEqual(['network_error', 'network_error', 'network_error']);
  });

  it('times out a hanging attempt and retries it', async () => {
    const r = await rig(
      failThenOk(1, () => undefined),
      {},
      { attemptTimeoutMs: 300 },
    );
    const began = Date.now();
    const response = await r.fetch(`${r.server.url}${RUN}`);
    expect(response.status).toBe(200);
    expect(Date.now() - began).toBeGreaterThanOrEqual(290);
    expect(r.server.hits).toHaveLength(2);
    expect(r.finishes.map((event) => event.outcome)).toEqual(['timeout', 'ok']);
  });

  it('times out a body that stops arriving and retries', async () => {
    const r = await rig(
      failThenOk(1, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"id":');
      }),
      {},
      { attemptTimeoutMs: 300 },
    );
    expect(await (await r.fetch(`${r.server.url}${RUN}`)).json()).toEqual(ok);
    expect(r.finishes.map((event) => event.outcome)).toEqual(['timeout', 'ok']);
  });

  it('throws a timeout once every attempt timed out', async () => {
    const r = await rig(() => undefined, {}, { attemptTimeoutMs: 100, maxAttempts: 2 });
    await expect(r.fetch(`${r.server.url}${RUN}`)).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(r.server.hits).toHaveLength(2);
  });

  it('does not retry when the caller aborts', async () => {
    const r = await rig(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(r.fetch(`${r.server.url}${RUN}`, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    await sleep(300);
    expect(r.server.hits).toHaveLength(1);
    expect(r.finishes.map((event) => event.outcome)).toEqual(['aborted']);
    expect(r.retries).toHaveLength(0);
  });

  it('stops in the backoff when the caller aborts', async () => {
    const r = await rig((_req, res) => json(res, 500, {}), {}, { backoffBaseMs: 5_000, backoffCapMs: 5_000, random: () => 0.99 });
    const controller = new AbortController();
    const pending = r.fetch(`${r.server.url}${RUN}`, { signal: controller.signal });
    while (r.retries.length === 0) await sleep(5);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(r.server.hits).toHaveLength(1);
  });

  it('stops waiting for a slot when the caller aborts', async () => {
    const r = await rig((_req, res) => json(res, 200, ok));
    r.budget.pause(10_000);
    const controller = new AbortController();
    const pending = r.fetch(`${r.server.url}${RUN}`, { signal: controller.signal });
    await sleep(20);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(r.server.hits).toHaveLength(0);
    expect(r.budget.stats().totalAttempts).toBe(0);
  });

  it('sends a request body again on retry, but not a stream', async () => {
    const r = await rig((_req, res, _hit, hits) => json(res, hits.length === 1 || hits.length === 3 ? 500 : 200, ok));
    const response = await r.fetch(`${r.server.url}/v1/threads/t/runs/r/cancel`, { method: 'POST', body: '{"a":1}' });
    expect(response.status).toBe(200);
    expect(r.server.hits.map((hit) => hit.body)).toEqual(['{"a":1}', '{"a":1}']);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"a":1}'));
        controller.close();
      },
    });
    const streamed = await r.fetch(`${r.server.url}/v1/threads/t/runs/r/cancel`, {
      method: 'POST',
      body: stream,
      duplex: 'half',
    });
    expect(streamed.status).toBe(500);
    expect(r.server.hits).toHaveLength(3);
    expect(r.server.hits[2]?.body).toBe('{"a":1}');
  });

  it('accepts a Request and retries it', async () => {
    const r = await rig(failThenOk(1, (_req, res) => json(res, 502, {})));
    const response = await r.fetch(new Request(`${r.server.url}${RUN}`, { method: 'POST', body: 'x' }));
    expect(response.status).toBe(200);
    expect(r.server.hits.map((hit) => `${hit.method} ${hit.body}`)).toEqual(['POST x', 'POST x']);
  });

  it('slows down when the server says few requests remain', async () => {
    const r = await rig((_req, res) =>
      json(res, 200, ok, {
        'x-ratelimit-limit-requests': '100',
        'x-ratelimit-remaining-requests': '1',
        'x-ratelimit-reset-requests': '400ms',
      }),
    );
    await r.fetch(`${r.server.url}${RUN}`);
    expect(r.budget.stats().slowdown).toMatchObject({ spacingMs: 400 });
    await Promise.all([r.fetch(`${r.server.url}${RUN}`), r.fetch(`${r.server.url}${RUN}`)]);
    const [, second, third] = r.starts.map((event) => event.at) as [number, number, number];
    expect(third - second).toBeGreaterThanOrEqual(390);
  });
});

describe('createBudgetedFetch: connection events and the stop', () => {
  it('reports each attempt: the cause while nothing listens, then ok once the server answers (any status)', async () => {
    const events: string[] = [];
    const r = await rig(
      failThenOk(1, (_req, res) => json(res, 503, { error: { message: 'busy' } })),
      {},
      { onConnection: (e) => events.push(e.ok ? `ok ${e.url.pathname}` : `failed ${e.cause}`) },
    );
    await (await r.fetch(`${r.server.url}${RUN}`)).json();
    expect(events).toEqual([`ok ${RUN}`, `ok ${RUN}`]);

    const port = Number(new URL(r.server.url).port);
    await r.server.close();
    events.length = 0;
    await expect(r.fetch(`${r.server.url}${RUN}`)).rejects.toThrow();
    expect(events).toEqual(Array(6).fill(`failed connect ECONNREFUSED 127.0.0.1:${port}`));
  });

  it('says a hanging attempt got no answer in time', async () => {
    const events: string[] = [];
    const r = await rig(
      failThenOk(1, () => undefined),
      {},
      { attemptTimeoutMs: 100, onConnection: (e) => events.push(e.ok ? 'ok' : e.cause) },
    );
    await (await r.fetch(`${r.server.url}${RUN}`)).json();
    expect(events).toEqual(['no answer within 100 ms', 'ok']);
  });

  it('stopSignal ends a request in its backoff at once, and reports no failure for it', async () => {
    const stop = new AbortController();
    const events: string[] = [];
    const r = await rig(
      (req) => req.socket.destroy(),
      {},
      { backoffBaseMs: 60_000, backoffCapMs: 60_000, stopSignal: stop.signal, onConnection: (e) => events.push(e.ok ? 'ok' : 'failed') },
    );
    const pending = r.fetch(`${r.server.url}${RUN}`);
    await waitUntil(() => r.retries.length === 1);
    const stoppedAt = Date.now();
    stop.abort();
    await expect(pending).rejects.toThrow();
    expect(Date.now() - stoppedAt).toBeLessThan(1_000);
    expect(events).toEqual(['failed']);
    expect(r.server.hits).toHaveLength(1);
  });
});

async function waitUntil(predicate: () => boolean): Promise<void> {
  while (!predicate()) await sleep(10);
}
