// The metrics as a whole: GET /metrics through a real HTTP server, health numbers from a real
// request budget and state store, and the OTLP push over each protocol to the strict receiver.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/defaults.js';
import type { OtlpProtocol } from '../../src/config/types.js';
import { nanosFromSeconds, type SpanRecord } from '../../src/core/span-record.js';
import { BridgeMetrics } from '../../src/metrics/bridge-metrics.js';
import { EXPORT_LAG_BUCKETS, OPERATION_DURATION_BUCKETS, storeViews, TOKEN_USAGE_BUCKETS } from '../../src/metrics/catalog.js';
import { SOURCES } from '../../src/sources/registry.js';
import type { OtlpMetricsConfig } from '../../src/metrics/otlp-metrics-config.js';
import { metricObservationsFor } from '../../src/sources/assistants/run-totals.js';
import { RequestBudget } from '../../src/scheduler/request-budget.js';
import type { RunPayload, StepPayload } from '../../src/sources/assistants/payloads.js';
import { openRunLedger, type RunLedger } from '../../src/sources/assistants/run-ledger.js';
import { zeroCounts } from '../../src/webhooks/counters.js';
import { exportedSeriesNames } from '../support/metric-names.js';
import { parseExposition, total, type Sample } from '../support/metrics-scrape.js';
import { startOtlpGrpcReceiver, startOtlpReceiver, type ReceivedMetric } from '../support/otlp-receiver/index.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function state(): RunLedger {
  const s = openRunLedger(':memory:', { outboxCap: 500 });
  cleanup.push(() => s.shutdown());
  return s;
}

/** One observation of every stored metric a source keeps under its own name (the agents' turns, the responses'...). */
function sourceOwnTotals(s: RunLedger): void {
  const core = new Set([...storeViews('default'), ...storeViews('genai-0.1.0')].map((v) => v.stored));
  const own = [...new Set(SOURCES.flatMap((src) => src.metrics))].filter((m) => m.source === 'store' && !core.has(m.name));
  s.trackUnits('test', [{ kind: 'unit', id: 'u1', origin: 'cli' }]);
  s.commit({
    source: 'test',
    unit: { kind: 'unit', id: 'u1' },
    spans: [],
    observations: own.map((m) => ({ name: m.name, labels: {}, value: 1, history: false })),
  });
}

function finishedRun(s: RunLedger, id: string): void {
  const run = {
    id,
    assistant_id: 'asst_1',
    model: 'gpt-4o',
    status: 'failed',
    created_at: 100,
    started_at: 101,
    failed_at: 112,
  } as RunPayload;
  const steps = [
    {
      id: `${id}_s1`,
      type: 'message_creation',
      status: 'completed',
      created_at: 100,
      completed_at: 101,
      usage: {
        prompt_tokens: 500,
        completion_tokens: 40,
        total_tokens: 540,
        prompt_tokens_details: { cached_tokens: 256 },
        completion_tokens_details: { reasoning_tokens: 8 },
      },
    },
    {
      id: `${id}_s2`,
      type: 'tool_calls',
      status: 'failed',
      created_at: 101,
      failed_at: 112,
      usage: { prompt_tokens: 20, completion_tokens: 0, total_tokens: 20 },
      last_error: { code: 'rate_limit_exceeded' },
      step_details: {
        type: 'tool_calls',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}', output: null } }],
      },
    },
  ] as StepPayload[];
  s.trackRun('thread_1', id, 'cli');
  const { observations } = metricObservationsFor({
    run,
    ctx: { agentName: 'Weather bot', firstSeenSeconds: 100 },
    runFinished: true,
    newSteps: steps,
  });
  s.commitProgress({ runId: id, spans: [], terminal: true, observations });
}

async function serve(metrics: BridgeMetrics): Promise<string> {
  const server: Server = createServer(metrics.metricsHandler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
}

async function scrapeOnce(url: string): Promise<Sample[]> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return parseExposition(await response.text());
}

