// The bridge's own OTLP/protobuf encoder against the official one as the oracle: for any spans the
// official serializer can be given (several resources and scopes, events, links, key/value lists,
// bytes, sub-second times), the same bytes as ProtobufTraceSerializer over the equivalent
// ReadableSpans. Then a real decode, for the fields land where OTLP says and for what the
// official serializer cannot be given (int64 past 2^53, integral doubles, unknown remoteness).
import fc from 'fast-check';
import type { InstrumentationScope } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import type { Attributes, AttributeValue, SpanRecord } from '../../src/core/span-record.js';
import { decodeTraceResponse, OtlpTraceEncoder } from '../../src/sink/otlp-protobuf.js';
import { assistantResource, BRIDGE_SCOPE } from '../../src/sink/resource.js';
import { decodeTraceRequest } from '../support/otlp-receiver/decode.js';
import { spansOf } from '../support/otlp-receiver/normalize.js';
import { ExportTraceServiceResponse } from '../support/otlp-receiver/proto.js';
import { firstTraceProblem } from '../support/otlp-receiver/validate.js';
import { ReadableSpans } from '../support/readable-span.js';
import { anyRecord, batches, protobufOracle, text } from './span-arbitraries.js';

function oracle(spans: readonly SpanRecord[], resource: Resource, scope: InstrumentationScope): Uint8Array {
  return ProtobufTraceSerializer.serializeRequest(new ReadableSpans(resource, scope).of(spans)) ?? new Uint8Array(0);
}

const RESOURCE = assistantResource({
  assistantServiceName: 'openai-assistants',
  bridgeServiceName: 'bridge',
  attributes: { 'deployment.environment.name': 'prod' },
});

/** A span as the Assistants mapping makes a run's: whole seconds, the app's span as remote parent. */
const RUN: SpanRecord = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  parent: { spanId: '00f067aa0ba902b7', remote: true },
  traceFlags: 1,
  traceState: 'congo=t61rcWkgMzE',
  name: 'invoke_agent Math Tutor',
  kind: 2,
  start: '1760000000000000000',
  end: '1760000042000000000',
  status: { code: 2, message: 'rate limited' },
  attributes: { 'gen_ai.usage.input_tokens': 1234, 'openai.run.status': 'failed', 'x.ratio': 0.5, 'x.flags': [true, false] },
  droppedAttributesCount: 3,
  key: 'run_1',
  unit: 'run_1',
};

const FEATURES = ['event', 'link', 'kvlist', 'bytes', 'int64 past 2^53', 'sub-second time', 'several resources', 'several scopes'] as const;
type Feature = (typeof FEATURES)[number];

/** What a batch holds of the shapes the oracle comparison must cover. */
function featuresOf(spans: readonly SpanRecord[]): Set<Feature> {
  const found = new Set<Feature>();
  const visit = (value: AttributeValue): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) found.add('int64 past 2^53');
    else if (typeof value !== 'object' || value === null) return;
    else if ('kvlist' in value) {
      found.add('kvlist');
      for (const kv of value.kvlist) visit(kv.value);
    } else if ('bytes' in value) found.add('bytes');
    else if ('int' in value && !Number.isSafeInteger(Number(value.int))) found.add('int64 past 2^53');
  };
  const visitAll = (attributes: Attributes | undefined): void => Object.values(attributes ?? {}).forEach(visit);
  for (const span of spans) {
    visitAll(span.attributes);
    visitAll(span.resource?.attributes);
    visitAll(span.scope?.attributes);
    for (const event of span.events ?? []) {
      found.add('event');
      visitAll(event.attributes);
      if (!event.time.endsWith('000000000')) found.add('sub-second time');
    }
    for (const link of span.links ?? []) {
      found.add('link');
      visitAll(link.attributes);
    }
    if (!span.start.endsWith('000000000') || !span.end.endsWith('000000000')) found.add('sub-second time');
  }
  if (new Set(spans.map((s) => JSON.stringify(s.resource ?? null))).size > 1) found.add('several resources');
  if (new Set(spans.map((s) => JSON.stringify(s.scope ?? null))).size > 1) found.add('several scopes');
  return found;
}

