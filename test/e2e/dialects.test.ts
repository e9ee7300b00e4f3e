// The watch acceptance against each Azure dialect, as a real process: a world of every kind of
// run its service has (Foundry's own tool calls on Foundry) gives exactly one span per run, step
// and tool call, with the provider's name; every request carried the api-version and the right
// credential. And a credential that cannot work is one line and exit 2, never a stack trace or a
// retry loop.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator, type Truth } from '../../src/simulator/index.js';
import { runCli, startCli, waitFor, type CliProcess, type CliResult } from '../support/cli.js';
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

interface DialectCase {
  dialect: 'azure-openai' | 'azure-foundry';
  providerName: string;
  flags: string[];
  env: (s: RunningSimulator) => Record<string, string>;
  /** What every API request must have carried. */
  credential: (s: RunningSimulator) => { header: string; value: string };
  /** Kinds of run its worlds have. */
  kinds: number;
  /** Tool spans the world's runs must give. */
  toolNames: string[];
}

const FOUNDRY_TOOLS = [
  'bing_grounding',
  'azure_ai_search',
  'weather_GetCurrentWeather',
  'get_stock_price',
  'stock_price_bot',
  'microsoft_docs_search',
  'deep_research',
  'fabric_dataagent',
  'sharepoint_grounding',
];

const CASES: DialectCase[] = [
  {
    dialect: 'azure-openai',
    providerName: 'azure.ai.openai',
    flags: ['--provider', 'azure-openai'],
    env: (s) => ({ AZURE_OPENAI_ENDPOINT: s.origin, AZURE_OPENAI_API_KEY: s.apiKey }),
    credential: (s) => ({ header: 'api-key', value: s.apiKey }),
    kinds: 10,
    toolNames: ['code_interpreter', 'file_search'],
  },
  {
    dialect: 'azure-foundry',
    providerName: 'azure.ai.foundry',
    flags: ['--provider', 'azure-foundry', '--auth', 'bearer-env'],
    env: (s) => ({ AZURE_AI_PROJECT_ENDPOINT: s.url, ASSISTANTS_OTEL_BRIDGE_API_TOKEN: s.apiKey }),
    credential: (s) => ({ header: 'authorization', value: `Bearer ${s.apiKey}` }),
    kinds: 12,
    toolNames: ['code_interpreter', 'file_search', ...FOUNDRY_TOOLS],
  },
];

const stateFile = (): string => join(mkdtempSync(join(tmpdir(), 'aob-dialect-')), 'state.sqlite');

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

