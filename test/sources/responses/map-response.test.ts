// The response's root span, rule by rule: name and kind, times and their flags, status and error,
// the attributes the conventions and the protocol name, the app's trace, the previous-response
// link, content capture, limits, ids, dedupe key, unit and history.
import { describe, expect, it } from 'vitest';
import { parseTraceparent } from '../../../src/mapping/ids.js';
import { responseItemSpanId, responseSpanId, traceIdForResponse } from '../../../src/sources/responses/ids.js';
import {
  agentResponse,
  context,
  FIRST_SEEN,
  HEX16,
  HEX32,
  map,
  NANOS,
  only,
  response,
  responseOf,
  responseJson,
  root,
  T0,
  tools,
  withOutput,
} from './fixtures.js';

const APP_TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('the root span', () => {
  it('is `chat {model}` for a model response, CLIENT, with no parent', () => {
    const span = root(map(response()));
    expect(span.name).toBe('chat gpt-4.1-mini');
    expect(span.kind).toBe(2);
    expect(span.parent).toBeNull();
    expect(span.attributes['gen_ai.operation.name']).toBe('chat');
    expect(span.attributes).not.toHaveProperty('gen_ai.agent.name');
  });

  it("is `invoke_agent {agent}` for a Foundry agent's response, with the agent's name, version and id", () => {
    const span = root(map(agentResponse()));
    expect(span.name).toBe('invoke_agent support-triage');
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'support-triage',
      'gen_ai.agent.version': '3',
      'gen_ai.agent.id': 'support-triage:3',
      'gen_ai.request.model': 'gpt-4.1',
    });
  });

  it('reads the agent from `agent_reference` too, and a reference without a version names no agent id', () => {
    const span = root(map(response({ agent_reference: { type: 'agent_reference', name: 'scout' } })));
    expect(span.name).toBe('invoke_agent scout');
    expect(span.attributes['gen_ai.agent.name']).toBe('scout');
    expect(span.attributes).not.toHaveProperty('gen_ai.agent.id');
  });

  it('is plain `chat` without a model, and cuts a huge agent name in the span name only', () => {
    expect(root(map(response({ model: null }))).name).toBe('chat');
    const long = 'a'.repeat(5000);
    const span = root(map(response({ agent: { name: long, version: '1' } })));
    expect(span.name).toBe(`invoke_agent ${'a'.repeat(128)}`);
    expect(span.attributes['gen_ai.agent.name']).toBe(long);
  });

  it('carries the response id, the API type, the conversation and the provider and server', () => {
    const span = root(map(response({ conversation: { id: 'conv_1' } })));
    expect(span.attributes).toMatchObject({
      'gen_ai.response.id': 'resp_abc',
      'openai.api.type': 'responses',
      'gen_ai.conversation.id': 'conv_1',
      'gen_ai.provider.name': 'openai',
      'server.address': 'api.openai.com',
      'server.port': 443,
      'openai.response.status': 'completed',
      'openai.response.service_tier': 'default',
      'openai.response.background': false,
    });
    expect(root(map(response({ conversation: 'conv_2' }))).attributes['gen_ai.conversation.id']).toBe('conv_2');
    expect(root(map(response())).attributes).not.toHaveProperty('gen_ai.conversation.id');
  });

  it('carries the request settings: temperature, top_p, max_output_tokens, output type', () => {
    const span = root(
      map(response({ temperature: 0.2, top_p: 0.9, max_output_tokens: 500, text: { format: { type: 'json_schema', name: 'x' } } })),
    );
    expect(span.attributes).toMatchObject({
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.max_tokens': 500,
      'gen_ai.output.type': 'json',
    });
    expect(root(map(response({ max_output_tokens: 2.5 }))).attributes).not.toHaveProperty('gen_ai.request.max_tokens');
  });

  it('carries usage with cached input and reasoning tokens', () => {
    expect(root(map(response())).attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 30,
      'gen_ai.usage.cache_read.input_tokens': 64,
      'gen_ai.usage.reasoning.output_tokens': 12,
    });
    const none = root(map(response({ usage: null }))).attributes;
    expect(Object.keys(none).filter((k) => k.startsWith('gen_ai.usage.'))).toEqual([]);
  });
});

