// What `watch` says while it runs, read from the real process: an API or collector out of reach
// is named with its address and the cause, said again at a bounded rate while it lasts, and its
// recovery is said; `--all-threads` says from when it follows threads; `--since` alone is an
// error; an Azure provider's endpoint variable wins over a leftover OPENAI_BASE_URL, and says so.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_REPEAT_MS } from '../../src/cli/reachability-log.js';
import { DEFAULT_RETRY_BACKOFF_CAP_MS } from '../../src/scheduler/budgeted-fetch.js';
import { DEFAULT_EXPORT_RETRY_CAP_MS } from '../../src/sink/delivery.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { exitWithin } from '../support/bridge-process.js';
import { freePort, runCli, startCli, waitFor, type CliProcess } from '../support/cli.js';
import { expectExactly } from '../support/expected-spans.js';
import { jsonLines, type LogLine } from '../support/launcher.js';
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

const WORLD: SimulatorOptions = { seed: 81, clock: { speed: 100 }, world: { threads: 2, backfillRuns: 4, liveRuns: 0 } };

/** The thread ids of the seeded world, read from a simulator started and closed for that. */
async function threadsOfWorld(): Promise<string[]> {
  const probe = await startSimulator(WORLD);
  try {
    return threadIdsOf(await fetchTruth(probe));
  } finally {
    await probe.shutdown();
  }
}

const logsOf = (proc: CliProcess): LogLine[] => jsonLines(proc.stderr());
const stateFile = (): string => join(mkdtempSync(join(tmpdir(), 'aob-logs-')), 'state.sqlite');