/** A span as mapping makes it for a run, a step (the one the export lag counts) or a tool call. */
const span = (role: 'run' | 'step' | 'tool', endSeconds: number): SpanRecord => ({
  traceId: '0'.repeat(31) + '1',
  spanId: '0'.repeat(15) + '1',
  parent: null,
  traceFlags: 1,
  name: 'chat gpt-4o',
  kind: 2,
  start: nanosFromSeconds(endSeconds),
  end: nanosFromSeconds(endSeconds),
  status: { code: 0 },
  attributes: {},
  droppedAttributesCount: 0,
  key: role === 'run' ? 'run_1' : 'step_1',
  unit: 'run_1',
  ...(role === 'step' ? { lagSample: true as const } : {}),
});

describe('GET /metrics', () => {
  it('serves the stored totals and the health numbers, under the names of the catalog', async () => {
    const s = state();
    finishedRun(s, 'run_1');
    finishedRun(s, 'run_2');
    sourceOwnTotals(s);
    s.trackRun('thread_1', 'run_3', 'cli');
    s.trackThread('thread_1', 'cli');
    const budget = new RequestBudget({ rpm: 600 });
    cleanup.push(() => budget.shutdown());
    const metrics = new BridgeMetrics({ config: DEFAULTS, otlp: null, state: s, budget });
    cleanup.push(() => metrics.shutdown());
    const drain = {
      stats: {
        exported: 7,
        deadLettered: 2,
        partiallyRejected: 1,
        exportAttempts: 5,
        exportFailures: 3,
        lastExportAt: 1_700_000_000_000,
        lastError: null,
      },
    };
    const watcher = {
      counters: {
        polls: 11,
        transientErrors: 4,
        outboxFullRefusals: 0,
        lastPollAt: 1_700_000_100_000,
        lastError: null,
      },
      deletions: () => ({ run: 1 }),
    };
    const webhooks = {
      counts: () => ({
        ...zeroCounts(),
        received: 9,
        verified: 6,
        accepted: 4,
        replayed: 1,
        unclaimed: 1,
        rejected: { badSignature: 2, stale: 1, malformed: 0, tooLarge: 0 },
        lastVerifiedAtMs: 1_700_000_200_000,
      }),
    };
    metrics.attach({ drain, watcher, webhooks });
    budget.reportOutcome({
      route: '/threads/{thread_id}/runs',
      method: 'GET',
      priority: 'discovery',
      attempt: 1,
      outcome: 'ok',
      status: 200,
      durationMs: 3,
    });
    budget.reportOutcome({
      route: '/threads/{thread_id}/runs',
      method: 'GET',
      priority: 'discovery',
      attempt: 2,
      outcome: '5xx',
      status: 503,
      durationMs: 3,
    });
    budget.observeResponse(429, { get: (name) => (name === 'retry-after-ms' ? '60000' : null) });
    const now = Date.now();
    // History's step spans stay out of the lag: their age is not the bridge's delay.
    metrics.onAcknowledged([
      span('step', Math.floor(now / 1000) - 30),
      span('run', 0),
      span('tool', 0),
      { ...span('step', 1_000), history: true as const },
    ]);

    const samples = await scrapeOnce(await serve(metrics));
    // Run totals, exactly.
    expect(
      total(samples, 'assistants_runs_total', { openai_run_status: 'failed', gen_ai_agent_id: 'asst_1', gen_ai_provider_name: 'openai' }),
    ).toBe(2);
    expect(total(samples, 'assistants_steps_total', { openai_run_step_status: 'failed', openai_run_step_type: 'tool_calls' })).toBe(2);
    expect(total(samples, 'gen_ai_client_token_usage_sum', { gen_ai_token_type: 'input' })).toBe(1040);
    expect(total(samples, 'gen_ai_client_token_usage_count', { gen_ai_token_type: 'output' })).toBe(4);
    expect(total(samples, 'gen_ai_client_token_usage_bucket', { gen_ai_token_type: 'input', le: '16' })).toBe(0);
    expect(total(samples, 'gen_ai_client_token_usage_bucket', { gen_ai_token_type: 'input', le: '64' })).toBe(2);
    expect(total(samples, 'gen_ai_client_token_usage_bucket', { gen_ai_token_type: 'input', le: '+Inf' })).toBe(4);
    expect(
      total(samples, 'gen_ai_client_operation_duration_count', {
        gen_ai_operation_name: 'execute_tool',
        gen_ai_tool_name: 'get_weather',
        error_type: 'rate_limit_exceeded',
      }),
    ).toBe(2);
    expect(
      total(samples, 'gen_ai_client_operation_duration_sum', { gen_ai_operation_name: 'execute_tool', error_type: 'rate_limit_exceeded' }),
    ).toBe(22);
    expect(total(samples, 'gen_ai_client_operation_duration_count', { gen_ai_operation_name: 'chat' })).toBe(2);
    expect(total(samples, 'gen_ai_client_operation_duration_sum', { gen_ai_operation_name: 'invoke_agent', error_type: '_OTHER' })).toBe(
      24,
    );
    expect(
      total(samples, 'assistants_run_duration_sum', {
        openai_run_status: 'failed',
        gen_ai_agent_name: 'Weather bot',
        assistants_bridge_history: 'false',
      }),
    ).toBe(24);
    expect(total(samples, 'assistants_run_queue_duration_sum')).toBe(2);
    // Health.
    expect(total(samples, 'assistants_bridge_api_requests_total', { route: '/threads/{thread_id}/runs', outcome: 'ok' })).toBe(1);
    expect(total(samples, 'assistants_bridge_api_requests_total', { outcome: '5xx' })).toBe(1);
    expect(total(samples, 'assistants_bridge_api_throttles_total')).toBe(1);
    expect(total(samples, 'assistants_bridge_api_paused')).toBe(1);
    expect(total(samples, 'assistants_bridge_polls_total', { outcome: 'ok' })).toBe(11);
    expect(total(samples, 'assistants_bridge_polls_total', { outcome: 'transient_error' })).toBe(4);
    expect(total(samples, 'assistants_bridge_poll_last_success_time')).toBe(1_700_000_100);
    expect(total(samples, 'assistants_bridge_export_last_success_time')).toBe(1_700_000_000);
    expect(total(samples, 'assistants_bridge_export_spans_total', { outcome: 'dead_lettered' })).toBe(2);
    expect(total(samples, 'assistants_bridge_export_failures_total')).toBe(3);
    expect(total(samples, 'assistants_bridge_runs_tracked', { state: 'active' })).toBe(1);
    expect(total(samples, 'assistants_bridge_runs_tracked', { state: 'finished' })).toBe(2);
    expect(total(samples, 'assistants_bridge_threads_tracked')).toBe(1);
    expect(total(samples, 'assistants_bridge_outbox_capacity')).toBe(500);
    expect(total(samples, 'assistants_bridge_webhooks_received_total')).toBe(9);
    expect(total(samples, 'assistants_bridge_webhooks_verified_total')).toBe(6);
    expect(total(samples, 'assistants_bridge_webhooks_rejected_total', { reason: 'bad_signature' })).toBe(2);
    expect(total(samples, 'assistants_bridge_webhooks_rejected_total')).toBe(3);
    expect(total(samples, 'assistants_bridge_webhooks_handled_total', { outcome: 'accepted' })).toBe(4);
    expect(total(samples, 'assistants_bridge_webhooks_handled_total')).toBe(6);
    expect(total(samples, 'assistants_bridge_webhooks_last_verified_time')).toBe(1_700_000_200);
    // Lag: only the step span counts; ~30 s.
    expect(total(samples, 'assistants_bridge_export_lag_count')).toBe(1);
    expect(total(samples, 'assistants_bridge_export_lag_bucket', { le: '20' })).toBe(0);
    expect(total(samples, 'assistants_bridge_export_lag_bucket', { le: '60' })).toBe(1);
    // No run or thread id anywhere; every name is one the catalog lists, and the catalog is complete.
    for (const sample of samples) for (const value of Object.values(sample.labels)) expect(value).not.toMatch(/^(run|thread)_\d/);
    expect([...new Set(samples.map((x) => x.name))].sort()).toEqual([...exportedSeriesNames('scrape')].sort());
    expect(samples.find((x) => x.name === 'target_info')?.labels.service_name).toBe('assistants-otel-bridge');
  });

  it('reports the health numbers as zero, and times as the start time, before the drain and watcher report anything', async () => {
    const before = Date.now() / 1000;
    const metrics = new BridgeMetrics({ config: DEFAULTS, otlp: null, state: state() });
    cleanup.push(() => metrics.shutdown());
    const samples = await scrapeOnce(await serve(metrics));
    expect(total(samples, 'assistants_bridge_export_spans_total')).toBe(0);
    expect(total(samples, 'assistants_bridge_outbox_refused_commits_total')).toBe(0);
    expect(total(samples, 'assistants_bridge_poll_last_success_time')).toBeGreaterThanOrEqual(Math.floor(before));
    expect(samples.some((x) => x.name === 'assistants_runs_total')).toBe(false);
    // No webhook series where no source takes webhooks.
    expect(samples.some((x) => x.name.startsWith('assistants_bridge_webhooks_'))).toBe(false);
  });

  it('carries the bridge service name from the configuration', async () => {
    const config = {
      ...DEFAULTS,
      resource: { ...DEFAULTS.resource, bridgeServiceName: 'bridge-eu', attributes: { 'deployment.environment': 'prod' } },
    };
    const metrics = new BridgeMetrics({ config, otlp: null, state: state() });
    cleanup.push(() => metrics.shutdown());
    const info = (await scrapeOnce(await serve(metrics))).find((x) => x.name === 'target_info');
    expect(info?.labels).toMatchObject({ service_name: 'bridge-eu', deployment_environment: 'prod' });
  });
});

