// Hostile and odd responses: missing fields, nulls everywhere, items of unknown or wrong shapes,
// megabyte arguments, ids and names. The reader keeps what it can, and the mapping never throws.
import { describe, expect, it } from 'vitest';
import type { SpanRecord } from '../../../src/core/span-record.js';
import { isNanos } from '../../../src/core/span-record.js';
import { responseObservations } from '../../../src/sources/responses/metrics.js';
import { context, FIRST_SEEN, HEX16, HEX32, LIMITS, map, NANOS, only, responseOf, root, T0, tools, withOutput } from './fixtures.js';

const MB = 1024 * 1024;
const captureOn = context({ captureContent: true, contentMaxLength: 1000 });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function expectWellFormed(spans: SpanRecord[]): void {
  for (const s of spans) {
    expect(s.traceId).toMatch(HEX32);
    expect(s.spanId).toMatch(HEX16);
    expect(isNanos(s.start) && isNanos(s.end)).toBe(true);
    expect(BigInt(s.start) <= BigInt(s.end)).toBe(true);
    expect(Object.values(s.attributes)).not.toContain(null);
    for (const v of Object.values(s.attributes))
      if (typeof v === 'string') expect(v.length).toBeLessThanOrEqual(LIMITS.attributeValueLengthLimit);
  }
}

describe('missing fields and nulls', () => {
  it('maps a response that is nothing but an id to a bare chat span at the first-seen time', () => {
    const spans = map(responseOf({ id: 'resp_min' }), { ctx: captureOn });
    expect(spans).toHaveLength(1);
    const span = root(spans);
    expect(span.name).toBe('chat');
    expect([span.start, span.end]).toEqual([NANOS(FIRST_SEEN), NANOS(FIRST_SEEN)]);
    expect(span.status).toEqual({ code: 0 });
    expect(span.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'openai.api.type': 'responses',
      'gen_ai.response.id': 'resp_min',
      'server.address': 'api.openai.com',
      'server.port': 443,
      'assistants_bridge.start_from_first_seen': true,
      'assistants_bridge.end_unknown': true,
    });
    expect(responseObservations(responseOf({ id: 'resp_min' }), captureOn).map((o) => o.name)).toEqual(['openai.responses']);
  });

  it('maps a response that is null everywhere but its id', () => {
    const raw = Object.fromEntries(
      [
        'object',
        'created_at',
        'status',
        'completed_at',
        'error',
        'incomplete_details',
        'instructions',
        'model',
        'output',
        'previous_response_id',
        'conversation',
        'usage',
        'metadata',
        'agent',
        'text',
        'temperature',
        'top_p',
        'max_output_tokens',
        'service_tier',
        'background',
      ].map((k) => [k, null]),
    );
    const spans = map(responseOf({ id: 'resp_nulls', ...raw }), { ctx: captureOn });
    expect(spans).toHaveLength(1);
    expectWellFormed(spans);
    expect(root(spans).attributes).not.toHaveProperty('gen_ai.system_instructions');
  });

  it('maps empty nested objects (error, usage, metadata, incomplete_details, conversation, agent)', () => {
    const r = responseOf({
      id: 'resp_e',
      status: 'failed',
      error: {},
      usage: {},
      metadata: {},
      incomplete_details: {},
      conversation: {},
      agent: {},
    });
    const span = root(map(r));
    expect(span.status).toEqual({ code: 2 });
    expect(span.attributes['error.type']).toBe('_OTHER');
    expect(span.name).toBe('chat');
    expect(Object.keys(span.attributes).filter((k) => k.startsWith('gen_ai.usage.') || k === 'gen_ai.conversation.id')).toEqual([]);
  });

  it('maps tool items that carry nothing but their type', () => {
    const spans = map(
      withOutput(['function_call', 'web_search_call', 'mcp_call', 'computer_call', 'holodeck_call'].map((type) => ({ type }))),
      {
        ctx: captureOn,
      },
    );
    expect(tools(spans).map((t) => t.name)).toEqual([
      'execute_tool function',
      'execute_tool web_search',
      'execute_tool mcp',
      'execute_tool computer',
      'execute_tool holodeck',
    ]);
    expectWellFormed(spans);
    for (const t of tools(spans)) expect(t.attributes).not.toHaveProperty('gen_ai.tool.call.id');
  });
});

