// The --listen server over real HTTP, in front of a real Watcher polling the simulator.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ListenError, startControlServer } from '../../src/control/server.js';
import { settingFlag } from '../../src/cli/options.js';
import { call, errorOf, startHarness, waitUntil, type Harness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A finished run of the world, and a second thread it is not on. */
function pick(harness: Harness): { threadId: string; runId: string; otherThread: string } {
  const truth = harness.sim.world.truth();
  const run = truth.runs[0]!;
  const otherThread = truth.runs.find((r) => r.threadId !== run.threadId)!.threadId;
  return { threadId: run.threadId, runId: run.runId, otherThread };
}

describe('health, readiness and metrics', () => {
  it('answers /healthz while running, and /readyz as the readiness says', async () => {
    h = await startHarness({ poll: false });
    const health = await call(h.server.url, '/healthz');
    expect([health.status, health.json]).toEqual([200, { status: 'ok' }]);
    const notReady = await call(h.server.url, '/readyz');
    expect([notReady.status, notReady.json]).toEqual([
      503,
      { status: 'not_ready', reason: 'waiting for the first successful poll of the API' },
    ]);
    h.setReadiness({ ready: true });
    const ready = await call(h.server.url, '/readyz');
    expect([ready.status, ready.json]).toEqual([200, { status: 'ready' }]);
    const head = await call(h.server.url, '/healthz', { method: 'HEAD' });
    expect([head.status, head.text]).toEqual([200, '']);
  });

  it('answers /metrics with 404 until a metrics handler is set, then delegates to it', async () => {
    h = await startHarness({ poll: false });
    const none = await call(h.server.url, '/metrics');
    expect(none.status).toBe(404);
    expect(errorOf(none).message).toMatch(/metrics/);
    h.server.setMetricsHandler((_req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end('bridge_up 1\n');
    });
    const served = await call(h.server.url, '/metrics');
    expect([served.status, served.headers['content-type'], served.text]).toEqual([200, 'text/plain; version=0.0.4', 'bridge_up 1\n']);
  });

  it('answers 404 for an unknown route and 405 with Allow for a wrong method', async () => {
    h = await startHarness({ poll: false });
    const unknown = await call(h.server.url, '/v2/runs');
    expect([unknown.status, errorOf(unknown).message]).toEqual([404, 'no route GET /v2/runs']);
    expect((await call(h.server.url, '/v1/runs/')).status).toBe(404);
    const put = await call(h.server.url, '/v1/runs', { method: 'PUT', body: {} });
    expect([put.status, put.headers.allow]).toEqual([405, 'GET, POST, HEAD']);
    expect(errorOf(put).message).toMatch(/PUT/);
    const postOne = await call(h.server.url, '/v1/runs/run_1', { method: 'POST', body: {} });
    expect([postOne.status, postOne.headers.allow]).toEqual([405, 'GET, DELETE, HEAD']);
    const postHealth = await call(h.server.url, '/healthz', { method: 'POST', body: {} });
    expect([postHealth.status, postHealth.headers.allow]).toEqual([405, 'GET, HEAD']);
  });
});

describe('control routes', () => {
  it('tracks a run at once: 201 when new, 200 when already tracked, and polls it', async () => {
    h = await startHarness();
    const { threadId, runId } = pick(h);
    const first = await call(h.server.url, '/v1/runs', { body: { thread_id: threadId, run_id: runId } });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ run: { thread_id: threadId, run_id: runId, origin: 'control', terminal: false, status: null } });
    const again = await call(h.server.url, '/v1/runs', { body: { thread_id: threadId, run_id: runId } });
    expect(again.status).toBe(200);
    expect(h.state.getRun(runId)).toMatchObject({ threadId, origin: 'control', removed: false });
    // The watcher polls it without waiting for anything else: the finished run is mapped and done.
    await waitUntil(() => h!.state.getRun(runId)?.terminal === true, 'the added run to be polled to its end');
    const one = await call(h.server.url, `/v1/runs/${runId}`);
    expect(one.json).toMatchObject({ run: { run_id: runId, terminal: true, origin: 'control' } });
    expect(typeof (one.json as { run: { status: unknown } }).run.status).toBe('string');
    expect(h.state.outboxDepth()).toBeGreaterThan(0);
  });

  it('refuses a run already known on another thread (409, field thread_id)', async () => {
    h = await startHarness({ poll: false });
    const { threadId, runId, otherThread } = pick(h);
    expect((await call(h.server.url, '/v1/runs', { body: { thread_id: threadId, run_id: runId } })).status).toBe(201);
    const clash = await call(h.server.url, '/v1/runs', { body: { thread_id: otherThread, run_id: runId } });
    expect([clash.status, errorOf(clash).field]).toEqual([409, 'thread_id']);
    expect(h.state.getRun(runId)?.threadId).toBe(threadId);
  });

  it('lists, shows and removes runs; a removed run is 404 and can be tracked again', async () => {
    h = await startHarness({ poll: false });
    h.assistants.addRun('thread_a', 'run_a', 'cli');
    expect((await call(h.server.url, '/v1/runs', { body: { thread_id: 'thread_b', run_id: 'run_b' } })).status).toBe(201);
    const list = await call(h.server.url, '/v1/runs');
    expect(list.status).toBe(200);
    const runs = (list.json as { runs: Record<string, unknown>[] }).runs;
    expect(runs.map((r) => [r.thread_id, r.run_id, r.origin, r.terminal, r.status])).toEqual([
      ['thread_a', 'run_a', 'cli', false, null],
      ['thread_b', 'run_b', 'control', false, null],
    ]);
    expect(Date.parse(String(runs[0]!.added_at))).not.toBeNaN();

    const removed = await call(h.server.url, '/v1/runs/run_a', { method: 'DELETE' });
    expect([removed.status, removed.json]).toEqual([200, { run_id: 'run_a', removed: true }]);
    expect(h.state.getRun('run_a')?.removed).toBe(true);
    const twice = await call(h.server.url, '/v1/runs/run_a', { method: 'DELETE' });
    expect([twice.status, errorOf(twice).field]).toEqual([404, 'run_id']);
    expect((await call(h.server.url, '/v1/runs/run_a')).status).toBe(404);
    expect((await call(h.server.url, '/v1/runs/run_nope', { method: 'DELETE' })).status).toBe(404);
    expect(((await call(h.server.url, '/v1/runs')).json as { runs: { run_id: string }[] }).runs.map((r) => r.run_id)).toEqual(['run_b']);
    // Tracked again: new for the caller (201), and the store keeps what it had.
    expect((await call(h.server.url, '/v1/runs', { body: { thread_id: 'thread_a', run_id: 'run_a' } })).status).toBe(201);
    expect(h.state.getRun('run_a')).toMatchObject({ removed: false, origin: 'control' });
  });

  it('tracks threads: the watcher finds their runs; a run of a tracked thread cannot be removed on its own (409)', async () => {
    h = await startHarness();
    const { threadId } = pick(h);
    const onThread = h.sim.world
      .truth()
      .runs.filter((r) => r.threadId === threadId)
      .map((r) => r.runId);
    const added = await call(h.server.url, '/v1/threads', { body: { thread_id: threadId } });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ thread: { thread_id: threadId, origin: 'control', last_run_id: null } });
    expect((await call(h.server.url, '/v1/threads', { body: { thread_id: threadId } })).status).toBe(200);
    await waitUntil(() => onThread.every((id) => h!.state.getRun(id)?.terminal === true), "the thread's runs to be found and finished");
    expect(onThread.map((id) => h!.state.getRun(id)?.origin)).toEqual(onThread.map(() => 'thread'));

    const threads = await call(h.server.url, '/v1/threads');
    expect((threads.json as { threads: { thread_id: string; origin: string }[] }).threads).toEqual([
      expect.objectContaining({ thread_id: threadId, origin: 'control' }),
    ]);
    expect((await call(h.server.url, `/v1/threads/${threadId}`)).status).toBe(200);

    const refused = await call(h.server.url, `/v1/runs/${onThread[0]}`, { method: 'DELETE' });
    expect([refused.status, errorOf(refused).field]).toEqual([409, 'run_id']);
    expect(errorOf(refused).message).toMatch(/remove the thread first/);

    const removed = await call(h.server.url, `/v1/threads/${threadId}`, { method: 'DELETE' });
    expect([removed.status, removed.json]).toEqual([200, { thread_id: threadId, removed: true }]);
    expect(h.state.listThreads()).toEqual([]);
    expect((await call(h.server.url, `/v1/threads/${threadId}`, { method: 'DELETE' })).status).toBe(404);
    expect((await call(h.server.url, `/v1/threads/${threadId}`)).status).toBe(404);
    // Its runs stay tracked, and now one can be removed.
    expect((await call(h.server.url, `/v1/runs/${onThread[0]}`, { method: 'DELETE' })).status).toBe(200);
  });

  it("keeps polling a removed thread's unfinished run on its own until it finishes", async () => {
    h = await startHarness();
    const { threadId } = pick(h);
    const live = h.sim.world.startScriptedRun(h.sim.world.now(), { threadId, kind: 'message' });
    if ('status' in live && typeof live.status === 'number') throw new Error(`cannot start a run: ${JSON.stringify(live)}`);
    const runId = (live as { id: string }).id;
    expect((await call(h.server.url, '/v1/threads', { body: { thread_id: threadId } })).status).toBe(201);
    await waitUntil(() => h!.state.getRun(runId)?.status != null, 'the live run to be found on its thread');
    expect(h.state.getRun(runId)?.terminal).toBe(false);
    expect((await call(h.server.url, `/v1/threads/${threadId}`, { method: 'DELETE' })).status).toBe(200);
    h.sim.world.advance(3600);
    await waitUntil(() => h!.state.getRun(runId)?.terminal === true, 'the run to be polled to its end without its thread');
  });

  it('answers 503 once the state is closed (the bridge is stopping)', async () => {
    h = await startHarness({ poll: false });
    await h.watcher.shutdown();
    void h.state.shutdown();
    const late = await call(h.server.url, '/v1/runs', { body: { thread_id: 'thread_a', run_id: 'run_a' } });
    expect([late.status, errorOf(late).message]).toEqual([503, 'the bridge is stopping']);
  });
});

