// The bridge's OTLP/JSON encoder against the official JsonTraceSerializer as the oracle: the same
// text for any spans that serializer writes as OTLP/JSON says. Then the strict receiver's JSON
// decoder, for what that serializer cannot be given or writes otherwise (int64 past 2^53 and
// integral doubles, NaN, a parent of unknown remoteness) and for several resources and scopes.
import fc from 'fast-check';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import type { SpanRecord } from '../../src/core/span-record.js';
import { OtlpJsonTraceEncoder } from '../../src/sink/otlp-json.js';
import { OtlpTraceEncoder } from '../../src/sink/otlp-protobuf.js';
import { assistantResource, BRIDGE_SCOPE } from '../../src/sink/resource.js';
import { decodeTraceRequest } from '../support/otlp-receiver/decode.js';
import { spansOf } from '../support/otlp-receiver/normalize.js';
import { firstTraceProblem } from '../support/otlp-receiver/validate.js';
import { ReadableSpans } from '../support/readable-span.js';
import { anyRecord, batches, jsonOracle } from './span-arbitraries.js';

const RESOURCE = assistantResource({
  assistantServiceName: 'openai-assistants',
  bridgeServiceName: 'bridge',
  attributes: { 'deployment.environment.name': 'prod' },
});

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

/** Every string, key or value, with lone surrogates replaced as a UTF-8 encoder replaces them. */
function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return value.toWellFormed();
  if (Array.isArray(value)) return value.map(wellFormed);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.toWellFormed(), wellFormed(v)]));
}

const SPAN: SpanRecord = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  parent: { spanId: '00f067aa0ba902b7', remote: null },
  traceFlags: 1,
  name: 'invoke_agent',
  kind: 2,
  start: '1760000000123456789',
  end: '1760000001987654321',
  status: { code: 0 },
  attributes: {
    big: { int: '9007199254740993' },
    unsafe: 2 ** 60,
    three: { double: 3 },
    nan: { double: NaN },
    raw: { bytes: Buffer.from([0, 1, 254, 255]).toString('base64') },
    nested: { kvlist: [{ key: 'a', value: [1, 'two', { kvlist: [] }] }] },
  },
  droppedAttributesCount: 0,
  links: [{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceFlags: 1, remote: true, attributes: {} }],
  key: 'k',
  unit: 'u',
};

describe('OTLP/JSON encoder', () => {
  it('writes the text the official serializer writes, for any spans it writes as OTLP/JSON says (500 batches)', () => {
    const encoder = new OtlpJsonTraceEncoder(RESOURCE, BRIDGE_SCOPE);
    fc.assert(
      fc.property(batches(jsonOracle.span, 10), (spans) => {
        const official = JsonTraceSerializer.serializeRequest(new ReadableSpans(RESOURCE, BRIDGE_SCOPE).of(spans));
        expect(text(encoder.encode(spans))).toBe(text(official ?? new Uint8Array(0)));
      }),
      { numRuns: 500 },
    );
  });

  it('writes exactly what the protobuf encoder writes, as the receiver decodes both, for any record', () => {
    const json = new OtlpJsonTraceEncoder(RESOURCE, BRIDGE_SCOPE);
    const protobuf = new OtlpTraceEncoder(RESOURCE, BRIDGE_SCOPE);
    // Received spans carry the arrival, which differs by encoding. Protobuf strings are UTF-8, so a
    // lone surrogate arrives as U+FFFD there, while JSON (and the official JSON serializer) escapes it.
    const received = (bytes: Uint8Array, encoding: 'json' | 'protobuf') =>
      wellFormed(spansOf(decodeTraceRequest(bytes, encoding), { receivedAt: 0, requestId: 0, encoding: 'json' }));
    fc.assert(
      fc.property(batches(anyRecord.span, 6), (spans) => {
        // NaN never equals itself: compare the values' JSON, where both encodings' NaN read back alike.
        expect(JSON.stringify(received(json.encode(spans), 'json'))).toBe(JSON.stringify(received(protobuf.encode(spans), 'protobuf')));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the values the official serializer would change, and unknown remoteness', () => {
    const bytes = new OtlpJsonTraceEncoder(RESOURCE, BRIDGE_SCOPE).encode([SPAN]);
    const request = decodeTraceRequest(bytes, 'json');
    expect(firstTraceProblem(request)).toBeNull();
    const [span] = spansOf(request, { receivedAt: 0, requestId: 0, encoding: 'json' });
    expect(span).toMatchObject({
      startTimeUnixNano: '1760000000123456789',
      endTimeUnixNano: '1760000001987654321',
      parentSpanId: '00f067aa0ba902b7',
      // Sampled; nothing said of the parent's remoteness.
      flags: 0x001,
      attributes: { big: '9007199254740993', unsafe: '1152921504606846976', three: 3, raw: 'AAH+/w==', nested: { a: [1, 'two', {}] } },
      attributeTypes: { big: 'int', unsafe: 'int', three: 'double', nan: 'double', raw: 'bytes', nested: 'kvlist' },
      links: [{ flags: 0x301 }],
    });
    expect(span?.attributes.nan).toBeNaN();
    // The official serializer writes 2^60 as 1152921504606847000 and NaN as null.
    const official = text(
      JsonTraceSerializer.serializeRequest(
        new ReadableSpans(RESOURCE, BRIDGE_SCOPE).of([{ ...SPAN, parent: null, attributes: { unsafe: 2 ** 60 } }]),
      ) ?? new Uint8Array(0),
    );
    expect(official).toContain('"intValue":1152921504606847000');
    expect(text(bytes)).toContain('"intValue":"1152921504606846976"');
    expect(text(bytes)).toContain('"doubleValue":"NaN"');
  });

  it('groups spans by resource and scope, in order of first appearance', () => {
    const own = { attributes: { 'service.name': 'published' }, droppedAttributesCount: 1 };
    const scope = { name: 'agents-sdk', version: '2.0.0' };
    const at = (n: number, more: Partial<SpanRecord> = {}): SpanRecord => ({
      ...SPAN,
      attributes: {},
      spanId: n.toString(16).padStart(16, '0'),
      ...more,
    });
    const spans = [at(1, { resource: own }), at(2), at(3, { resource: own, scope }), at(4, { resource: { ...own } })];
    const request = decodeTraceRequest(new OtlpJsonTraceEncoder(RESOURCE, BRIDGE_SCOPE).encode(spans), 'json');
    expect(
      (request.resourceSpans ?? []).map((rs) => [
        rs.resource?.droppedAttributesCount ?? 0,
        (rs.scopeSpans ?? []).map((ss) => [ss.scope?.name, (ss.spans ?? []).length]),
      ]),
    ).toEqual([
      [
        1,
        [
          [BRIDGE_SCOPE.name, 2],
          ['agents-sdk', 1],
        ],
      ],
      [0, [[BRIDGE_SCOPE.name, 1]]],
    ]);
  });
});
