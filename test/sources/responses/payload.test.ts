// Reading a Response parsed as unknown: each field falls back to null when its type is wrong,
// what is not read survives as it came, and only a value with no id at all is not a response.
import { describe, expect, it } from 'vitest';
import { freezeResponseContext } from '../../../src/sources/responses/context.js';
import { apiSeconds, isResponseTerminal, readResponse } from '../../../src/sources/responses/payload.js';
import { response, responseJson, responseOf, T0 } from './fixtures.js';

describe('readResponse', () => {
  it.each([
    ['null', null],
    ['a string', 'resp_1'],
    ['an array', [{ id: 'resp_1' }]],
    ['an object without an id', { object: 'response' }],
    ['an empty id', { id: '' }],
    ['a numeric id', { id: 7 }],
  ])('says %s is not a response', (_label, raw) => {
    expect(readResponse(raw)).toBeNull();
  });

  it('reads the documented fields of a response as the API returns it', () => {
    const r = response({ conversation: { id: 'conv_1' }, previous_response_id: 'resp_0', background: true });
    expect(r).toMatchObject({
      id: 'resp_abc',
      status: 'completed',
      createdAt: T0,
      completedAt: T0 + 7,
      model: 'gpt-4.1-mini',
      error: null,
      incompleteReason: null,
      conversationId: 'conv_1',
      previousResponseId: 'resp_0',
      agent: null,
      temperature: 1,
      topP: 1,
      maxOutputTokens: null,
      textFormat: { type: 'text' },
      serviceTier: 'default',
      background: true,
    });
    expect(r.output).toHaveLength(1);
  });

  it('keeps the whole object as it came: fields and item types it does not read survive', () => {
    const raw = responseJson({ x_vendor: { trace: [1, 2] }, output: [{ type: 'holodeck_call', deck: 7 }], reasoning: { effort: 'high' } });
    const r = responseOf(raw);
    expect(r.raw).toBe(raw);
    expect(r.raw).toMatchObject({ x_vendor: { trace: [1, 2] }, reasoning: { effort: 'high' } });
    expect(r.output).toEqual([{ type: 'holodeck_call', deck: 7 }]);
  });

  it('reads the agent from `agent` or `agent_reference`, as an object or a bare name, a numeric version as digits', () => {
    expect(response({ agent: { type: 'agent_id', name: 'a', version: '2' } }).agent).toEqual({ name: 'a', version: '2' });
    expect(response({ agent_reference: { type: 'agent_reference', name: 'b', version: 3 } }).agent).toEqual({ name: 'b', version: '3' });
    expect(response({ agent: 'c' }).agent).toEqual({ name: 'c', version: null });
    expect(response({ agent: { type: 'agent_id', version: '1' } }).agent).toBeNull();
    expect(response({ agent: '' }).agent).toBeNull();
    expect(response({ agent: null, agent_reference: { name: 'd' } }).agent).toEqual({ name: 'd', version: null });
  });

  it('reads an error code given as a number as its digits, and an error that is not an object as none', () => {
    expect(response({ status: 'failed', error: { code: 500, message: 'boom' } }).error).toEqual({ code: '500', message: 'boom' });
    expect(response({ status: 'failed', error: 'boom' }).error).toBeNull();
    expect(response({ status: 'failed', error: {} }).error).toEqual({ code: null, message: null });
  });

  it.each([
    ['a digit string', String(T0), T0],
    ['a fraction', T0 + 0.5, T0 + 0.5],
    ['zero', 0, 0],
    ['a negative number', -1, null],
    ['a date string', '2026-01-01T00:00:00Z', null],
    ['beyond what OTLP can carry', 1e12, null],
    ['Infinity', Infinity, null],
    ['an object', { seconds: T0 }, null],
    ['a 400-digit string', '9'.repeat(400), null],
  ])('reads created_at given as %s', (_label, value, expected) => {
    expect(response({ created_at: value }).createdAt).toBe(expected);
    expect(apiSeconds(value)).toBe(expected);
  });

  it.each([
    ['model', { model: 4 }, 'model'],
    ['status', { status: ['completed'] }, 'status'],
    ['conversation', { conversation: { id: 5 } }, 'conversationId'],
    ['previous_response_id', { previous_response_id: {} }, 'previousResponseId'],
    ['temperature', { temperature: 'hot' }, 'temperature'],
    ['service_tier', { service_tier: 1 }, 'serviceTier'],
    ['background', { background: 'yes' }, 'background'],
    ['incomplete_details', { incomplete_details: 'max_output_tokens' }, 'incompleteReason'],
  ] as const)('reads %s of the wrong type as null, keeping the rest', (_label, overrides, field) => {
    const r = response(overrides);
    expect(r[field]).toBeNull();
    expect(r.id).toBe('resp_abc');
    expect(r.createdAt).toBe(T0);
  });

  it('keeps the output items that are objects, in order, and reads an output that is not an array as none', () => {
    expect(response({ output: [null, 1, 'x', [], { type: 'a' }, { type: 'b' }] }).output).toEqual([{ type: 'a' }, { type: 'b' }]);
    expect(response({ output: { 0: { type: 'a' } } }).output).toEqual([]);
  });

  it('reads metadata that is not an object as empty', () => {
    expect(response({ metadata: ['traceparent'] }).metadata).toEqual({});
  });
});

describe('isResponseTerminal', () => {
  it.each([
    ['completed', true],
    ['failed', true],
    ['cancelled', true],
    ['incomplete', true],
    ['queued', false],
    ['in_progress', false],
    ['a status a service adds', false],
  ])('%s: %s', (status, terminal) => {
    expect(isResponseTerminal(response({ status }))).toBe(terminal);
  });

  it('is false without a status', () => {
    expect(isResponseTerminal(response({ status: null }))).toBe(false);
  });
});

describe('freezeResponseContext', () => {
  const inputs = {
    captureContent: false,
    contentMaxLength: 100,
    providerName: 'azure.ai.openai',
    baseURL: 'https://p.services.ai.azure.com:8443/api',
    firstSeenSeconds: T0,
  };

  it('records a valid traceparent and its tracestate from the metadata, and the server from the base URL', () => {
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const ctx = freezeResponseContext(response({ metadata: { traceparent: ` ${tp} `, tracestate: 'k=v' } }), inputs);
    expect(ctx).toEqual({
      traceparent: tp,
      tracestate: 'k=v',
      captureContent: false,
      contentMaxLength: 100,
      providerName: 'azure.ai.openai',
      serverAddress: 'p.services.ai.azure.com',
      serverPort: 8443,
      firstSeenSeconds: T0,
    });
  });

  it('records no traceparent (nor its tracestate) when it is not valid W3C trace context', () => {
    const ctx = freezeResponseContext(
      response({ metadata: { traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01', tracestate: 'k=v' } }),
      inputs,
    );
    expect([ctx.traceparent, ctx.tracestate]).toEqual([null, null]);
  });

  it('records the end a webhook reported, when given', () => {
    expect(freezeResponseContext(response(), { ...inputs, reportedEndSeconds: T0 + 5 }).reportedEndSeconds).toBe(T0 + 5);
    expect(freezeResponseContext(response(), { ...inputs, reportedEndSeconds: null })).not.toHaveProperty('reportedEndSeconds');
  });
});
