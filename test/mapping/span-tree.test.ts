// README, "The trace of one run": name, kind and parent of run, step and tool spans.
import { describe, expect, it } from 'vitest';
import { freezeContext } from '../../src/sources/assistants/mapping/frozen-context.js';
import { runSpanId, stepSpanId, traceIdForRun } from '../../src/mapping/ids.js';
import { mapRunSpan, mapRunTrace, mapStepSpans } from '../../src/sources/assistants/mapping/map-run.js';
import { SpanKindName } from '../../src/core/span-record.js';
import { byRole, context, functionCall, LIMITS, only, run, sample, step, toolStep, roleOf } from './fixtures.js';

const PARENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';

describe('span names', () => {
  it('names the run span after the agent', () => {
    expect(mapRunSpan(run(), context({ agentName: 'Weather Helper' }), null, LIMITS).name).toBe('invoke_agent Weather Helper');
  });

  it('is plain invoke_agent without gen_ai.agent.name when the name is null', () => {
    const span = mapRunSpan(run(), context({ agentName: null }), null, LIMITS);
    expect(span.name).toBe('invoke_agent');
    expect(span.attributes).not.toHaveProperty('gen_ai.agent.name');
  });

  it('names step spans chat {run.model}, from the run rather than the step', () => {
    const [stepSpan] = mapStepSpans(run({ model: 'gpt-4o-mini' }), step({ model: 'ignored-step-model' }), context(), LIMITS);
    expect(stepSpan?.name).toBe('chat gpt-4o-mini');
  });

  it('names a step span plain chat when the run has no model', () => {
    const [stepSpan] = mapStepSpans(run({ model: null }), step(), context(), LIMITS);
    expect(stepSpan?.name).toBe('chat');
  });

  it('names tool spans execute_tool {tool name} for every tool type', () => {
    const { run: r, steps } = sample('run_sample02');
    const names = mapRunTrace(r, steps, context(), LIMITS)
      .filter((s) => roleOf(s) === 'tool')
      .map((s) => s.name);
    expect(names).toEqual(['execute_tool code_interpreter', 'execute_tool file_search']);
    const fn = mapStepSpans(r, toolStep([functionCall('call_1', 'get_weather')]), context(), LIMITS);
    expect(only(fn, 'tool').name).toBe('execute_tool get_weather');
  });
});

describe('span kinds and roles', () => {
  it('makes run and step spans CLIENT and tool spans INTERNAL', () => {
    const { run: r, steps } = sample('run_sample01');
    const spans = mapRunTrace(r, steps, context(), LIMITS);
    expect(spans.map((s) => [roleOf(s), s.kind])).toEqual([
      ['run', SpanKindName.CLIENT],
      ['step', SpanKindName.CLIENT],
      ['tool', SpanKindName.INTERNAL],
      ['step', SpanKindName.CLIENT],
    ]);
    expect(spans.every((s) => s.unit === 'run_sample01')).toBe(true);
  });
});

describe('parents without a traceparent', () => {
  const { run: r, steps } = sample('run_sample02');
  const spans = mapRunTrace(r, steps, context(), LIMITS);
  const runSpan = only(spans, 'run');

  it('makes the run span a sampled root of its own trace', () => {
    expect(runSpan).toHaveProperty('parent', null);
    expect(runSpan).not.toHaveProperty('traceState');
    expect(runSpan.traceId).toBe(traceIdForRun('run_sample02'));
    expect(runSpan.spanId).toBe(runSpanId('run_sample02'));
    expect(runSpan.traceFlags).toBe(1);
  });

  it('hangs steps under the run span and tools under their step', () => {
    const stepSpans = byRole(spans, 'step');
    expect(stepSpans.map((s) => s.parent?.spanId)).toEqual([runSpan.spanId, runSpan.spanId]);
    const toolStepSpan = stepSpans.find((s) => s.spanId === stepSpanId('run_sample02', 'step_sample02a'));
    expect(toolStepSpan).toBeDefined();
    for (const tool of byRole(spans, 'tool')) expect(tool.parent?.spanId).toBe(toolStepSpan?.spanId);
  });

  it('puts every span in the run trace with the same flags', () => {
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([runSpan.traceId]));
    expect(spans.every((s) => s.traceFlags === 1)).toBe(true);
  });
});

