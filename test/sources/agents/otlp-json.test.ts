// Reading a published OTLP/JSON trace: each field of a span exactly as published, in every form
// the OTLP/JSON encoding allows, and each invalid part counted rather than thrown.
import { describe, expect, it } from 'vitest';
import { parseOtlpTrace } from '../../../src/sources/agents/otlp-json.js';
import { MAX_VALUE_DEPTH } from '../../../src/sources/agents/otlp-values.js';
import { CHILD_ID, otlpSpan, request, ROOT_ID, rootSpan, TRACE_ID } from './helpers.js';

const one = (span: Record<string, unknown>) => {
  const parsed = parseOtlpTrace(request([span]));
  return { span: parsed.spans[0], problems: parsed.problems.map((p) => [p.code, p.count]), parsed };
};
const attribute = (value: unknown) => one(otlpSpan({ attributes: [{ key: 'k', value }] }));
const codes = (otlp: unknown) => parseOtlpTrace(otlp).problems.map((p) => p.code);

describe('a published span', () => {
  it('keeps every field as published', () => {
    const { span, problems } = one(
      otlpSpan({
        traceState: 'vendor=a',
        status: { code: 2, message: 'The model service encountered an unexpected error.' },
        droppedAttributesCount: 3,
        droppedEventsCount: '2',
        droppedLinksCount: 1,
        events: [
          {
            timeUnixNano: '1760000000500000001',
            name: 'exception',
            attributes: [{ key: 'exception.type', value: { stringValue: 'x' } }],
            droppedAttributesCount: 4,
          },
        ],
        links: [
          { traceId: 'AB'.repeat(16), spanId: 'cd'.repeat(8), traceState: 't=1', flags: 0x301, attributes: [], droppedAttributesCount: 1 },
        ],
      }),
    );
    expect(problems).toEqual([]);
    expect(span).toEqual({
      traceId: TRACE_ID,
      spanId: CHILD_ID,
      parent: { spanId: ROOT_ID, remote: false },
      traceFlags: 1,
      traceState: 'vendor=a',
      name: 'chat gpt-5.1',
      kind: 2,
      start: '1760000000123456789',
      end: '1760000001987654321',
      status: { code: 2, message: 'The model service encountered an unexpected error.' },
      attributes: { 'gen_ai.operation.name': 'chat' },
      droppedAttributesCount: 3,
      events: [{ name: 'exception', time: '1760000000500000001', attributes: { 'exception.type': 'x' }, droppedAttributesCount: 4 }],
      droppedEventsCount: 2,
      links: [
        {
          traceId: 'ab'.repeat(16),
          spanId: 'cd'.repeat(8),
          traceFlags: 1,
          traceState: 't=1',
          remote: true,
          attributes: {},
          droppedAttributesCount: 1,
        },
      ],
      droppedLinksCount: 1,
      resource: { attributes: { 'service.name': 'openai-agents' } },
      scope: { name: 'openai.agents', version: '1.0.0' },
    });
  });

  it('has no parent when parentSpanId is absent, empty or all zeros', () => {
    for (const parentSpanId of [undefined, '', '0000000000000000']) expect(one(otlpSpan({ parentSpanId })).span?.parent).toBeNull();
  });

  it("reads the parent's remoteness from the flags: known local, known remote, or unknown", () => {
    expect(one(otlpSpan({ flags: 0x101 })).span?.parent).toEqual({ spanId: ROOT_ID, remote: false });
    expect(one(otlpSpan({ flags: 0x301 })).span?.parent).toEqual({ spanId: ROOT_ID, remote: true });
    expect(one(otlpSpan({ flags: 1 })).span?.parent).toEqual({ spanId: ROOT_ID, remote: null });
    expect(one(otlpSpan({ flags: undefined })).span).toMatchObject({ traceFlags: 0, parent: { remote: null } });
  });

  it('reads a link known not to be remote without `remote`, and one of unknown remoteness as null', () => {
    const links = one(
      otlpSpan({
        links: [
          { traceId: TRACE_ID, spanId: ROOT_ID, flags: 0x101 },
          { traceId: TRACE_ID, spanId: ROOT_ID, flags: 1 },
        ],
      }),
    ).span?.links;
    expect(links).toEqual([
      { traceId: TRACE_ID, spanId: ROOT_ID, traceFlags: 1, attributes: {} },
      { traceId: TRACE_ID, spanId: ROOT_ID, traceFlags: 1, remote: null, attributes: {} },
    ]);
  });

  it('reads kinds by number and by enum name, OTLP numbering to the API one, unspecified as internal', () => {
    const kinds: [unknown, number][] = [
      [0, 0],
      [1, 0],
      [2, 1],
      [3, 2],
      [4, 3],
      [5, 4],
      ['SPAN_KIND_CLIENT', 2],
      ['SPAN_KIND_CONSUMER', 4],
      [undefined, 0],
    ];
    for (const [kind, expected] of kinds) expect([kind, one(otlpSpan({ kind })).span?.kind]).toEqual([kind, expected]);
    for (const kind of [6, -1, 1.5, 'CLIENT', true]) {
      const { span, problems } = one(otlpSpan({ kind }));
      expect(span?.kind).toBe(0);
      expect(problems).toEqual([['invalid_kind', 1]]);
    }
  });

  it('reads status codes by number and by name; an unknown one is UNSET and counted', () => {
    expect(one(otlpSpan({ status: { code: 'STATUS_CODE_ERROR', message: 'm' } })).span?.status).toEqual({ code: 2, message: 'm' });
    expect(one(otlpSpan({ status: { code: 1 } })).span?.status).toEqual({ code: 1 });
    expect(one(otlpSpan({ status: {} })).span?.status).toEqual({ code: 0 });
    expect(one(otlpSpan({ status: undefined })).span?.status).toEqual({ code: 0 });
    expect(one(otlpSpan({ status: { code: 7 } }))).toMatchObject({ span: { status: { code: 0 } }, problems: [['invalid_status', 1]] });
  });

  it('lowercases hex ids and accepts the proto field names the JSON mapping also allows', () => {
    const { span } = one({
      trace_id: TRACE_ID.toUpperCase(),
      span_id: CHILD_ID.toUpperCase(),
      parent_span_id: ROOT_ID,
      name: 'n',
      start_time_unix_nano: '1760000000000000001',
      end_time_unix_nano: 1_760_000_001,
      attributes: [{ key: 's', value: { string_value: 'v' } }],
    });
    expect(span).toMatchObject({
      traceId: TRACE_ID,
      spanId: CHILD_ID,
      parent: { spanId: ROOT_ID },
      start: '1760000000000000001',
      end: '1760000001',
      attributes: { s: 'v' },
    });
  });

  it('keeps a missing scope as the empty scope, and a missing resource as none', () => {
    const parsed = parseOtlpTrace({ resourceSpans: [{ scopeSpans: [{ spans: [otlpSpan()] }] }] });
    expect(parsed.spans[0]?.scope).toEqual({ name: '' });
    expect(parsed.spans[0]?.resource).toBeUndefined();
    expect(parsed.problems).toEqual([]);
  });

  it('keeps schema URLs, scope attributes and dropped counts of resource and scope', () => {
    const parsed = parseOtlpTrace({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 's' } }], droppedAttributesCount: 2 },
          schemaUrl: 'https://opentelemetry.io/schemas/1.37.0',
          scopeSpans: [
            {
              scope: { name: 'a', version: '2', attributes: [{ key: 'x', value: { boolValue: true } }], droppedAttributesCount: 1 },
              schemaUrl: 'https://opentelemetry.io/schemas/1.36.0',
              spans: [otlpSpan()],
            },
          ],
        },
      ],
    });
    expect(parsed.spans[0]?.resource).toEqual({
      attributes: { 'service.name': 's' },
      droppedAttributesCount: 2,
      schemaUrl: 'https://opentelemetry.io/schemas/1.37.0',
    });
    expect(parsed.spans[0]?.scope).toEqual({
      name: 'a',
      version: '2',
      attributes: { x: true },
      droppedAttributesCount: 1,
      schemaUrl: 'https://opentelemetry.io/schemas/1.36.0',
    });
  });
});

