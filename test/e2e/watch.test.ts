// `watch` as a real process against the simulator and the strict receiver: a world of every
// kind of run gives exactly one span per run, step and tool call, live runs included, and
// with 429s and 5xx switched on the result is the same and the budget holds.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator, type Truth } from '../../src/simulator/index.js';
import { startCli, waitFor, type CliProcess } from '../support/cli.js';
import { expectExactly } from '../support/expected-spans.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';
import { expectedSpans, fetchTruth, maxInWindow, threadIdsOf } from '../support/world.js';

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
let bridge: CliProcess | undefined;

afterEach(async () => {
  bridge?.child.kill('SIGKILL');
  await sim?.shutdown();
  await rx?.close();
  bridge = sim = rx = undefined;
});

function watchArgs(truth: Truth, extra: string[]): string[] {
  return [
    'watch',
    ...threadIdsOf(truth).flatMap((t) => ['--thread', t]),
    '--state',
    join(mkdtempSync(join(tmpdir(), 'aob-watch-')), 'state.sqlite'),
    '--listen',
    'off',
    '--log-format',
    'json',
    ...extra,
  ];
}

async function startLiveRuns(s: RunningSimulator, threads: string[], count: number): Promise<string[]> {
  const started: string[] = [];
  for (let i = 0; started.length < count && i < count * 20; i += 1) {
    const response = await fetch(`${s.origin}/_sim/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ threadId: threads[i % threads.length] }),
    });
    if (response.ok) started.push(((await response.json()) as { run_id: string }).run_id);
    else await new Promise((r) => setTimeout(r, 100));
  }
  return started;
}

async function settle(s: RunningSimulator, r: OtlpReceiver, timeoutMs: number): Promise<Truth> {
  let truth = await fetchTruth(s);
  await waitFor(
    async () => {
      truth = await fetchTruth(s);
      return truth.allFinished && truth.pending.length === 0 && r.spans().length >= expectedSpans(truth, { baseURL: s.url }).length;
    },
    'every run to finish and its spans to arrive',
    timeoutMs,
  );
  return truth;
}

describe('watch', () => {
  it('traces a world of every kind of run exactly once, live runs included', async () => {
    sim = await startSimulator({
      seed: 7,
      clock: { speed: 60 },
      world: { threads: 8, backfillRuns: 32, liveRuns: 6, liveWindowSeconds: 240 },
    });
    rx = await startOtlpReceiver();
    const initial = await fetchTruth(sim);
    const kinds = new Set(initial.runs.map((r) => r.kind));
    expect(kinds.size).toBeGreaterThanOrEqual(8);
    expect(Math.max(...initial.runs.map((r) => r.steps.length))).toBeGreaterThanOrEqual(250);

    bridge = startCli(watchArgs(initial, ['--rpm', '3000', '--active-interval', '300']), {
      OPENAI_API_KEY: sim.apiKey,
      OPENAI_BASE_URL: sim.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
    });
    const live = await startLiveRuns(sim, threadIdsOf(initial), 4);
    expect(live).toHaveLength(4);
    const truth = await settle(sim, rx, 60_000);
    bridge.child.kill('SIGTERM');
    const exit = await bridge.exited;
    expect(exit.code, exit.stderr).toBe(0);

    const expected = expectedSpans(truth, { baseURL: sim.url });
    expect(truth.runs.length).toBeGreaterThanOrEqual(42);
    expectExactly(rx.spans(), expected);
    for (const runId of live)
      expect(rx.spans().some((s) => s.attributes['openai.run.id'] === runId && s.name.startsWith('invoke_agent'))).toBe(true);
    // Every kind of run and its status made it through.
    const statuses = new Set(
      rx
        .spans()
        .filter((s) => s.name.startsWith('invoke_agent'))
        .map((s) => s.attributes['openai.run.status']),
    );
    expect([...statuses].sort()).toEqual(['cancelled', 'completed', 'expired', 'failed', 'incomplete']);
    // Each API object was fetched as few times as the design allows: no run was retrieved one by one.
    const log = sim.requestLog().filter((e) => !e.control);
    expect(log.filter((e) => /\/runs\/[^/]+$/.test(e.path) && e.method === 'GET').length).toBe(0);
  });

  it('gives the same result with 429s (every header form) and 5xx, never exceeding the budget in any 60 s window', async () => {
    // Low enough that the world needs more than one minute's budget, so the limit really binds.
    const rpm = 40;
    sim = await startSimulator({
      seed: 11,
      clock: { speed: 120 },
      world: { threads: 6, backfillRuns: 30, liveRuns: 0 },
      faults: { rateLimit429: { every: 5, headers: 'retry-after-ms', retryAfterMs: 200 }, serverError: { every: 7, status: 503 } },
    });
    rx = await startOtlpReceiver();
    const initial = await fetchTruth(sim);
    bridge = startCli(watchArgs(initial, ['--rpm', String(rpm), '--active-interval', '300']), {
      OPENAI_API_KEY: sim.apiKey,
      OPENAI_BASE_URL: sim.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
    });
    // Rotate through the 429 forms while the bridge works.
    const forms = [
      { every: 5, headers: 'retry-after', retryAfterSeconds: 1 },
      { every: 5, headers: 'x-ratelimit', resetDuration: '1s' },
      { every: 6, headers: 'none' },
      { every: 5, headers: 'retry-after-ms', retryAfterMs: 150 },
    ] as const;
    let i = 0;
    const rotate = setInterval(
      () => sim?.setFaults({ rateLimit429: forms[i++ % forms.length]!, serverError: { every: 7, status: 502 } }),
      12_000,
    );
    try {
      await settle(sim, rx, 180_000);
    } finally {
      clearInterval(rotate);
    }
    bridge.child.kill('SIGTERM');
    const exit = await bridge.exited;
    expect(exit.code, exit.stderr).toBe(0);
    const truth = await fetchTruth(sim);
    expectExactly(rx.spans(), expectedSpans(truth, { baseURL: sim.url }));
    const log = sim.requestLog().filter((e) => !e.control);
    expect(log.some((e) => e.fault === 'rate_limit_429')).toBe(true);
    expect(log.some((e) => e.fault === 'server_error')).toBe(true);
    expect(log.length).toBeGreaterThan(rpm);
    expect(
      maxInWindow(
        log.map((e) => e.time),
        60_000,
      ),
    ).toBeLessThanOrEqual(rpm);
  }, 240_000);
});
