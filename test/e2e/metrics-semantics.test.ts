// What the metrics mean, with the bridge as a real process over real HTTP: a thread added with
// months of history is counted as history (never news, never in the lag) while a run that
// happens afterwards is news; a service whose steps report no usage still has token totals (from
// its runs, once); and OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental switches the names
// on /metrics and adds the cache and reasoning counts to spans.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HISTORY_AGE_SECONDS } from '../../src/metrics/history.js';
import { createAzureOpenAIDialect } from '../../src/simulator/dialects/azure-openai.js';
import { startSimulator, type RunningSimulator, type Truth } from '../../src/simulator/index.js';
import { startCli, waitFor, type CliProcess } from '../support/cli.js';
import { exportedSeriesNames } from '../support/metric-names.js';
import { listenAddressOf, scrape, scrapedTotals, total, worldTotals, type Sample } from '../support/metrics-scrape.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';
import { fetchTruth, stepsWithoutUsage, threadIdsOf } from '../support/world.js';

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
let bridge: CliProcess | undefined;

afterEach(async () => {
  bridge?.child.kill('SIGKILL');
  await sim?.shutdown();
  await rx?.close();
  bridge = sim = rx = undefined;
});

const stateFile = (): string => join(mkdtempSync(join(tmpdir(), 'aob-semantics-')), 'state.sqlite');

/** Until the bridge tracks `runs` finished runs, none active, and its outbox is empty. */
async function idle(address: string, runs: number): Promise<Sample[]> {
  let samples: Sample[] = [];
  await waitFor(
    async () => {
      samples = await scrape(address);
      return (
        total(samples, 'assistants_bridge_runs_tracked', { state: 'finished' }) === runs &&
        total(samples, 'assistants_bridge_runs_tracked', { state: 'active' }) === 0 &&
        total(samples, 'assistants_bridge_outbox_depth') === 0
      );
    },
    `the bridge to finish ${runs} runs and drain its outbox`,
    60_000,
  );
  return samples;
}

const stepCount = (truth: Truth): number => truth.runs.filter((r) => r.finished).reduce((n, r) => n + r.steps.length, 0);
const HISTORY = { assistants_bridge_history: 'true' };
const NEWS = { assistants_bridge_history: 'false' };