describe('nanosecond times', () => {
  it('survive exactly as decimal strings, beyond 2^53', () => {
    expect(one(otlpSpan({ startTimeUnixNano: '1760000000123456789', endTimeUnixNano: '18446744073709551615' })).span).toMatchObject({
      start: '1760000000123456789',
      end: '18446744073709551615',
    });
  });

  it('read numbers exactly up to 2^53, and bigints exactly', () => {
    expect(one(otlpSpan({ startTimeUnixNano: 9_007_199_254_740_991, endTimeUnixNano: 1_760_000_000_123_456_789n })).span).toMatchObject({
      start: '9007199254740991',
      end: '1760000000123456789',
    });
  });

  it('take a number beyond 2^53 as the value JSON parsing gave, and say it was rounded', () => {
    const { span, problems } = one(otlpSpan({ startTimeUnixNano: JSON.parse('1760000000123456789') as number }));
    expect(span?.start).toBe('1760000000123456768');
    expect(problems).toEqual([['imprecise_time', 1]]);
  });

  it('drop leading zeros, never a digit', () => {
    expect(one(otlpSpan({ startTimeUnixNano: '0001760000000123456789' })).span?.start).toBe('1760000000123456789');
  });

  it('refuse a span without a valid start, counted', () => {
    for (const startTimeUnixNano of [undefined, '0', 0, '-1', 'yesterday', 1.5, '1e18', '18446744073709551616', {}]) {
      const { span, problems } = one(otlpSpan({ startTimeUnixNano }));
      expect([startTimeUnixNano, span]).toEqual([startTimeUnixNano, undefined]);
      expect(problems).toEqual([['invalid_start', 1]]);
    }
  });

  it('read a span with no end, or an end that is no time, as not yet ended', () => {
    expect(one(otlpSpan({ endTimeUnixNano: undefined }))).toMatchObject({ span: { end: null }, problems: [] });
    expect(one(otlpSpan({ endTimeUnixNano: '0' }))).toMatchObject({ span: { end: null }, problems: [] });
    expect(one(otlpSpan({ endTimeUnixNano: 'soon' }))).toMatchObject({ span: { end: null }, problems: [['invalid_end', 1]] });
  });
});

