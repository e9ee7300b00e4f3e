// Start and end of each span: the API's whole seconds, never the bridge's clock.
import { describe, expect, it } from 'vitest';
import { latestStepEnd, mapRunSpan, mapRunTrace, mapStepSpans } from '../../src/sources/assistants/mapping/map-run.js';
import { stepEndSeconds } from '../../src/sources/assistants/mapping/times.js';
import { context, functionCall, LIMITS, only, run, sample, step, T0, toolStep, secondsOf, roleOf } from './fixtures.js';

const ENDLESS = { completed_at: null, failed_at: null, cancelled_at: null };
const STEP_ENDLESS = { ...ENDLESS, expired_at: null };

describe('run span times', () => {
  it.each([
    ['completed_at', { status: 'completed', completed_at: T0 + 9 }, T0 + 9],
    ['failed_at', { status: 'failed', failed_at: T0 + 4 }, T0 + 4],
    ['cancelled_at', { status: 'cancelled', cancelled_at: T0 + 6 }, T0 + 6],
  ])('starts at created_at and ends at %s', (_label, overrides, end) => {
    const span = mapRunSpan(run({ ...ENDLESS, ...overrides }), context(), T0 + 100, LIMITS);
    expect([secondsOf(span.start), secondsOf(span.end)]).toEqual([T0, end]);
  });

  it('ends at the latest step end when the run has no end timestamp', () => {
    const r = run({ ...ENDLESS, status: 'incomplete' });
    const steps = [
      step({ id: 'step_1', created_at: T0 + 1, completed_at: T0 + 5 }),
      step({ id: 'step_2', created_at: T0 + 5, completed_at: null, failed_at: T0 + 12 }),
      step({ id: 'step_3', created_at: T0 + 2, completed_at: T0 + 7 }),
    ];
    const span = only(mapRunTrace(r, steps, context(), LIMITS), 'run');
    expect([secondsOf(span.start), secondsOf(span.end)]).toEqual([T0, T0 + 12]);
  });

  it('ignores steps that have not finished when looking for the latest step end', () => {
    const r = run({ ...ENDLESS, status: 'incomplete' });
    const steps = [
      step({ id: 'step_1', completed_at: T0 + 5 }),
      // Not terminal: its (odd) timestamp must not stretch the run.
      step({ id: 'step_2', status: 'in_progress', completed_at: T0 + 500 }),
    ];
    expect(secondsOf(only(mapRunTrace(r, steps, context(), LIMITS), 'run').end)).toBe(T0 + 5);
  });

  it('ends an expired run without steps at the deadline its payload still carries (the expired sample)', () => {
    const { run: r, steps } = sample('run_sample04');
    expect(steps).toEqual([]);
    const span = only(mapRunTrace(r, steps, context(), LIMITS), 'run');
    expect([secondsOf(span.start), secondsOf(span.end)]).toEqual([1760000090, 1760000690]);
    expect(span.attributes).not.toHaveProperty('assistants_bridge.end_clamped');
    expect(span.attributes).not.toHaveProperty('assistants_bridge.end_unknown');
  });

  it('ends an expired run at the deadline seen while it was pending when its payload no longer has one', () => {
    const expired = run({ ...ENDLESS, status: 'expired', expires_at: null });
    const span = mapRunSpan(expired, context({ expiresAt: T0 + 600 }), null, LIMITS);
    expect([secondsOf(span.start), secondsOf(span.end)]).toEqual([T0, T0 + 600]);
    expect(span.attributes).not.toHaveProperty('assistants_bridge.end_unknown');
    // The seen deadline wins over a different one in the payload.
    expect(
      secondsOf(
        mapRunSpan(run({ ...ENDLESS, status: 'expired', expires_at: T0 + 900 }), context({ expiresAt: T0 + 600 }), null, LIMITS).end,
      ),
    ).toBe(T0 + 600);
  });

  it('ends an expired run at the later of its deadline and its last step end', () => {
    const expired = run({ ...ENDLESS, status: 'expired', expires_at: null });
    // Steps finished, then the run sat in the queue until it expired.
    expect(secondsOf(mapRunSpan(expired, context({ expiresAt: T0 + 600 }), T0 + 40, LIMITS).end)).toBe(T0 + 600);
    // The service expired the step a little after the deadline: the run holds its child.
    expect(secondsOf(mapRunSpan(expired, context({ expiresAt: T0 + 600 }), T0 + 603, LIMITS).end)).toBe(T0 + 603);
  });

  it.each([
    ['an expired run with no deadline known and no step', { status: 'expired', expires_at: null }],
    ['an incomplete run with no step', { status: 'incomplete' }],
    ['a run with an unknown terminal status', { status: 'x_vendor_done' }],
  ])('ends %s at created_at, flagged end_unknown', (_label, overrides) => {
    const span = mapRunSpan(run({ ...ENDLESS, ...overrides }), context(), null, LIMITS);
    expect([secondsOf(span.start), secondsOf(span.end)]).toEqual([T0, T0]);
    expect(span.attributes['assistants_bridge.end_unknown']).toBe(true);
  });

  it('does not take the deadline of a run that did not expire as its end', () => {
    const span = mapRunSpan(
      run({ ...ENDLESS, status: 'incomplete', expires_at: T0 + 600 }),
      context({ expiresAt: T0 + 600 }),
      null,
      LIMITS,
    );
    expect(secondsOf(span.end)).toBe(T0);
    expect(span.attributes['assistants_bridge.end_unknown']).toBe(true);
  });

  it('uses the run end timestamp over a later step end', () => {
    const span = mapRunSpan(run({ completed_at: T0 + 9 }), context(), T0 + 50, LIMITS);
    expect(secondsOf(span.end)).toBe(T0 + 9);
  });

  it('falls back to the first-seen time, flagged, when the run has no created_at', () => {
    const span = mapRunSpan(run({ created_at: null, ...ENDLESS }), context({ firstSeenSeconds: T0 + 77 }), null, LIMITS);
    expect([secondsOf(span.start), secondsOf(span.end)]).toEqual([T0 + 77, T0 + 77]);
    expect(span.attributes['assistants_bridge.start_from_first_seen']).toBe(true);
    expect(mapRunSpan(run(), context(), null, LIMITS).attributes).not.toHaveProperty('assistants_bridge.start_from_first_seen');
  });
});