/** The fatal line is the last one, said once, with no stack frame anywhere. */
function expectOneFatalLine(result: CliResult, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(2);
  const lines = result.stderr.trim().split('\n');
  expect(lines.at(-1)).toMatch(pattern);
  expect(lines.filter((l) => pattern.test(l))).toHaveLength(1);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

describe.each(CASES)('watch against $dialect', (c) => {
  it("traces a world of every kind of run exactly once, its service's tools and live runs included", async () => {
    sim = await startSimulator({
      dialect: c.dialect,
      seed: 17,
      clock: { speed: 60 },
      world: { threads: 4, backfillRuns: 14, liveRuns: 2, liveWindowSeconds: 60 },
    });
    rx = await startOtlpReceiver();
    const initial = await fetchTruth(sim);
    expect(new Set(initial.runs.map((r) => r.kind)).size).toBe(c.kinds);
    bridge = startCli(
      [
        'watch',
        ...threadIdsOf(initial).flatMap((t) => ['--thread', t]),
        ...c.flags,
        '--state',
        stateFile(),
        '--listen',
        'off',
        '--log-format',
        'json',
        '--rpm',
        '3000',
        '--active-interval',
        '200',
      ],
      { ...c.env(sim), OTEL_EXPORTER_OTLP_ENDPOINT: rx.url },
    );
    const live = await startLiveRuns(sim, threadIdsOf(initial), 2);
    expect(live).toHaveLength(2);
    let truth: Truth = initial;
    await waitFor(
      async () => {
        truth = await fetchTruth(sim!);
        return (
          truth.allFinished &&
          truth.pending.length === 0 &&
          rx!.spans().length >= expectedSpans(truth, { baseURL: sim!.url, providerName: c.providerName }).length
        );
      },
      'every run to finish and its spans to arrive',
      90_000,
    );
    bridge.child.kill('SIGTERM');
    const exit = await bridge.exited;
    expect(exit.code, exit.stderr).toBe(0);

    const spans = rx.spans();
    expectExactly(spans, expectedSpans(truth, { baseURL: sim.url, providerName: c.providerName }));
    const runSpans = spans.filter((s) => s.name.startsWith('invoke_agent'));
    expect(new Set(runSpans.map((s) => s.attributes['gen_ai.provider.name']))).toEqual(new Set([c.providerName]));
    expect(runSpans.every((s) => typeof s.attributes['gen_ai.agent.id'] === 'string')).toBe(true);
    for (const name of c.toolNames)
      expect(
        spans.some((s) => s.name === `execute_tool ${name}`),
        name,
      ).toBe(true);
    if (c.dialect === 'azure-openai') expect(spans.filter((s) => FOUNDRY_TOOLS.some((t) => s.name === `execute_tool ${t}`))).toEqual([]);
    // The connected agent's call links to its run's trace; runs carry their queue event.
    if (c.dialect === 'azure-foundry') expect(spans.find((s) => s.name === 'execute_tool stock_price_bot')?.links).toHaveLength(1);
    expect(runSpans.every((s) => s.events.some((e) => e.name === 'run.started'))).toBe(true);
    // Every API request was accepted: the api-version and the credential were always there.
    const log = sim.requestLog().filter((e) => !e.control);
    expect(log.filter((e) => e.status !== 200)).toEqual([]);
    expect(log.every((e) => new URLSearchParams(e.query).has('api-version'))).toBe(true);
    expect(c.credential(sim).value).not.toBe('');
  }, 120_000);

  it('a wrong credential is one line and exit 2, and the secret is never printed', async () => {
    sim = await startSimulator({ dialect: c.dialect, apiKey: 'the-right-secret', world: { threads: 1, backfillRuns: 1, liveRuns: 0 } });
    const truth = await fetchTruth(sim);
    const wrong = 'wrong-secret-7f3a9c';
    const env = Object.fromEntries(Object.entries(c.env(sim)).map(([k, v]) => [k, v === sim!.apiKey ? wrong : v]));
    const result = await runCli(['watch', '--thread', threadIdsOf(truth)[0]!, ...c.flags, '--state', ':memory:', '--listen', 'off'], {
      ...env,
      OTEL_TRACES_EXPORTER: 'none',
    });
    expectOneFatalLine(
      result,
      /^assistants-otel-bridge: the API rejected the (key|bearer token from ASSISTANTS_OTEL_BRIDGE_API_TOKEN) \(401\)/,
    );
    expect(result.stdout + result.stderr).not.toContain(wrong);
  });
});

describe('credentials that cannot work', () => {
  it('entra-id with no Azure identity anywhere: one line naming entra-id, exit 2', async () => {
    sim = await startSimulator({ dialect: 'azure-foundry', world: { threads: 1, backfillRuns: 1, liveRuns: 0 } });
    const truth = await fetchTruth(sim);
    const result = await runCli(
      ['watch', '--thread', threadIdsOf(truth)[0]!, '--provider', 'azure-foundry', '--state', ':memory:', '--listen', 'off'],
      {
        AZURE_AI_PROJECT_ENDPOINT: sim.url,
        // The developer credentials only (Azure CLI, PowerShell, azd, VS Code): nothing here has
        // them, and the chain then never probes a managed-identity endpoint off this machine.
        AZURE_TOKEN_CREDENTIALS: 'dev',
        OTEL_TRACES_EXPORTER: 'none',
      },
    );
    expectOneFatalLine(result, /^assistants-otel-bridge: entra-id: no token for https:\/\/ai\.azure\.com\/\.default: .*az login/);
    // It never got as far as sending a request without a token.
    expect(sim.requestLog().filter((e) => !e.control)).toEqual([]);
  }, 60_000);

  it('an expired static token stops the start with one line', async () => {
    const expired = `e30.${Buffer.from(JSON.stringify({ exp: 1_700_000_000 })).toString('base64url')}.sig`;
    const result = await runCli(
      ['watch', '--thread', 'thread_x', '--provider', 'azure-foundry', '--auth', 'bearer-env', '--state', ':memory:', '--listen', 'off'],
      {
        AZURE_AI_PROJECT_ENDPOINT: 'http://127.0.0.1:9/api/projects/p',
        ASSISTANTS_OTEL_BRIDGE_API_TOKEN: expired,
      },
    );
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(
      /^assistants-otel-bridge: api\.token_env: the token in ASSISTANTS_OTEL_BRIDGE_API_TOKEN expired at 2023-11-14T22:13:20\.000Z/,
    );
    expect(result.stderr).not.toContain(expired);
  });

  it('an Azure provider without an endpoint says which variable to set', async () => {
    const result = await runCli(['watch', '--thread', 'thread_x', '--provider', 'azure-openai', '--state', ':memory:', '--listen', 'off']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(
      /^assistants-otel-bridge: api\.base_url: not set for provider azure-openai: export AZURE_OPENAI_ENDPOINT=/,
    );
  });
});
