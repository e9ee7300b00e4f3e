// Span records for the encoders' property tests: every shape a record may take, and the part of
// them the official serializers can be given (their oracles).
import fc from 'fast-check';
import type { AttributeValue, Attributes, Nanos, ResourceRecord, ScopeRecord, SpanRecord } from '../../src/core/span-record.js';

export const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));

export const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', 'gen_ai.operation.name', 'é', '𝄞', '\ud800', 'x'.repeat(300)),
);

/** Numbers the JSON encodings write alike: no NaN or infinities, and integers a JS number holds exactly. */
const jsonSafeNumbers = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d) || Number.isSafeInteger(d)),
  fc.constantFrom(0, -0, -1, 2 ** 32, 2 ** 32 - 1, 2 ** 53 - 1, -(2 ** 53 - 1), 0.5, 1_760_000_000),
);
const anyNumbers = fc.oneof(jsonSafeNumbers, fc.constantFrom(2 ** 53, -(2 ** 53), 2 ** 63, -(2 ** 63), 1e300, NaN, Infinity, -Infinity));

/** A kvlist key an SDK object keeps as given (in order, once). */
const objectKey = fc.string({ maxLength: 8 }).map((k) => `k${k}`);

/** Tagged values beyond what the SDK can be given: int64 past 2^53, integral doubles, non-finite doubles. */
const beyondSdk: fc.Arbitrary<AttributeValue> = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => ({ int: n.toString() })),
  fc.constantFrom('9007199254740993', '-9223372036854775808', '9223372036854775807').map((int) => ({ int })),
  fc.oneof(fc.integer(), fc.constantFrom(0, 2 ** 60, NaN, Infinity, -Infinity)).map((d) => ({ double: d })),
);

/** int64 values past 2^53 that a double holds exactly (2^60, -2^63, ...): the SDK can be given these as numbers. */
const bigInts: fc.Arbitrary<AttributeValue> = fc.oneof(
  fc
    .tuple(fc.integer({ min: 54, max: 63 }), fc.integer({ min: 1, max: 2 ** 20 }), fc.boolean())
    // A multiple of 2^(bits - 21) below 2^bits: at most 21 significant bits, so exact in a double.
    .map(([bits, mantissa, negative]) => (negative ? -1n : 1n) * BigInt(mantissa) * 2n ** BigInt(bits - 21))
    .filter((n) => n >= -(2n ** 63n) && n < 2n ** 63n && (n > 2n ** 53n || n < -(2n ** 53n)))
    .map((n) => ({ int: n.toString() })),
  fc.constantFrom('9007199254740994', '-9223372036854775808', '4611686018427387904').map((int) => ({ int })),
);

function values(numbers: fc.Arbitrary<number>, beyond: readonly fc.Arbitrary<AttributeValue>[]): fc.Arbitrary<AttributeValue> {
  const { value } = fc.letrec<{ value: AttributeValue; scalar: AttributeValue }>((tie) => ({
    scalar: fc.oneof(
      text,
      numbers,
      fc.boolean(),
      fc.constant(null),
      fc.integer().map((n) => ({ int: String(n) })),
      fc
        .double({ noNaN: true, noDefaultInfinity: true })
        .filter((d) => !Number.isInteger(d))
        .map((d) => ({ double: d })),
      fc.uint8Array({ maxLength: 12 }).map((b) => ({ bytes: Buffer.from(b).toString('base64') })),
      ...beyond,
    ),
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      tie('scalar'),
      fc.array(tie('value'), { maxLength: 4 }),
      fc
        .uniqueArray(fc.tuple(objectKey, tie('value')), { maxLength: 4, selector: ([k]) => k })
        .map((entries) => ({ kvlist: entries.map(([key, v]) => ({ key, value: v })) })),
    ),
  }));
  return value;
}

/** Times across the whole fixed64 range, sub-second ones included. */
export const nanos: fc.Arbitrary<Nanos> = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
  fc.bigInt({ min: 1_700_000_000_000_000_000n, max: 1_800_000_000_000_000_000n }).map(String),
  fc.constantFrom('0', '1', '999999999', '1000000000', '1760000000123456789', '1760000000000000000', '18446744073709551615'),
);

interface Shapes {
  value: fc.Arbitrary<AttributeValue>;
  /** Whether a parent's or a link's remoteness may be unknown (the SDK always knows it). */
  unknownRemote: boolean;
  /** Dropped resource attributes (the SDK writes none). */
  droppedResourceAttributes: boolean;
}

