// Odd payloads through parseRun/parseStep and then mapping: the parser keeps what it can, and
// mapping never throws.
import { describe, expect, it } from 'vitest';
import { mapRunSpan, mapRunTrace, mapStepSpans } from '../../src/sources/assistants/mapping/map-run.js';
import type { SpanRecord } from '../../src/core/span-record.js';
import { parseRun, parseStep } from '../../src/sources/assistants/payloads.js';
import {
  byRole,
  context,
  functionCall,
  HEX16,
  HEX32,
  LIMITS,
  LONE_SURROGATE,
  only,
  run,
  runOf,
  step,
  stepOf,
  T0,
  toolStep,
  secondsOf,
  roleOf,
} from './fixtures.js';

const MB = 1024 * 1024;
const FIRST_SEEN = 1_800_000_000;
const captureOn = context({ captureContent: true, contentMaxLength: 1000, firstSeenSeconds: FIRST_SEEN });
const captureOff = context({ captureContent: false, firstSeenSeconds: FIRST_SEEN });

function expectWellFormed(spans: SpanRecord[]): void {
  for (const s of spans) {
    expect(s.traceId).toMatch(HEX32);
    expect(s.spanId).toMatch(HEX16);
    expect(Number.isInteger(secondsOf(s.start)) && Number.isInteger(secondsOf(s.end))).toBe(true);
    expect(secondsOf(s.start)).toBeLessThanOrEqual(secondsOf(s.end));
    expect(Object.values(s.attributes)).not.toContain(null);
  }
}

describe('nulls, empties and missing fields', () => {
  const NULL_RUN = {
    id: 'run_nulls',
    object: null,
    thread_id: null,
    assistant_id: null,
    agent_id: null,
    status: null,
    model: null,
    instructions: null,
    created_at: null,
    started_at: null,
    expires_at: null,
    completed_at: null,
    failed_at: null,
    cancelled_at: null,
    last_error: null,
    incomplete_details: null,
    usage: null,
    metadata: null,
    tools: null,
  };
  const NULL_STEP = {
    id: 'step_nulls',
    object: null,
    run_id: null,
    thread_id: null,
    assistant_id: null,
    agent_id: null,
    type: null,
    status: null,
    created_at: null,
    completed_at: null,
    failed_at: null,
    cancelled_at: null,
    expired_at: null,
    last_error: null,
    usage: null,
    metadata: null,
    step_details: null,
  };

  it('parses a run that is null everywhere but its id and maps it to a bare span', () => {
    const r = runOf(NULL_RUN);
    const span = mapRunSpan(
      r,
      context({ agentName: null, serverAddress: null, serverPort: null, firstSeenSeconds: FIRST_SEEN }),
      null,
      LIMITS,
    );
    expect(span.name).toBe('invoke_agent');
    expect([secondsOf(span.start), secondsOf(span.end)]).toEqual([FIRST_SEEN, FIRST_SEEN]);
    expect(span.status).toEqual({ code: 0 });
    expect(span.attributes).toEqual({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.provider.name': 'openai',
      'openai.run.id': 'run_nulls',
      'assistants_bridge.start_from_first_seen': true,
      'assistants_bridge.end_unknown': true,
    });
    // Without a status the run is not known to be finished: no span from mapRunTrace.
    expect(mapRunTrace(r, [], captureOn, LIMITS)).toEqual([]);
  });

  it('maps a step that is null everywhere but its id when asked directly, and not as part of a trace', () => {
    const s = stepOf(NULL_STEP);
    const spans = mapStepSpans(runOf(NULL_RUN), s, captureOn, LIMITS);
    expect(spans).toHaveLength(1);
    expect(spans[0]?.name).toBe('chat');
    expect(spans[0]?.attributes['openai.run_step.id']).toBe('step_nulls');
    expect(mapRunTrace(runOf({ ...NULL_RUN, status: 'completed' }), [s], captureOn, LIMITS).map((x) => roleOf(x))).toEqual(['run']);
  });

  it('maps a finished run and step with nothing but id and status', () => {
    const spans = mapRunTrace(
      runOf({ id: 'run_min', status: 'completed' }),
      [stepOf({ id: 'step_min', status: 'completed' })],
      captureOn,
      LIMITS,
    );
    expect(spans.map((s) => [roleOf(s), secondsOf(s.start), secondsOf(s.end)])).toEqual([
      ['run', FIRST_SEEN, FIRST_SEEN],
      ['step', FIRST_SEEN, FIRST_SEEN],
    ]);
    expectWellFormed(spans);
  });

  it.each([
    ['an empty tool_calls array', { type: 'tool_calls', tool_calls: [] }],
    ['step_details without tool_calls', { type: 'tool_calls' }],
    ['empty step_details', {}],
  ])('maps a step with %s to the step span alone', (_label, details) => {
    expect(mapStepSpans(run(), step({ step_details: details }), captureOn, LIMITS)).toHaveLength(1);
  });

  it('maps empty nested objects (last_error, usage, metadata, incomplete_details)', () => {
    const r = run({ status: 'failed', last_error: {}, usage: {}, metadata: {}, incomplete_details: {} });
    const span = mapRunSpan(r, captureOn, null, LIMITS);
    expect(span.attributes['error.type']).toBe('_OTHER');
    expect(span.status).toEqual({ code: 2 });
    expect(span.attributes).not.toHaveProperty('gen_ai.usage.input_tokens');
  });

  it('maps code interpreter and file search calls without their bodies', () => {
    const spans = mapStepSpans(
      run(),
      toolStep([
        { id: 'a', type: 'code_interpreter' },
        { id: 'b', type: 'file_search', file_search: null },
      ]),
      captureOn,
      LIMITS,
    );
    expect(byRole(spans, 'tool').map((s) => s.attributes)).toEqual([
      {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'code_interpreter',
        'gen_ai.tool.call.id': 'a',
        'gen_ai.tool.type': 'extension',
        'openai.code_interpreter.output_count': 0,
      },
      {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'file_search',
        'gen_ai.tool.call.id': 'b',
        'gen_ai.tool.type': 'datastore',
        'openai.file_search.result_count': 0,
      },
    ]);
  });
});

