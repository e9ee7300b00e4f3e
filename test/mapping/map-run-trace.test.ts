// mapRunTrace: only terminal objects become spans; the run span comes first, once the run is terminal.
import { describe, expect, it } from 'vitest';
import { mapRunTrace } from '../../src/sources/assistants/mapping/map-run.js';
import { isRunTerminal, isStepTerminal } from '../../src/sources/assistants/statuses.js';
import { byRole, context, functionCall, LIMITS, loadSamples, run, step, toolStep, roleOf } from './fixtures.js';

describe('mapRunTrace over the samples', () => {
  it.each([
    ['run_sample01', ['run', 'step', 'tool', 'step']],
    ['run_sample02', ['run', 'step', 'tool', 'tool', 'step']],
    ['run_sample03', ['run', 'step']],
    ['run_sample04', ['run']],
  ])('maps %s to %j', (id, roles) => {
    const found = loadSamples().runs.get(id);
    expect(found).toBeDefined();
    expect(mapRunTrace(found!.run, found!.steps, context(), LIMITS).map((s) => roleOf(s))).toEqual(roles);
  });
});

describe('terminal objects only', () => {
  it.each(['completed', 'failed', 'cancelled', 'expired', 'incomplete'])('maps a %s run span', (status) => {
    expect(isRunTerminal(run({ status }))).toBe(true);
    expect(byRole(mapRunTrace(run({ status }), [], context(), LIMITS), 'run')).toHaveLength(1);
  });

  it.each(['queued', 'in_progress', 'requires_action', 'cancelling', 'some_new_status', null])(
    'gives no run span for a %s run but keeps its finished steps',
    (status) => {
      const r = run({ status, completed_at: null });
      expect(isRunTerminal(r)).toBe(false);
      const spans = mapRunTrace(
        r,
        [step({ id: 'step_done' }), step({ id: 'step_busy', status: 'in_progress', completed_at: null })],
        context(),
        LIMITS,
      );
      expect(spans.map((s) => [roleOf(s), s.attributes['openai.run_step.id']])).toEqual([['step', 'step_done']]);
      // The finished step still hangs under the run span that will come later.
      expect(spans[0]?.parent?.spanId).toBeDefined();
    },
  );

  it.each(['completed', 'failed', 'cancelled', 'expired'])('maps a %s step', (status) => {
    expect(isStepTerminal(step({ status }))).toBe(true);
    expect(byRole(mapRunTrace(run(), [step({ status })], context(), LIMITS), 'step')).toHaveLength(1);
  });

  it.each(['in_progress', 'incomplete', 'some_new_status', null])('leaves out a %s step and its tool calls', (status) => {
    const s = toolStep([functionCall('call_1', 'f')], { status });
    expect(isStepTerminal(s)).toBe(false);
    expect(mapRunTrace(run(), [s], context(), LIMITS).map((x) => roleOf(x))).toEqual(['run']);
  });

  it('puts the run span first, then each step followed by its tools, in input order', () => {
    const spans = mapRunTrace(
      run(),
      [toolStep([functionCall('call_1', 'a'), functionCall('call_2', 'b')], { id: 'step_a' }), step({ id: 'step_b' })],
      context(),
      LIMITS,
    );
    expect(spans.map((s) => s.name)).toEqual([
      'invoke_agent Weather Helper',
      'chat gpt-4o',
      'execute_tool a',
      'execute_tool b',
      'chat gpt-4o',
    ]);
    expect(spans[4]?.attributes['openai.run_step.id']).toBe('step_b');
  });

  it('maps a finished run with no steps to the run span alone', () => {
    expect(mapRunTrace(run(), [], context(), LIMITS).map((s) => roleOf(s))).toEqual(['run']);
  });

  it('maps the same step the same way whether the run has finished or not', () => {
    const s = toolStep([functionCall('call_1', 'f')]);
    const early = mapRunTrace(run({ status: 'in_progress', completed_at: null }), [s], context(), LIMITS);
    const late = mapRunTrace(run(), [s], context(), LIMITS).filter((x) => roleOf(x) !== 'run');
    expect(late).toEqual(early);
  });
});
