// Both ways out, for real: a Prometheus server (Debian's package) scrapes the bridge's
// GET /metrics every second while the bridge also pushes metrics over OTLP to the strict
// receiver. Once a simulated world is through, PromQL over Prometheus's HTTP API and the last
// OTLP push must both give the world's truth: tokens, steps failed and expired, runs by status.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HISTORY_AGE_SECONDS } from '../../src/metrics/history.js';
import { startSimulator, type RunningSimulator, type Truth } from '../../src/simulator/index.js';
import { startCli, waitFor, type CliProcess } from '../support/cli.js';
import { ASSISTANTS_SOURCE } from '../../src/sources/assistants/registration.js';
import { exportedSeriesNames } from '../support/metric-names.js';
import { listenAddressOf, scrape, scrapedTotals, total, worldTotals } from '../support/metrics-scrape.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedMetric } from '../support/otlp-receiver/index.js';
import { expectDashboardQueriesFindData, expectRulesHealthy } from '../support/prometheus-checks.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus-server.js';
import { ALERTS_FILE, isAgentsQuery, isResponsesQuery, isWebhookQuery } from '../support/promql-names.js';
import { fetchTruth } from '../support/world.js';

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
let bridge: CliProcess | undefined;
let prom: RunningPrometheus | undefined;

afterEach(async () => {
  bridge?.child.kill('SIGKILL');
  await prom?.close();
  await sim?.shutdown();
  await rx?.close();
  bridge = sim = rx = prom = undefined;
});

/** When a run as the API shows it ended (its first end timestamp). */
function runEnd(run: Record<string, unknown>): number {
  const ends = [run.completed_at, run.failed_at, run.cancelled_at, run.expires_at].filter((v): v is number => typeof v === 'number');
  return Math.min(...ends);
}

/** The last pushed value of a cumulative metric, summed over the points whose attributes include `match`. */
function pushed(metrics: readonly ReceivedMetric[], name: string, field: 'value' | 'sum', match: Record<string, string> = {}): number {
  const last = metrics.filter((m) => m.name === name).at(-1);
  if (!last) return Number.NaN;
  return last.dataPoints
    .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
    .reduce((sum, p) => sum + Number(field === 'value' ? p.value : p.sum), 0);
}

