// `watch --all-threads` against a service that lists threads (the Azure AI Foundry dialect):
// every thread since --since is discovered, new threads too, the cursor survives a restart,
// and by default nothing older than the first start is backfilled.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { runCli, startCli, waitFor, type CliProcess } from '../support/cli.js';
import { expectExactly } from '../support/expected-spans.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';
import { expectedSpans, fetchTruth } from '../support/world.js';

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
let bridge: CliProcess | undefined;

afterEach(async () => {
  bridge?.child.kill('SIGKILL');
  await sim?.shutdown();
  await rx?.close();
  bridge = sim = rx = undefined;
});

const foundryEnv = (s: RunningSimulator, r: OtlpReceiver): Record<string, string> => ({
  AZURE_AI_PROJECT_ENDPOINT: s.url,
  ASSISTANTS_OTEL_BRIDGE_API_TOKEN: s.apiKey,
  OTEL_EXPORTER_OTLP_ENDPOINT: r.url,
});
const FOUNDRY = ['--provider', 'azure-foundry', '--auth', 'bearer-env'];

async function newRunOnNewThread(s: RunningSimulator): Promise<{ thread_id: string; run_id: string }> {
  const response = await fetch(`${s.origin}/_sim/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(response.ok).toBe(true);
  return (await response.json()) as { thread_id: string; run_id: string };
}

describe('watch --all-threads', () => {
  it('discovers every thread since --since and new threads, and resumes its cursor after a restart', async () => {
    sim = await startSimulator({
      dialect: 'azure-foundry',
      seed: 31,
      clock: { speed: 100 },
      world: { threads: 5, backfillRuns: 12, liveRuns: 0, azureTools: true },
    });
    rx = await startOtlpReceiver();
    const state = join(mkdtempSync(join(tmpdir(), 'aob-all-')), 'state.sqlite');
    const since = String((await fetchTruth(sim)).now - 10 * 86_400);
    const args = [
      'watch',
      '--all-threads',
      '--since',
      since,
      ...FOUNDRY,
      '--state',
      state,
      '--listen',
      'off',
      '--rpm',
      '3000',
      '--active-interval',
      '200',
      '--log-format',
      'json',
    ];
    bridge = startCli(args, foundryEnv(sim, rx));
    await waitFor(
      async () =>
        rx!.spans().length >= expectedSpans(await fetchTruth(sim!), { baseURL: sim!.url, providerName: 'azure.ai.foundry' }).length,
      'the backfill',
    );
    const live = await newRunOnNewThread(sim);
    await waitFor(
      async () => rx!.spans().some((s) => s.attributes['openai.run.id'] === live.run_id && s.name.startsWith('invoke_agent')),
      'the run on a new thread',
    );
    bridge.child.kill('SIGTERM');
    expect((await bridge.exited).code).toBe(0);

    // Restart on the same state: only what is new is listed (after the remembered cursor).
    const second = await newRunOnNewThread(sim);
    sim.clearRequestLog();
    bridge = startCli(args, foundryEnv(sim, rx));
    await waitFor(
      async () => rx!.spans().some((s) => s.attributes['openai.run.id'] === second.run_id && s.name.startsWith('invoke_agent')),
      'the run on a thread created while stopped',
    );
    bridge.child.kill('SIGTERM');
    expect((await bridge.exited).code).toBe(0);
    const threadLists = sim.requestLog().filter((e) => !e.control && /\/threads$/.test(e.path));
    expect(threadLists.length).toBeGreaterThan(0);
    expect(threadLists.every((e) => /(^|&)after=/.test(e.query) && /order=asc/.test(e.query))).toBe(true);

    const truth = await fetchTruth(sim);
    expectExactly(rx.spans(), expectedSpans(truth, { baseURL: sim.url, providerName: 'azure.ai.foundry' }));
  });

  it('by default starts from now: threads older than the first start are not backfilled', async () => {
    sim = await startSimulator({
      dialect: 'azure-foundry',
      seed: 32,
      clock: { speed: 100 },
      world: { threads: 3, backfillRuns: 6, liveRuns: 0, azureTools: true },
    });
    rx = await startOtlpReceiver();
    bridge = startCli(
      ['watch', '--all-threads', ...FOUNDRY, '--state', ':memory:', '--listen', 'off', '--rpm', '3000', '--active-interval', '200'],
      foundryEnv(sim, rx),
    );
    await waitFor(
      () => sim!.requestLog().some((e) => !e.control && /\/threads$/.test(e.path) && e.status === 200),
      'the first discovery pass',
    );
    const live = await newRunOnNewThread(sim);
    await waitFor(
      async () => rx!.spans().some((s) => s.attributes['openai.run.id'] === live.run_id && s.name.startsWith('invoke_agent')),
      'the run on the new thread',
    );
    bridge.child.kill('SIGTERM');
    expect((await bridge.exited).code).toBe(0);
    expect(new Set(rx.spans().map((s) => s.attributes['openai.run.id']))).toEqual(new Set([live.run_id]));
  });

  it('on a service that cannot list threads: one clear line, exit 2', async () => {
    sim = await startSimulator({ seed: 33, world: { threads: 1, backfillRuns: 1, liveRuns: 0 } });
    rx = await startOtlpReceiver();
    const result = await runCli(['watch', '--all-threads', '--state', ':memory:', '--listen', 'off'], {
      OPENAI_API_KEY: sim.apiKey,
      OPENAI_BASE_URL: sim.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
    });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n').at(-1)).toMatch(/^assistants-otel-bridge: --all-threads: this service does not list threads/);
  });
});

describe('a refused request', () => {
  it('a wrong api-version is one clear line and exit 2, not a retry loop', async () => {
    sim = await startSimulator({ dialect: 'azure-foundry', seed: 34, world: { threads: 1, backfillRuns: 1, liveRuns: 0 } });
    rx = await startOtlpReceiver();
    const thread = (await fetchTruth(sim)).runs[0]!.threadId;
    const result = await runCli(
      ['watch', '--thread', thread, ...FOUNDRY, '--api-version', '1999-01-01', '--state', ':memory:', '--listen', 'off'],
      foundryEnv(sim, rx),
    );
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n').at(-1)).toMatch(
      /^assistants-otel-bridge: the API refused the request for thread \S+ \(400: .*api-version/,
    );
    expect(sim.requestLog().filter((e) => !e.control).length).toBeLessThanOrEqual(2);
  });
});