const decode = (bytes: Uint8Array) => {
  const request = decodeTraceRequest(bytes, 'protobuf');
  expect(firstTraceProblem(request)).toBeNull();
  return spansOf(request, { receivedAt: 0, requestId: 0, encoding: 'protobuf' });
};

describe('OTLP/protobuf encoder', () => {
  it('writes the bytes the official serializer writes, for any spans it can be given (1,000 batches)', () => {
    const encoder = new OtlpTraceEncoder(RESOURCE, BRIDGE_SCOPE);
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(batches(protobufOracle.span, 12), (spans) => {
        for (const feature of featuresOf(spans)) seen.set(feature, (seen.get(feature) ?? 0) + 1);
        expect(Buffer.from(encoder.encode(spans)).equals(Buffer.from(oracle(spans, RESOURCE, BRIDGE_SCOPE)))).toBe(true);
      }),
      { numRuns: 1_000 },
    );
    // The batches did hold what the comparison is meant to cover, each in many of them.
    for (const feature of FEATURES) expect(seen.get(feature) ?? 0, feature).toBeGreaterThan(20);
  });

  it('writes the bytes the official serializer writes, for any configured resource and scope', () => {
    // What OTEL_RESOURCE_ATTRIBUTES and the SDK's attribute type allow.
    const sdkValue = fc.oneof(
      text,
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.array(text, { maxLength: 3 }),
      fc.array(fc.integer(), { maxLength: 3 }),
    );
    fc.assert(
      fc.property(
        fc.dictionary(text, sdkValue, { maxKeys: 8 }),
        fc.option(fc.webUrl(), { nil: undefined }),
        fc.record(
          { name: text, version: fc.option(text, { nil: undefined }), schemaUrl: fc.option(fc.webUrl(), { nil: undefined }) },
          { requiredKeys: ['name'] },
        ),
        batches(protobufOracle.span, 3),
        (resourceAttributes, schemaUrl, scope, spans) => {
          const resource = resourceFromAttributes(resourceAttributes, schemaUrl ? { schemaUrl } : {});
          const encoded = new OtlpTraceEncoder(resource, scope).encode(spans);
          expect(Buffer.from(encoded).equals(Buffer.from(oracle(spans, resource, scope)))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('puts every field where a protobuf decoder finds it, times exact to the nanosecond', () => {
    const resource = assistantResource({ assistantServiceName: 'openai-assistants', bridgeServiceName: 'bridge', attributes: {} });
    const [decoded] = decode(new OtlpTraceEncoder(resource, BRIDGE_SCOPE).encode([RUN]));
    expect(decoded).toMatchObject({
      traceId: RUN.traceId,
      spanId: RUN.spanId,
      parentSpanId: '00f067aa0ba902b7',
      traceState: 'congo=t61rcWkgMzE',
      name: RUN.name,
      kind: 3,
      startTimeUnixNano: '1760000000000000000',
      endTimeUnixNano: '1760000042000000000',
      status: { code: 2, message: 'rate limited' },
      attributes: { 'gen_ai.usage.input_tokens': 1234, 'openai.run.status': 'failed', 'x.ratio': 0.5, 'x.flags': [true, false] },
      droppedAttributesCount: 3,
      // Sampled, and the parent (the app's span) is known to be remote.
      flags: 0x301,
      scope: { name: BRIDGE_SCOPE.name, version: BRIDGE_SCOPE.version },
    });
    expect(decoded?.attributeTypes).toMatchObject({ 'gen_ai.usage.input_tokens': 'int', 'x.ratio': 'double', 'x.flags': 'array' });
    expect(decoded?.resource['service.name']).toBe('openai-assistants');
  });

  it('writes what the official serializer cannot be given: big int64s, integral doubles, unknown remoteness, nanoseconds', () => {
    const span: SpanRecord = {
      ...RUN,
      parent: { spanId: '00f067aa0ba902b7', remote: null },
      start: '1760000000123456789',
      end: '18446744073709551615',
      attributes: {
        big: { int: '9007199254740993' },
        min: { int: '-9223372036854775808' },
        three: { double: 3 },
        raw: { bytes: Buffer.from([0, 1, 254, 255]).toString('base64') },
        nested: {
          kvlist: [
            { key: 'a', value: [1, 'two', null, { kvlist: [{ key: 'a', value: true }] }] },
            { key: 'a', value: 2.5 },
          ],
        },
      },
      events: [{ name: 'e', time: '1', attributes: {}, droppedAttributesCount: 2 }],
      droppedEventsCount: 4,
      links: [{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceFlags: 1, remote: null, attributes: {}, droppedAttributesCount: 1 }],
      droppedLinksCount: 5,
    };
    const [decoded] = decode(new OtlpTraceEncoder(RESOURCE, BRIDGE_SCOPE).encode([span]));
    expect(decoded).toMatchObject({
      startTimeUnixNano: '1760000000123456789',
      endTimeUnixNano: '18446744073709551615',
      // Sampled; nothing said of the parent's remoteness.
      flags: 0x001,
      attributes: {
        big: '9007199254740993',
        min: '-9223372036854775808',
        three: 3,
        raw: 'AAH+/w==',
        nested: { a: 2.5 },
      },
      attributeTypes: { big: 'int', min: 'int', three: 'double', raw: 'bytes', nested: 'kvlist' },
      events: [{ name: 'e', timeUnixNano: '1', attributes: {}, droppedAttributesCount: 2 }],
      droppedEventsCount: 4,
      links: [{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), flags: 0x001, droppedAttributesCount: 1 }],
      droppedLinksCount: 5,
    });
  });

  it('writes any int64 exactly, as a decoder reads it back', () => {
    const encoder = new OtlpTraceEncoder(RESOURCE, BRIDGE_SCOPE);
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => {
        const [decoded] = decode(encoder.encode([{ ...RUN, attributes: { n: { int: n.toString() } } }]));
        // A number where it is safe, else the exact decimal.
        expect(decoded?.attributes.n).toBe(Number.isSafeInteger(Number(n)) ? Number(n) : n.toString());
        expect(decoded?.attributeTypes.n).toBe('int');
      }),
      { numRuns: 500 },
    );
  });

  it("groups spans by resource and scope in order of first appearance, the exporter's encoded once", () => {
    const own = {
      attributes: { 'service.name': 'published', 'host.name': 'h1' },
      droppedAttributesCount: 2,
      schemaUrl: 'https://example.test/r',
    };
    const scope = { name: 'agents-sdk', version: '2.0.0', attributes: { 'x.y': 'z' }, schemaUrl: 'https://example.test/s' };
    const at = (n: number, more: Partial<SpanRecord> = {}): SpanRecord => ({ ...RUN, spanId: n.toString(16).padStart(16, '0'), ...more });
    const spans = [at(1), at(2, { resource: own }), at(3, { resource: { ...own }, scope }), at(4), at(5, { resource: own })];
    const request = decodeTraceRequest(new OtlpTraceEncoder(RESOURCE, BRIDGE_SCOPE).encode(spans), 'protobuf');
    expect(firstTraceProblem(request)).toBeNull();
    const shape = (request.resourceSpans ?? []).map((rs) => ({
      dropped: rs.resource?.droppedAttributesCount ?? 0,
      schemaUrl: rs.schemaUrl ?? '',
      scopes: (rs.scopeSpans ?? []).map((ss) => [ss.scope?.name, ss.schemaUrl ?? '', (ss.spans ?? []).length]),
    }));
    expect(shape).toEqual([
      { dropped: 0, schemaUrl: '', scopes: [[BRIDGE_SCOPE.name, '', 2]] },
      {
        dropped: 2,
        schemaUrl: 'https://example.test/r',
        scopes: [
          [BRIDGE_SCOPE.name, '', 2],
          ['agents-sdk', 'https://example.test/s', 1],
        ],
      },
    ]);
    const received = spansOf(request, { receivedAt: 0, requestId: 0, encoding: 'protobuf' });
    expect(received.map((s) => [s.spanId.slice(-1), s.resource['service.name'], s.scope.name])).toEqual([
      ['1', 'openai-assistants', BRIDGE_SCOPE.name],
      ['4', 'openai-assistants', BRIDGE_SCOPE.name],
      ['2', 'published', BRIDGE_SCOPE.name],
      ['5', 'published', BRIDGE_SCOPE.name],
      ['3', 'published', 'agents-sdk'],
    ]);
  });

  it('never throws and always writes a request a decoder reads, for any record', () => {
    const encoder = new OtlpTraceEncoder(RESOURCE, BRIDGE_SCOPE);
    fc.assert(
      fc.property(batches(anyRecord.span, 6), (spans) => {
        const request = decodeTraceRequest(encoder.encode(spans), 'protobuf');
        const received = spansOf(request, { receivedAt: 0, requestId: 0, encoding: 'protobuf' });
        expect(received.map((s) => [s.spanId, s.startTimeUnixNano, s.endTimeUnixNano]).sort()).toEqual(
          spans.map((s) => [s.spanId, s.start, s.end]).sort(),
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('OTLP/protobuf response reader', () => {
  const outcome = (read: () => unknown): unknown => {
    try {
      return { value: read() };
    } catch {
      return 'throws';
    }
  };

  it('reads what the official deserializer reads, partial successes and unknown fields included', () => {
    const partial = fc.record(
      { rejectedSpans: fc.oneof(fc.nat(), fc.constantFrom(0, 2 ** 31, 2 ** 40)), errorMessage: text },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.option(partial, { nil: undefined }), fc.uint8Array({ maxLength: 6 }), (partialSuccess, tail) => {
        const encoded = ExportTraceServiceResponse.encode(
          ExportTraceServiceResponse.fromObject(partialSuccess ? { partialSuccess } : {}),
        ).finish();
        // An unknown field 9 (bytes) after the known ones, as a newer collector might send.
        const withUnknown = Buffer.concat([encoded, Buffer.from([0x4a, tail.length]), tail]);
        for (const bytes of [encoded, withUnknown]) {
          expect(outcome(() => decodeTraceResponse(bytes))).toEqual(outcome(() => ProtobufTraceSerializer.deserializeResponse(bytes)));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reads an error message that starts with a byte order mark as the official deserializer does', () => {
    const bytes = ExportTraceServiceResponse.encode(
      ExportTraceServiceResponse.fromObject({ partialSuccess: { errorMessage: '\ufeffbad span' } }),
    ).finish();
    expect(decodeTraceResponse(bytes)).toEqual(ProtobufTraceSerializer.deserializeResponse(bytes));
    expect(decodeTraceResponse(bytes).partialSuccess?.errorMessage).toBe('bad span');
  });

  it('throws on what cannot be a response, as the official deserializer does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (bytes) => {
        const ours = outcome(() => decodeTraceResponse(bytes));
        const theirs = outcome(() => ProtobufTraceSerializer.deserializeResponse(bytes));
        // Both throw, or both read the same; the exporters treat a throw as an acknowledgement without detail.
        if (ours === 'throws' || theirs === 'throws') expect(ours === 'throws').toBe(theirs === 'throws');
        else expect(ours).toEqual(theirs);
      }),
      { numRuns: 2_000 },
    );
  });
});