describe('metrics, scraped by a real Prometheus and pushed over OTLP', () => {
  it('reports the world exactly: tokens, failed and expired steps, runs by status', async () => {
    // The world's present is now: its older past is history, its recent past and live runs news.
    const startEpoch = Math.floor(Date.now() / 1000);
    sim = await startSimulator({
      seed: 23,
      clock: { startEpoch, speed: 60 },
      world: { threads: 6, backfillRuns: 36, liveRuns: 4, liveWindowSeconds: 120 },
    });
    rx = await startOtlpReceiver();
    // Failures that are news, for the failure and tool panels: a failed run and an expired one.
    for (const kind of ['failed', 'expired']) {
      const created = await fetch(`${sim.origin}/_sim/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind }),
      });
      expect(created.status).toBe(200);
    }
    const initial = await fetchTruth(sim);
    bridge = startCli(
      [
        'watch',
        ...sim.world
          .threads()
          .map((t) => t.id)
          .flatMap((t) => ['--thread', t]),
        '--state',
        join(mkdtempSync(join(tmpdir(), 'aob-prom-')), 'state.sqlite'),
        '--listen',
        '127.0.0.1:0',
        '--log-format',
        'json',
        '--rpm',
        '3000',
        '--active-interval',
        '300',
      ],
      { OPENAI_API_KEY: sim.apiKey, OPENAI_BASE_URL: sim.url, OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_METRIC_EXPORT_INTERVAL: '500' },
    );
    const address = await listenAddressOf(bridge);
    prom = await startPrometheus(address, [ALERTS_FILE]);

    // Until the world is finished and the bridge has nothing left: no active run, an empty outbox.
    let truth: Truth = initial;
    await waitFor(
      async () => {
        truth = await fetchTruth(sim!);
        if (!truth.allFinished || truth.pending.length > 0) return false;
        const samples = await scrape(address);
        return (
          total(samples, 'assistants_bridge_runs_tracked', { state: 'active' }) === 0 &&
          total(samples, 'assistants_bridge_outbox_depth') === 0 &&
          total(samples, 'assistants_bridge_runs_tracked', { state: 'finished' }) === truth.runs.length
        );
      },
      'the world to finish and the bridge to be idle',
      90_000,
    );
    const want = worldTotals(truth);
    expect(want.steps.failed ?? 0).toBeGreaterThan(0);
    expect(want.steps.expired ?? 0).toBeGreaterThan(0);
    expect(want.inputTokens).toBeGreaterThan(0);

    // Two more scrapes after idle, so Prometheus holds the final values.
    const seen = await prom.scrapes();
    await waitFor(async () => (await prom!.scrapes()) >= seen + 2, 'two more scrapes', 20_000);

    const job = '{job="assistants-otel-bridge"}';
    const tokens = await prom.query(`sum by (gen_ai_token_type) (gen_ai_client_token_usage_sum${job})`);
    const byType = Object.fromEntries(tokens.map((s) => [s.metric.gen_ai_token_type, s.value]));
    const failedSteps = await prom.scalar(`sum(assistants_steps_total{job="assistants-otel-bridge",openai_run_step_status="failed"})`);
    const expiredSteps = await prom.scalar(`sum(assistants_steps_total{job="assistants-otel-bridge",openai_run_step_status="expired"})`);
    const runs = Object.fromEntries(
      (await prom.query(`sum by (openai_run_status) (assistants_runs_total${job})`)).map((s) => [s.metric.openai_run_status, s.value]),
    );
    const steps = Object.fromEntries(
      (await prom.query(`sum by (openai_run_step_status) (assistants_steps_total${job})`)).map((s) => [
        s.metric.openai_run_step_status,
        s.value,
      ]),
    );
    const stepDurations = await prom.scalar(`sum(gen_ai_client_operation_duration_count${job})`);
    const p95 = await prom.scalar(`histogram_quantile(0.95, sum by (le) (gen_ai_client_operation_duration_bucket${job}))`);
    const slowestScrape = await prom.scalar(`max_over_time(scrape_duration_seconds${job}[5m])`);
    console.log(
      JSON.stringify({
        promql: { tokens: byType, failedSteps, expiredSteps, runs, steps, stepDurations, p95, slowestScrape },
        truth: want,
      }),
    );

    expect(byType).toEqual({ input: want.inputTokens, output: want.outputTokens });
    // Runs that ended long before the bridge started are history; the rest news; both counted.
    const historyRuns = await prom.scalar(`sum(assistants_runs_total{job="assistants-otel-bridge",assistants_bridge_history="true"})`);
    const oldEnough = truth.runs.filter((r) => runEnd(r.run) < startEpoch - HISTORY_AGE_SECONDS).length;
    expect(historyRuns).toBeGreaterThan(0);
    expect(historyRuns).toBeGreaterThanOrEqual(oldEnough);
    expect(await prom.scalar(`sum(assistants_runs_total{job="assistants-otel-bridge",assistants_bridge_history="false"})`)).toBe(
      truth.runs.length - historyRuns,
    );
    // Only news step spans are in the lag.
    const newsSteps = await prom.scalar(`sum(assistants_steps_total{job="assistants-otel-bridge",assistants_bridge_history="false"})`);
    expect(await prom.scalar(`sum(assistants_bridge_export_lag_count${job})`)).toBe(newsSteps);
    expect(failedSteps).toBe(want.steps.failed);
    expect(expiredSteps).toBe(want.steps.expired);
    expect(runs).toEqual(want.runs);
    expect(steps).toEqual(want.steps);
    // One duration per operation: each run (invoke_agent), each message-creation step (chat) and
    // each tool call (execute_tool); the simulator ends every step.
    const allSteps = truth.runs.flatMap((r) => r.steps);
    const toolCalls = allSteps
      .filter((st) => st.type === 'tool_calls')
      .reduce((n, st) => n + ((st.step_details as { tool_calls?: unknown[] }).tool_calls?.length ?? 0), 0);
    const countOf = (operation: string) =>
      prom!.scalar(`sum(gen_ai_client_operation_duration_count{job="assistants-otel-bridge",gen_ai_operation_name="${operation}"})`);
    expect(await countOf('chat')).toBe(allSteps.filter((st) => st.type === 'message_creation').length);
    expect(await countOf('execute_tool')).toBe(toolCalls);
    expect(await countOf('invoke_agent')).toBe(truth.runs.length);
    expect(stepDurations).toBe(allSteps.filter((st) => st.type === 'message_creation').length + toolCalls + truth.runs.length);
    expect(p95).toBeGreaterThan(0);
    // The bridge was up and healthy all along.
    expect(await prom.scalar(`min_over_time(up${job}[5m])`)).toBe(1);

    // Every query of the Grafana dashboard runs on the real Prometheus and finds data (those about
    // Agents API sessions in agents-prometheus.test.ts, about responses in responses-prometheus.test.ts:
    // this world has none; nor does this watch take webhooks).
    await expectDashboardQueriesFindData(prom, (x) => !isAgentsQuery(x) && !isResponsesQuery(x) && !isWebhookQuery(x));
    // The rules of config/prometheus load and record; the healthy bridge raises no health alert.
    expect((await expectRulesHealthy(prom)).length).toBeGreaterThanOrEqual(15);
    expect(await prom.query('ALERTS{alertname=~"AssistantsBridge.*"}')).toEqual([]);

    // GET /metrics names exactly what the catalog (src/metrics/catalog.ts) says it exports for the Assistants source's work (no source takes webhooks here).
    const names = new Set((await scrape(address)).map((s) => s.name));
    expect([...names].sort()).toEqual([...exportedSeriesNames('scrape', 'default', [ASSISTANTS_SOURCE], false)].sort());
    expect(scrapedTotals(await scrape(address))).toEqual(want);

    // The OTLP push carries the same totals once a push after idle has arrived.
    const since = Date.now();
    await waitFor(
      () => rx!.metrics().some((m) => m.receivedAt > since + 100 && m.name === 'assistants.steps'),
      'an OTLP metrics push after idle',
      10_000,
    );
    const metrics = rx.metrics();
    expect(pushed(metrics, 'gen_ai.client.token.usage', 'sum', { 'gen_ai.token.type': 'input' })).toBe(want.inputTokens);
    expect(pushed(metrics, 'gen_ai.client.token.usage', 'sum', { 'gen_ai.token.type': 'output' })).toBe(want.outputTokens);
    expect(pushed(metrics, 'assistants.steps', 'value', { 'openai.run_step.status': 'failed' })).toBe(want.steps.failed);
    expect(pushed(metrics, 'assistants.steps', 'value', { 'openai.run_step.status': 'expired' })).toBe(want.steps.expired);
    const last = metrics.filter((m) => m.name === 'assistants.runs').at(-1)!;
    expect(last.resource['service.name']).toBe('assistants-otel-bridge');
    expect(last.aggregationTemporality).toBe(2);

    bridge.child.kill('SIGTERM');
    const exit = await bridge.exited;
    expect(exit.code, exit.stderr).toBe(0);
  }, 150_000);
});
