// Attribute limits, applied while mapping: value length (without splitting surrogate pairs) and count.
import { describe, expect, it } from 'vitest';
import { applyLimits, truncate } from '../../src/mapping/limits.js';
import { mapRunSpan, mapRunTrace, mapStepSpans } from '../../src/sources/assistants/mapping/map-run.js';
import { context, LIMITS, LONE_SURROGATE, named, only, run, sample, step, toolStep } from './fixtures.js';

const GRIN = '\u{1F600}'; // one code point, two UTF-16 units

describe('truncate', () => {
  it.each([
    ['shorter than the limit', 'abc', 5, 'abc'],
    ['exactly the limit', 'abcde', 5, 'abcde'],
    ['longer than the limit', 'abcdefgh', 5, 'abcde'],
    ['a limit of zero', 'abc', 0, ''],
    ['an empty string', '', 3, ''],
    ['a pair that ends at the limit', `ab${GRIN}cd`, 4, `ab${GRIN}`],
    ['a pair split by the limit', `abc${GRIN}d`, 4, 'abc'],
    ['only pairs, odd limit', GRIN.repeat(5), 5, GRIN.repeat(2)],
    ['only pairs, even limit', GRIN.repeat(5), 6, GRIN.repeat(3)],
    ['a pair split by a limit of one', GRIN, 1, ''],
    ['BMP characters beyond ASCII', 'ééééé', 3, 'ééé'],
  ])('handles %s', (_label, value, max, expected) => {
    expect(truncate(value, max)).toBe(expected);
    expect(truncate(value, max)).not.toMatch(LONE_SURROGATE);
  });
});

describe('applyLimits', () => {
  it('cuts strings and each string of a string array, leaving numbers and booleans alone', () => {
    const { attributes, dropped } = applyLimits(
      { s: 'abcdef', a: ['abcdef', 'x'], n: 123456789, b: true, nums: [1, 2, 3] },
      { attributeValueLengthLimit: 3, attributeCountLimit: 10 },
    );
    expect(attributes).toEqual({ s: 'abc', a: ['abc', 'x'], n: 123456789, b: true, nums: [1, 2, 3] });
    expect(dropped).toBe(0);
  });

  it('keeps the first attributes up to the count limit and counts the rest', () => {
    const { attributes, dropped } = applyLimits(
      { a: 1, b: 2, c: 3, d: 4, e: 5 },
      { attributeValueLengthLimit: 10, attributeCountLimit: 2 },
    );
    expect(attributes).toEqual({ a: 1, b: 2 });
    expect(dropped).toBe(3);
  });
});

describe('limits through mapping', () => {
  const { run: r, steps } = sample('run_sample02');

  it('keeps every string attribute of every span within the value length limit', () => {
    const spans = mapRunTrace(r, steps, context({ captureContent: true }), { attributeValueLengthLimit: 6, attributeCountLimit: 128 });
    for (const span of spans) {
      for (const value of Object.values(span.attributes)) {
        if (typeof value === 'string') expect(value.length).toBeLessThanOrEqual(6);
        if (Array.isArray(value)) for (const v of value) if (typeof v === 'string') expect(v.length).toBeLessThanOrEqual(6);
      }
    }
    const runSpan = only(spans, 'run');
    expect(runSpan.attributes['gen_ai.conversation.id']).toBe('thread');
    expect(runSpan.attributes['gen_ai.usage.input_tokens']).toBe(2300);
  });

  it('cuts the elements of string array attributes', () => {
    const spans = mapRunTrace(r, steps, context(), { attributeValueLengthLimit: 4, attributeCountLimit: 128 });
    const fileSearch = named(spans, 'execute_tool file_search');
    expect(fileSearch.attributes['openai.file_search.file_ids']).toEqual(['file']);
    expect(fileSearch.attributes['gen_ai.tool.type']).toBe('data');
  });

  it('drops attributes beyond the count limit and says how many', () => {
    const full = mapRunSpan(r, context(), null, LIMITS);
    const total = Object.keys(full.attributes).length;
    expect(full.droppedAttributesCount).toBe(0);
    const limited = mapRunSpan(r, context(), null, { attributeValueLengthLimit: 8192, attributeCountLimit: 3 });
    expect(Object.keys(limited.attributes)).toHaveLength(3);
    expect(limited.droppedAttributesCount).toBe(total - 3);
    // The first attribute set is the operation name, so it survives the tightest limit.
    expect(limited.attributes['gen_ai.operation.name']).toBe('invoke_agent');
  });

  it('counts dropped attributes on step and tool spans too', () => {
    const spans = mapStepSpans(r, toolStep([{ id: 'c1', type: 'file_search', file_search: { results: [] } }]), context(), {
      attributeValueLengthLimit: 8192,
      attributeCountLimit: 2,
    });
    for (const span of spans) {
      expect(Object.keys(span.attributes)).toHaveLength(2);
      expect(span.droppedAttributesCount).toBeGreaterThan(0);
    }
    expect(only(spans, 'tool').droppedAttributesCount).toBe(3);
  });

  it('cuts names made of surrogate pairs without splitting one', () => {
    const spans = mapStepSpans(run(), toolStep([{ id: 'c', type: 'function', function: { name: GRIN.repeat(10) } }]), context(), {
      attributeValueLengthLimit: 7,
      attributeCountLimit: 128,
    });
    expect(only(spans, 'tool').attributes['gen_ai.tool.name']).toBe(GRIN.repeat(3));
  });

  it('leaves attributes within the limits untouched', () => {
    const [span] = mapStepSpans(run(), step(), context(), LIMITS);
    expect(span?.attributes['openai.run_step.id']).toBe('step_1');
    expect(span?.droppedAttributesCount).toBe(0);
  });
});
