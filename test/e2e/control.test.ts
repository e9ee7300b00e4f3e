// The --listen address of `watch` as a real process: runs and threads added, listed and removed
// through the control routes while the bridge polls the simulator and exports to the strict
// receiver; tracking that survives a restart; readiness; access off loopback and with a token.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator, type Truth } from '../../src/simulator/index.js';
import { controlUrl, logLines, runCli, startCli, waitFor, type CliProcess } from '../support/cli.js';
import { expectExactly } from '../support/expected-spans.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';
import { expectedSpans, fetchTruth } from '../support/world.js';

const TOKEN_ENV = 'ASSISTANTS_OTEL_BRIDGE_CONTROL_TOKEN';

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
const bridges: CliProcess[] = [];

afterEach(async () => {
  for (const b of bridges.splice(0)) b.child.kill('SIGKILL');
  await sim?.shutdown();
  await rx?.close();
  sim = rx = undefined;
});

function tempState(): string {
  return join(mkdtempSync(join(tmpdir(), 'aob-control-')), 'state.sqlite');
}

/** Never the network: without a simulator the API is a closed local port. */
const NO_API = { OPENAI_API_KEY: 'sk-unused', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' };

function startBridge(args: string[], env: Record<string, string | undefined> = {}): CliProcess {
  const bridge = startCli(['watch', '--log-format', 'json', '--rpm', '3000', '--active-interval', '200', ...args], { ...NO_API, ...env });
  bridges.push(bridge);
  return bridge;
}

interface Answer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

async function http(
  base: string,
  path: string,
  init: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.body !== undefined && typeof init.body !== 'string') headers['content-type'] ??= 'application/json';
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const errorField = (a: Answer): unknown => (a.json.error as { field?: string } | undefined)?.field;

function apiEnv(s: RunningSimulator, r?: OtlpReceiver): Record<string, string> {
  return { OPENAI_API_KEY: s.apiKey, OPENAI_BASE_URL: s.url, ...(r ? { OTEL_EXPORTER_OTLP_ENDPOINT: r.url } : {}) };
}

async function stop(bridge: CliProcess): Promise<void> {
  bridge.child.kill('SIGTERM');
  const exit = await bridge.exited;
  expect(exit.code, exit.stderr).toBe(0);
}

describe('watch --listen: control routes', () => {
  it('tracks a run and a thread added while watching, lists and removes them, and keeps the thread across a restart', async () => {
    sim = await startSimulator({ seed: 21, clock: { speed: 60 }, world: { threads: 4, backfillRuns: 12, liveRuns: 0 } });
    rx = await startOtlpReceiver();
    const truth = await fetchTruth(sim);
    const threadB = truth.runs[0]!.threadId;
    const runA = truth.runs.find((r) => r.threadId !== threadB)!;
    const onB = truth.runs.filter((r) => r.threadId === threadB).map((r) => r.runId);
    const state = tempState();
    // Threads are looked at for new runs every half second rather than every 10.
    const config = join(mkdtempSync(join(tmpdir(), 'aob-control-config-')), 'bridge.yaml');
    writeFileSync(config, 'watch:\n  discovery_interval_ms: 500\n  max_wait_interval_ms: 1000\n');
    const args = ['--state', state, '--listen', '127.0.0.1:0', '--config', config];

    let bridge = startBridge(args, apiEnv(sim, rx));
    let base = await controlUrl(bridge);
    expect((await http(base, '/readyz')).status).toBe(200);

    // Bad input is refused before anything is tracked.
    const badId = await http(base, '/v1/runs', { body: { thread_id: runA.threadId, run_id: 'run/1' } });
    expect([badId.status, errorField(badId)]).toEqual([400, 'run_id']);
    const missing = await http(base, '/v1/threads', { body: {} });
    expect([missing.status, errorField(missing)]).toEqual([400, 'thread_id']);
    expect(
      (
        await http(base, '/v1/runs', {
          body: `{"thread_id":"t","run_id":"r","pad":"${'x'.repeat(17_000)}"}`,
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(413);
    expect((await http(base, '/v1/runs', { body: 'thread/run', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await http(base, '/v1/nothing')).status).toBe(404);
    const wrong = await http(base, '/v1/threads', { method: 'PATCH', body: {} });
    expect([wrong.status, wrong.headers.get('allow')]).toEqual([405, 'GET, POST, HEAD']);

    const addRun = await http(base, '/v1/runs', { body: { thread_id: runA.threadId, run_id: runA.runId } });
    expect(addRun.status).toBe(201);
    expect((await http(base, '/v1/runs', { body: { thread_id: runA.threadId, run_id: runA.runId } })).status).toBe(200);
    expect((await http(base, '/v1/threads', { body: { thread_id: threadB } })).status).toBe(201);

    const tracked: Truth = { ...truth, runs: truth.runs.filter((r) => r.runId === runA.runId || r.threadId === threadB) };
    const expected = expectedSpans(tracked, { baseURL: sim.url });
    await waitFor(() => rx!.spans().length >= expected.length, 'the spans of the added run and thread');
    await waitFor(async () => {
      const runs = (await http(base, '/v1/runs')).json.runs as { terminal: boolean }[];
      return runs.length === onB.length + 1 && runs.every((r) => r.terminal);
    }, 'every tracked run to be finished');
    expectExactly(rx.spans(), expected);

    const runs = (await http(base, '/v1/runs')).json.runs as Record<string, unknown>[];
    const byId = new Map(runs.map((r) => [r.run_id, r]));
    expect(byId.get(runA.runId)).toMatchObject({ thread_id: runA.threadId, origin: 'control', terminal: true, status: runA.run.status });
    for (const id of onB) expect(byId.get(id)).toMatchObject({ thread_id: threadB, origin: 'thread', terminal: true });
    expect((await http(base, '/v1/threads')).json.threads).toEqual([expect.objectContaining({ thread_id: threadB, origin: 'control' })]);

    expect((await http(base, `/v1/runs/${onB[0]}`, { method: 'DELETE' })).status).toBe(409);
    expect((await http(base, `/v1/runs/${runA.runId}`, { method: 'DELETE' })).status).toBe(200);
    expect((await http(base, `/v1/runs/${runA.runId}`, { method: 'DELETE' })).status).toBe(404);
    expect(((await http(base, '/v1/runs')).json.runs as { run_id: string }[]).map((r) => r.run_id).sort()).toEqual([...onB].sort());
    await stop(bridge);

    // Same state file, nothing on the command line: the control-added thread is still followed.
    bridge = startBridge(args, apiEnv(sim, rx));
    base = await controlUrl(bridge);
    expect((await http(base, '/v1/threads')).json.threads).toEqual([expect.objectContaining({ thread_id: threadB, origin: 'control' })]);
    expect(((await http(base, '/v1/runs')).json.runs as { run_id: string }[]).map((r) => r.run_id).sort()).toEqual([...onB].sort());
    const started = await fetch(`${sim.origin}/_sim/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ threadId: threadB, kind: 'message' }),
    });
    expect(started.status).toBe(200);
    const liveRun = ((await started.json()) as { run_id: string }).run_id;
    await waitFor(
      () => rx!.spans().some((s) => s.attributes['openai.run.id'] === liveRun && s.name.startsWith('invoke_agent')),
      'the run started after the restart on the control-added thread to be exported',
    );
    await stop(bridge);
    const final = await fetchTruth(sim);
    expectExactly(
      rx.spans(),
      expectedSpans({ ...final, runs: final.runs.filter((r) => r.runId === runA.runId || r.threadId === threadB) }, { baseURL: sim.url }),
    );
  }, 90_000);

  it('answers /readyz 503 until the first poll succeeds, while /healthz is 200 throughout', async () => {
    sim = await startSimulator({
      seed: 4,
      clock: { speed: 60 },
      world: { threads: 2, backfillRuns: 2, liveRuns: 0 },
      faults: { serverError: { every: 1, status: 503 } },
    });
    const thread = (await fetchTruth(sim)).runs[0]!.threadId;
    const bridge = startBridge(['--state', ':memory:', '--listen', '127.0.0.1:0', '--thread', thread], apiEnv(sim));
    const base = await controlUrl(bridge);
    const notReady = await http(base, '/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.json).toMatchObject({ status: 'not_ready', reason: expect.stringMatching(/first successful poll/) });
    expect((await http(base, '/healthz')).json).toEqual({ status: 'ok' });
    sim.setFaults({});
    await waitFor(async () => (await http(base, '/readyz')).status === 200, '/readyz to turn 200 once the API answers');
    expect((await http(base, '/healthz')).status).toBe(200);
    await stop(bridge);
  });

  // Tests never listen off loopback (servers in tests stay on 127.0.0.1); a configured token
  // puts the control routes behind it on any address, and the off-loopback decision itself
  // (disabled without a token) is covered by test/control/auth.test.ts.
  it('with a token from the environment: 401 without the bearer, served with it, never logged', async () => {
    const token = 'ctl-9f1c2e7a5b3d4c6e8a0b';
    sim = await startSimulator({ seed: 2, world: { threads: 1, backfillRuns: 1, liveRuns: 0 } });
    const thread = (await fetchTruth(sim)).runs[0]!.threadId;
    const bridge = startBridge(['--state', ':memory:', '--listen', '127.0.0.1:0', '--log-level', 'debug'], {
      ...apiEnv(sim),
      [TOKEN_ENV]: token,
    });
    const base = await controlUrl(bridge);
    const denied = await http(base, '/v1/runs');
    expect([denied.status, denied.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
    expect((await http(base, '/v1/runs', { token: 'not-the-token' })).status).toBe(401);
    expect((await http(base, '/v1/threads', { body: { thread_id: thread } })).status).toBe(401);
    expect((await http(base, '/v1/runs', { token })).status).toBe(200);
    expect((await http(base, '/v1/threads', { body: { thread_id: thread }, token })).status).toBe(201);
    await waitFor(
      async () => ((await http(base, '/v1/runs', { token })).json.runs as unknown[]).length > 0,
      "the thread's runs to be found",
    );
    expect((await http(base, '/healthz')).status).toBe(200);
    expect(logLines(bridge).some((l) => String(l.msg).startsWith('control routes are disabled'))).toBe(false);
    await stop(bridge);
    expect(bridge.stderr()).not.toContain(token);
    expect(bridge.stdout()).not.toContain(token);
  });

  it('reads the token from --control-token-file, and refuses an unreadable one with exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aob-control-token-'));
    const file = join(dir, 'token');
    writeFileSync(file, 'file-token-7c1d\n');
    const bridge = startBridge(['--state', ':memory:', '--listen', '127.0.0.1:0', '--control-token-file', file]);
    const base = await controlUrl(bridge);
    expect((await http(base, '/v1/runs')).status).toBe(401);
    expect((await http(base, '/v1/runs', { token: 'file-token-7c1d' })).status).toBe(200);
    await stop(bridge);

    const missing = await runCli(
      ['watch', '--state', ':memory:', '--listen', '127.0.0.1:0', '--control-token-file', join(dir, 'nope')],
      NO_API,
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'))).toEqual([
      `assistants-otel-bridge: --control-token-file: cannot read the control token file ${join(dir, 'nope')} (ENOENT) (from the command line)`,
    ]);
  });

  it('exits 2 with one clear line when the --listen port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const result = await runCli(['watch', '--state', ':memory:', '--listen', `127.0.0.1:${port}`, '--log-format', 'json'], NO_API);
      expect(result.code).toBe(2);
      const plain = result.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'));
      expect(plain).toEqual([
        `assistants-otel-bridge: --listen 127.0.0.1:${port}: address already in use; choose another with --listen or use --listen off`,
      ]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