describe('history is not news', () => {
  it('counts a thread added with months of history as history, and a run after it as news', async () => {
    const months = 183 * 86_400;
    // The world's clock stands still six months ago: every run in it is long finished.
    sim = await startSimulator({
      seed: 31,
      clock: { startEpoch: Math.floor(Date.now() / 1000) - months, speed: 0 },
      world: { threads: 3, backfillRuns: 12, liveRuns: 0 },
    });
    rx = await startOtlpReceiver();
    const old = await fetchTruth(sim);
    const threads = threadIdsOf(old);
    bridge = startCli(
      [
        'watch',
        ...threads.flatMap((t) => ['--thread', t]),
        '--state',
        stateFile(),
        '--listen',
        '127.0.0.1:0',
        '--log-format',
        'json',
        '--rpm',
        '3000',
        '--active-interval',
        '200',
      ],
      { OPENAI_API_KEY: sim.apiKey, OPENAI_BASE_URL: sim.url, OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_METRICS_EXPORTER: 'none' },
    );
    const address = await listenAddressOf(bridge);
    let samples = await idle(address, old.runs.length);

    // Every old step and run is counted, as history; none as news; the lag has no sample of it.
    const oldTotals = worldTotals(old);
    expect(oldTotals.steps.failed ?? 0).toBeGreaterThan(0);
    expect(total(samples, 'assistants_steps_total', HISTORY)).toBe(stepCount(old));
    expect(total(samples, 'assistants_steps_total', { ...HISTORY, openai_run_step_status: 'failed' })).toBe(oldTotals.steps.failed);
    expect(total(samples, 'assistants_runs_total', HISTORY)).toBe(old.runs.length);
    expect(total(samples, 'gen_ai_client_token_usage_sum', { ...HISTORY, gen_ai_token_type: 'input' })).toBe(oldTotals.inputTokens);
    expect(samples.filter((s) => s.labels.assistants_bridge_history === 'false')).toEqual([]);
    expect(total(samples, 'assistants_bridge_export_lag_count')).toBe(0);
    expect(scrapedTotals(samples)).toEqual(oldTotals);

    // Time moves on to today, and a run fails on one of those threads, registered as the app creates it.
    await fetch(`${sim.origin}/_sim/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceSeconds: months }),
    });
    const created = await fetch(`${sim.origin}/_sim/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ threadId: threads[0], kind: 'failed' }),
    });
    const { run_id: runId } = (await created.json()) as { run_id: string };
    const registered = await fetch(`http://${address}/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ thread_id: threads[0], run_id: runId }),
    });
    expect(registered.status).toBeLessThan(300);
    await fetch(`${sim.origin}/_sim/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceSeconds: 120 }),
    });
    samples = await idle(address, old.runs.length + 1);
    const now = await fetchTruth(sim);
    const fresh = now.runs.find((r) => r.runId === runId)!;
    expect(fresh.finished).toBe(true);

    // The new run is news: its steps, its failure, and only its steps in the lag, in its low buckets.
    expect(total(samples, 'assistants_steps_total', NEWS)).toBe(fresh.steps.length);
    expect(total(samples, 'assistants_steps_total', { ...NEWS, openai_run_step_status: 'failed' })).toBe(1);
    expect(total(samples, 'assistants_runs_total', { ...NEWS, openai_run_status: 'failed' })).toBe(1);
    expect(total(samples, 'assistants_steps_total', HISTORY)).toBe(stepCount(old));
    expect(total(samples, 'assistants_bridge_export_lag_count')).toBe(fresh.steps.length);
    expect(total(samples, 'assistants_bridge_export_lag_bucket', { le: String(HISTORY_AGE_SECONDS) })).toBe(fresh.steps.length);
    expect(scrapedTotals(samples)).toEqual(worldTotals(now));

    bridge.child.kill('SIGTERM');
    expect((await bridge.exited).code).toBe(0);
  }, 120_000);
});

