import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OPERATION_DURATION_BUCKETS, STORED, TOKEN_USAGE_BUCKETS } from '../../src/metrics/catalog.js';
import { HISTORY_AGE_SECONDS } from '../../src/metrics/history.js';
import {
  metricObservationsFor,
  runDurationSeconds,
  type RunMetrics,
  type RunObservations,
} from '../../src/sources/assistants/run-totals.js';
import { bucketFor, storedDeltas } from '../../src/metrics/stored-totals.js';
import type { MetricDelta } from '../../src/state/types.js';

/** A run's observations as the totals they become: what the state file stores for them. */
function metricDeltasFor(o: RunObservations): Omit<RunMetrics, 'observations'> & { deltas: MetricDelta[] } {
  const { observations, stepUsageSeen } = metricObservationsFor(o);
  return { deltas: storedDeltas(observations), stepUsageSeen };
}
import type { RunPayload, StepPayload } from '../../src/sources/assistants/payloads.js';

const run = (over: Partial<RunPayload> = {}): RunPayload => ({
  id: 'run_secret1',
  thread_id: 'thread_secret1',
  assistant_id: 'asst_1',
  model: 'gpt-4o',
  status: 'completed',
  created_at: 1_000,
  started_at: 1_002,
  completed_at: 1_030,
  ...over,
});
const step = (over: Partial<StepPayload> = {}): StepPayload => ({
  id: 'step_secret1',
  run_id: 'run_secret1',
  thread_id: 'thread_secret1',
  type: 'message_creation',
  status: 'completed',
  created_at: 1_001,
  completed_at: 1_004,
  usage: { prompt_tokens: 300, completion_tokens: 20, total_tokens: 320 },
  ...over,
});
const toolStep = (calls: unknown[], over: Partial<StepPayload> = {}): StepPayload =>
  step({ type: 'tool_calls', step_details: { type: 'tool_calls', tool_calls: calls }, ...over });

/** Seen by the bridge right as the world happened: everything is news. */
const CTX = { agentName: 'Weather bot', firstSeenSeconds: 1_000 };

function observe(o: Partial<RunObservations> & { newSteps?: StepPayload[] }): MetricDelta[] {
  return metricDeltasFor({ run: run(), ctx: CTX, runFinished: false, newSteps: [], ...o }).deltas;
}

const named = (deltas: MetricDelta[], name: string): MetricDelta[] => deltas.filter((d) => d.name === name);
const op = (deltas: MetricDelta[], operation: string): MetricDelta[] =>
  named(deltas, 'gen_ai.client.operation.duration#sum').filter((d) => d.labels['gen_ai.operation.name'] === operation);
const tokens = (deltas: MetricDelta[], type: 'input' | 'output'): number =>
  named(deltas, 'gen_ai.client.token.usage#sum')
    .filter((d) => d.labels['gen_ai.token.type'] === type)
    .reduce((n, d) => n + d.delta, 0);

