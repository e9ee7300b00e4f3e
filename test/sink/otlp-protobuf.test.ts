// The bridge's own OTLP/protobuf encoder against the official one as the oracle: for any spans,
// resource and scope, the same bytes as ProtobufTraceSerializer over the ReadableSpans the bridge
// would otherwise build. Then a real decode of those bytes, to see the fields land where OTLP says.
import fc from 'fast-check';
import type { InstrumentationScope } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import type { AttributeValue, SpanRecord } from '../../src/mapping/span-record.js';
import { decodeTraceResponse, OtlpTraceEncoder } from '../../src/sink/otlp-protobuf.js';
import { toReadableSpan } from '../../src/sink/readable-span.js';
import { assistantResource, BRIDGE_SCOPE } from '../../src/sink/resource.js';
import { decodeTraceRequest } from '../support/otlp-receiver/decode.js';
import { spansOf } from '../support/otlp-receiver/normalize.js';
import { firstTraceProblem } from '../support/otlp-receiver/validate.js';
import { ExportTraceServiceResponse } from '../support/otlp-receiver/proto.js';

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', 'gen_ai.operation.name', 'é', '𝄞', '\ud800', 'x'.repeat(300)),
);
const numbers = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    0,
    -0,
    -1,
    2 ** 32,
    2 ** 32 - 1,
    2 ** 53,
    -(2 ** 53),
    2 ** 63,
    -(2 ** 63),
    1e300,
    NaN,
    Infinity,
    -Infinity,
    0.5,
    1_760_000_000,
  ),
);
const value: fc.Arbitrary<AttributeValue> = fc.oneof(
  text,
  numbers,
  fc.boolean(),
  fc.array(text, { maxLength: 4 }),
  fc.array(numbers, { maxLength: 4 }),
  fc.array(fc.boolean(), { maxLength: 4 }),
);
const attributes = fc.dictionary(text, value, { maxKeys: 12 });
// Whole seconds as the API gives them, across the range where seconds x 10^9 passes 2^53.
const seconds = fc.oneof(fc.integer({ min: 0, max: 4_102_444_800 }), fc.constantFrom(0, 1, 65_535, 65_536, 1_760_000_000, 4_294_967_295));

const event = fc.record({ name: text, timeSeconds: seconds, attributes }, { requiredKeys: ['name', 'timeSeconds'] });
const link = fc.record(
  {
    traceId: hex(16),
    spanId: hex(8),
    traceFlags: fc.constantFrom(0, 1, 2, 255),
    traceState: fc.constantFrom('vendor=value', 'bad key=x', ''),
    attributes,
  },
  { requiredKeys: ['traceId', 'spanId', 'traceFlags'] },
);

const span: fc.Arbitrary<SpanRecord> = fc
  .record({
    traceId: hex(16),
    spanId: hex(8),
    parentSpanId: fc.option(hex(8), { nil: undefined }),
    traceFlags: fc.constantFrom(0, 1, 2, 255),
    traceState: fc.option(fc.constantFrom('vendor=value', 'a=1,b=2', 'bad key=x', '', 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'), {
      nil: undefined,
    }),
    name: text,
    kind: fc.constantFrom(0, 1, 2, 3, 4),
    startSeconds: seconds,
    endSeconds: seconds,
    status: fc.record({ code: fc.constantFrom(0, 1, 2), message: fc.option(text, { nil: undefined }) }, { requiredKeys: ['code'] }),
    attributes,
    droppedAttributesCount: fc.nat(1000),
    role: fc.constantFrom('run', 'step', 'tool'),
    runId: fc.string(),
    events: fc.option(fc.array(event, { maxLength: 3 }), { nil: undefined }),
    links: fc.option(fc.array(link, { maxLength: 3 }), { nil: undefined }),
  })
  .map((s) => {
    const { parentSpanId, traceState, events, links, ...rest } = s;
    return {
      ...rest,
      ...(parentSpanId !== undefined ? { parentSpanId } : {}),
      ...(traceState !== undefined ? { traceState } : {}),
      ...(events !== undefined ? { events } : {}),
      ...(links !== undefined ? { links } : {}),
    };
  });

function oracle(
  spans: readonly SpanRecord[],
  resource: ReturnType<typeof resourceFromAttributes>,
  scope: InstrumentationScope,
): Uint8Array {
  return ProtobufTraceSerializer.serializeRequest(spans.map((s) => toReadableSpan(s, resource, scope))) ?? new Uint8Array(0);
}

describe('OTLP/protobuf encoder', () => {
  it('writes the bytes the official serializer writes, for any spans (1,000 batches)', () => {
    const resource = assistantResource({
      assistantServiceName: 'openai-assistants',
      bridgeServiceName: 'bridge',
      attributes: { 'deployment.environment.name': 'prod' },
    });
    const encoder = new OtlpTraceEncoder(resource, BRIDGE_SCOPE);
    fc.assert(
      fc.property(fc.array(span, { maxLength: 12 }), (spans) => {
        expect(Buffer.from(encoder.encode(spans)).equals(Buffer.from(oracle(spans, resource, BRIDGE_SCOPE)))).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });

  it('writes the bytes the official serializer writes, for any resource and scope', () => {
    fc.assert(
      fc.property(
        attributes,
        fc.option(fc.webUrl(), { nil: undefined }),
        fc.record(
          { name: text, version: fc.option(text, { nil: undefined }), schemaUrl: fc.option(fc.webUrl(), { nil: undefined }) },
          { requiredKeys: ['name'] },
        ),
        fc.array(span, { minLength: 1, maxLength: 3 }),
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
    const run: SpanRecord = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      parentSpanId: '00f067aa0ba902b7',
      traceFlags: 1,
      traceState: 'congo=t61rcWkgMzE',
      name: 'invoke_agent Math Tutor',
      kind: 2,
      startSeconds: 1_760_000_000,
      endSeconds: 1_760_000_042,
      status: { code: 2, message: 'rate limited' },
      attributes: { 'gen_ai.usage.input_tokens': 1234, 'openai.run.status': 'failed', 'x.ratio': 0.5, 'x.flags': [true, false] },
      droppedAttributesCount: 3,
      role: 'run',
      runId: 'run_1',
    };
    const request = decodeTraceRequest(new OtlpTraceEncoder(resource, BRIDGE_SCOPE).encode([run]), 'protobuf');
    expect(firstTraceProblem(request)).toBeNull();
    const [decoded] = spansOf(request, { receivedAt: 0, requestId: 0, encoding: 'protobuf' });
    expect(decoded).toMatchObject({
      traceId: run.traceId,
      spanId: run.spanId,
      parentSpanId: run.parentSpanId,
      traceState: 'congo=t61rcWkgMzE',
      name: run.name,
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