describe('a service whose steps report no token usage', () => {
  const azure = (s: RunningSimulator) => ({ AZURE_OPENAI_ENDPOINT: s.origin, AZURE_OPENAI_API_KEY: s.apiKey });

  it('has token totals from each run, once', async () => {
    sim = await startSimulator({
      dialect: stepsWithoutUsage(createAzureOpenAIDialect()),
      seed: 17,
      clock: { speed: 60 },
      world: { threads: 3, backfillRuns: 14, liveRuns: 0 },
    });
    const truth = await fetchTruth(sim);
    expect(truth.runs.flatMap((r) => r.steps).every((s) => s.usage === null)).toBe(true);
    bridge = startCli(
      [
        'watch',
        ...threadIdsOf(truth).flatMap((t) => ['--thread', t]),
        '--provider',
        'azure-openai',
        '--state',
        stateFile(),
        '--listen',
        '127.0.0.1:0',
        '--log-format',
        'json',
        '--rpm',
        '3000',
        '--active-interval',
        '200',
      ],
      { ...azure(sim), OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' },
    );
    const samples = await idle(await listenAddressOf(bridge), truth.runs.length);
    const want = worldTotals(truth);
    expect(want.inputTokens).toBeGreaterThan(0);
    expect(scrapedTotals(samples)).toEqual(want);
    // Counted from the runs (invoke_agent), none from the steps (chat).
    expect(total(samples, 'gen_ai_client_token_usage_sum', { gen_ai_operation_name: 'invoke_agent', gen_ai_token_type: 'input' })).toBe(
      want.inputTokens,
    );
    expect(total(samples, 'gen_ai_client_token_usage_count', { gen_ai_operation_name: 'chat' })).toBe(0);
  }, 120_000);

  it('under OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental: the GenAI v0.1.0 names, and cache and reasoning tokens on spans', async () => {
    sim = await startSimulator({
      dialect: stepsWithoutUsage(createAzureOpenAIDialect()),
      seed: 17,
      clock: { speed: 60 },
      world: { threads: 3, backfillRuns: 14, liveRuns: 0 },
    });
    rx = await startOtlpReceiver();
    const truth = await fetchTruth(sim);
    bridge = startCli(
      [
        'watch',
        ...threadIdsOf(truth).flatMap((t) => ['--thread', t]),
        '--provider',
        'azure-openai',
        '--state',
        stateFile(),
        '--listen',
        '127.0.0.1:0',
        '--log-format',
        'json',
        '--rpm',
        '3000',
        '--active-interval',
        '200',
      ],
      {
        ...azure(sim),
        OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_SEMCONV_STABILITY_OPT_IN: 'http, gen_ai_latest_experimental',
      },
    );
    const samples = await idle(await listenAddressOf(bridge), truth.runs.length);
    const names = new Set(samples.map((s) => s.name));
    const latest = exportedSeriesNames('scrape', 'genai-0.1.0');
    for (const name of names) expect(latest.has(name), name).toBe(true);
    for (const name of [
      'gen_ai_invoke_agent_duration_bucket',
      'gen_ai_execute_tool_duration_bucket',
      'gen_ai_client_inference_duration_bucket',
      'gen_ai_client_inference_usage_input_tokens_total',
    ]) {
      expect(names.has(name), name).toBe(true);
    }
    expect(names.has('gen_ai_client_token_usage_sum')).toBe(false);
    expect(names.has('gen_ai_client_operation_duration_bucket')).toBe(false);

    const finished = truth.runs
      .filter((r) => r.finished)
      .map(
        (r) =>
          r.run.usage as {
            prompt_tokens: number;
            completion_tokens: number;
            prompt_tokens_details: { cached_tokens: number };
            completion_tokens_details: { reasoning_tokens: number };
          },
      );
    const sum = (f: (u: (typeof finished)[number]) => number) => finished.reduce((n, u) => n + f(u), 0);
    expect(total(samples, 'gen_ai_client_inference_usage_input_tokens_total', { gen_ai_token_modality: 'unknown' })).toBe(
      sum((u) => u.prompt_tokens),
    );
    expect(total(samples, 'gen_ai_client_inference_usage_cache_read_input_tokens_total')).toBe(
      sum((u) => u.prompt_tokens_details.cached_tokens),
    );
    expect(total(samples, 'gen_ai_client_inference_usage_reasoning_output_tokens_total')).toBe(
      sum((u) => u.completion_tokens_details.reasoning_tokens),
    );
    expect(sum((u) => u.prompt_tokens_details.cached_tokens)).toBeGreaterThan(0);

    // Spans: each run reports its cache and reasoning counts under the v0.1.0 attribute names.
    await waitFor(
      () => rx!.spans().filter((s) => s.name.startsWith('invoke_agent')).length === truth.runs.length,
      'every run span',
      20_000,
    );
    for (const r of truth.runs) {
      const span = rx.spans().find((s) => s.name.startsWith('invoke_agent') && s.attributes['openai.run.id'] === r.runId)!;
      const usage = r.run.usage as {
        prompt_tokens: number;
        prompt_tokens_details: { cached_tokens: number };
        completion_tokens_details: { reasoning_tokens: number };
      };
      expect(span.attributes['gen_ai.usage.input_tokens']).toBe(usage.prompt_tokens);
      expect(span.attributes['gen_ai.usage.cache_read.input_tokens']).toBe(usage.prompt_tokens_details.cached_tokens);
      expect(span.attributes['gen_ai.usage.reasoning.output_tokens']).toBe(usage.completion_tokens_details.reasoning_tokens);
    }
    bridge.child.kill('SIGTERM');
    expect((await bridge.exited).code).toBe(0);
  }, 120_000);
});