describe('a peer out of reach', () => {
  it('the API: address and cause at once, again at most every 30 s while it lasts, then a recovery line; the spans follow', async () => {
    const threads = await threadsOfWorld();
    const port = await freePort();
    rx = await startOtlpReceiver();
    const api = `http://127.0.0.1:${port}`;
    bridge = startCli(
      [
        'watch',
        ...threads.flatMap((t) => ['--thread', t]),
        '--state',
        stateFile(),
        '--listen',
        'off',
        '--log-format',
        'json',
        '--rpm',
        '6000',
        '--exit-when-idle',
      ],
      { OPENAI_API_KEY: 'sk-sim-local', OPENAI_BASE_URL: `${api}/v1`, OTEL_EXPORTER_OTLP_ENDPOINT: rx.url },
    );
    const failing = (): LogLine[] => logsOf(bridge!).filter((l) => l.msg.startsWith(`cannot reach the API at ${api}`));
    await waitFor(() => failing().length > 0, 'the first line about the API', 30_000);
    expect(failing()[0]).toMatchObject({
      level: 40,
      cause: `connect ECONNREFUSED 127.0.0.1:${port}`,
      msg: `cannot reach the API at ${api}: connect ECONNREFUSED 127.0.0.1:${port}; retrying`,
    });
    const firstAt = Number(failing()[0]!.time);
    await waitFor(
      () => failing().length > 1,
      'the line said again while the API stays out of reach',
      // Said with the first failed attempt after the repeat interval, and retries may be a whole backoff cap apart.
      DEFAULT_REPEAT_MS + DEFAULT_RETRY_BACKOFF_CAP_MS + 15_000,
    );
    const again = failing()[1]!;
    expect(again.msg).toMatch(
      new RegExp(`^cannot reach the API at ${api} for \\d+ s \\(\\d+ failed attempts\\): connect ECONNREFUSED 127\\.0\\.0\\.1:${port}$`),
    );
    expect(Number(again.time) - firstAt).toBeGreaterThanOrEqual(DEFAULT_REPEAT_MS);
    // Per-object poll failures are not repeated on top of it.
    expect(logsOf(bridge).filter((l) => l.level >= 40 && l.msg.startsWith('poll failed'))).toEqual([]);

    sim = await startSimulator({ ...WORLD, port });
    expect(threadIdsOf(await fetchTruth(sim))).toEqual(threads);
    const exit = await exitWithin(bridge, 60_000, 'the bridge once the API answers');
    expect(exit.code, exit.stderr.slice(-2000)).toBe(0);
    const recovered = jsonLines(exit.stderr).filter((l) => l.msg.startsWith(`the API at ${api} answers again after`));
    expect(recovered).toHaveLength(1);
    expect(recovered[0]!.msg).toMatch(/answers again after \d+ s \(\d+ failed attempts\)$/);
    // Bounded: the outage of ~30+ s was said at most once per 30 s, plus the first line.
    const seconds = (Number(recovered[0]!.time) - firstAt) / 1000;
    expect(jsonLines(exit.stderr).filter((l) => l.msg.startsWith(`cannot reach the API at ${api}`)).length).toBeLessThanOrEqual(
      1 + Math.floor(seconds / 30),
    );
    expectExactly(rx.spans(), expectedSpans(await fetchTruth(sim), { baseURL: sim.url }));
  }, 180_000);

  it('the collector: address and cause with the outbox depth, again while it lasts, then a recovery line; every span once', async () => {
    sim = await startSimulator(WORLD);
    const port = await freePort();
    const target = `http://127.0.0.1:${port}/v1/traces (http/protobuf)`;
    bridge = startCli(
      [
        'watch',
        ...threadIdsOf(await fetchTruth(sim)).flatMap((t) => ['--thread', t]),
        '--state',
        stateFile(),
        '--listen',
        'off',
        '--log-format',
        'json',
        '--rpm',
        '6000',
        '--exit-when-idle',
      ],
      {
        OPENAI_API_KEY: sim.apiKey,
        OPENAI_BASE_URL: sim.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_METRICS_EXPORTER: 'none',
      },
    );
    const failing = (): LogLine[] => logsOf(bridge!).filter((l) => l.msg.startsWith(`cannot export to ${target}`));
    await waitFor(() => failing().length > 0, 'the first line about the collector', 30_000);
    expect(failing()[0]).toMatchObject({ level: 40, exportTo: target, cause: `connect ECONNREFUSED 127.0.0.1:${port}` });
    expect(failing()[0]!.outboxDepth).toBeGreaterThan(0);
    await waitFor(
      () => failing().length > 1,
      'the line said again while the collector stays down',
      // Said with the first failed attempt after the repeat interval, and attempts may be a whole backoff cap apart.
      DEFAULT_REPEAT_MS + DEFAULT_EXPORT_RETRY_CAP_MS + 15_000,
    );
    expect(failing()[1]!.msg).toMatch(/ for \d+ s \(\d+ failed attempts\): connect ECONNREFUSED/);

    rx = await startOtlpReceiver({ port });
    const exit = await exitWithin(bridge, 90_000, 'the bridge once the collector answers');
    expect(exit.code, exit.stderr.slice(-2000)).toBe(0);
    expect(jsonLines(exit.stderr).filter((l) => l.msg.startsWith(`export to ${target} works again after`))).toHaveLength(1);
    expectExactly(rx.spans(), expectedSpans(await fetchTruth(sim), { baseURL: sim.url }));
  }, 210_000);
});