const WHO = {
  'gen_ai.request.model': 'gpt-4o',
  'gen_ai.agent.id': 'asst_1',
  'gen_ai.agent.name': 'Weather bot',
  'assistants_bridge.history': 'false',
};

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
  it('counts a finished message step by status and type, with its tokens and its model time as chat', () => {
    const deltas = observe({ run: run({ status: 'in_progress', completed_at: null }), newSteps: [step()] });
    expect(named(deltas, 'assistants.steps')).toEqual([
      {
        name: 'assistants.steps',
        labels: { 'openai.run_step.status': 'completed', 'openai.run_step.type': 'message_creation', ...WHO },
        delta: 1,
      },
    ]);
    expect(named(deltas, 'gen_ai.client.token.usage#bucket')).toEqual([
      {
        name: 'gen_ai.client.token.usage#bucket',
        labels: { 'gen_ai.operation.name': 'chat', ...WHO, 'gen_ai.token.type': 'input', le: '1024' },
        delta: 1,
      },
      {
        name: 'gen_ai.client.token.usage#bucket',
        labels: { 'gen_ai.operation.name': 'chat', ...WHO, 'gen_ai.token.type': 'output', le: '64' },
        delta: 1,
      },
    ]);
    expect(named(deltas, 'gen_ai.client.token.usage#sum').map((d) => d.delta)).toEqual([300, 20]);
    expect(named(deltas, 'gen_ai.client.operation.duration#bucket')).toEqual([
      { name: 'gen_ai.client.operation.duration#bucket', labels: { 'gen_ai.operation.name': 'chat', ...WHO, le: '5.12' }, delta: 1 },
    ]);
    expect(op(deltas, 'chat').map((d) => d.delta)).toEqual([3]);
    // The run is not finished: not counted, no run duration, no queue time.
    expect(named(deltas, 'assistants.runs')).toEqual([]);
    expect(named(deltas, 'assistants.run.duration#bucket')).toEqual([]);
    expect(named(deltas, 'assistants.run.queue.duration#sum')).toEqual([]);
  });

  it('counts a finished run once: its duration as invoke_agent, its queue time from created_at to started_at', () => {
    const deltas = observe({ runFinished: true });
    expect(named(deltas, 'assistants.runs')).toEqual([
      { name: 'assistants.runs', labels: { 'openai.run.status': 'completed', ...WHO }, delta: 1 },
    ]);
    expect(named(deltas, 'assistants.run.duration#bucket').map((d) => d.labels.le)).toEqual(['30']);
    expect(named(deltas, 'assistants.run.duration#sum').map((d) => d.delta)).toEqual([30]);
    expect(op(deltas, 'invoke_agent')).toEqual([
      { name: 'gen_ai.client.operation.duration#sum', labels: { 'gen_ai.operation.name': 'invoke_agent', ...WHO }, delta: 30 },
    ]);
    expect(named(deltas, 'assistants.run.queue.duration#sum')).toEqual([
      { name: 'assistants.run.queue.duration#sum', labels: WHO, delta: 2 },
    ]);
    expect(named(deltas, 'assistants.run.queue.duration#bucket').map((d) => d.labels.le)).toEqual(['2']);
    // A run that never left the queue has no queue time; a failed run's invoke_agent carries its error.
    const unstarted = observe({
      run: run({
        status: 'failed',
        started_at: null,
        completed_at: null,
        failed_at: 1_010,
        last_error: { code: 'rate_limit_exceeded', message: 'x' },
      }),
      runFinished: true,
    });
    expect(named(unstarted, 'assistants.run.queue.duration#sum')).toEqual([]);
    expect(op(unstarted, 'invoke_agent')[0]?.labels['error.type']).toBe('rate_limit_exceeded');
  });

  it('measures each tool call as execute_tool with its step time, its tool and its error; never as chat', () => {
    const calls = [
      { id: 'call_secret1', type: 'function', function: { name: 'get_weather', arguments: '{}', output: 'sunny' } },
      { id: 'call_secret2', type: 'code_interpreter', code_interpreter: { input: 'x', outputs: [] } },
    ];
    const ok = observe({ newSteps: [toolStep(calls, { created_at: 1_001, completed_at: 1_041 })] });
    expect(op(ok, 'chat')).toEqual([]);
    expect(
      op(ok, 'execute_tool').map((d) => [d.labels['gen_ai.tool.name'], d.labels['gen_ai.tool.type'], d.labels['error.type'], d.delta]),
    ).toEqual([
      ['get_weather', 'function', undefined, 40],
      ['code_interpreter', 'extension', undefined, 40],
    ]);
    // Under an expired step every call failed with it (a function call never answered).
    const expired = observe({
      newSteps: [toolStep([calls[0]], { status: 'expired', completed_at: null, expired_at: 1_600, usage: null })],
    });
    expect(op(expired, 'execute_tool').map((d) => d.labels['error.type'])).toEqual(['expired']);
    // A call that reports its own error fails alone.
    const mcp = observe({
      newSteps: [
        toolStep([
          { id: 'call_secret3', type: 'mcp', server_label: 'docs', name: 'search', error: { code: 'tool_timeout' } },
          { id: 'call_secret4', type: 'mcp', name: 'read', error: 'boom' },
          calls[0],
        ]),
      ],
    });
    expect(op(mcp, 'execute_tool').map((d) => [d.labels['gen_ai.tool.name'], d.labels['error.type']])).toEqual([
      ['search', 'tool_timeout'],
      ['read', '_OTHER'],
      ['get_weather', undefined],
    ]);
    // The step is still one step, its tokens one model call.
    expect(named(mcp, 'assistants.steps')).toHaveLength(1);
    expect(tokens(mcp, 'input')).toBe(300);
  });

  it('gives failed and expired message steps their error.type, as their spans have it', () => {
    const errorTypeOf = (s: StepPayload) => op(observe({ newSteps: [s] }), 'chat')[0]?.labels['error.type'];
    expect(
      errorTypeOf(step({ status: 'failed', completed_at: null, failed_at: 1_002, last_error: { code: 'server_error', message: 'x' } })),
    ).toBe('server_error');
    expect(errorTypeOf(step({ status: 'expired', completed_at: null, expired_at: 1_600, usage: null }))).toBe('expired');
    expect(errorTypeOf(step({ status: 'failed', completed_at: null, failed_at: 1_002, last_error: null }))).toBe('_OTHER');
    // No usage on the step: no token observation (an unknown count is not zero).
    expect(named(observe({ newSteps: [step({ usage: null })] }), 'gen_ai.client.token.usage#sum')).toEqual([]);
  });

  it('records a step that used no tokens as 0 tokens, and skips a duration without an end', () => {
    const deltas = observe({
      newSteps: [step({ usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }, completed_at: null })],
    });
    expect(named(deltas, 'gen_ai.client.token.usage#bucket').map((d) => d.labels.le)).toEqual(['1', '1']);
    expect(named(deltas, 'gen_ai.client.operation.duration#sum')).toEqual([]);
    expect(named(deltas, 'assistants.steps')).toHaveLength(1);
  });

  it('falls back to agent_id (Azure), to unknown without model or agent, and leaves an unknown name out', () => {
    const azure = observe({ run: run({ assistant_id: null, agent_id: 'agent_9' }), runFinished: true });
    expect(azure[0]?.labels['gen_ai.agent.id']).toBe('agent_9');
    const bare = metricDeltasFor({
      run: run({ assistant_id: null, model: null, status: null }),
      ctx: { agentName: null, firstSeenSeconds: 1_000 },
      runFinished: true,
      newSteps: [],
    });
    expect(bare.deltas[0]?.labels).toEqual({
      'openai.run.status': 'unknown',
      'gen_ai.request.model': 'unknown',
      'gen_ai.agent.id': 'unknown',
      'assistants_bridge.history': 'false',
    });
    const long = observe({ ctx: { agentName: 'n'.repeat(10_000), firstSeenSeconds: 1_000 }, runFinished: true });
    expect(long[0]?.labels['gen_ai.agent.name']).toHaveLength(128);
  });

  it('takes tokens from the steps, or once from the run when none of its steps reports usage; never both', () => {
    // Steps with usage: the run's own usage is not counted again.
    const fromSteps = observe({
      run: run({ usage: { prompt_tokens: 600, completion_tokens: 40, total_tokens: 640 } }),
      runFinished: true,
      newSteps: [step(), step({ id: 'step_secret2' })],
    });
    expect([tokens(fromSteps, 'input'), tokens(fromSteps, 'output')]).toEqual([600, 40]);
    expect(named(fromSteps, 'gen_ai.client.token.usage#sum').every((d) => d.labels['gen_ai.operation.name'] === 'chat')).toBe(true);
    // Steps without usage (as Azure OpenAI may send them): the run's usage, once, as invoke_agent.
    const fromRun = observe({
      run: run({ usage: { prompt_tokens: 600, completion_tokens: 40, total_tokens: 640 } }),
      runFinished: true,
      newSteps: [step({ usage: null })],
    });
    expect(named(fromRun, 'gen_ai.client.token.usage#sum')).toEqual([
      {
        name: 'gen_ai.client.token.usage#sum',
        labels: { 'gen_ai.operation.name': 'invoke_agent', ...WHO, 'gen_ai.token.type': 'input' },
        delta: 600,
      },
      {
        name: 'gen_ai.client.token.usage#sum',
        labels: { 'gen_ai.operation.name': 'invoke_agent', ...WHO, 'gen_ai.token.type': 'output' },
        delta: 40,
      },
    ]);
    // A step with usage committed before, in another look: the run's usage is still not counted.
    const later = metricDeltasFor({
      run: run({ usage: { prompt_tokens: 600, completion_tokens: 40, total_tokens: 640 } }),
      ctx: CTX,
      runFinished: true,
      newSteps: [step({ usage: null })],
      stepUsageSeen: true,
    });
    expect(named(later.deltas, 'gen_ai.client.token.usage#sum')).toEqual([]);
    expect(later.stepUsageSeen).toBe(true);
    expect(metricDeltasFor({ run: run(), ctx: CTX, runFinished: false, newSteps: [step()] }).stepUsageSeen).toBe(true);
    expect(
      metricDeltasFor({
        run: run(),
        ctx: CTX,
        runFinished: false,
        newSteps: [step({ usage: { prompt_tokens: null, completion_tokens: null } })],
      }).stepUsageSeen,
    ).toBe(false);
  });

  it('counts the same tokens however the steps are split over commits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.nat(5_000), { nil: null }), { minLength: 0, maxLength: 6 }),
        fc.nat(6),
        fc.nat(100_000),
        (prompts, cut, runPrompt) => {
          const steps = prompts.map((p, i) =>
            step({ id: `step_secret${i}`, usage: p === null ? null : { prompt_tokens: p, completion_tokens: 0, total_tokens: p } }),
          );
          const finished = run({ usage: { prompt_tokens: runPrompt, completion_tokens: 0, total_tokens: runPrompt } });
          const first = metricDeltasFor({ run: finished, ctx: CTX, runFinished: false, newSteps: steps.slice(0, cut) });
          const second = metricDeltasFor({
            run: finished,
            ctx: CTX,
            runFinished: true,
            newSteps: steps.slice(cut),
            stepUsageSeen: first.stepUsageSeen,
          });
          const counted = tokens([...first.deltas, ...second.deltas], 'input');
          const stepSum = prompts.reduce<number>((n, p) => n + (p ?? 0), 0);
          expect(counted).toBe(prompts.some((p) => p !== null) ? stepSum : runPrompt);
        },
      ),
    );
  });

  it('counts cached and reasoning tokens where the service reports them', () => {
    const usage = {
      prompt_tokens: 300,
      completion_tokens: 90,
      total_tokens: 390,
      prompt_tokens_details: { cached_tokens: 128 },
      completion_tokens_details: { reasoning_tokens: 64 },
    };
    const deltas = observe({ newSteps: [step({ usage })] });
    expect(named(deltas, STORED.cacheReadTokens)).toEqual([
      { name: STORED.cacheReadTokens, labels: { 'gen_ai.operation.name': 'chat', ...WHO }, delta: 128 },
    ]);
    expect(named(deltas, STORED.reasoningTokens).map((d) => d.delta)).toEqual([64]);
    // The Agents and Responses APIs' shape reads the same.
    const responses = observe({
      newSteps: [
        step({
          usage: {
            input_tokens: 10,
            output_tokens: 5,
            input_tokens_details: { cached_tokens: 4 },
            output_tokens_details: { reasoning_tokens: 2 },
          },
        }),
      ],
    });
    expect([tokens(responses, 'input'), tokens(responses, 'output')]).toEqual([10, 5]);
    expect(named(responses, STORED.cacheReadTokens).map((d) => d.delta)).toEqual([4]);
    expect(named(observe({ newSteps: [step()] }), STORED.cacheReadTokens)).toEqual([]);
  });

  it('labels as history what ended more than the history age before the bridge first saw the run', () => {
    const firstSeen = 1_004 + HISTORY_AGE_SECONDS;
    const at = (seconds: number) => ({ agentName: null, firstSeenSeconds: seconds });
    const historyOf = (deltas: MetricDelta[]) => [...new Set(deltas.map((d) => d.labels['assistants_bridge.history']))];
    // The step ended at 1_004: exactly the age before first seen is still news; a second more is history.
    expect(historyOf(observe({ ctx: at(firstSeen), newSteps: [step()] }))).toEqual(['false']);
    expect(historyOf(observe({ ctx: at(firstSeen + 1), newSteps: [step()] }))).toEqual(['true']);
    // Each observation by its own end: an old step of a run that ended after the bridge saw it.
    const late = metricDeltasFor({
      run: run({ completed_at: 5_000 }),
      ctx: at(firstSeen + 1),
      runFinished: true,
      newSteps: [step(), step({ id: 'step_secret2', created_at: 4_990, completed_at: 4_999 })],
    }).deltas;
    expect(named(late, 'assistants.steps').map((d) => d.labels['assistants_bridge.history'])).toEqual(['true', 'false']);
    expect(named(late, 'assistants.runs').map((d) => d.labels['assistants_bridge.history'])).toEqual(['false']);
    // A run imported a year later is history through and through.
    const old = observe({ ctx: at(1_000 + 365 * 86_400), runFinished: true, newSteps: [step()] });
    expect(historyOf(old)).toEqual(['true']);
  });

  it('never puts a run, thread, step or call id in a label', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            status: fc.constantFrom('completed', 'failed', 'expired', 'cancelled'),
            prompt: fc.nat(100_000),
            duration: fc.nat(500),
            tools: fc.boolean(),
          }),
          { maxLength: 6 },
        ),
        fc.boolean(),
        (steps, finished) => {
          const { deltas } = metricDeltasFor({
            run: run(),
            ctx: CTX,
            runFinished: finished,
            newSteps: steps.map((s, i) =>
              (s.tools ? toolStep : (_: unknown[], o: Partial<StepPayload>) => step(o))(
                [{ id: `call_secret${i}`, type: 'function', function: { name: 'f' } }],
                {
                  id: `step_secret${i}`,
                  status: s.status,
                  usage: { prompt_tokens: s.prompt, completion_tokens: 1, total_tokens: s.prompt + 1 },
                  created_at: 1_000,
                  completed_at: 1_000 + s.duration,
                },
              ),
            ),
          });
          for (const d of deltas) for (const v of Object.values(d.labels)) expect(v).not.toMatch(/secret/);
          // Each step is counted once; each observation hits one bucket.
          expect(named(deltas, 'assistants.steps')).toHaveLength(steps.length);
          expect(named(deltas, 'gen_ai.client.token.usage#bucket')).toHaveLength(steps.length * 2);
          expect(tokens(deltas, 'input')).toBe(steps.reduce((a, s) => a + s.prompt, 0));
        },
      ),
    );
  });
});