describe('GET /metrics under OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental', () => {
  it('serves the GenAI v0.1.0 names, and exactly those the catalog lists for them', async () => {
    const s = state();
    finishedRun(s, 'run_1');
    sourceOwnTotals(s);
    const budget = new RequestBudget({ rpm: 600 });
    cleanup.push(() => budget.shutdown());
    const metrics = new BridgeMetrics({ config: DEFAULTS, otlp: null, state: s, budget, conventions: 'genai-0.1.0' });
    cleanup.push(() => metrics.shutdown());
    metrics.attach({ webhooks: { counts: zeroCounts } });
    budget.reportOutcome({
      route: '/threads/{thread_id}/runs',
      method: 'GET',
      priority: 'discovery',
      attempt: 1,
      outcome: 'ok',
      status: 200,
      durationMs: 3,
    });
    metrics.onAcknowledged([span('step', Math.floor(Date.now() / 1000) - 3)]);
    const samples = await scrapeOnce(await serve(metrics));
    expect([...new Set(samples.map((x) => x.name))].sort()).toEqual([...exportedSeriesNames('scrape', 'genai-0.1.0')].sort());
    expect(total(samples, 'gen_ai_client_inference_usage_input_tokens_total')).toBe(520);
    expect(total(samples, 'gen_ai_client_inference_usage_cache_read_input_tokens_total', { gen_ai_token_modality: 'unknown' })).toBe(256);
    expect(total(samples, 'gen_ai_client_inference_usage_reasoning_output_tokens_total')).toBe(8);
    expect(
      total(samples, 'gen_ai_execute_tool_duration_count', { gen_ai_tool_name: 'get_weather', error_type: 'rate_limit_exceeded' }),
    ).toBe(1);
    expect(total(samples, 'gen_ai_invoke_agent_duration_sum')).toBe(12);
    expect(total(samples, 'gen_ai_client_inference_duration_count', { gen_ai_operation_name: 'chat' })).toBe(1);
  });
});

