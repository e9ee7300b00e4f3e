// The links an app computes to the bridge's spans of a response are the very ids the bridge maps:
// the root span and each function call's `execute_tool` span, in the app's trace when the
// response carries a traceparent, else in the trace derived from the response id.
import { describe, expect, it } from 'vitest';
import { responseSpanContext, responseToolCallLink, responseToolCallSpanContext } from '../../src/library/response-tool-call-link.js';
import { traceIdForResponse } from '../../src/sources/responses/ids.js';
import { context, map, responseJson, responseOf, root, tools } from '../sources/responses/fixtures.js';
import { APP_TRACE, APP_TRACEPARENT } from './helpers.js';

const CALLS = [
  { type: 'function_call', id: 'fc_1', call_id: 'call_weather', name: 'get_weather', arguments: '{}', status: 'completed' },
  { type: 'function_call', id: 'fc_2', call_id: 'call_time', name: 'get_time', arguments: '{}', status: 'completed' },
];

describe('responseToolCallLink', () => {
  it('points at the bridge’s execute_tool span of each call and at its root span, in the app’s trace', () => {
    const json = responseJson({ output: CALLS, metadata: { traceparent: APP_TRACEPARENT } });
    const spans = map(responseOf(json), { ctx: context({ traceparent: APP_TRACEPARENT }), unit: 'resp_abc' });
    for (const call of CALLS) {
      const mapped = tools(spans).find((s) => s.attributes['gen_ai.tool.call.id'] === call.call_id)!;
      const linked = responseToolCallSpanContext(json as { id: string; metadata: unknown }, call.call_id);
      expect([linked.traceId, linked.spanId]).toEqual([mapped.traceId, mapped.spanId]);
      expect(linked.traceId).toBe(APP_TRACE);
    }
    const top = responseSpanContext(json as { id: string; metadata: unknown });
    expect([top.traceId, top.spanId]).toEqual([root(spans).traceId, root(spans).spanId]);
  });

  it('uses the trace derived from the response id when the response joined no app trace, or the one given', () => {
    const spans = map(responseOf(responseJson({ output: CALLS })), { unit: 'resp_abc' });
    const mapped = tools(spans)[0]!;
    expect(responseToolCallSpanContext('resp_abc', 'call_weather')).toMatchObject({
      traceId: traceIdForResponse('resp_abc'),
      spanId: mapped.spanId,
    });
    expect(mapped.traceId).toBe(traceIdForResponse('resp_abc'));
    expect(responseToolCallSpanContext('resp_abc', 'call_weather', APP_TRACEPARENT).traceId).toBe(APP_TRACE);
    expect(() => responseToolCallSpanContext('resp_abc', 'call_weather', 'nope')).toThrow(
      'responseToolCallLink: expected a W3C traceparent',
    );
  });

  it('carries the call id and the response id as link attributes', () => {
    expect(responseToolCallLink({ id: 'resp_abc', metadata: {} }, 'call_weather').attributes).toEqual({
      'gen_ai.tool.call.id': 'call_weather',
      'gen_ai.response.id': 'resp_abc',
    });
  });
});
