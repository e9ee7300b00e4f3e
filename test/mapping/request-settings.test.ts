// What the run asked of the model and why it stopped, on run and step spans; the agent's
// description on the run span; the run.started event.
import { describe, expect, it } from 'vitest';
import { freezeContext } from '../../src/sources/assistants/mapping/frozen-context.js';
import { mapRunSpan, mapStepSpans } from '../../src/sources/assistants/mapping/map-run.js';
import { outputTypeOf } from '../../src/mapping/output-type.js';
import { context, LIMITS, only, run, step, T0, toolStep } from './fixtures.js';

const SETTINGS = {
  temperature: 0.2,
  top_p: 0.9,
  max_completion_tokens: 512,
  response_format: { type: 'json_schema', json_schema: { name: 'a', schema: {} } },
};

describe('request settings', () => {
  it('puts temperature, top_p, max tokens and the output type on the run span and every step span', () => {
    const r = run(SETTINGS);
    const expected = {
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.max_tokens': 512,
      'gen_ai.output.type': 'json',
    };
    expect(mapRunSpan(r, context(), null, LIMITS).attributes).toMatchObject(expected);
    expect(only(mapStepSpans(r, step(), context(), LIMITS), 'step').attributes).toMatchObject(expected);
    // Tool spans are not model calls.
    const tool = only(
      mapStepSpans(r, toolStep([{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}', output: 'x' } }]), context(), LIMITS),
      'tool',
    );
    expect(Object.keys(tool.attributes).filter((k) => k.startsWith('gen_ai.request.') || k === 'gen_ai.output.type')).toEqual([]);
  });

  it.each([
    [{ type: 'json_object' }, 'json'],
    [{ type: 'json_schema', json_schema: {} }, 'json'],
    [{ type: 'text' }, 'text'],
    ['auto', undefined],
    [null, undefined],
    [{ type: 7 }, undefined],
    [['json_object'], undefined],
    ['json_object', 'json'],
  ])('reads response_format %j as output type %s', (format, type) => {
    expect(outputTypeOf(format)).toBe(type);
    const attributes = mapRunSpan(run({ response_format: format }), context(), null, LIMITS).attributes;
    if (type === undefined) expect(attributes).not.toHaveProperty('gen_ai.output.type');
    else expect(attributes['gen_ai.output.type']).toBe(type);
  });

  it('leaves out settings the run does not state or states oddly', () => {
    const attributes = mapRunSpan(
      run({ temperature: null, top_p: 'high', max_completion_tokens: 12.5 }),
      context(),
      null,
      LIMITS,
    ).attributes;
    for (const key of ['gen_ai.request.temperature', 'gen_ai.request.top_p', 'gen_ai.request.max_tokens'])
      expect(attributes).not.toHaveProperty(key);
    expect(mapRunSpan(run({ max_completion_tokens: -3 }), context(), null, LIMITS).attributes).not.toHaveProperty(
      'gen_ai.request.max_tokens',
    );
  });

  it('keeps a zero temperature (a setting, not an absence)', () => {
    expect(mapRunSpan(run({ temperature: 0 }), context(), null, LIMITS).attributes['gen_ai.request.temperature']).toBe(0);
  });
});

describe('finish reasons', () => {
  it.each([
    ['completed', {}, ['stop']],
    ['failed', { completed_at: null, failed_at: T0 + 3 }, ['error']],
    ['incomplete', { incomplete_details: { reason: 'max_completion_tokens' } }, ['length']],
    ['incomplete', { incomplete_details: { reason: 'max_prompt_tokens' } }, ['length']],
    ['incomplete', { incomplete_details: { reason: 'content_filter' } }, ['content_filter']],
    ['incomplete', { incomplete_details: null }, undefined],
    ['cancelled', { completed_at: null, cancelled_at: T0 + 3 }, undefined],
    ['expired', { completed_at: null }, undefined],
  ])('a %s run (%j) has finish reasons %j', (status, overrides, reasons) => {
    const attributes = mapRunSpan(run({ status, ...overrides }), context(), null, LIMITS).attributes;
    if (reasons === undefined) expect(attributes).not.toHaveProperty('gen_ai.response.finish_reasons');
    else expect(attributes['gen_ai.response.finish_reasons']).toEqual(reasons);
  });

  it('a finished tool-calls step stopped to call tools; a failed step on an error; a message step says nothing', () => {
    const reasons = (s: ReturnType<typeof step>) =>
      only(mapStepSpans(run(), s, context(), LIMITS), 'step').attributes['gen_ai.response.finish_reasons'];
    expect(reasons(toolStep([]))).toEqual(['tool_call']);
    expect(reasons(toolStep([], { status: 'failed', completed_at: null, failed_at: T0 + 3 }))).toEqual(['error']);
    expect(reasons(step({ status: 'failed', completed_at: null, failed_at: T0 + 3 }))).toEqual(['error']);
    expect(reasons(step())).toBeUndefined();
    expect(reasons(toolStep([], { status: 'cancelled', completed_at: null, cancelled_at: T0 + 3 }))).toBeUndefined();
  });
});

describe('agent description', () => {
  const inputs = {
    agentName: 'Helper',
    captureContent: false,
    contentMaxLength: 100,
    providerName: 'openai',
    baseURL: 'https://api.openai.com/v1',
    nowSeconds: T0,
  };

  it('is frozen with the name and goes on the run span only', () => {
    const ctx = freezeContext(run(), { ...inputs, agentDescription: 'Answers weather questions.' });
    expect(ctx.agentDescription).toBe('Answers weather questions.');
    expect(mapRunSpan(run(), ctx, null, LIMITS).attributes['gen_ai.agent.description']).toBe('Answers weather questions.');
    expect(only(mapStepSpans(run(), step(), ctx, LIMITS), 'step').attributes).not.toHaveProperty('gen_ai.agent.description');
  });

  it('is absent when the assistant has none, and in contexts recorded before descriptions were kept', () => {
    const ctx = freezeContext(run(), { ...inputs, agentDescription: null });
    expect(ctx).not.toHaveProperty('agentDescription');
    expect(mapRunSpan(run(), ctx, null, LIMITS).attributes).not.toHaveProperty('gen_ai.agent.description');
    expect(mapRunSpan(run(), context(), null, LIMITS).attributes).not.toHaveProperty('gen_ai.agent.description');
  });
});

describe('run.started event', () => {
  it('marks when the run left the queue', () => {
    const span = mapRunSpan(run({ created_at: T0, started_at: T0 + 7 }), context(), null, LIMITS);
    expect(span.events).toEqual([{ name: 'run.started', time: `${String(T0 + 7)}000000000`, attributes: {} }]);
  });

  it.each([null, undefined, -1, Number.POSITIVE_INFINITY])('is absent when started_at is %s', (startedAt) => {
    expect(mapRunSpan(run({ started_at: startedAt }), context(), null, LIMITS)).not.toHaveProperty('events');
  });

  it('is on the run span only', () => {
    expect(mapStepSpans(run({ started_at: T0 + 1 }), step(), context(), LIMITS).every((s) => s.events === undefined)).toBe(true);
  });
});
