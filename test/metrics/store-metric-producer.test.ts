import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataPointType, type HistogramMetricData, type MetricData, type SumMetricData } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import type { GenAiConventions } from '../../src/config/semconv.js';
import { GENAI_V010_METRICS, TOKEN_USAGE_BUCKETS } from '../../src/metrics/catalog.js';
import { metricObservationsFor } from '../../src/sources/assistants/run-totals.js';
import { StoreMetricProducer } from '../../src/metrics/store-metric-producer.js';
import type { RunPayload, StepPayload } from '../../src/sources/assistants/payloads.js';
import { OutboxFullError } from '../../src/state/errors.js';
import { openRunLedger, type RunLedger } from '../../src/sources/assistants/run-ledger.js';
import { span } from '../state/helpers.js';

const open: RunLedger[] = [];
afterEach(() => {
  for (const s of open.splice(0)) void s.shutdown();
});

function store(path = ':memory:'): RunLedger {
  const s = openRunLedger(path);
  open.push(s);
  return s;
}

const SCOPE = { name: 'test', version: '1' };

function producer(
  s: RunLedger,
  caps: Record<string, number> = {},
  now = () => 5_000_000,
  conventions: GenAiConventions = 'default',
): StoreMetricProducer {
  return new StoreMetricProducer({
    store: s,
    scope: SCOPE,
    commonAttributes: { 'gen_ai.provider.name': 'openai' },
    labelCaps: caps,
    now,
    conventions,
  });
}

async function collect(p: StoreMetricProducer): Promise<MetricData[]> {
  const result = await p.collect();
  expect(result.errors).toEqual([]);
  return result.resourceMetrics.scopeMetrics.flatMap((sm) => sm.metrics);
}

const metric = (metrics: MetricData[], name: string): MetricData => {
  const found = metrics.find((m) => m.descriptor.name === name);
  if (!found) throw new Error(`no metric ${name} in ${metrics.map((m) => m.descriptor.name).join(', ')}`);
  return found;
};

const sumMetric = (metrics: MetricData[], name: string): SumMetricData => {
  const found = metric(metrics, name);
  if (found.dataPointType !== DataPointType.SUM) throw new Error(`metric ${name} is not a sum`);
  return found;
};

const histogramMetric = (metrics: MetricData[], name: string): HistogramMetricData => {
  const found = metric(metrics, name);
  if (found.dataPointType !== DataPointType.HISTOGRAM) throw new Error(`metric ${name} is not a histogram`);
  return found;
};

const run = (id: string, agent: string, status = 'completed'): RunPayload => ({
  id,
  assistant_id: agent,
  model: 'gpt-4o',
  status,
  created_at: 100,
  completed_at: 110,
});
const step = (id: string, prompt: number, completion: number, status = 'completed'): StepPayload => ({
  id,
  type: 'message_creation',
  status,
  created_at: 100,
  completed_at: 102,
  usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
});

/** Commits what the watcher would for a finished run and its steps. */
function commitRun(s: RunLedger, r: RunPayload, steps: StepPayload[], agentName: string | null = null): void {
  s.trackRun('thread_1', r.id, 'cli');
  const { observations } = metricObservationsFor({ run: r, ctx: { agentName, firstSeenSeconds: 100 }, runFinished: true, newSteps: steps });
  s.commitProgress({ runId: r.id, spans: [], terminal: true, observations });
}

