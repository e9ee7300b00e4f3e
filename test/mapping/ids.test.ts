// Deterministic IDs and W3C traceparent parsing.
import { describe, expect, it } from 'vitest';
import { parseTraceparent, runSpanId, stepSpanId, toolCallSpanId, toolSpanId, traceIdForRun } from '../../src/mapping/ids.js';
import { mapRunTrace, mapStepSpans } from '../../src/sources/assistants/mapping/map-run.js';
import { byRole, context, functionCall, HEX16, HEX32, LIMITS, loadSamples, run, sample, step, toolStep } from './fixtures.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('deterministic ids', () => {
  it('gives the same spans for the same input, mapped twice from separately parsed payloads', () => {
    for (const [, sampleRun] of loadSamples().runs) {
      const again = loadSamples().runs.get(sampleRun.run.id);
      expect(again).toBeDefined();
      const first = mapRunTrace(sampleRun.run, sampleRun.steps, context(), LIMITS);
      const second = mapRunTrace(again!.run, again!.steps, context(), LIMITS);
      expect(second).toEqual(first);
    }
  });

  it('pins the id scheme so a new version never moves a run to another trace', () => {
    // SHA-256 over the namespaced run id; changing it splits every in-flight run across two traces.
    expect(traceIdForRun('run_sample01')).toBe('a7e6f9f26f92c61af36fe6a9f3d6885a');
    expect(runSpanId('run_sample01')).toBe('08717ecc409e4fe6');
    // An app links its tool-execution span to this id, computed on its side from (run, call id).
    expect(toolCallSpanId('run_sample01', 'call_weather01')).toBe('26485626b67643c8');
    const { run: r, steps } = sample('run_sample01');
    const tool = byRole(mapRunTrace(r, steps, context(), LIMITS), 'tool').find(
      (s) => s.attributes['gen_ai.tool.call.id'] === 'call_weather01',
    );
    expect(tool?.spanId).toBe('26485626b67643c8');
  });

  it('uses 32 and 16 lowercase hex characters', () => {
    const spans = [...loadSamples().runs.values()].flatMap(({ run: r, steps }) => mapRunTrace(r, steps, context(), LIMITS));
    expect(spans.length).toBeGreaterThan(5);
    for (const s of spans) {
      expect(s.traceId).toMatch(HEX32);
      expect(s.spanId).toMatch(HEX16);
      if (s.parent) expect(s.parent.spanId).toMatch(HEX16);
    }
  });

  it('gives different runs different trace and span ids', () => {
    expect(traceIdForRun('run_a')).not.toBe(traceIdForRun('run_b'));
    expect(runSpanId('run_a')).not.toBe(runSpanId('run_b'));
    expect(stepSpanId('run_a', 'step_1')).not.toBe(stepSpanId('run_b', 'step_1'));
    expect(toolSpanId('run_a', 'step_1', 'call_1')).not.toBe(toolSpanId('run_b', 'step_1', 'call_1'));
    expect(toolCallSpanId('run_a', 'call_1')).not.toBe(toolCallSpanId('run_b', 'call_1'));
  });

  it('gives different steps and tool calls different span ids', () => {
    expect(stepSpanId('run_a', 'step_1')).not.toBe(stepSpanId('run_a', 'step_2'));
    expect(toolSpanId('run_a', 'step_1', 'call_1')).not.toBe(toolSpanId('run_a', 'step_1', 'call_2'));
    expect(toolSpanId('run_a', 'step_1', 'call_1')).not.toBe(toolSpanId('run_a', 'step_2', 'call_1'));
    expect(toolCallSpanId('run_a', 'call_1')).not.toBe(toolCallSpanId('run_a', 'call_2'));
  });

  it('keeps the run, step, tool call and positional tool namespaces apart even for equal ids', () => {
    const ids = new Set([
      runSpanId('x'),
      stepSpanId('x', 'x'),
      toolCallSpanId('x', 'x'),
      toolSpanId('x', 'x', 'x'),
      traceIdForRun('x').slice(0, 16),
    ]);
    expect(ids.size).toBe(5);
  });

  it('gives a call with an id the span id of (run, call id), whichever step holds it', () => {
    const r = run();
    const inStep = (stepId: string): string | undefined =>
      byRole(mapStepSpans(r, toolStep([functionCall('call_1', 'get_weather')], { id: stepId }), context(), LIMITS), 'tool')[0]?.spanId;
    expect(inStep('step_1')).toBe(toolCallSpanId(r.id, 'call_1'));
    expect(inStep('step_2')).toBe(toolCallSpanId(r.id, 'call_1'));
  });

  it('gives calls without an id, and repeats of an id in one step, ids by step and position', () => {
    const r = run();
    const spans = byRole(
      mapStepSpans(
        r,
        toolStep([functionCall('call_1', 'a'), { type: 'function', function: { name: 'b' } }, functionCall('call_1', 'c')], {
          id: 'step_9',
        }),
        context(),
        LIMITS,
      ),
      'tool',
    );
    expect(spans.map((s) => s.spanId)).toEqual([
      toolCallSpanId(r.id, 'call_1'),
      toolSpanId(r.id, 'step_9', '#1'),
      toolSpanId(r.id, 'step_9', 'call_1#2'),
    ]);
  });

  it('gives every span of a run a distinct span id', () => {
    const r = run();
    const spans = mapRunTrace(
      r,
      [
        step({ id: 'step_1' }),
        step({ id: 'step_2' }),
        toolStep([functionCall('call_1', 'a'), functionCall('call_2', 'b'), { type: 'function' }]),
      ],
      context(),
      LIMITS,
    );
    expect(spans).toHaveLength(7);
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(7);
  });

  it('is never all zeros over many inputs', () => {
    for (let i = 0; i < 2000; i += 1) {
      expect(traceIdForRun(`run_${i}`)).not.toMatch(/^0+$/);
      expect(stepSpanId('run', `step_${i}`)).not.toMatch(/^0+$/);
    }
  });
});