describe('attribute values', () => {
  const value = (v: unknown) => attribute(v).span?.attributes.k;

  it('read every AnyValue kind as the record holds it', () => {
    expect(value({ stringValue: 'x' })).toBe('x');
    expect(value({ boolValue: false })).toBe(false);
    expect(value({ intValue: '42' })).toBe(42);
    expect(value({ intValue: 42 })).toBe(42);
    expect(value({ intValue: '-9223372036854775808' })).toEqual({ int: '-9223372036854775808' });
    expect(value({ intValue: '9007199254740993' })).toEqual({ int: '9007199254740993' });
    expect(value({ doubleValue: 1.5 })).toBe(1.5);
    expect(value({ doubleValue: 3 })).toEqual({ double: 3 });
    expect(value({ doubleValue: '2.25' })).toBe(2.25);
    expect(value({ doubleValue: 'Infinity' })).toBe(Number.POSITIVE_INFINITY);
    expect(value({ doubleValue: 'NaN' })).toBeNaN();
    expect(value({ bytesValue: '3q2-7w' })).toEqual({ bytes: '3q2+7w==' });
    expect(attribute({}).span?.attributes).toEqual({});
    expect(value({ arrayValue: { values: [{ stringValue: 'a' }, { intValue: '1' }, {}, { arrayValue: {} }] } })).toEqual([
      'a',
      1,
      null,
      [],
    ]);
    expect(
      value({
        kvlistValue: { values: [{ key: 'a', value: { intValue: '1' } }, { key: 'a', value: { stringValue: 'again' } }, { key: 'b' }] },
      }),
    ).toEqual({
      kvlist: [
        { key: 'a', value: 1 },
        { key: 'a', value: 'again' },
        { key: 'b', value: null },
      ],
    });
    expect(attribute({ stringValue: 'x' }).problems).toEqual([]);
  });

  it('drop a value that is not an AnyValue, counted', () => {
    for (const bad of [
      { stringValue: 1 },
      { intValue: '1.5' },
      { intValue: '9223372036854775808' },
      { intValue: 1.5 },
      { boolValue: 'true' },
      { bytesValue: '%%' },
      { doubleValue: 'x' },
      { stringValue: 'a', intValue: '1' },
      'plain',
      [],
      { arrayValue: [] },
    ]) {
      const { span, problems } = attribute(bad);
      expect([bad, span?.attributes]).toEqual([bad, {}]);
      expect(problems).toEqual([['invalid_attribute', 1]]);
    }
  });

  it('drop an attribute whose value is of a kind this reader does not know (an empty value a receiver would refuse the span for), and count it', () => {
    expect(attribute({ futureValue: { x: 1 } })).toMatchObject({ span: { attributes: {} }, problems: [['unknown_value', 1]] });
    expect(attribute({})).toMatchObject({ span: { attributes: {} }, problems: [['empty_value', 1]] });
  });

  it('keep an item that is not a value in its place in an array, as the empty value', () => {
    expect(attribute({ arrayValue: { values: [{ stringValue: 'a' }, { intValue: 'x' }, { stringValue: 'c' }] } })).toMatchObject({
      span: { attributes: { k: ['a', null, 'c'] } },
      problems: [['invalid_attribute', 1]],
    });
  });

  it('refuse values nested deeper than the limit', () => {
    let deep: unknown = { stringValue: 'bottom' };
    for (let i = 0; i < MAX_VALUE_DEPTH + 5; i++) deep = { arrayValue: { values: [deep] } };
    const { span, problems } = attribute(deep);
    expect(problems).toEqual([['value_too_deep', 1]]);
    let depth = 0;
    for (let v: unknown = span?.attributes.k; Array.isArray(v); v = (v as unknown[])[0]) depth += 1;
    expect(depth).toBe(MAX_VALUE_DEPTH);
  });

  it('keep the first of repeated keys, and drop keys that are not non-empty strings and attributes without a value', () => {
    const { span, problems } = one(
      otlpSpan({
        attributes: [
          { key: 'a', value: { stringValue: 'first' } },
          { key: 'a', value: { stringValue: 'second' } },
          { key: '', value: { stringValue: 'x' } },
          { value: { stringValue: 'x' } },
          { key: 7, value: { stringValue: 'x' } },
          'junk',
          { key: 'b' },
        ],
      }),
    );
    expect(span?.attributes).toEqual({ a: 'first' });
    expect(problems).toEqual([
      ['duplicate_attribute', 1],
      ['invalid_attribute', 4],
      ['empty_value', 1],
    ]);
  });

  it('keep a __proto__ key as an attribute, never as a prototype', () => {
    const { span } = attribute({ stringValue: 'x' });
    const proto = one(otlpSpan({ attributes: [{ key: '__proto__', value: { stringValue: 'polluted' } }] })).span!;
    expect(Object.getPrototypeOf(proto.attributes)).toBe(Object.prototype);
    expect(Object.hasOwn(proto.attributes, '__proto__')).toBe(true);
    expect(JSON.stringify(proto.attributes)).toBe('{"__proto__":"polluted"}');
    expect(span?.attributes).toEqual({ k: 'x' });
  });
});