describe('step and tool span times', () => {
  it.each([
    ['completed_at', { status: 'completed', completed_at: T0 + 3 }, T0 + 3],
    ['failed_at', { status: 'failed', failed_at: T0 + 4 }, T0 + 4],
    ['cancelled_at', { status: 'cancelled', cancelled_at: T0 + 5 }, T0 + 5],
    ['expired_at', { status: 'expired', expired_at: T0 + 6 }, T0 + 6],
  ])('starts at created_at and ends at %s', (_label, overrides, end) => {
    const s = step({ ...STEP_ENDLESS, ...overrides });
    const span = only(mapStepSpans(run(), s, context(), LIMITS), 'step');
    expect([secondsOf(span.start), secondsOf(span.end)]).toEqual([T0 + 1, end]);
    expect(stepEndSeconds(s)).toBe(end);
  });

  it('gives a step without any end timestamp a zero-length span', () => {
    const span = only(mapStepSpans(run(), step({ ...STEP_ENDLESS, status: 'expired' }), context(), LIMITS), 'step');
    expect([secondsOf(span.start), secondsOf(span.end)]).toEqual([T0 + 1, T0 + 1]);
  });

  it('keeps a step that lasted 0 s as a zero-length span, not clamped', () => {
    const span = only(mapStepSpans(run(), step({ created_at: T0 + 2, completed_at: T0 + 2 }), context(), LIMITS), 'step');
    expect([secondsOf(span.start), secondsOf(span.end)]).toEqual([T0 + 2, T0 + 2]);
    expect(span.attributes).not.toHaveProperty('assistants_bridge.end_clamped');
  });

  it('falls back to the run created_at when a step has none', () => {
    const span = only(mapStepSpans(run({ created_at: T0 - 10 }), step({ created_at: null, completed_at: T0 }), context(), LIMITS), 'step');
    expect(secondsOf(span.start)).toBe(T0 - 10);
  });

  it('gives tool calls their step times', () => {
    const s = toolStep([functionCall('call_1', 'a'), functionCall('call_2', 'b'), { type: 'code_interpreter' }], {
      created_at: T0 + 2,
      completed_at: T0 + 8,
    });
    const spans = mapStepSpans(run(), s, context(), LIMITS);
    expect(spans).toHaveLength(4);
    expect(spans.map((x) => [secondsOf(x.start), secondsOf(x.end)])).toEqual(Array(4).fill([T0 + 2, T0 + 8]));
  });

  it('carries the sample times as whole seconds, exactly', () => {
    const { run: r, steps } = sample('run_sample02');
    const spans = mapRunTrace(r, steps, context(), LIMITS);
    expect(spans.map((s) => [roleOf(s), secondsOf(s.start), secondsOf(s.end)])).toEqual([
      ['run', 1760000020, 1760000041],
      ['step', 1760000021, 1760000030],
      ['tool', 1760000021, 1760000030],
      ['tool', 1760000021, 1760000030],
      ['step', 1760000031, 1760000041],
    ]);
    expect(spans.every((s) => Number.isInteger(secondsOf(s.start)) && Number.isInteger(secondsOf(s.end)))).toBe(true);
  });

  it('never reads the clock: a context first seen years later changes no time', () => {
    const { run: r, steps } = sample('run_sample01');
    const early = mapRunTrace(r, steps, context({ firstSeenSeconds: 1 }), LIMITS);
    const late = mapRunTrace(r, steps, context({ firstSeenSeconds: 4_000_000_000 }), LIMITS);
    expect(late).toEqual(early);
  });
});

