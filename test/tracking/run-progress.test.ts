// planProgress: what one look at a run adds to the outbox and where its cursor moves. A span is
// planned once, when its object is terminal; the cursor passes a step only when every step up
// to it is done, so a restart resumes without a gap and without a repeat.
import { describe, expect, it } from 'vitest';
import { STORED } from '../../src/metrics/catalog.js';
import { planProgress, waitsForToolOutputs, type RunCursor } from '../../src/sources/assistants/run-progress.js';
import { LIMITS, T0, context, functionCall, run, step, toolStep, secondsOf, roleOf } from '../mapping/fixtures.js';
import { storedDeltas } from '../../src/metrics/stored-totals.js';

const fresh: RunCursor = { cursorStepId: null, emitted: new Set(), latestStepEnd: null, runSpanEmitted: false };
const inProgress = (id: string, created: number) =>
  step({ id, status: 'in_progress', created_at: created, completed_at: null, usage: null });
const done = (id: string, created: number, end: number) => step({ id, created_at: created, completed_at: end });

describe('planProgress', () => {
  it('moves the cursor over the finished prefix and stops at the first step still running', () => {
    const steps = [done('step_a', T0 + 1, T0 + 2), inProgress('step_b', T0 + 3), done('step_c', T0 + 4, T0 + 5)];
    const plan = planProgress(run({ status: 'in_progress', completed_at: null }), steps, fresh, context(), LIMITS);
    expect(plan.cursorStepId).toBe('step_a');
    // A later step that finished is planned now (and remembered), though the cursor waits.
    expect(plan.emittedStepIds).toEqual(['step_a', 'step_c']);
    expect(plan.pendingSteps).toBe(1);
    expect(plan.runSpanEmitted).toBe(false);
    expect(plan.spans.map((s) => roleOf(s))).toEqual(['step', 'step']);
    expect(plan.latestStepEnd).toBe(T0 + 5);
  });

  it('never plans a step twice: steps already emitted are skipped, and the cursor passes them', () => {
    const steps = [done('step_b', T0 + 3, T0 + 4), done('step_c', T0 + 4, T0 + 5)];
    const cursor: RunCursor = { cursorStepId: 'step_a', emitted: new Set(['step_c']), latestStepEnd: T0 + 5, runSpanEmitted: false };
    const plan = planProgress(run({ status: 'in_progress', completed_at: null }), steps, cursor, context(), LIMITS);
    expect(plan.emittedStepIds).toEqual(['step_b']);
    expect(plan.cursorStepId).toBe('step_c');
    expect(plan.latestStepEnd).toBe(T0 + 5);
  });

  it('maps the run once it is terminal and no step is pending, its end from the latest step when it has none', () => {
    const expired = run({ status: 'expired', completed_at: null, usage: null });
    const plan = planProgress(
      expired,
      [step({ id: 'step_x', status: 'expired', created_at: T0 + 1, completed_at: null, expired_at: T0 + 600 })],
      fresh,
      context(),
      LIMITS,
    );
    expect(plan.runSpanEmitted).toBe(true);
    const runSpan = plan.spans.find((s) => roleOf(s) === 'run')!;
    expect([secondsOf(runSpan.start), secondsOf(runSpan.end)]).toEqual([T0, T0 + 600]);
    // The same run looked at again adds nothing.
    const again = planProgress(
      expired,
      [],
      { cursorStepId: plan.cursorStepId, emitted: new Set(plan.emittedStepIds), latestStepEnd: plan.latestStepEnd, runSpanEmitted: true },
      context(),
      LIMITS,
    );
    expect(again.spans).toEqual([]);
  });

  it('holds the run span while a step of a finished run still looks unfinished, unless told to finalize', () => {
    const finished = run({ status: 'cancelled', completed_at: null, cancelled_at: T0 + 8 });
    const lagging = [inProgress('step_a', T0 + 1)];
    expect(planProgress(finished, lagging, fresh, context(), LIMITS).runSpanEmitted).toBe(false);
    const final = planProgress(finished, lagging, fresh, context(), LIMITS, true);
    expect(final.runSpanEmitted).toBe(true);
    expect(final.emittedStepIds).toEqual(['step_a']);
    expect(final.pendingSteps).toBe(0);
  });

  it('plans a child span per tool call and counts tokens, runs and steps for the metrics', () => {
    const steps = [
      toolStep([functionCall('call_1', 'lookup'), functionCall('call_2', 'fetch')], {
        id: 'step_t',
        created_at: T0 + 1,
        completed_at: T0 + 2,
      }),
    ];
    const plan = planProgress(run(), steps, fresh, context(), LIMITS);
    expect(plan.spans.map((s) => s.name)).toEqual([
      'invoke_agent Weather Helper',
      'chat gpt-4o',
      'execute_tool lookup',
      'execute_tool fetch',
    ]);
    const totals = (name: string) =>
      storedDeltas(plan.observations)
        .filter((m) => m.name === name)
        .reduce((n, m) => n + m.delta, 0);
    expect(totals(STORED.runs)).toBe(1);
    expect(totals(STORED.steps)).toBe(1);
    // Tokens go into the token-usage histogram's sum, per token type.
    expect(JSON.stringify(storedDeltas(plan.observations))).toContain('"delta":40');
  });
});