function records(shapes: Shapes): { span: fc.Arbitrary<SpanRecord>; attributes: fc.Arbitrary<Attributes> } {
  const attributes = fc.dictionary(text, shapes.value, { maxKeys: 6 });
  const remote = shapes.unknownRemote ? fc.constantFrom(true, false, null) : fc.boolean();
  const event = fc.record(
    { name: text, time: nanos, attributes, droppedAttributesCount: fc.nat(5) },
    { requiredKeys: ['name', 'time', 'attributes'] },
  );
  const link = fc.record(
    {
      traceId: hex(16),
      spanId: hex(8),
      traceFlags: fc.constantFrom(0, 1, 2, 255),
      traceState: fc.constantFrom('vendor=value', 'bad key=x', ''),
      remote,
      attributes,
      droppedAttributesCount: fc.nat(5),
    },
    { requiredKeys: ['traceId', 'spanId', 'traceFlags', 'attributes'] },
  );
  // None is the exporter's own; batches() makes spans share them.
  const resource: fc.Arbitrary<ResourceRecord> = fc.record(
    {
      attributes,
      schemaUrl: fc.webUrl(),
      droppedAttributesCount: shapes.droppedResourceAttributes ? fc.nat(3) : fc.constant(0),
    },
    { requiredKeys: ['attributes'] },
  );
  const scope: fc.Arbitrary<ScopeRecord> = fc
    .record(
      {
        name: fc.constantFrom('scope-a', 'scope-b', 'scope-c'),
        version: fc.constantFrom('1.0.0', ''),
        attributes,
        droppedAttributesCount: fc.nat(3),
        schemaUrl: fc.webUrl(),
      },
      { requiredKeys: ['name'] },
    )
    // The official JSON serializer tells scopes apart by name, version and schema URL alone: a name per distinct scope.
    .map((sc) => ({ ...sc, name: `${sc.name} ${JSON.stringify(sc)}` }));
  const span = fc.record(
    {
      traceId: hex(16),
      spanId: hex(8),
      parent: fc.option(fc.record({ spanId: hex(8), remote }), { nil: null }),
      traceFlags: fc.constantFrom(0, 1, 2, 255),
      traceState: fc.constantFrom('vendor=value', 'a=1,b=2', 'bad key=x', '', 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'),
      name: text,
      kind: fc.constantFrom(0, 1, 2, 3, 4),
      start: nanos,
      end: nanos,
      status: fc.record({ code: fc.constantFrom(0, 1, 2), message: text }, { requiredKeys: ['code'] }),
      attributes,
      droppedAttributesCount: fc.nat(1000),
      events: fc.array(event, { maxLength: 3 }),
      droppedEventsCount: fc.nat(5),
      links: fc.array(link, { maxLength: 3 }),
      droppedLinksCount: fc.nat(5),
      resource,
      scope,
      key: fc.string(),
      unit: fc.string(),
      history: fc.constant(true as const),
      lagSample: fc.constant(true as const),
    },
    {
      requiredKeys: [
        'traceId',
        'spanId',
        'parent',
        'traceFlags',
        'name',
        'kind',
        'start',
        'end',
        'status',
        'attributes',
        'droppedAttributesCount',
        'key',
        'unit',
      ],
    },
  ) as fc.Arbitrary<SpanRecord>;
  return { span, attributes };
}

/** Batches where a few resources and scopes recur across spans, as forwarded traces have them. */
export function batches(span: fc.Arbitrary<SpanRecord>, maxLength: number): fc.Arbitrary<SpanRecord[]> {
  return fc.tuple(fc.array(span, { maxLength }), fc.array(fc.nat(), { minLength: maxLength, maxLength })).map(([spans, picks]) =>
    // Reuse an earlier span's resource or scope now and then, so equal ones must group.
    spans.map((s, i) => {
      const earlier = spans[(picks[i] ?? 0) % Math.max(1, i)];
      if (i === 0 || !earlier || (picks[i] ?? 0) % 3 !== 0) return s;
      return { ...s, ...(earlier.resource ? { resource: earlier.resource } : {}), ...(earlier.scope ? { scope: earlier.scope } : {}) };
    }),
  );
}

/** What the official protobuf serializer can be given. */
export const protobufOracle = records({ value: values(anyNumbers, [bigInts]), unknownRemote: false, droppedResourceAttributes: false });
/** What the official JSON serializer writes as OTLP/JSON says (its NaN and unsafe integers are not). */
export const jsonOracle = records({ value: values(jsonSafeNumbers, []), unknownRemote: false, droppedResourceAttributes: false });
/** Every record shape. */
export const anyRecord = records({ value: values(anyNumbers, [beyondSdk, bigInts]), unknownRemote: true, droppedResourceAttributes: true });