describe('end before start', () => {
  it('clamps a run end to its start and flags it', () => {
    const span = mapRunSpan(run({ created_at: T0, completed_at: T0 - 30 }), context(), null, LIMITS);
    expect([secondsOf(span.start), secondsOf(span.end)]).toEqual([T0, T0]);
    expect(span.attributes['assistants_bridge.end_clamped']).toBe(true);
  });

  it('clamps a run whose only end is a step that ended before the run was created', () => {
    const span = mapRunSpan(run({ ...ENDLESS, status: 'expired' }), context(), T0 - 1, LIMITS);
    expect([secondsOf(span.start), secondsOf(span.end)]).toEqual([T0, T0]);
    expect(span.attributes['assistants_bridge.end_clamped']).toBe(true);
  });

  it('clamps a step and its tool calls and flags the step', () => {
    const spans = mapStepSpans(
      run(),
      toolStep([functionCall('call_1', 'f')], { created_at: T0 + 5, completed_at: T0 + 2 }),
      context(),
      LIMITS,
    );
    expect(spans.map((s) => [secondsOf(s.start), secondsOf(s.end)])).toEqual([
      [T0 + 5, T0 + 5],
      [T0 + 5, T0 + 5],
    ]);
    expect(only(spans, 'step').attributes['assistants_bridge.end_clamped']).toBe(true);
  });

  it('does not flag spans that end after they start', () => {
    const { run: r, steps } = sample('run_sample01');
    const spans = mapRunTrace(r, steps, context(), LIMITS);
    expect(spans.some((s) => 'assistants_bridge.end_clamped' in s.attributes)).toBe(false);
  });
});

describe('latestStepEnd', () => {
  it('is the latest end among the steps, null without any', () => {
    expect(latestStepEnd([])).toBeNull();
    expect(latestStepEnd([step({ ...STEP_ENDLESS })])).toBeNull();
    expect(
      latestStepEnd([step({ completed_at: T0 + 3 }), step({ ...STEP_ENDLESS, cancelled_at: T0 + 11 }), step({ completed_at: T0 + 7 })]),
    ).toBe(T0 + 11);
  });
});