describe('parseTraceparent', () => {
  it.each([
    ['sampled', `00-${TRACE}-${SPAN}-01`, { traceId: TRACE, spanId: SPAN, traceFlags: 1 }],
    ['not sampled', `00-${TRACE}-${SPAN}-00`, { traceId: TRACE, spanId: SPAN, traceFlags: 0 }],
    ['other flag bits', `00-${TRACE}-${SPAN}-ff`, { traceId: TRACE, spanId: SPAN, traceFlags: 255 }],
    ['surrounding whitespace', `  00-${TRACE}-${SPAN}-01\n`, { traceId: TRACE, spanId: SPAN, traceFlags: 1 }],
    ['a later version with extra fields', `01-${TRACE}-${SPAN}-01-future`, { traceId: TRACE, spanId: SPAN, traceFlags: 1 }],
    ['a later version without extra fields', `cc-${TRACE}-${SPAN}-01`, { traceId: TRACE, spanId: SPAN, traceFlags: 1 }],
  ])('accepts %s', (_label, value, expected) => {
    expect(parseTraceparent(value)).toEqual(expected);
  });

  it.each([
    ['version ff', `ff-${TRACE}-${SPAN}-01`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['all-zero span id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['trace id of 31 characters', `00-${TRACE.slice(1)}-${SPAN}-01`],
    ['trace id of 33 characters', `00-${TRACE}a-${SPAN}-01`],
    ['span id of 15 characters', `00-${TRACE}-${SPAN.slice(1)}-01`],
    ['span id of 17 characters', `00-${TRACE}-${SPAN}a-01`],
    ['version of 1 character', `0-${TRACE}-${SPAN}-01`],
    ['flags of 1 character', `00-${TRACE}-${SPAN}-1`],
    ['uppercase trace id', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['uppercase span id', `00-${TRACE}-${SPAN.toUpperCase()}-01`],
    ['uppercase flags', `00-${TRACE}-${SPAN}-0A`],
    ['uppercase version', `0A-${TRACE}-${SPAN}-01`],
    ['extra field on version 00', `00-${TRACE}-${SPAN}-01-extra`],
    ['trailing dash on version 00', `00-${TRACE}-${SPAN}-01-`],
    ['non-hex characters', `00-${TRACE.slice(0, 31)}g-${SPAN}-01`],
    ['missing flags', `00-${TRACE}-${SPAN}`],
    ['underscores for dashes', `00_${TRACE}_${SPAN}_01`],
    ['empty string', ''],
  ])('rejects %s', (_label, value) => {
    expect(parseTraceparent(value)).toBeNull();
  });

  it.each([[null], [undefined], [42], [{ traceparent: `00-${TRACE}-${SPAN}-01` }], [[`00-${TRACE}-${SPAN}-01`]]])(
    'rejects the non-string %j',
    (value) => {
      expect(parseTraceparent(value)).toBeNull();
    },
  );
});