describe('what --all-threads and --since say', () => {
  const FOUNDRY = ['--provider', 'azure-foundry', '--auth', 'bearer-env'];

  it('--all-threads says from when it follows threads; a restart keeps that time and says why', async () => {
    sim = await startSimulator({ ...WORLD, dialect: 'azure-foundry' });
    rx = await startOtlpReceiver();
    const env = { AZURE_AI_PROJECT_ENDPOINT: sim.url, ASSISTANTS_OTEL_BRIDGE_API_TOKEN: sim.apiKey, OTEL_EXPORTER_OTLP_ENDPOINT: rx.url };
    const state = stateFile();
    const args = ['watch', '--all-threads', ...FOUNDRY, '--state', state, '--listen', 'off', '--log-format', 'json', '--exit-when-idle'];
    const since = (await fetchTruth(sim)).now - 7_200;
    const first = await runCli([...args, '--since', String(since)], env);
    expect(first.code, first.stderr.slice(-1500)).toBe(0);
    const iso = new Date(since * 1000).toISOString();
    expect(jsonLines(first.stderr).find((l) => l.msg.startsWith('--all-threads:'))?.msg).toBe(
      `--all-threads: watching every thread the service lists, new ones included, created since ${iso} (the since setting)`,
    );
    const again = await runCli([...args, '--since', '1h'], env);
    expect(again.code, again.stderr.slice(-1500)).toBe(0);
    expect(jsonLines(again.stderr).find((l) => l.msg.startsWith('--all-threads:'))?.msg).toBe(
      `--all-threads: watching every thread the service lists, new ones included, created since ${iso} (fixed at the first start with this state file; the since setting applies only to a new state file)`,
    );
  });

  it('--all-threads without --since: from this first start, said so', async () => {
    sim = await startSimulator({ ...WORLD, dialect: 'azure-foundry' });
    rx = await startOtlpReceiver();
    const before = Math.floor(Date.now() / 1000);
    const result = await runCli(
      ['watch', '--all-threads', ...FOUNDRY, '--state', stateFile(), '--listen', 'off', '--log-format', 'json', '--exit-when-idle'],
      {
        AZURE_AI_PROJECT_ENDPOINT: sim.url,
        ASSISTANTS_OTEL_BRIDGE_API_TOKEN: sim.apiKey,
        OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
      },
    );
    expect(result.code, result.stderr.slice(-1500)).toBe(0);
    const line = jsonLines(result.stderr).find((l) => l.msg.startsWith('--all-threads:'))!;
    expect(line.msg).toMatch(/created since \S+ \(this first start: older threads are not backfilled \(--since to go back\)\)$/);
    expect(Date.parse(String(line.since)) / 1000).toBeGreaterThanOrEqual(before);
  });

  it('--since without --all-threads: one line, exit 2, nothing started', async () => {
    const result = await runCli(['watch', '--thread', 'thread_a', '--since', '6h', '--state', ':memory:', '--listen', 'off'], {
      OPENAI_API_KEY: 'sk-x',
      OPENAI_BASE_URL: 'http://127.0.0.1:1/v1',
    });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      'assistants-otel-bridge: --since: applies only to a discovery (--all-threads, --agent, --foundry-agent): add one to follow what it finds from that time, or drop it (from the command line)',
    ]);
  });
});

describe('a leftover OPENAI_BASE_URL with --provider azure-foundry', () => {
  it('the project endpoint variable wins, a line says which and why, and the bridge works', async () => {
    sim = await startSimulator({ ...WORLD, dialect: 'azure-foundry' });
    rx = await startOtlpReceiver();
    const leftover = 'http://127.0.0.1:1/v1';
    const truth = await fetchTruth(sim);
    const result = await runCli(
      [
        'watch',
        ...threadIdsOf(truth).flatMap((t) => ['--thread', t]),
        '--provider',
        'azure-foundry',
        '--auth',
        'bearer-env',
        '--state',
        ':memory:',
        '--listen',
        'off',
        '--log-format',
        'json',
        '--exit-when-idle',
      ],
      {
        AZURE_AI_PROJECT_ENDPOINT: sim.url,
        OPENAI_BASE_URL: leftover,
        ASSISTANTS_OTEL_BRIDGE_API_TOKEN: sim.apiKey,
        OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
      },
    );
    expect(result.code, result.stderr.slice(-1500)).toBe(0);
    const note = jsonLines(result.stderr).find((l) => l.msg.startsWith('OPENAI_BASE_URL'));
    expect(note).toMatchObject({
      level: 40,
      msg: `OPENAI_BASE_URL (${leftover}) is ignored: with provider azure-foundry the endpoint comes from AZURE_AI_PROJECT_ENDPOINT (${sim.url}), the provider's own variable; set --base-url or api.base_url to choose another`,
    });
    expectExactly(rx.spans(), expectedSpans(truth, { baseURL: sim.url, providerName: 'azure.ai.foundry' }));
  });
});
