// Content in published spans: removed and counted with capture off (the default), in events too;
// kept, cut to the content length, with capture on.
import { describe, expect, it } from 'vitest';
import { applyContentRule, CONTENT_ATTRIBUTES, contentKeys } from '../../../src/sources/agents/content.js';
import { parseOtlpTrace, type PublishedSpan } from '../../../src/sources/agents/otlp-json.js';
import { CONTENT_OFF, CONTENT_ON, otlpSpan, request } from './helpers.js';

const str = (stringValue: string) => ({ stringValue });

function spanWith(attributes: Record<string, unknown>, events: Record<string, unknown>[] = []): PublishedSpan {
  const kv = (a: Record<string, unknown>) => Object.entries(a).map(([key, value]) => ({ key, value }));
  const parsed = parseOtlpTrace(
    request([
      otlpSpan({
        attributes: kv(attributes),
        events: events.map((e, i) => ({ name: `e${String(i)}`, timeUnixNano: '5', attributes: kv(e) })),
      }),
    ]),
  );
  return parsed.spans[0]!;
}

const messages = JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Where is my order A-1042?' }] }]);

describe('content with capture off', () => {
  it('is removed from the span, every content key, and counted', () => {
    const span = spanWith({
      'gen_ai.operation.name': str('chat'),
      'gen_ai.input.messages': str(messages),
      'gen_ai.output.messages': str(messages),
      'gen_ai.system_instructions': str('[]'),
      'gen_ai.tool.call.arguments': str('{}'),
      'gen_ai.tool.call.result': str('{}'),
      'gen_ai.tool.name': str('get_weather'),
    });
    const { span: out, removed } = applyContentRule(span, CONTENT_OFF);
    expect(out.attributes).toEqual({ 'gen_ai.operation.name': 'chat', 'gen_ai.tool.name': 'get_weather' });
    expect(removed).toEqual({ attributes: 5, events: 0 });
    expect(span.attributes['gen_ai.input.messages']).toBe(messages);
  });

  it('is removed from events; an event left with nothing is dropped, one published empty stays', () => {
    const span = spanWith({}, [
      { 'gen_ai.output.messages': { arrayValue: { values: [{ kvlistValue: { values: [{ key: 'role', value: str('assistant') }] } }] } } },
      { 'gen_ai.operation.name': str('chat'), 'gen_ai.input.messages': str(messages) },
      {},
    ]);
    const { span: out, removed } = applyContentRule(span, CONTENT_OFF);
    expect(out.events).toEqual([
      { name: 'e1', time: '5', attributes: { 'gen_ai.operation.name': 'chat' } },
      { name: 'e2', time: '5', attributes: {} },
    ]);
    expect(removed).toEqual({ attributes: 2, events: 1 });
  });

  it('leaves the span itself as it was when it holds no content', () => {
    const span = spanWith({ 'gen_ai.operation.name': str('chat') }, [{ 'exception.type': str('x') }]);
    const { span: out, removed } = applyContentRule(span, CONTENT_OFF);
    expect(out).toBe(span);
    expect(removed).toEqual({ attributes: 0, events: 0 });
  });

  it('takes the deny-list as more content keys', () => {
    const span = spanWith({ 'app.customer.email': str('a@example.com'), 'gen_ai.tool.call.result': str('{}'), keep: str('x') }, [
      { 'app.customer.email': str('b') },
    ]);
    const { span: out, removed } = applyContentRule(span, { ...CONTENT_OFF, denyList: ['app.customer.email', 'gen_ai.tool.call.result'] });
    expect(out.attributes).toEqual({ keep: 'x' });
    expect(out.events).toBeUndefined();
    expect(removed).toEqual({ attributes: 3, events: 1 });
    expect(contentKeys({ ...CONTENT_OFF, denyList: ['gen_ai.input.messages', 'x'] })).toEqual([...CONTENT_ATTRIBUTES, 'x']);
  });
});

describe('content with capture on', () => {
  it('is kept, counted as nothing removed', () => {
    const span = spanWith({ 'gen_ai.input.messages': str(messages) }, [{ 'gen_ai.output.messages': str(messages) }]);
    const { span: out, removed } = applyContentRule(span, CONTENT_ON);
    expect(out).toBe(span);
    expect(removed).toEqual({ attributes: 0, events: 0 });
  });

  it('is cut to the content length, strings inside arrays and key-value lists too, other attributes untouched', () => {
    const long = 'x'.repeat(50);
    const span = spanWith(
      {
        'gen_ai.tool.call.result': str(long),
        'gen_ai.output.messages': { arrayValue: { values: [{ kvlistValue: { values: [{ key: 'content', value: str(long) }] } }] } },
        'gen_ai.tool.name': str(long),
      },
      [{ 'gen_ai.input.messages': str(long) }],
    );
    const { span: out } = applyContentRule(span, { capture: true, maxLength: 10 });
    expect(out.attributes).toEqual({
      'gen_ai.tool.call.result': 'x'.repeat(10),
      'gen_ai.output.messages': [{ kvlist: [{ key: 'content', value: 'x'.repeat(10) }] }],
      'gen_ai.tool.name': long,
    });
    expect(out.events?.[0]?.attributes).toEqual({ 'gen_ai.input.messages': 'x'.repeat(10) });
  });
});