describe('waiting for tool outputs', () => {
  const pendingTools = (calls: unknown[]) => toolStep(calls, { status: 'in_progress', completed_at: null, usage: null });
  const working = run({ status: 'in_progress', completed_at: null });

  it('a pending step of function calls without output means the run waits for the app', () => {
    const plan = planProgress(
      working,
      [pendingTools([functionCall('call_1', 'lookup'), functionCall('call_2', 'lookup')])],
      fresh,
      context(),
      LIMITS,
    );
    expect(plan.pendingSteps).toBe(1);
    expect(plan.awaitingToolOutputs).toBe(true);
    expect(waitsForToolOutputs(pendingTools([functionCall('call_1', 'lookup')]))).toBe(true);
  });

  it('a step the service itself works on is not a wait: a built-in tool, an output already there, a message', () => {
    const code = { id: 'call_c', type: 'code_interpreter', code_interpreter: { input: 'x', outputs: [] } };
    expect(waitsForToolOutputs(pendingTools([functionCall('call_1', 'lookup'), code]))).toBe(false);
    expect(waitsForToolOutputs(pendingTools([functionCall('call_1', 'lookup', '{}', 'done')]))).toBe(false);
    expect(waitsForToolOutputs(pendingTools([]))).toBe(false);
    expect(waitsForToolOutputs(pendingTools(['not an object', null]))).toBe(false);
    expect(waitsForToolOutputs(inProgress('step_m', T0 + 1))).toBe(false);
    const mixed = planProgress(
      working,
      [pendingTools([functionCall('call_1', 'lookup')]), inProgress('step_m', T0 + 2)],
      fresh,
      context(),
      LIMITS,
    );
    expect(mixed.pendingSteps).toBe(2);
    expect(mixed.awaitingToolOutputs).toBe(false);
  });

  it('nothing pending is no wait', () => {
    expect(planProgress(working, [done('step_1', T0 + 1, T0 + 2)], fresh, context(), LIMITS).awaitingToolOutputs).toBe(false);
  });
});