describe('wrong types', () => {
  it('maps item fields of the wrong type as absent', () => {
    const span = only(
      map(withOutput([{ type: 'function_call', id: 5, call_id: { x: 1 }, name: ['f'], status: 3, arguments: { a: 1 }, error: ['x'] }]), {
        ctx: captureOn,
      }),
    );
    expect(span.name).toBe('execute_tool function');
    expect(span.status).toEqual({ code: 0 });
    expect(span.attributes).not.toHaveProperty('gen_ai.tool.call.id');
    expect(span.attributes).not.toHaveProperty('openai.response.item.status');
    // Arguments a service sends as an object are still the arguments, as JSON.
    expect(span.attributes['gen_ai.tool.call.arguments']).toBe('{"a":1}');
  });

  it('maps an item whose type is not a string as no tool call', () => {
    expect(tools(map(withOutput([{ type: 42, id: 'x' }, { type: null }, { type: { name: 'function_call' } }])))).toEqual([]);
  });

  it.each([
    ['a string', 'lots'],
    ['a number', 42],
    ['an array', [1, 2]],
    ['string counts', { input_tokens: '10', output_tokens: '2' }],
    ['negative counts', { input_tokens: -1, output_tokens: -2 }],
  ])('maps usage given as %s without token attributes or token metrics', (_label, usage) => {
    const r = responseOf({ id: 'r', status: 'completed', usage });
    expect(Object.keys(root(map(r)).attributes).filter((k) => k.startsWith('gen_ai.usage.'))).toEqual([]);
    expect(responseObservations(r, context()).filter((o) => o.name.includes('token'))).toEqual([]);
  });

  it('maps content that cannot be serialized (a BigInt in an item) as absent', () => {
    const span = only(map(withOutput([{ type: 'holodeck_call', id: 'h', input: { n: 10n } }]), { ctx: captureOn }));
    expect(span.attributes).not.toHaveProperty('gen_ai.tool.call.arguments');
  });

  it('ignores a traceparent in the context that is not valid, keeping the computed trace', () => {
    const span = root(map(responseOf({ id: 'r' }), { ctx: context({ traceparent: 'garbage', tracestate: 'x=y' }) }));
    expect(span.parent).toBeNull();
    expect(span.traceState).toBeUndefined();
  });
});

describe('megabytes', () => {
  const huge = 'x'.repeat(MB);
  const call = { id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'f', arguments: huge };
  const answer = { type: 'function_call_output', call_id: 'call_1', output: huge };

  it('cuts 1 MB arguments and results to the content limit with capture on', () => {
    const span = only(map(withOutput([call]), { ctx: captureOn, answers: [answer] }));
    expect(span.attributes['gen_ai.tool.call.arguments']).toHaveLength(1000);
    expect(span.attributes['gen_ai.tool.call.result']).toHaveLength(1000);
  });

  it('leaves 1 MB content out entirely with capture off', () => {
    const spans = map(withOutput([call], { instructions: huge }), { answers: [answer] });
    expect(JSON.stringify(spans).length).toBeLessThan(10_000);
  });

  it('cuts 1 MB ids, names, models and agents to the attribute limit, and names to 128 characters', () => {
    const r = responseOf({
      id: huge,
      model: huge,
      status: 'failed',
      error: { code: huge, message: huge },
      conversation: { id: huge },
      previous_response_id: huge,
      agent: { name: huge, version: huge },
      created_at: T0,
      output: [{ id: huge, type: huge, call_id: huge, name: huge, server_label: huge }],
    });
    const spans = map(r, { linked: new Map([[huge, { traceparent: null, tracestate: null }]]) });
    expectWellFormed(spans);
    for (const s of spans) expect(s.name.length).toBeLessThanOrEqual('execute_tool '.length + 128);
    expect(root(spans).links?.[0]?.attributes['gen_ai.response.id']).toHaveLength(LIMITS.attributeValueLengthLimit);
    expect(root(spans).status.message).toHaveLength(LIMITS.attributeValueLengthLimit);
    for (const o of responseObservations(r, context())) for (const v of Object.values(o.labels)) expect(v.length).toBeLessThanOrEqual(128);
  });

  it('maps a thousand tool items, one span each with distinct ids', () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({
      type: i % 2 ? 'web_search_call' : 'function_call',
      call_id: i % 3 ? `c${i % 7}` : undefined,
    }));
    const spans = map(withOutput(items));
    expect(tools(spans)).toHaveLength(1000);
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(1001);
  });
});

describe('unicode', () => {
  const GRIN = '\u{1F600}';

  it('never splits a surrogate pair when cutting content', () => {
    const ctx = context({ captureContent: true, contentMaxLength: 5 });
    const span = only(map(withOutput([{ type: 'function_call', call_id: 'c', name: 'f', arguments: GRIN.repeat(10) }]), { ctx }));
    const args = span.attributes['gen_ai.tool.call.arguments'] as string;
    expect(args).toBe(GRIN.repeat(2));
    expect(args).not.toMatch(LONE_SURROGATE);
  });

  it('maps ids and names in any script, and ids with separators, to valid span ids', () => {
    const spans = map(
      withOutput([{ type: 'función_call', call_id: 'llamada\u0000#1', name: 'tiempo_en_Łódź' }], { id: 'resp_日本\u0000' }),
    );
    expectWellFormed(spans);
    expect(only(spans).name).toBe('execute_tool tiempo_en_Łódź');
  });
});