describe('wrong types', () => {
  it('reads created_at given as a string of digits', () => {
    const r = run({ created_at: String(T0), completed_at: String(T0 + 4) });
    expect(r.created_at).toBe(T0);
    const span = mapRunSpan(r, captureOn, null, LIMITS);
    expect([secondsOf(span.start), secondsOf(span.end)]).toEqual([T0, T0 + 4]);
  });

  it.each([
    ['an object', { seconds: T0 }],
    ['an array', [T0]],
    ['a date string', '2025-10-09T08:53:20Z'],
    ['a decimal string', '1760000000.5'],
    ['a boolean', true],
  ])('treats created_at given as %s as missing', (_label, createdAt) => {
    const r = run({ created_at: createdAt });
    expect(r.created_at).toBeNull();
    const span = mapRunSpan(r, captureOn, null, LIMITS);
    expect(secondsOf(span.start)).toBe(FIRST_SEEN);
    expect(span.attributes['assistants_bridge.start_from_first_seen']).toBe(true);
  });

  it.each([
    ['a digit string too long for a number', '9'.repeat(400)],
    ['a negative number', -5],
    ['a number beyond what OTLP can carry', 1e30],
  ])('never carries a start that cannot be exported: created_at as %s', (_label, createdAt) => {
    const span = mapRunSpan(run({ created_at: createdAt, completed_at: null }), captureOn, null, LIMITS);
    expect([secondsOf(span.start), secondsOf(span.end)]).toEqual([FIRST_SEEN, FIRST_SEEN]);
  });

  it('cuts fractional seconds to whole ones', () => {
    const span = mapRunSpan(run({ created_at: T0 + 0.9, completed_at: T0 + 5.5 }), captureOn, null, LIMITS);
    expect([secondsOf(span.start), secondsOf(span.end)]).toEqual([T0, T0 + 5]);
  });

  it.each([
    ['a string', 'lots'],
    ['a number', 42],
    ['an array', [1, 2]],
    ['an object with string counts', { prompt_tokens: '10', completion_tokens: '2' }],
  ])('maps usage given as %s without token attributes', (_label, usage) => {
    const span = mapRunSpan(run({ usage }), captureOn, null, LIMITS);
    expect(span.attributes).not.toHaveProperty('gen_ai.usage.input_tokens');
    expect(span.attributes).not.toHaveProperty('gen_ai.usage.output_tokens');
  });

  it.each([
    ['a string', 'call_1'],
    ['an object', { 0: functionCall('call_1', 'f') }],
    ['a number', 3],
  ])('maps tool_calls given as %s to the step span alone', (_label, toolCalls) => {
    const s = step({ type: 'tool_calls', step_details: { type: 'tool_calls', tool_calls: toolCalls } });
    expect(s.step_details?.tool_calls).toBeNull();
    expect(s.step_details?.type).toBe('tool_calls');
    expect(mapStepSpans(run(), s, captureOn, LIMITS)).toHaveLength(1);
  });

  it('maps tool calls that are not objects as unknown tools, one span each', () => {
    const spans = mapStepSpans(run(), toolStep([null, 7, 'call', [], { type: 42, id: {} }]), captureOn, LIMITS);
    const tools = byRole(spans, 'tool');
    expect(tools.map((t) => t.name)).toEqual(Array(5).fill('execute_tool unknown'));
    expect(new Set(tools.map((t) => t.spanId)).size).toBe(5);
  });

  it.each([
    ['step_details as a string', { step_details: 'tool_calls' }],
    ['status as a number', { status: 1 }],
    ['last_error as a string', { status: 'failed', last_error: 'boom' }],
    ['message_creation as a string', { step_details: { type: 'message_creation', message_creation: 'msg_1' } }],
    ['metadata as an array', { metadata: ['a'] }],
  ])('parses a step with %s, keeping the rest', (_label, overrides) => {
    const s = step(overrides);
    expect(s.id).toBe('step_1');
    expect(() => mapStepSpans(run(), s, captureOn, LIMITS)).not.toThrow();
  });

  it('maps a failed run whose last_error is a string as _OTHER', () => {
    const r = run({ status: 'failed', last_error: 'boom' });
    expect(r.last_error).toBeNull();
    expect(mapRunSpan(r, captureOn, null, LIMITS).attributes['error.type']).toBe('_OTHER');
  });

  it('maps instructions, model and thread given as non-strings as absent', () => {
    const span = mapRunSpan(run({ instructions: { text: 'x' }, model: 4, thread_id: ['t'] }), captureOn, null, LIMITS);
    expect(span.attributes).not.toHaveProperty('gen_ai.system_instructions');
    expect(span.attributes).not.toHaveProperty('gen_ai.request.model');
    expect(span.attributes).not.toHaveProperty('gen_ai.conversation.id');
  });

  it.each([
    ['no id', {}],
    ['an empty id', { id: '' }],
    ['a numeric id', { id: 5 }],
    ['null', null],
    ['an array', []],
    ['a string', 'run_1'],
  ])('rejects a run with %s, saying where, without throwing', (_label, input) => {
    const parsed = parseRun(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(/^run: /);
    const parsedStep = parseStep(input);
    expect(parsedStep.ok).toBe(false);
  });
});

describe('megabyte strings', () => {
  const huge = 'x'.repeat(MB);

  it('cuts 1 MB instructions to contentMaxLength with capture on', () => {
    const span = mapRunSpan(run({ instructions: huge }), captureOn, null, LIMITS);
    const parts = JSON.parse(span.attributes['gen_ai.system_instructions'] as string) as { content: string }[];
    expect(parts[0]?.content).toBe('x'.repeat(1000));
  });

  it('cuts 1 MB arguments and results to contentMaxLength with capture on', () => {
    const spans = mapStepSpans(run(), toolStep([functionCall('call_1', 'f', huge, huge)]), captureOn, LIMITS);
    const tool = only(spans, 'tool');
    expect((tool.attributes['gen_ai.tool.call.arguments'] as string).length).toBe(1000);
    expect((tool.attributes['gen_ai.tool.call.result'] as string).length).toBe(1000);
  });

  it('leaves 1 MB content out entirely with capture off', () => {
    const spans = mapRunTrace(run({ instructions: huge }), [toolStep([functionCall('call_1', 'f', huge, huge)])], captureOff, LIMITS);
    expect(JSON.stringify(spans).length).toBeLessThan(10_000);
  });

  it('cuts 1 MB names and ids to the attribute value limit', () => {
    const r = run({ model: huge, thread_id: huge });
    const spans = mapRunTrace(r, [toolStep([{ id: huge, type: 'function', function: { name: huge } }])], captureOff, LIMITS);
    for (const s of spans) {
      for (const v of Object.values(s.attributes))
        if (typeof v === 'string') expect(v.length).toBeLessThanOrEqual(LIMITS.attributeValueLengthLimit);
    }
  });
});

describe('unknown fields', () => {
  it('keeps unknown run and step fields, nested ones included', () => {
    const r = run({ tools: [{ type: 'mcp', server_label: 'gh' }], reasoning_effort: 'high', metadata: { team: 'x', nested: { a: [1] } } });
    expect(r).toMatchObject({
      tools: [{ type: 'mcp', server_label: 'gh' }],
      reasoning_effort: 'high',
      metadata: { team: 'x', nested: { a: [1] } },
    });
    const s = step({
      x_vendor: { trace: 1 },
      step_details: { type: 'tool_calls', tool_calls: [{ id: 'c', type: 'mcp', mcp: { name: 'q' } }], extra: true },
    });
    expect(s).toMatchObject({
      x_vendor: { trace: 1 },
      step_details: { extra: true, tool_calls: [{ id: 'c', type: 'mcp', mcp: { name: 'q' } }] },
    });
    expect(s.usage).toEqual({ prompt_tokens: 40, completion_tokens: 8, total_tokens: 48 });
  });

  it('keeps unknown fields inside known nested objects', () => {
    const r = run({
      last_error: { code: 'x', message: 'y', param: 'z' },
      usage: { prompt_tokens: 1, completion_tokens: 2, prompt_token_details: { cached_tokens: 1 } },
    });
    expect(r.last_error).toEqual({ code: 'x', message: 'y', param: 'z' });
    expect(r.usage).toMatchObject({ prompt_token_details: { cached_tokens: 1 } });
  });
});

describe('unicode', () => {
  const GRIN = '\u{1F600}';

  it('keeps non-ASCII names and ids intact', () => {
    const r = run({ id: 'run_ü_日本', model: 'модель', thread_id: 'thread_✓' });
    const spans = mapRunTrace(r, [toolStep([functionCall('call_é', 'météo_☀')])], context({ agentName: 'Assistant 助手 🤖' }), LIMITS);
    expect(spans.map((s) => s.name)).toEqual(['invoke_agent Assistant 助手 🤖', 'chat модель', 'execute_tool météo_☀']);
    expect(only(spans, 'tool').attributes['gen_ai.tool.call.id']).toBe('call_é');
    expectWellFormed(spans);
  });

  it('never splits a surrogate pair when cutting content, whatever the limit', () => {
    const text = `a${GRIN.repeat(40)}`;
    for (let max = 1; max < 30; max += 1) {
      const ctx = context({ captureContent: true, contentMaxLength: max });
      const span = mapRunSpan(run({ instructions: text }), ctx, null, LIMITS);
      const content = (JSON.parse(span.attributes['gen_ai.system_instructions'] as string) as { content: string }[])[0]?.content ?? '';
      expect(content).not.toMatch(LONE_SURROGATE);
      expect(content.length).toBeLessThanOrEqual(max);
      expect(content.length).toBeGreaterThanOrEqual(max - 1);
      const tool = only(mapStepSpans(run(), toolStep([functionCall('c', 'f', text, text)]), ctx, LIMITS), 'tool');
      expect(tool.attributes['gen_ai.tool.call.arguments']).not.toMatch(LONE_SURROGATE);
    }
  });

  it('never splits a surrogate pair when applying the attribute value limit', () => {
    for (let max = 1; max < 12; max += 1) {
      const spans = mapRunTrace(run({ model: GRIN.repeat(10), thread_id: `t${GRIN.repeat(10)}` }), [step()], context(), {
        attributeValueLengthLimit: max,
        attributeCountLimit: 128,
      });
      for (const s of spans) for (const v of Object.values(s.attributes)) if (typeof v === 'string') expect(v).not.toMatch(LONE_SURROGATE);
    }
  });

  it('maps strings holding lone surrogates without throwing', () => {
    const lone = 'a\uD800b\uDC00';
    const spans = mapRunTrace(
      run({ instructions: lone, model: lone }),
      [toolStep([functionCall(lone, lone, lone, lone)])],
      captureOn,
      LIMITS,
    );
    expect(spans).toHaveLength(3);
    expectWellFormed(spans);
  });
});

describe('duplicate tool call ids in one step', () => {
  const spanIdsOf = (calls: unknown[]): string[] =>
    byRole(mapStepSpans(run(), toolStep(calls), context(), LIMITS), 'tool').map((s) => s.spanId);

  it('gives each call its own span id', () => {
    const ids = spanIdsOf([functionCall('call_1', 'a'), functionCall('call_1', 'b'), functionCall('call_1', 'c')]);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
  });

  it('keeps the id of the first of two duplicates what it would be alone', () => {
    const alone = spanIdsOf([functionCall('call_1', 'a')]);
    const withDuplicate = spanIdsOf([functionCall('call_1', 'a'), functionCall('call_1', 'b')]);
    expect(withDuplicate[0]).toBe(alone[0]);
  });

  it('keeps ids distinct when a real id looks like a generated one', () => {
    // A duplicate of `call_1` at position 2 would be keyed `call_1#2`, which the first call already uses.
    const ids = spanIdsOf([functionCall('call_1#2', 'a'), functionCall('call_1', 'b'), functionCall('call_1', 'c')]);
    expect(new Set(ids).size).toBe(3);
  });

  it('keeps ids distinct between calls without an id and calls whose id looks like a position', () => {
    const ids = spanIdsOf([
      functionCall('#1', 'a'),
      { type: 'function', function: { name: 'b' } },
      { type: 'function' },
      functionCall('#2', 'c'),
    ]);
    expect(new Set(ids).size).toBe(4);
  });
});

describe('mapping never throws', () => {
  const ODD_RUNS: unknown[] = [
    { id: 'r1', status: 'completed', metadata: { traceparent: null, tracestate: 5 } },
    { id: 'r2', status: 'failed', last_error: { code: 5, message: { text: 'x' } } },
    { id: 'r3', status: 'incomplete', incomplete_details: 'max_tokens' },
    { id: 'r4', status: 'expired', created_at: Number.MAX_SAFE_INTEGER, completed_at: 0 },
    { id: 'r5', status: 'completed', created_at: -1, usage: { prompt_tokens: Number.MAX_VALUE, completion_tokens: -3 } },
    { id: 'r6', status: 'cancelled', instructions: '', model: '', thread_id: '' },
    { id: 'r7', status: 'completed', __proto__: { polluted: true }, constructor: 'x', toString: 1 },
  ];
  const ODD_STEPS: unknown[] = [
    { id: 's1', status: 'completed', step_details: { type: 'tool_calls', tool_calls: [{ type: 'function', function: 'f' }] } },
    { id: 's2', status: 'failed', step_details: { tool_calls: [{ type: 'code_interpreter', code_interpreter: { outputs: 'none' } }] } },
    {
      id: 's3',
      status: 'expired',
      step_details: {
        tool_calls: [{ type: 'file_search', file_search: { results: [null, 1, { content: 'x' }], ranking_options: 'best' } }],
      },
    },
    {
      id: 's4',
      status: 'cancelled',
      step_details: { tool_calls: [{ type: 'x', x: { arguments: { deep: { deeper: [1, { a: null }] } }, output: null, results: [1] } }] },
    },
    {
      id: 's5',
      status: 'completed',
      step_details: { tool_calls: [{ type: 'function', function: { name: '', arguments: null, output: { cyclic: 'no' } } }] },
    },
    { id: 's6', status: 'completed', type: 'reasoning', step_details: { type: 'reasoning' }, completed_at: '0' },
  ];

  it.each(ODD_RUNS.map((r) => [r]))('maps %j with every odd step', (raw) => {
    const r = runOf(raw);
    const steps = ODD_STEPS.map(stepOf);
    for (const ctx of [captureOn, captureOff, context({ captureContent: true, contentMaxLength: 1, traceparent: 'garbage' })]) {
      const spans = mapRunTrace(r, steps, ctx, { attributeValueLengthLimit: 3, attributeCountLimit: 4 });
      expect(byRole(spans, 'step')).toHaveLength(ODD_STEPS.length);
      expectWellFormed(spans);
    }
  });
});
