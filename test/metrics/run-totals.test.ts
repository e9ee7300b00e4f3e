import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OPERATION_DURATION_BUCKETS, TOKEN_USAGE_BUCKETS } from '../../src/metrics/catalog.js';
import { bucketFor, metricDeltasFor, runDurationSeconds, type MetricDelta } from '../../src/metrics/run-totals.js';
import type { RunPayload, StepPayload } from '../../src/source/payloads.js';

const run = (over: Partial<RunPayload> = {}): RunPayload =>
  ({ id: 'run_secret1', thread_id: 'thread_secret1', assistant_id: 'asst_1', model: 'gpt-4o', status: 'completed', created_at: 1_000, completed_at: 1_030, ...over }) as RunPayload;
const step = (over: Partial<StepPayload> = {}): StepPayload =>
  ({
    id: 'step_secret1',
    run_id: 'run_secret1',
    thread_id: 'thread_secret1',
    type: 'message_creation',
    status: 'completed',
    created_at: 1_001,
    completed_at: 1_004,
    usage: { prompt_tokens: 300, completion_tokens: 20, total_tokens: 320 },
    ...over,
  }) as StepPayload;

const named = (deltas: MetricDelta[], name: string): MetricDelta[] => deltas.filter((d) => d.name === name);

describe('bucketFor', () => {
  it('puts a value in the first bucket whose upper bound is at least the value (bounds inclusive)', () => {
    expect(bucketFor(0, TOKEN_USAGE_BUCKETS)).toBe('1');
    expect(bucketFor(1, TOKEN_USAGE_BUCKETS)).toBe('1');
    expect(bucketFor(2, TOKEN_USAGE_BUCKETS)).toBe('4');
    expect(bucketFor(300, TOKEN_USAGE_BUCKETS)).toBe('1024');
    expect(bucketFor(67108864, TOKEN_USAGE_BUCKETS)).toBe('67108864');
    expect(bucketFor(67108865, TOKEN_USAGE_BUCKETS)).toBe('+Inf');
    expect(bucketFor(0.01, OPERATION_DURATION_BUCKETS)).toBe('0.01');
    expect(bucketFor(3, OPERATION_DURATION_BUCKETS)).toBe('5.12');
    expect(bucketFor(100, OPERATION_DURATION_BUCKETS)).toBe('+Inf');
  });
});