describe('runDurationSeconds', () => {
  it('ends where the run span ends: its own end, an expired run at its deadline (or a later step end), else the latest step end', () => {
    expect(runDurationSeconds(run({ completed_at: 1_050 }), null)).toBe(50);
    expect(runDurationSeconds(run({ completed_at: null, failed_at: 1_020, cancelled_at: 1_040 }), null)).toBe(20);
    expect(runDurationSeconds(run({ completed_at: null, status: 'expired', expires_at: 1_600 }), 1_100)).toBe(600);
    expect(runDurationSeconds(run({ completed_at: null, status: 'expired', expires_at: 1_600 }), null)).toBe(600);
    // The deadline seen while the run was pending, once the finished run no longer carries one.
    expect(runDurationSeconds(run({ completed_at: null, status: 'expired', expires_at: null }), null, 1_600)).toBe(600);
    expect(runDurationSeconds(run({ completed_at: null, status: 'expired', expires_at: null }), null)).toBeNull();
    expect(runDurationSeconds(run({ completed_at: null, status: 'incomplete' }), 1_030)).toBe(30);
    expect(runDurationSeconds(run({ completed_at: null, status: 'incomplete' }), null)).toBeNull();
    expect(runDurationSeconds(run({ created_at: null }), null)).toBeNull();
    // An end before the start (clock skew upstream) is 0, never negative.
    expect(runDurationSeconds(run({ completed_at: 900 }), null)).toBe(0);
  });
});