describe('OTLP metrics push', () => {
  const push = (endpoint: string, protocol: OtlpProtocol): OtlpMetricsConfig => ({
    endpoint,
    protocol,
    headers: { 'x-tenant': 'team-a' },
    compression: 'none',
    timeoutMs: 5_000,
    intervalMs: 200,
    exportTimeoutMs: 200,
    insecure: true,
  });

  function lastOf(metrics: ReceivedMetric[], name: string): ReceivedMetric {
    const found = metrics.filter((m) => m.name === name).at(-1);
    if (!found) throw new Error(`no ${name} pushed; got ${[...new Set(metrics.map((m) => m.name))].join(', ')}`);
    return found;
  }

  for (const protocol of ['http/protobuf', 'http/json', 'grpc'] as const) {
    it(`pushes the exact totals with the bridge's resource over ${protocol}`, async () => {
      const rx = protocol === 'grpc' ? await startOtlpGrpcReceiver() : await startOtlpReceiver();
      cleanup.push(() => rx.close());
      const s = state();
      finishedRun(s, 'run_1');
      const endpoint = protocol === 'grpc' ? rx.url : `${rx.url}/v1/metrics`;
      const metrics = new BridgeMetrics({ config: DEFAULTS, otlp: push(endpoint, protocol), state: s });
      cleanup.push(() => metrics.shutdown());

      await rx.waitForMetric('gen_ai.client.token.usage', 10_000);
      const tokens = lastOf(rx.metrics(), 'gen_ai.client.token.usage');
      expect(tokens.type).toBe('histogram');
      expect(tokens.aggregationTemporality).toBe(2);
      expect(tokens.resource['service.name']).toBe('assistants-otel-bridge');
      const input = tokens.dataPoints.find((p) => p.attributes['gen_ai.token.type'] === 'input')!;
      expect(input.sum).toBe(520);
      expect(Number(input.count)).toBe(2);
      expect(input.explicitBounds).toEqual([...TOKEN_USAGE_BUCKETS]);
      expect(lastOf(rx.metrics(), 'gen_ai.client.operation.duration').dataPoints[0]!.explicitBounds).toEqual([
        ...OPERATION_DURATION_BUCKETS,
      ]);
      const steps = lastOf(rx.metrics(), 'assistants.steps');
      expect(steps.isMonotonic).toBe(true);
      expect(steps.dataPoints.reduce((n, p) => n + Number(p.value), 0)).toBe(2);

      // The last push at shutdown carries what was committed since.
      finishedRun(s, 'run_2');
      await metrics.shutdown();
      const final = lastOf(rx.metrics(), 'assistants.runs');
      expect(final.dataPoints.reduce((n, p) => n + Number(p.value), 0)).toBe(2);
      const sent = rx.requests().filter((r) => r.signal === 'metrics');
      expect(sent.every((r) => r.status === 200 && r.encoding === (protocol === 'http/json' ? 'json' : 'protobuf'))).toBe(true);
    });
  }

  it('says in the log when a push fails, once per quiet interval, and when it works again', async () => {
    const rx = await startOtlpReceiver();
    cleanup.push(() => rx.close());
    rx.setFaults({ status: 400, count: 3, signal: 'metrics' });
    const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
    const log = {
      warn: (fields: Record<string, unknown>, message: string) => lines.push({ level: 'warn', fields, message }),
      info: (fields: Record<string, unknown>, message: string) => lines.push({ level: 'info', fields, message }),
    };
    const metrics = new BridgeMetrics({ config: DEFAULTS, otlp: push(`${rx.url}/v1/metrics`, 'http/protobuf'), state: state(), log });
    cleanup.push(() => metrics.shutdown());
    await rx.waitForMetric('assistants_bridge.outbox.depth', 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(lines[0]!.message).toMatch(/metrics export failed/);
    expect(lines[0]!.fields.target).toBe(`${rx.url}/v1/metrics`);
    expect(lines.some((l) => l.level === 'info' && /works again/.test(l.message))).toBe(true);
  });

  it('pushes the health histogram with its own buckets', async () => {
    const rx = await startOtlpReceiver();
    cleanup.push(() => rx.close());
    const metrics = new BridgeMetrics({ config: DEFAULTS, otlp: push(`${rx.url}/v1/metrics`, 'http/protobuf'), state: state() });
    cleanup.push(() => metrics.shutdown());
    metrics.onAcknowledged([span('step', Math.floor(Date.now() / 1000) - 5)]);
    const lag = (await rx.waitForMetric('assistants_bridge.export.lag', 10_000)).at(-1)!;
    expect(lag.unit).toBe('s');
    expect(lag.dataPoints[0]!.explicitBounds).toEqual([...EXPORT_LAG_BUCKETS]);
    expect(Number(lag.dataPoints[0]!.count)).toBe(1);
  });
});