describe('invalid parts', () => {
  it('refuse spans with invalid ids, counted, and keep the others', () => {
    const parsed = parseOtlpTrace(
      request([
        rootSpan(),
        otlpSpan({ spanId: 'zz-not-a-span-id' }),
        otlpSpan({ spanId: '0000000000000000' }),
        otlpSpan({ traceId: 'abc123', spanId: 'aaaaaaaaaaaaaaaa' }),
        otlpSpan({ traceId: '0'.repeat(32), spanId: 'aaaaaaaaaaaaaaab' }),
        otlpSpan({ spanId: 'aaaaaaaaaaaaaaac', parentSpanId: 'nothex' }),
        otlpSpan(),
      ]),
    );
    expect(parsed.spans.map((s) => s.spanId)).toEqual([ROOT_ID, CHILD_ID]);
    expect(parsed.problems.map((p) => [p.code, p.count, p.first])).toEqual([
      ['invalid_span_id', 2, '$.resourceSpans[0].scopeSpans[0].spans[1]'],
      ['invalid_trace_id', 2, '$.resourceSpans[0].scopeSpans[0].spans[3]'],
      ['invalid_parent_span_id', 1, '$.resourceSpans[0].scopeSpans[0].spans[5]'],
    ]);
  });

  it('drop events without a time and links without valid ids, counted', () => {
    const { span, problems } = one(
      otlpSpan({
        events: [{ name: 'no time' }, { name: 'ok', timeUnixNano: '1' }, 5],
        links: [{ traceId: TRACE_ID, spanId: 'x' }, { spanId: ROOT_ID }, { traceId: TRACE_ID, spanId: ROOT_ID }],
      }),
    );
    expect(span?.events).toEqual([{ name: 'ok', time: '1', attributes: {} }]);
    expect(span?.links).toEqual([{ traceId: TRACE_ID, spanId: ROOT_ID, traceFlags: 0, remote: null, attributes: {} }]);
    expect(problems).toEqual([
      ['invalid_event', 1],
      ['bad_shape', 1],
      ['invalid_link', 2],
    ]);
  });

  it('keep one copy of a span listed twice: the one with an end', () => {
    const parsed = parseOtlpTrace(request([rootSpan({ endTimeUnixNano: undefined }), otlpSpan(), rootSpan({ name: 'ended' })]));
    expect(parsed.spans.map((s) => [s.spanId, s.name, s.end])).toEqual([
      [ROOT_ID, 'ended', '1760000001987654321'],
      [CHILD_ID, 'chat gpt-5.1', '1760000001987654321'],
    ]);
    expect(parsed.problems.map((p) => p.code)).toEqual(['duplicate_span']);
  });

  it('name a span with a name that is no string with the empty name, and read bad flags and counts as 0', () => {
    const { span, problems } = one(otlpSpan({ name: ['chat'], flags: -1, droppedAttributesCount: 'many' }));
    expect(span).toMatchObject({ name: '', traceFlags: 0, droppedAttributesCount: 0 });
    expect(problems).toEqual([
      ['invalid_flags', 1],
      ['invalid_name', 1],
      ['invalid_count', 1],
    ]);
  });

  it('read JSON that is not an ExportTraceServiceRequest as no spans, and say so', () => {
    for (const otlp of [null, 42, 'otlp', [], { resourceSpans: 'x' }, { resourceSpans: {} }])
      expect([otlp, codes(otlp)]).toEqual([otlp, ['not_otlp']]);
    expect(parseOtlpTrace({})).toEqual({ spans: [], problems: [] });
    expect(parseOtlpTrace({ resourceSpans: [] })).toEqual({ spans: [], problems: [] });
    expect(codes({ resourceSpans: [5, { scopeSpans: 5 }, { scopeSpans: [5, { spans: 5 }] }] })).toEqual(['bad_shape']);
    expect(parseOtlpTrace({ resourceSpans: [5, { scopeSpans: 5 }, { scopeSpans: [5, { spans: 5 }] }] }).problems[0]?.count).toBe(4);
  });
});