describe('answered: the run usually ends next', () => {
  const working = run({ status: 'in_progress', completed_at: null });
  const tools = (id: string) =>
    toolStep([{ id: `call_${id}`, type: 'code_interpreter', code_interpreter: { input: 'x', outputs: [] } }], {
      id,
      created_at: T0 + 1,
      completed_at: T0 + 2,
    });

  it('a finished message with nothing pending is an answer', () => {
    expect(planProgress(working, [tools('step_t'), done('step_m', T0 + 3, T0 + 4)], fresh, context(), LIMITS).answered).toBe(true);
  });

  it('not while a step is under way, after a tool step, or when nothing new was seen', () => {
    expect(planProgress(working, [done('step_m', T0 + 1, T0 + 2), inProgress('step_n', T0 + 3)], fresh, context(), LIMITS).answered).toBe(
      false,
    );
    expect(planProgress(working, [done('step_m', T0 + 1, T0 + 2), tools('step_t')], fresh, context(), LIMITS).answered).toBe(false);
    const seen: RunCursor = { cursorStepId: null, emitted: new Set(['step_m']), latestStepEnd: T0 + 2, runSpanEmitted: false };
    expect(planProgress(working, [done('step_m', T0 + 1, T0 + 2)], seen, context(), LIMITS).answered).toBe(false);
    expect(planProgress(working, [], fresh, context(), LIMITS).answered).toBe(false);
  });
});

describe('the run end the span and the duration metric share', () => {
  const queuedOut = run({ status: 'expired', completed_at: null, expires_at: null, usage: null });
  const durations = (plan: ReturnType<typeof planProgress>) =>
    storedDeltas(plan.observations)
      .filter((m) => m.name.endsWith('#sum') && m.labels['openai.run.status'] === 'expired')
      .map((m) => m.delta);

  it('ends an expired run without steps at the deadline recorded while it was pending, in span and metric alike', () => {
    const plan = planProgress(queuedOut, [], fresh, context({ expiresAt: T0 + 600 }), LIMITS);
    const runSpan = plan.spans.find((s) => roleOf(s) === 'run')!;
    expect([secondsOf(runSpan.start), secondsOf(runSpan.end)]).toEqual([T0, T0 + 600]);
    expect(durations(plan)).toEqual([600]);
  });

  it('without a recorded deadline flags the span end_unknown and leaves the duration out', () => {
    const plan = planProgress(queuedOut, [], fresh, context(), LIMITS);
    const runSpan = plan.spans.find((s) => roleOf(s) === 'run')!;
    expect([secondsOf(runSpan.start), secondsOf(runSpan.end)]).toEqual([T0, T0]);
    expect(runSpan.attributes['assistants_bridge.end_unknown']).toBe(true);
    expect(durations(plan)).toEqual([]);
    // The run is still counted.
    expect(
      storedDeltas(plan.observations)
        .filter((m) => m.name === STORED.runs)
        .map((m) => m.delta),
    ).toEqual([1]);
  });
});

describe('what a look passes to the mapping and reports', () => {
  const connected = toolStep(
    [
      {
        id: 'call_ca',
        type: 'connected_agent',
        connected_agent: { name: 'helper', run_id: 'run_child', thread_id: 'thread_child', output: 'ok' },
      },
    ],
    { id: 'step_ca', created_at: T0 + 1, completed_at: T0 + 2 },
  );

  it('links connected-agent calls into the trace recorded for the child run', () => {
    const linked = new Map([['run_child', { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: null }]]);
    const plan = planProgress(run({ status: 'in_progress', completed_at: null }), [connected], fresh, context(), LIMITS, false, linked);
    expect(plan.spans.find((s) => roleOf(s) === 'tool')?.links?.[0]?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it('reports steps that name another run or thread, mapped under the run all the same', () => {
    const stray = done('step_stray', T0 + 1, T0 + 2);
    const plan = planProgress(
      run({ status: 'in_progress', completed_at: null, thread_id: 'thread_1' }),
      [
        { ...stray, run_id: 'run_other' },
        { ...done('step_thread', T0 + 2, T0 + 3), thread_id: 'thread_other' },
        done('step_ok', T0 + 3, T0 + 4),
      ],
      fresh,
      context(),
      LIMITS,
    );
    expect(plan.misfiledSteps.map((s) => s.id)).toEqual(['step_stray', 'step_thread']);
    expect(plan.spans.filter((s) => roleOf(s) === 'step').map((s) => s.attributes['openai.run.id'])).toEqual([
      'run_abc',
      'run_abc',
      'run_abc',
    ]);
    expect(new Set(plan.spans.map((s) => s.traceId)).size).toBe(1);
  });
});
