// Sensitive content: off by default; when on, present and cut to contentMaxLength.
import { describe, expect, it } from 'vitest';
import { mapRunSpan, mapRunTrace, mapStepSpans } from '../../src/sources/assistants/mapping/map-run.js';
import { allKeys, context, functionCall, LIMITS, loadSamples, named, only, run, sample, toolStep } from './fixtures.js';

const CONTENT_KEYS = ['gen_ai.system_instructions', 'gen_ai.tool.call.arguments', 'gen_ai.tool.call.result'];

const UNKNOWN_TOOL = { id: 'call_mcp', type: 'mcp', mcp: { name: 'search', arguments: { q: 'rain' }, output: ['a', 'b'] } };
const CODE_TOOL = {
  id: 'call_ci',
  type: 'code_interpreter',
  code_interpreter: {
    input: 'print(1)\nprint(2)',
    outputs: [
      { type: 'logs', logs: '1' },
      { type: 'image', image: { file_id: 'f' } },
      { type: 'logs', logs: '2' },
    ],
  },
};

function everySample(captureContent: boolean, contentMaxLength = 2048) {
  const spans = [...loadSamples().runs.values()].flatMap(({ run: r, steps }) =>
    mapRunTrace(r, steps, context({ captureContent, contentMaxLength }), LIMITS),
  );
  const extra = mapStepSpans(
    run(),
    toolStep([UNKNOWN_TOOL, CODE_TOOL, functionCall('call_f', 'f', '{"a":1}', 'done')]),
    context({ captureContent, contentMaxLength }),
    LIMITS,
  );
  return [...spans, ...extra];
}

describe('content capture off (the default)', () => {
  it('records no instructions, arguments or results on any span', () => {
    const keys = allKeys(everySample(false));
    for (const key of CONTENT_KEYS) expect(keys.has(key)).toBe(false);
  });

  it('does not leak content into other attributes or names', () => {
    const text = JSON.stringify(everySample(false));
    for (const secret of ['helpful weather assistant', 'Lisbon', 'temp_c', 'statistics', '5.333', 'Rain expected', 'rain']) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('content capture on', () => {
  const on = context({ captureContent: true });

  it('records the instructions as a JSON array of text parts', () => {
    const span = only(mapRunTrace(sample('run_sample01').run, [], on, LIMITS), 'run');
    const value = span.attributes['gen_ai.system_instructions'];
    expect(typeof value).toBe('string');
    expect(JSON.parse(value as string)).toEqual([{ type: 'text', content: 'You are a helpful weather assistant.' }]);
  });

  it.each([
    ['an empty string', ''],
    ['null', null],
  ])('records no instructions when they are %s', (_label, instructions) => {
    expect(mapRunSpan(run({ instructions }), on, null, LIMITS).attributes).not.toHaveProperty('gen_ai.system_instructions');
  });

  it('records function arguments and output', () => {
    const { run: r, steps } = sample('run_sample01');
    expect(named(mapRunTrace(r, steps, on, LIMITS), 'execute_tool get_weather').attributes).toMatchObject({
      'gen_ai.tool.call.arguments': '{"city":"Lisbon"}',
      'gen_ai.tool.call.result': '{"temp_c":21,"sky":"clear"}',
    });
  });

  it('leaves out a result the function does not have yet', () => {
    const spans = mapStepSpans(run(), toolStep([functionCall('call_1', 'f', '{"x":1}', null)]), on, LIMITS);
    expect(only(spans, 'tool').attributes['gen_ai.tool.call.arguments']).toBe('{"x":1}');
    expect(only(spans, 'tool').attributes).not.toHaveProperty('gen_ai.tool.call.result');
  });

  it('records code interpreter input and its logs', () => {
    const spans = mapStepSpans(run(), toolStep([CODE_TOOL]), on, LIMITS);
    expect(only(spans, 'tool').attributes).toMatchObject({
      'gen_ai.tool.call.arguments': 'print(1)\nprint(2)',
      'gen_ai.tool.call.result': '1\n2',
    });
  });

  it('records file search result text when the API returned it', () => {
    const { run: r, steps } = sample('run_sample02');
    const span = named(mapRunTrace(r, steps, on, LIMITS), 'execute_tool file_search');
    expect(span.attributes['gen_ai.tool.call.result']).toBe('Rain expected Thursday.');
    expect(span.attributes).not.toHaveProperty('gen_ai.tool.call.arguments');
  });

  it('records no file search result when the text was not included', () => {
    const call = { id: 'fs', type: 'file_search', file_search: { results: [{ file_id: 'f1', score: 0.5 }] } };
    const span = only(mapStepSpans(run(), toolStep([call]), on, LIMITS), 'tool');
    expect(span.attributes).not.toHaveProperty('gen_ai.tool.call.result');
    expect(span.attributes['openai.file_search.result_count']).toBe(1);
  });

  it('records arguments and output of an unknown tool type as JSON', () => {
    const span = only(mapStepSpans(run(), toolStep([UNKNOWN_TOOL]), on, LIMITS), 'tool');
    expect(span.attributes).toMatchObject({ 'gen_ai.tool.call.arguments': '{"q":"rain"}', 'gen_ai.tool.call.result': '["a","b"]' });
  });

  it('records function arguments sent as an object as JSON', () => {
    const span = only(mapStepSpans(run(), toolStep([functionCall('call_1', 'f', { city: 'Oslo' })]), on, LIMITS), 'tool');
    expect(span.attributes['gen_ai.tool.call.arguments']).toBe('{"city":"Oslo"}');
  });
});

describe('content truncation', () => {
  it('cuts instructions to contentMaxLength inside a still valid JSON array', () => {
    const span = mapRunSpan(
      run({ instructions: 'abcdefghijklmnop' }),
      context({ captureContent: true, contentMaxLength: 5 }),
      null,
      LIMITS,
    );
    expect(JSON.parse(span.attributes['gen_ai.system_instructions'] as string)).toEqual([{ type: 'text', content: 'abcde' }]);
  });

  it('cuts arguments and results to contentMaxLength', () => {
    const spans = mapStepSpans(
      run(),
      toolStep([functionCall('call_1', 'f', 'a'.repeat(50), 'b'.repeat(50))]),
      context({ captureContent: true, contentMaxLength: 7 }),
      LIMITS,
    );
    expect(only(spans, 'tool').attributes).toMatchObject({ 'gen_ai.tool.call.arguments': 'aaaaaaa', 'gen_ai.tool.call.result': 'bbbbbbb' });
  });

  it('keeps content within the attribute value limit when that is the smaller one', () => {
    const spans = mapStepSpans(
      run(),
      toolStep([functionCall('call_1', 'f', 'a'.repeat(50))]),
      context({ captureContent: true, contentMaxLength: 40 }),
      {
        ...LIMITS,
        attributeValueLengthLimit: 10,
      },
    );
    expect(only(spans, 'tool').attributes['gen_ai.tool.call.arguments']).toBe('a'.repeat(10));
  });

  it('leaves content shorter than the limit untouched', () => {
    const everything = everySample(true, 10_000);
    const shortOnly = everySample(true, 100_000);
    expect(shortOnly).toEqual(everything);
  });
});