describe('control input', () => {
  it.each([
    ['a missing thread_id', { run_id: 'run_1' }, 'thread_id', /required/],
    ['a missing run_id', { thread_id: 'thread_1' }, 'run_id', /required/],
    ['a number', { thread_id: 'thread_1', run_id: 7 }, 'run_id', /string/],
    ['a slash', { thread_id: 'thread/1', run_id: 'run_1' }, 'thread_id', /letters, digits/],
    ['a space', { thread_id: 'thread_1', run_id: 'run 1' }, 'run_id', /letters, digits/],
    ['an empty id', { thread_id: '', run_id: 'run_1' }, 'thread_id', /letters, digits/],
    ['an id of 129 characters', { thread_id: 'thread_1', run_id: 'r'.repeat(129) }, 'run_id', /128/],
    ['an unknown field', { thread_id: 'thread_1', run_id: 'run_1', threadId: 'x' }, 'threadId', /unknown field/],
  ])('POST /v1/runs with %s is 400 naming the field', async (_label, body, field, message) => {
    h ??= await startHarness({ poll: false });
    const answer = await call(h.server.url, '/v1/runs', { body });
    expect(answer.status).toBe(400);
    expect(errorOf(answer).field).toBe(field);
    expect(errorOf(answer).message).toMatch(message);
    expect(h.state.listRuns()).toEqual([]);
  });

  it('accepts an id of 128 characters', async () => {
    h = await startHarness({ poll: false });
    const id = `run_${'x'.repeat(124)}`;
    expect((await call(h.server.url, '/v1/runs', { body: { thread_id: 'thread_1', run_id: id } })).status).toBe(201);
  });

  it('validates ids in the path and in POST /v1/threads', async () => {
    h = await startHarness({ poll: false });
    const spaced = await call(h.server.url, '/v1/runs/run%201', { method: 'DELETE' });
    expect([spaced.status, errorOf(spaced).field]).toEqual([400, 'run_id']);
    const thread = await call(h.server.url, '/v1/threads/a.b', { method: 'DELETE' });
    expect([thread.status, errorOf(thread).field]).toEqual([400, 'thread_id']);
    const malformed = await call(h.server.url, '/v1/runs/%E0%A4%A', { method: 'DELETE' });
    expect(malformed.status).toBe(400);
    const body = await call(h.server.url, '/v1/threads', { body: { thread_id: ['t'] } });
    expect([body.status, errorOf(body).field]).toEqual([400, 'thread_id']);
  });

  it.each([
    ['not JSON', '{"thread_id": ', /not valid JSON/],
    ['empty', '', /empty/],
    ['an array', '[]', /object/],
    ['a string', '"run_1"', /object/],
  ])('POST /v1/runs with a body that is %s is 400', async (_label, text, message) => {
    h ??= await startHarness({ poll: false });
    const answer = await call(h.server.url, '/v1/runs', { body: text, headers: { 'content-type': 'application/json' } });
    expect(answer.status).toBe(400);
    expect(errorOf(answer).message).toMatch(message);
  });

  it('refuses a body that is not JSON with 415', async () => {
    h = await startHarness({ poll: false });
    const plain = await call(h.server.url, '/v1/runs', { body: 'thread_1/run_1', headers: { 'content-type': 'text/plain' } });
    expect(plain.status).toBe(415);
    const form = await call(h.server.url, '/v1/threads', {
      body: 'thread_id=t',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    const untyped = await call(h.server.url, '/v1/runs', { body: '{"thread_id":"t","run_id":"r"}' });
    expect(untyped.status).toBe(415);
    const charset = await call(h.server.url, '/v1/threads', {
      body: '{"thread_id":"t"}',
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(charset.status).toBe(201);
  });

  it('takes a body of 16 KiB and refuses a larger one with 413, declared or chunked', async () => {
    h = await startHarness({ poll: false });
    const json = '{"thread_id":"thread_1","run_id":"run_1"}';
    const exact = json + ' '.repeat(16 * 1024 - json.length);
    expect((await call(h.server.url, '/v1/runs', { body: exact, headers: { 'content-type': 'application/json' } })).status).toBe(201);
    const declared = await call(h.server.url, '/v1/runs', { body: `${exact} `, headers: { 'content-type': 'application/json' } });
    expect(declared.status).toBe(413);
    expect(errorOf(declared).message).toMatch(/16384 bytes/);
    const chunked = await call(h.server.url, '/v1/threads', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      chunks: ['{"thread_id":"thread_1","pad":"', ...Array.from({ length: 20 }, () => 'x'.repeat(1024)), '"}'],
    });
    expect(chunked.status).toBe(413);
    expect(h.state.listThreads()).toEqual([]);
  });
});

describe('access', () => {
  it('on loopback without a token: open to loopback Host headers, 403 for any other name', async () => {
    h = await startHarness({ poll: false });
    expect(h.server.access).toBe('open');
    const port = h.server.address.split(':').pop();
    expect((await call(h.server.url, '/v1/runs', { headers: { host: `localhost:${port}` } })).status).toBe(200);
    expect((await call(h.server.url, '/v1/runs', { headers: { host: `[::1]:${port}` } })).status).toBe(200);
    const rebound = await call(h.server.url, '/v1/runs', {
      method: 'POST',
      body: { thread_id: 't', run_id: 'r' },
      headers: { host: `attacker.example:${port}` },
    });
    expect(rebound.status).toBe(403);
    expect(h.state.listRuns()).toEqual([]);
    // Health is not a control route.
    expect((await call(h.server.url, '/healthz', { headers: { host: 'attacker.example' } })).status).toBe(200);
  });

  it('with a token: 401 without it or with a wrong one, served with the right bearer; health needs none', async () => {
    const token = 's3cr3t-token-value-42';
    h = await startHarness({ poll: false, token });
    expect(h.server.access).toBe('token');
    const none = await call(h.server.url, '/v1/runs');
    expect([none.status, none.headers['www-authenticate']]).toEqual([401, 'Bearer']);
    expect((await call(h.server.url, '/v1/runs', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await call(h.server.url, '/v1/runs', { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
    expect((await call(h.server.url, '/v1/runs', { headers: { authorization: `Basic ${token}` } })).status).toBe(401);
    const denied = await call(h.server.url, '/v1/runs', { body: { thread_id: 't', run_id: 'r' } });
    expect(denied.status).toBe(401);
    expect(h.state.listRuns()).toEqual([]);
    // A wrong method on a control route says nothing to a caller without the token.
    expect((await call(h.server.url, '/v1/runs', { method: 'PUT' })).status).toBe(401);

    const ok = await call(h.server.url, '/v1/runs', {
      body: { thread_id: 't', run_id: 'r' },
      headers: { authorization: `Bearer ${token}` },
    });
    expect(ok.status).toBe(201);
    expect((await call(h.server.url, '/v1/runs', { headers: { authorization: `bearer ${token}` } })).status).toBe(200);
    // The token stands in for the Host check.
    expect((await call(h.server.url, '/v1/runs', { headers: { authorization: `Bearer ${token}`, host: 'bridge.internal' } })).status).toBe(
      200,
    );
    expect((await call(h.server.url, '/healthz')).status).toBe(200);
    expect((await call(h.server.url, '/readyz')).status).toBe(503);
    expect(h.logText()).toContain('control address listening');
    expect(h.logText()).not.toContain(token);
  });

  it('logs the bound address and the access mode', async () => {
    h = await startHarness({ poll: false });
    const line = h
      .logText()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'control address listening');
    expect(line).toMatchObject({ address: h.server.address, control: 'open' });
    expect(h.server.address).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
  });
});

describe('listen errors', () => {
  it('names the address and what to do when the port is taken', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    h = await startHarness({ poll: false });
    try {
      const attempt = startControlServer({
        listen: `127.0.0.1:${port}`,
        routes: [],
        state: h.state,
        log: (await import('../../src/cli/logger.js')).createLogger({ level: 'silent', format: 'json' }),
        token: null,
        readiness: () => ({ ready: true }),
      });
      await expect(attempt).rejects.toBeInstanceOf(ListenError);
      // Below the command line the line names no flag; the command line words it with its flags.
      await expect(attempt).rejects.toThrow(
        `listen address 127.0.0.1:${port}: address already in use; choose another address or turn listening off`,
      );
      const error = (await attempt.catch((e: unknown) => e)) as ListenError;
      expect(error.lineFor(settingFlag)).toBe(
        `--listen 127.0.0.1:${port}: address already in use; choose another with --listen or use --listen off`,
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