describe('metricDeltasFor', () => {
  it('counts a finished step by status and type, with its token and duration observations', () => {
    const deltas = metricDeltasFor(run({ status: 'in_progress', completed_at: null }), false, [step()]);
    const labels = { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.agent.id': 'asst_1' };
    expect(named(deltas, 'assistants.steps')).toEqual([
      { name: 'assistants.steps', labels: { 'openai.run_step.status': 'completed', 'openai.run_step.type': 'message_creation', ...labels }, delta: 1 },
    ]);
    expect(named(deltas, 'gen_ai.client.token.usage#bucket')).toEqual([
      { name: 'gen_ai.client.token.usage#bucket', labels: { 'gen_ai.operation.name': 'chat', 'gen_ai.token.type': 'input', ...labels, le: '1024' }, delta: 1 },
      { name: 'gen_ai.client.token.usage#bucket', labels: { 'gen_ai.operation.name': 'chat', 'gen_ai.token.type': 'output', ...labels, le: '64' }, delta: 1 },
    ]);
    expect(named(deltas, 'gen_ai.client.token.usage#sum').map((d) => d.delta)).toEqual([300, 20]);
    expect(named(deltas, 'gen_ai.client.operation.duration#bucket')).toEqual([
      { name: 'gen_ai.client.operation.duration#bucket', labels: { 'gen_ai.operation.name': 'chat', ...labels, le: '5.12' }, delta: 1 },
    ]);
    expect(named(deltas, 'gen_ai.client.operation.duration#sum').map((d) => d.delta)).toEqual([3]);
    // The run is not finished: not counted, no run duration.
    expect(named(deltas, 'assistants.runs')).toEqual([]);
    expect(named(deltas, 'assistants.run.duration#bucket')).toEqual([]);
  });

  it('counts a finished run once, with its duration from created_at to its end', () => {
    const deltas = metricDeltasFor(run(), true, []);
    expect(named(deltas, 'assistants.runs')).toEqual([
      { name: 'assistants.runs', labels: { 'openai.run.status': 'completed', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.agent.id': 'asst_1' }, delta: 1 },
    ]);
    expect(named(deltas, 'assistants.run.duration#bucket').map((d) => d.labels.le)).toEqual(['30']);
    expect(named(deltas, 'assistants.run.duration#sum').map((d) => d.delta)).toEqual([30]);
  });

  it('gives failed and expired steps their error.type, as their spans have it', () => {
    const failed = metricDeltasFor(run(), false, [step({ status: 'failed', completed_at: null, failed_at: 1_002, last_error: { code: 'server_error', message: 'x' } })]);
    const expired = metricDeltasFor(run(), false, [step({ status: 'expired', completed_at: null, expired_at: 1_600, usage: null })]);
    const codeless = metricDeltasFor(run(), false, [step({ status: 'failed', completed_at: null, failed_at: 1_002, last_error: null })]);
    const errorTypeOf = (deltas: MetricDelta[]) => named(deltas, 'gen_ai.client.operation.duration#sum')[0]?.labels['error.type'];
    expect(errorTypeOf(failed)).toBe('server_error');
    expect(errorTypeOf(expired)).toBe('expired');
    expect(errorTypeOf(codeless)).toBe('_OTHER');
    expect(named(failed, 'assistants.steps')[0]?.labels['openai.run_step.status']).toBe('failed');
    // No usage on the step: no token observation (an unknown count is not zero).
    expect(named(expired, 'gen_ai.client.token.usage#sum')).toEqual([]);
    expect(named(expired, 'gen_ai.client.operation.duration#bucket')[0]?.labels.le).toBe('+Inf');
  });

  it('records a step that used no tokens as 0 tokens, and skips a duration without an end', () => {
    const deltas = metricDeltasFor(run(), false, [step({ usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }, completed_at: null })]);
    expect(named(deltas, 'gen_ai.client.token.usage#bucket').map((d) => d.labels.le)).toEqual(['1', '1']);
    expect(named(deltas, 'gen_ai.client.operation.duration#sum')).toEqual([]);
    expect(named(deltas, 'assistants.steps')).toHaveLength(1);
  });

  it('falls back to agent_id (Azure), and to unknown without model or agent', () => {
    const azure = metricDeltasFor(run({ assistant_id: null, agent_id: 'agent_9' }), true, []);
    expect(azure[0]?.labels['gen_ai.agent.id']).toBe('agent_9');
    const bare = metricDeltasFor(run({ assistant_id: null, model: null, status: null }), true, []);
    expect(bare[0]?.labels).toEqual({ 'openai.run.status': 'unknown', 'gen_ai.request.model': 'unknown', 'gen_ai.agent.id': 'unknown' });
  });

  it('never puts a run, thread or step id in a label', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ status: fc.constantFrom('completed', 'failed', 'expired', 'cancelled'), prompt: fc.nat(100_000), duration: fc.nat(500) }), { maxLength: 6 }),
        fc.boolean(),
        (steps, finished) => {
          const deltas = metricDeltasFor(
            run(),
            finished,
            steps.map((s, i) => step({ id: `step_secret${i}`, status: s.status, usage: { prompt_tokens: s.prompt, completion_tokens: 1, total_tokens: s.prompt + 1 }, created_at: 1_000, completed_at: 1_000 + s.duration })),
          );
          for (const d of deltas) for (const v of Object.values(d.labels)) expect(v).not.toMatch(/secret/);
          // Each step is counted once; each observation hits one bucket.
          expect(named(deltas, 'assistants.steps')).toHaveLength(steps.length);
          expect(named(deltas, 'gen_ai.client.token.usage#bucket')).toHaveLength(steps.length * 2);
          expect(named(deltas, 'gen_ai.client.token.usage#sum').reduce((a, d) => a + d.delta, 0)).toBe(steps.reduce((a, s) => a + s.prompt + 1, 0));
        },
      ),
    );
  });
});

describe('runDurationSeconds', () => {
  it('ends at the first of completed, failed or cancelled, else the latest step end, else an expired run at expires_at', () => {
    expect(runDurationSeconds(run({ completed_at: 1_050 }), null)).toBe(50);
    expect(runDurationSeconds(run({ completed_at: null, failed_at: 1_020, cancelled_at: 1_040 }), null)).toBe(20);
    expect(runDurationSeconds(run({ completed_at: null, status: 'expired', expires_at: 1_600 }), 1_100)).toBe(100);
    expect(runDurationSeconds(run({ completed_at: null, status: 'expired', expires_at: 1_600 }), null)).toBe(600);
    expect(runDurationSeconds(run({ completed_at: null, status: 'incomplete' }), null)).toBeNull();
    expect(runDurationSeconds(run({ created_at: null }), null)).toBeNull();
    // An end before the start (clock skew upstream) is 0, never negative.
    expect(runDurationSeconds(run({ completed_at: 900 }), null)).toBe(0);
  });
});