describe('times', () => {
  it('runs from created_at to completed_at, in exact nanoseconds', () => {
    const span = root(map(response()));
    expect([span.start, span.end]).toEqual([NANOS(T0), NANOS(T0 + 7)]);
    expect(Object.keys(span.attributes).filter((k) => k.startsWith('assistants_bridge.'))).toEqual([]);
  });

  it('keeps fractions of a second', () => {
    const span = root(map(response({ created_at: T0 + 0.25, completed_at: T0 + 1.5 })));
    expect([span.start, span.end]).toEqual(['1780000000250000000', '1780000001500000000']);
  });

  it('ends where a webhook event reported the end when there is no completed_at', () => {
    const span = root(map(response({ status: 'failed', completed_at: null }), { ctx: context({ reportedEndSeconds: T0 + 4 }) }));
    expect(span.end).toBe(NANOS(T0 + 4));
    expect(span.attributes).not.toHaveProperty('assistants_bridge.end_unknown');
  });

  it('prefers completed_at to the reported end', () => {
    const span = root(map(response(), { ctx: context({ reportedEndSeconds: T0 + 99 }) }));
    expect(span.end).toBe(NANOS(T0 + 7));
  });

  it('ends where it starts, flagged end_unknown, when nothing says when it ended', () => {
    const span = root(map(response({ status: 'cancelled', completed_at: null })));
    expect([span.start, span.end]).toEqual([NANOS(T0), NANOS(T0)]);
    expect(span.attributes['assistants_bridge.end_unknown']).toBe(true);
  });

  it('moves an end before the start to the start, flagged end_clamped', () => {
    const span = root(map(response({ completed_at: T0 - 5 })));
    expect(span.end).toBe(span.start);
    expect(span.attributes['assistants_bridge.end_clamped']).toBe(true);
  });

  it('starts at the first-seen time, flagged, without a usable created_at', () => {
    const span = root(map(response({ created_at: 'yesterday', completed_at: null })));
    expect(span.start).toBe(NANOS(FIRST_SEEN));
    expect(span.attributes).toMatchObject({ 'assistants_bridge.start_from_first_seen': true, 'assistants_bridge.end_unknown': true });
  });

  it('gives every tool span the response interval and says so', () => {
    const spans = map(withOutput([{ id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{}' }]));
    const tool = only(spans);
    expect([tool.start, tool.end]).toEqual([root(spans).start, root(spans).end]);
    expect(tool.attributes['assistants_bridge.timing']).toBe('response');
  });
});

describe('status', () => {
  it('leaves a completed response UNSET', () => {
    const span = root(map(response()));
    expect(span.status).toEqual({ code: 0 });
    expect(span.attributes).not.toHaveProperty('error.type');
    expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
  });

  it("makes a failed response ERROR with the error's code as error.type and its message as the description", () => {
    const span = root(map(response({ status: 'failed', completed_at: null, error: { code: 'server_error', message: 'Sorry.' } })));
    expect(span.status).toEqual({ code: 2, message: 'Sorry.' });
    expect(span.attributes['error.type']).toBe('server_error');
    expect(span.attributes['openai.response.status']).toBe('failed');
    expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['error']);
  });

  it('uses _OTHER for a failure without a code', () => {
    const span = root(map(response({ status: 'failed', error: null })));
    expect(span.status).toEqual({ code: 2 });
    expect(span.attributes['error.type']).toBe('_OTHER');
  });

  it('leaves cancelled and incomplete responses UNSET, carrying their status and reason', () => {
    const cancelled = root(map(response({ status: 'cancelled', completed_at: null })));
    expect(cancelled.status).toEqual({ code: 0 });
    expect(cancelled.attributes['openai.response.status']).toBe('cancelled');
    expect(cancelled.attributes).not.toHaveProperty('gen_ai.response.finish_reasons');
    const incomplete = root(
      map(response({ status: 'incomplete', completed_at: null, incomplete_details: { reason: 'max_output_tokens' } })),
    );
    expect(incomplete.status).toEqual({ code: 0 });
    expect(incomplete.attributes).toMatchObject({
      'openai.response.status': 'incomplete',
      'openai.response.incomplete_details.reason': 'max_output_tokens',
      'gen_ai.response.finish_reasons': ['length'],
    });
    const filtered = root(map(response({ status: 'incomplete', incomplete_details: { reason: 'content_filter' } })));
    expect(filtered.attributes['gen_ai.response.finish_reasons']).toEqual(['content_filter']);
  });

  it('says a completed response stopped for a tool call when it asks the app to run one', () => {
    const span = root(map(withOutput([{ id: 'fc_1', type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' }])));
    expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_call']);
    const hosted = root(map(withOutput([{ id: 'ws_1', type: 'web_search_call', status: 'completed', action: { type: 'search' } }])));
    expect(hosted.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
  });

  it("cuts a huge error message to the attribute limit in the span's status", () => {
    const span = root(map(response({ status: 'failed', error: { code: 'x', message: 'm'.repeat(20_000) } })));
    expect(span.status.message).toHaveLength(8192);
  });
});

describe("the app's trace and the previous response", () => {
  it("joins the trace of a valid metadata.traceparent as a remote child of the app's span, flags and tracestate kept", () => {
    const r = response({ metadata: { traceparent: APP_TRACEPARENT, tracestate: 'vendor=1' } });
    const spans = map(r, { ctx: context({ traceparent: APP_TRACEPARENT, tracestate: 'vendor=1' }) });
    const span = root(spans);
    expect(span.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(span.parent).toEqual({ spanId: 'b7ad6b7169203331', remote: true });
    expect(span.traceFlags).toBe(1);
    expect(span.traceState).toBe('vendor=1');
    expect(span.spanId).toBe(responseSpanId('resp_abc'));
  });

  it('keeps an unsampled flag from the traceparent', () => {
    const tp = APP_TRACEPARENT.replace(/-01$/, '-00');
    expect(root(map(response(), { ctx: context({ traceparent: tp }) })).traceFlags).toBe(0);
  });

  it('has its own trace, computed from the response id, without one', () => {
    const spans = map(response());
    expect(root(spans).traceId).toBe(traceIdForResponse('resp_abc'));
    expect(root(spans).traceState).toBeUndefined();
  });

  it('always names the previous response, and links to its root span in its computed trace when the bridge knows it', () => {
    const r = response({ previous_response_id: 'resp_prev' });
    const unknown = root(map(r));
    expect(unknown.attributes['gen_ai.request.previous_response.id']).toBe('resp_prev');
    expect(unknown.links).toBeUndefined();
    const known = root(map(r, { linked: new Map([['resp_prev', { traceparent: null, tracestate: null }]]) }));
    expect(known.links).toEqual([
      {
        traceId: traceIdForResponse('resp_prev'),
        spanId: responseSpanId('resp_prev'),
        traceFlags: 1,
        attributes: { 'gen_ai.response.id': 'resp_prev' },
      },
    ]);
  });

  it('links into the app trace the previous response joined, as recorded', () => {
    const r = response({ previous_response_id: 'resp_prev' });
    const span = root(map(r, { linked: new Map([['resp_prev', { traceparent: APP_TRACEPARENT, tracestate: 'a=b' }]]) }));
    expect(span.links).toEqual([
      {
        traceId: parseTraceparent(APP_TRACEPARENT)?.traceId,
        spanId: responseSpanId('resp_prev'),
        traceFlags: 1,
        traceState: 'a=b',
        attributes: { 'gen_ai.response.id': 'resp_prev' },
      },
    ]);
  });
});

describe('content capture', () => {
  const captured = context({ captureContent: true, contentMaxLength: 10 });

  it('records no instructions with capture off (the default)', () => {
    expect(root(map(response())).attributes).not.toHaveProperty('gen_ai.system_instructions');
  });

  it('records instructions as text parts with capture on, cut to the content limit', () => {
    const span = root(map(response({ instructions: 'Answer briefly, please.' }), { ctx: captured }));
    expect(JSON.parse(span.attributes['gen_ai.system_instructions'] as string)).toEqual([{ type: 'text', content: 'Answer bri' }]);
  });

  it("reads instructions given as input items (a prompt template's messages)", () => {
    const instructions = [
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Be kind.' }] },
      { type: 'message', role: 'system', content: 'Be brief.' },
    ];
    const span = root(map(response({ instructions }), { ctx: context({ captureContent: true }) }));
    expect(JSON.parse(span.attributes['gen_ai.system_instructions'] as string)).toEqual([
      { type: 'text', content: 'Be kind.' },
      { type: 'text', content: 'Be brief.' },
    ]);
  });

  it('keeps the instructions JSON whole when the attribute limit is shorter than the content', () => {
    const span = root(
      map(response({ instructions: 'x'.repeat(500) }), {
        ctx: context({ captureContent: true }),
        limits: { attributeValueLengthLimit: 100, attributeCountLimit: 128 },
      }),
    );
    const json = span.attributes['gen_ai.system_instructions'] as string;
    expect(json.length).toBeLessThanOrEqual(100);
    expect((JSON.parse(json) as { content: string }[])[0]?.content).toMatch(/^x+$/);
  });
});

describe('limits', () => {
  it('cuts values to the value limit and drops attributes over the count limit, counting them', () => {
    const span = root(map(response({ model: 'm'.repeat(50) }), { limits: { attributeValueLengthLimit: 20, attributeCountLimit: 5 } }));
    expect(Object.keys(span.attributes)).toHaveLength(5);
    expect(span.droppedAttributesCount).toBeGreaterThan(0);
    for (const v of Object.values(span.attributes)) if (typeof v === 'string') expect(v.length).toBeLessThanOrEqual(20);
  });
});

describe('ids, key, unit and history', () => {
  it('gives the same ids for the same response, different ones for another', () => {
    const r = withOutput([{ id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{}' }]);
    const a = map(r);
    expect(map(responseOf(structuredClone(r.raw)))).toEqual(a);
    expect(root(a).traceId).toMatch(HEX32);
    for (const s of a) expect(s.spanId).toMatch(HEX16);
    expect(only(a).spanId).toBe(responseItemSpanId('resp_abc', 'call_1'));
    const other = map(responseOf({ ...r.raw, id: 'resp_other' }));
    expect(root(other).traceId).not.toBe(root(a).traceId);
    expect(root(other).spanId).not.toBe(root(a).spanId);
  });

  it("keys every span by the response id, in the source's namespace, and gives every span the unit asked for", () => {
    const spans = map(withOutput([{ id: 'ws_1', type: 'web_search_call', status: 'completed' }]), { unit: 'agent:scout' });
    expect(spans.map((s) => [s.key, s.unit])).toEqual([
      ['responses:response:resp_abc', 'agent:scout'],
      ['responses:response:resp_abc', 'agent:scout'],
    ]);
  });

  it('marks the root span for the export lag when the response is news', () => {
    const spans = map(withOutput([{ id: 'ws_1', type: 'web_search_call', status: 'completed' }]));
    expect(root(spans).lagSample).toBe(true);
    expect(tools(spans)[0]?.lagSample).toBeUndefined();
    expect(spans.some((s) => s.history)).toBe(false);
  });

  it('marks every span history, and none for the lag, when the response ended long before the bridge saw its unit', () => {
    const spans = map(withOutput([{ id: 'ws_1', type: 'web_search_call', status: 'completed' }]), {
      ctx: context({ firstSeenSeconds: T0 + 7 + 601 }),
    });
    expect(spans.every((s) => s.history === true)).toBe(true);
    expect(spans.some((s) => s.lagSample)).toBe(false);
  });

  it('judges a response without an end by its creation', () => {
    const old = response({ status: 'failed', completed_at: null });
    expect(root(map(old, { ctx: context({ firstSeenSeconds: T0 + 601 }) })).history).toBe(true);
    expect(root(map(old, { ctx: context({ firstSeenSeconds: T0 + 599 }) })).history).toBeUndefined();
  });

  it('maps the same raw JSON the same way after a JSON round trip', () => {
    const raw = responseJson({ output: [{ id: 'x_1', type: 'holodeck_call', call_id: 'c9', status: 'completed' }] });
    expect(map(responseOf(JSON.parse(JSON.stringify(raw))))).toEqual(map(responseOf(raw)));
  });
});