describe('StoreMetricProducer', () => {
  it('turns stored totals into exact cumulative counters and histograms', async () => {
    const s = store();
    commitRun(s, run('run_1', 'asst_1'), [step('s1', 300, 20), step('s2', 3, 5000)]);
    commitRun(s, run('run_2', 'asst_1', 'failed'), [step('s3', 70000, 0, 'failed')]);
    const metrics = await collect(producer(s));

    const runs = sumMetric(metrics, 'assistants.runs');
    expect(runs.dataPointType).toBe(DataPointType.SUM);
    expect(runs.isMonotonic).toBe(true);
    expect(runs.dataPoints.map((p) => [p.attributes['openai.run.status'], p.value]).sort()).toEqual([
      ['completed', 1],
      ['failed', 1],
    ]);
    expect(runs.dataPoints[0]!.attributes).toEqual(
      expect.objectContaining({ 'gen_ai.provider.name': 'openai', 'gen_ai.agent.id': 'asst_1', 'gen_ai.request.model': 'gpt-4o' }),
    );

    const tokens = histogramMetric(metrics, 'gen_ai.client.token.usage');
    expect(tokens.dataPointType).toBe(DataPointType.HISTOGRAM);
    const input = tokens.dataPoints.find((p) => p.attributes['gen_ai.token.type'] === 'input')!;
    expect(input.value.buckets.boundaries).toEqual([...TOKEN_USAGE_BUCKETS]);
    expect(input.value.sum).toBe(70303);
    expect(input.value.count).toBe(3);
    const counts = input.value.buckets.counts;
    // 3 -> le 4 (index 1), 300 -> le 1024 (index 5), 70000 -> le 262144 (index 9).
    expect(counts.length).toBe(TOKEN_USAGE_BUCKETS.length + 1);
    expect(counts.map((c, i) => (c > 0 ? [i, c] : null)).filter((x) => x !== null)).toEqual([
      [1, 1],
      [5, 1],
      [9, 1],
    ]);
    const output = tokens.dataPoints.find((p) => p.attributes['gen_ai.token.type'] === 'output')!;
    expect(output.value.sum).toBe(5020);
    expect(output.value.count).toBe(3);

    const durations = histogramMetric(metrics, 'gen_ai.client.operation.duration');
    const countOf = (operation: string) =>
      durations.dataPoints.filter((p) => p.attributes['gen_ai.operation.name'] === operation).reduce((n, p) => n + p.value.count, 0);
    expect([countOf('chat'), countOf('invoke_agent')]).toEqual([3, 2]);
    expect(histogramMetric(metrics, 'assistants.run.duration').dataPoints.reduce((n, p) => n + (p.value.sum ?? 0), 0)).toBe(20);
  });

  it('reports refused commits as 0 before any, and the store total after', async () => {
    const s = store();
    const p = producer(s);
    expect(sumMetric(await collect(p), 'assistants_bridge.outbox.refused_commits').dataPoints.map((d) => d.value)).toEqual([0]);
    // A full outbox refuses two commits.
    const full = openRunLedger(':memory:', { outboxCap: 1 });
    open.push(full);
    full.trackRun('t', 'r', 'cli');
    full.commitProgress({ runId: 'r', spans: [span('r', 1)] });
    for (const n of [2, 3]) expect(() => full.commitProgress({ runId: 'r', spans: [span('r', n)] })).toThrow(OutboxFullError);
    const fullProducer = producer(full);
    expect(sumMetric(await collect(fullProducer), 'assistants_bridge.outbox.refused_commits').dataPoints.map((d) => d.value)).toEqual([2]);
  });

  it('folds agents past the cap into _other, keeping the totals', async () => {
    const s = store();
    for (const agent of ['asst_a', 'asst_b', 'asst_c']) commitRun(s, run(`run_${agent}`, agent), [step(`step_${agent}`, 10, 1)]);
    const runs = sumMetric(await collect(producer(s, { 'gen_ai.agent.id': 2 })), 'assistants.runs');
    expect(runs.dataPoints.map((p) => [p.attributes['gen_ai.agent.id'], p.value]).sort()).toEqual([
      ['_other', 1],
      ['asst_a', 1],
      ['asst_b', 1],
    ]);
    commitRun(s, run('run_d', 'asst_d'), []);
    commitRun(s, run('run_a2', 'asst_a'), []);
    const later = await collect(producer(s, { 'gen_ai.agent.id': 2 }));
    expect(
      sumMetric(later, 'assistants.runs')
        .dataPoints.map((p) => [p.attributes['gen_ai.agent.id'], p.value])
        .sort(),
    ).toEqual([
      ['_other', 2],
      ['asst_a', 2],
      ['asst_b', 1],
    ]);
    const tokens = histogramMetric(later, 'gen_ai.client.token.usage').dataPoints.filter(
      (p) => p.attributes['gen_ai.token.type'] === 'input',
    );
    expect(tokens.map((p) => [p.attributes['gen_ai.agent.id'], p.value.sum]).sort()).toEqual([
      ['_other', 10],
      ['asst_a', 10],
      ['asst_b', 10],
    ]);
  });

  it('counts from when the totals began, kept in the state file: a restart continues the series', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'aob-producer-')), 'state.sqlite');
    const first = openRunLedger(path);
    commitRun(first, run('run_1', 'asst_1'), [step('s1', 5, 5)]);
    const before = await collect(producer(first, {}, () => 1_000_500));
    void first.shutdown();

    const second = store(path);
    const after = await collect(producer(second, {}, () => 9_000_000));
    const startOf = (metrics: MetricData[]) => sumMetric(metrics, 'assistants.runs').dataPoints[0]!.startTime;
    expect(startOf(before)).toEqual([1_000, 500_000_000]);
    expect(startOf(after)).toEqual([1_000, 500_000_000]);
    expect(sumMetric(after, 'assistants.runs').dataPoints[0]!.endTime).toEqual([9_000, 0]);
    expect(sumMetric(after, 'assistants.runs').dataPoints[0]!.value).toBe(1);
  });

  it('answers with the last collection once the state file is closed', async () => {
    const s = openRunLedger(':memory:');
    commitRun(s, run('run_1', 'asst_1'), []);
    const p = producer(s);
    const live = await collect(p);
    void s.shutdown();
    expect(await collect(p)).toEqual(live);
  });

  it('emits nothing for run metrics before anything happened (no empty series)', async () => {
    const names = (await collect(producer(store()))).map((m) => m.descriptor.name);
    expect(names).toEqual(['assistants_bridge.outbox.refused_commits']);
  });

  it('shows agent names within the cap: an agent folded into _other loses its name too', async () => {
    const s = store();
    commitRun(s, run('run_a', 'asst_a'), [], 'Alpha');
    commitRun(s, run('run_b', 'asst_b'), [], 'Beta');
    const runs = sumMetric(await collect(producer(s, { 'gen_ai.agent.id': 1 })), 'assistants.runs');
    expect(runs.dataPoints.map((p) => [p.attributes['gen_ai.agent.id'], p.attributes['gen_ai.agent.name']]).sort()).toEqual([
      ['_other', '_other'],
      ['asst_a', 'Alpha'],
    ]);
    expect(runs.dataPoints.every((p) => p.attributes['assistants_bridge.history'] === 'false')).toBe(true);
  });

  it('exports the same totals under the GenAI v0.1.0 names when asked', async () => {
    const s = store();
    const usage = { prompt_tokens: 300, completion_tokens: 20, total_tokens: 320, prompt_tokens_details: { cached_tokens: 100 } };
    commitRun(s, run('run_1', 'asst_1'), [{ ...step('s1', 0, 0), usage }, step('s2', 5, 7)]);
    // A run whose steps report no usage: its own usage counts.
    commitRun(s, { ...run('run_2', 'asst_1'), usage: { prompt_tokens: 1000, completion_tokens: 50, total_tokens: 1050 } }, [
      { ...step('s3', 0, 0), usage: null },
    ]);
    const metrics = await collect(producer(s, {}, undefined, 'genai-0.1.0'));
    const names = metrics.map((m) => m.descriptor.name);
    expect(names).not.toContain('gen_ai.client.token.usage');
    expect(names).not.toContain('gen_ai.client.operation.duration');
    const sumOf = (name: string) => sumMetric(metrics, name).dataPoints.reduce((n, p) => n + p.value, 0);
    expect(sumOf(GENAI_V010_METRICS.inputTokens.name)).toBe(1305);
    expect(sumOf(GENAI_V010_METRICS.outputTokens.name)).toBe(77);
    expect(sumOf(GENAI_V010_METRICS.cacheReadTokens.name)).toBe(100);
    expect(
      sumMetric(metrics, GENAI_V010_METRICS.inputTokens.name).dataPoints.every((p) => p.attributes['gen_ai.token.modality'] === 'unknown'),
    ).toBe(true);
    // Per-call histograms hold model calls only; the run's total is not one.
    const perCall = histogramMetric(metrics, GENAI_V010_METRICS.operationInputTokens.name);
    expect(perCall.dataPoints.reduce((n, p) => n + p.value.count, 0)).toBe(2);
    const countIn = (name: string) => histogramMetric(metrics, name).dataPoints.reduce((n, p) => n + p.value.count, 0);
    expect(countIn(GENAI_V010_METRICS.inferenceDuration.name)).toBe(3);
    expect(countIn(GENAI_V010_METRICS.invokeAgentDuration.name)).toBe(2);
    expect(names).not.toContain(GENAI_V010_METRICS.executeToolDuration.name);
    expect(sumMetric(metrics, 'assistants.runs').dataPoints.reduce((n, p) => n + p.value, 0)).toBe(2);
  });
});