describe('parents with a frozen traceparent', () => {
  const mapWith = (traceparent: string, tracestate: string | null = null) => {
    const r = run({ metadata: { traceparent } });
    return mapRunTrace(r, [step(), toolStep([functionCall('call_1', 'f')])], context({ traceparent, tracestate }), LIMITS);
  };

  it('joins the app trace as a child of its span, sampled flag kept', () => {
    const spans = mapWith(`00-${PARENT_TRACE}-${PARENT_SPAN}-01`);
    const runSpan = only(spans, 'run');
    // The app's span lives in another process; the run's own spans in this trace do not.
    expect(runSpan.parent).toEqual({ spanId: PARENT_SPAN, remote: true });
    expect(spans.filter((s) => s !== runSpan).every((s) => s.parent?.remote === false)).toBe(true);
    expect(runSpan.spanId).toBe(runSpanId('run_abc'));
    expect(spans.every((s) => s.traceId === PARENT_TRACE && s.traceFlags === 1)).toBe(true);
    expect(byRole(spans, 'step').every((s) => s.parent?.spanId === runSpan.spanId)).toBe(true);
    expect(only(spans, 'tool').parent?.spanId).toBe(stepSpanId('run_abc', 'step_tools'));
  });

  it('keeps an unsampled flag 00 on every span', () => {
    const spans = mapWith(`00-${PARENT_TRACE}-${PARENT_SPAN}-00`);
    expect(spans.map((s) => s.traceFlags)).toEqual([0, 0, 0, 0]);
  });

  it('keeps flag bits beyond sampled as they came', () => {
    const spans = mapWith(`00-${PARENT_TRACE}-${PARENT_SPAN}-03`);
    expect(spans.every((s) => s.traceFlags === 3)).toBe(true);
  });

  it('carries the tracestate on every span', () => {
    const spans = mapWith(`00-${PARENT_TRACE}-${PARENT_SPAN}-01`, 'vendor=abc,other=1');
    expect(spans.every((s) => s.traceState === 'vendor=abc,other=1')).toBe(true);
  });

  it('maps from the frozen value, not the run metadata as it is now', () => {
    // The run was later updated to point elsewhere; the context recorded when it was first seen decides.
    const r = run({ metadata: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` } });
    const span = mapRunSpan(r, context({ traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01` }), null, LIMITS);
    expect(span.traceId).toBe(PARENT_TRACE);
    const unlinked = mapRunSpan(r, context({ traceparent: null }), null, LIMITS);
    expect(unlinked.traceId).toBe(traceIdForRun('run_abc'));
    expect(unlinked).toHaveProperty('parent', null);
  });

  it('joins the trace named by the sample run metadata through freezeContext', () => {
    const { run: r, steps } = sample('run_sample02');
    const ctx = freezeContext(r, {
      agentName: 'Weather Helper',
      captureContent: false,
      contentMaxLength: 100,
      providerName: 'openai',
      baseURL: 'https://api.openai.com/v1',
      nowSeconds: 1_800_000_000,
    });
    const spans = mapRunTrace(r, steps, ctx, LIMITS);
    expect(only(spans, 'run').parent?.spanId).toBe(PARENT_SPAN);
    expect(spans.every((s) => s.traceId === PARENT_TRACE)).toBe(true);
  });

  it.each([
    ['bad version ff', `ff-${PARENT_TRACE}-${PARENT_SPAN}-01`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${PARENT_SPAN}-01`],
    ['all-zero span id', `00-${PARENT_TRACE}-${'0'.repeat(16)}-01`],
    ['uppercase hex', `00-${PARENT_TRACE.toUpperCase()}-${PARENT_SPAN}-01`],
    ['short trace id', `00-${PARENT_TRACE.slice(1)}-${PARENT_SPAN}-01`],
    ['extra field on version 00', `00-${PARENT_TRACE}-${PARENT_SPAN}-01-extra`],
  ])('ignores a context traceparent with %s and roots the run in its own trace', (_label, traceparent) => {
    const spans = mapRunTrace(run(), [step()], context({ traceparent, tracestate: 'vendor=abc' }), LIMITS);
    const runSpan = only(spans, 'run');
    expect(runSpan).toHaveProperty('parent', null);
    expect(spans.every((s) => s.traceId === traceIdForRun('run_abc') && s.traceFlags === 1)).toBe(true);
    expect(spans.some((s) => 'traceState' in s)).toBe(false);
  });
});
