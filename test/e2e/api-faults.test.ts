// API faults injected into a real `watch` process: a wrong key, deleted runs and threads,
// malformed and truncated bodies, hanging requests, 5xx. And no key ever reaches the output.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { runCli, startCli, type CliProcess } from '../support/cli.js';
import { expectExactly } from '../support/expected-spans.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';
import { expectedSpans, fetchTruth, threadIdsOf } from '../support/world.js';

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
let bridge: CliProcess | undefined;

afterEach(async () => {
  bridge?.child.kill('SIGKILL');
  await sim?.shutdown();
  await rx?.close();
  bridge = sim = rx = undefined;
});

const SECRET = 'sk-test-3f9a1c77-very-secret-key';

function tmpFile(name: string, text = ''): string {
  const file = join(mkdtempSync(join(tmpdir(), 'aob-faults-')), name);
  if (text) writeFileSync(file, text);
  return file;
}

describe('API faults', () => {
  it('a wrong key is one clear fatal line and exit 2, and the key is never printed', async () => {
    sim = await startSimulator({ seed: 1, apiKey: 'sk-the-right-one', world: { threads: 2, backfillRuns: 2, liveRuns: 0 } });
    const truth = await fetchTruth(sim);
    const result = await runCli(
      ['watch', '--thread', threadIdsOf(truth)[0]!, '--state', ':memory:', '--listen', 'off', '--log-level', 'debug'],
      {
        OPENAI_API_KEY: SECRET,
        OPENAI_BASE_URL: sim.url,
        OTEL_TRACES_EXPORTER: 'none',
      },
    );
    expect(result.code).toBe(2);
    const last = result.stderr.trim().split('\n').at(-1)!;
    expect(last).toMatch(/^assistants-otel-bridge: the API rejected the key \(401\)/);
    expect(result.stderr).not.toContain('at ');
    expect(result.stderr + result.stdout).not.toContain(SECRET);
    expect(result.stderr + result.stdout).not.toContain(SECRET.slice(3, 20));
  });

  it('without a key, says which variable to set (exit 2)', async () => {
    const result = await runCli(['watch', '--thread', 'thread_x', '--state', ':memory:', '--listen', 'off']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/api key: not set: export OPENAI_API_KEY/);
  });

  it('a deleted run and a deleted thread stop being tracked; everything else is traced exactly', async () => {
    sim = await startSimulator({ seed: 21, clock: { speed: 100 }, world: { threads: 5, backfillRuns: 15, liveRuns: 0 } });
    rx = await startOtlpReceiver();
    const truth = await fetchTruth(sim);
    const threads = threadIdsOf(truth);
    const goneThread = threads[0]!;
    const goneRun = truth.runs.find((r) => r.threadId !== goneThread)!;
    sim.setFaults({ notFoundThreads: [goneThread], notFoundRuns: [goneRun.runId] });
    const result = await runCli(
      [
        'watch',
        ...threads.flatMap((t) => ['--thread', t]),
        '--run',
        `${goneRun.threadId}/${goneRun.runId}`,
        '--state',
        tmpFile('s.sqlite'),
        '--listen',
        'off',
        '--exit-when-idle',
        '--log-format',
        'json',
      ],
      { OPENAI_API_KEY: sim.apiKey, OPENAI_BASE_URL: sim.url, OTEL_EXPORTER_OTLP_ENDPOINT: rx.url },
    );
    expect(result.code, result.stderr).toBe(0);
    const logs = result.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; threadId?: string; runId?: string });
    expect(logs.filter((l) => l.msg.includes('no longer exists') && l.threadId === goneThread)).toHaveLength(1);
    expect(logs.filter((l) => l.msg.includes('no longer exists') && l.runId === goneRun.runId)).toHaveLength(1);
    const expected = expectedSpans(truth, { baseURL: sim.url }).filter(
      (s) => !truth.runs.some((r) => r.runId === s.unit && (r.threadId === goneThread || r.runId === goneRun.runId)),
    );
    expectExactly(rx.spans(), expected);
  });

  it('malformed and truncated bodies, hanging requests and 5xx: the same spans, exactly once', async () => {
    sim = await startSimulator({
      seed: 5,
      clock: { speed: 100 },
      world: { threads: 4, backfillRuns: 14, liveRuns: 0 },
      faults: { malformedJson: { every: 6 }, hang: { every: 9 }, serverError: { every: 5, status: 500 } },
    });
    rx = await startOtlpReceiver();
    const truth = await fetchTruth(sim);
    const config = tmpFile('bridge.yaml', 'api:\n  timeout_ms: 800\n');
    bridge = startCli(
      [
        'watch',
        ...threadIdsOf(truth).flatMap((t) => ['--thread', t]),
        '--config',
        config,
        '--state',
        tmpFile('s.sqlite'),
        '--listen',
        'off',
        '--exit-when-idle',
        '--rpm',
        '1000',
        '--active-interval',
        '200',
      ],
      { OPENAI_API_KEY: sim.apiKey, OPENAI_BASE_URL: sim.url, OTEL_EXPORTER_OTLP_ENDPOINT: rx.url },
    );
    const exit = await bridge.exited;
    expect(exit.code, exit.stderr).toBe(0);
    const log = sim.requestLog().filter((e) => !e.control);
    for (const fault of ['malformed_json', 'hang', 'server_error'] as const)
      expect(
        log.some((e) => e.fault === fault),
        fault,
      ).toBe(true);
    expectExactly(rx.spans(), expectedSpans(truth, { baseURL: sim.url }));
  });

  it('keys and OTLP header tokens never reach logs, errors or spans, even at debug level', async () => {
    sim = await startSimulator({ seed: 9, clock: { speed: 100 }, apiKey: SECRET, world: { threads: 2, backfillRuns: 4, liveRuns: 0 } });
    rx = await startOtlpReceiver();
    const truth = await fetchTruth(sim);
    const headerToken = 'otlp-token-5550f00d';
    const result = await runCli(
      [
        'watch',
        ...threadIdsOf(truth).flatMap((t) => ['--thread', t]),
        '--state',
        ':memory:',
        '--listen',
        'off',
        '--exit-when-idle',
        '--log-level',
        'debug',
        '--log-format',
        'json',
      ],
      {
        OPENAI_API_KEY: SECRET,
        OPENAI_BASE_URL: sim.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
        OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${headerToken}`,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(rx.spans().length).toBeGreaterThan(0);
    const everything = `${result.stdout}${result.stderr}${JSON.stringify(rx.spans())}`;
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(headerToken);
    // A bad header list names the entry, not its value.
    const bad = await runCli(['import', 'samples/runs.json'], { OTEL_EXPORTER_OTLP_HEADERS: `Authorization Bearer ${headerToken}` });
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toContain(headerToken);
  });
});
