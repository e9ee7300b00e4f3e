// Property-based: any JSON reads without throwing into well-formed records; any valid span,
// written as OTLP/JSON in any of the encoding's allowed forms, reads back exactly; nanosecond
// times survive to the digit; forwarding over any sequence of reads gives each span once.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isNanos, type AttributeValue, type Attributes, type KeyValue } from '../../../src/core/span-record.js';
import { forwardTrace } from '../../../src/sources/agents/forward.js';
import { parseOtlpTrace, type PublishedSpan } from '../../../src/sources/agents/otlp-json.js';
import { CONTENT_OFF, CONTENT_ON, forwardInput, LIMITS } from './helpers.js';

// --- arbitraries -------------------------------------------------------------------------------

const hexId = (bytes: number) =>
  fc
    .uint8Array({ minLength: bytes, maxLength: bytes })
    .filter((b) => b.some((x) => x !== 0))
    .map((b) => Buffer.from(b).toString('hex'));
const nanos = fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }).map(String);
const uint32 = fc.integer({ min: 0, max: 0xffff_ffff });
const key = fc.oneof(fc.string({ minLength: 1 }), fc.constantFrom('__proto__', 'constructor', 'gen_ai.input.messages', '1', 'toString'));

const scalar: fc.Arbitrary<AttributeValue> = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
  fc.constant(null),
  fc
    .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
    .filter((n) => !Number.isSafeInteger(Number(n)))
    .map((n) => ({ int: n.toString() })),
  fc
    .integer({ min: -1e9, max: 1e9 })
    .filter((n) => n !== 0)
    .map((n) => ({ double: n })),
  fc.uint8Array({ maxLength: 12 }).map((b) => ({ bytes: Buffer.from(b).toString('base64') })),
);
const { value: attributeValue } = fc.letrec<{ value: AttributeValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.array(fc.record({ key: fc.string(), value: tie('value') }), { maxLength: 3 }).map((kvlist: KeyValue[]) => ({ kvlist })),
  ),
}));
const attributes: fc.Arbitrary<Attributes> = fc
  // An attribute has a value: one without is dropped (the empty value lives on only inside arrays and key-value lists).
  .uniqueArray(
    fc.tuple(
      key,
      attributeValue.filter((v) => v !== null),
    ),
    { selector: ([k]) => k, maxLength: 5 },
  )
  .map((entries) => {
    const out: Attributes = {};
    for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    return out;
  });
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const positive = fc.integer({ min: 1, max: 0xffff_ffff });

const spanArb: fc.Arbitrary<PublishedSpan> = fc
  .record({
    traceId: hexId(16),
    spanId: hexId(8),
    parent: fc.option(fc.record({ spanId: hexId(8), remote: fc.constantFrom(true, false, null) })),
    traceFlags: fc.integer({ min: 0, max: 255 }),
    traceState: optional(fc.string({ minLength: 1 })),
    name: fc.string(),
    kind: fc.constantFrom(0, 1, 2, 3, 4),
    start: nanos,
    end: fc.option(nanos),
    status: fc.record({ code: fc.constantFrom(0, 1, 2), message: optional(fc.string({ minLength: 1 })) }, { requiredKeys: ['code'] }),
    attributes,
    droppedAttributesCount: uint32,
    events: optional(
      fc.array(
        fc.record(
          { name: fc.string(), time: nanos, attributes, droppedAttributesCount: optional(positive) },
          { requiredKeys: ['name', 'time', 'attributes'] },
        ),
        {
          minLength: 1,
          maxLength: 2,
        },
      ),
    ),
    droppedEventsCount: optional(positive),
    links: optional(
      fc.array(
        fc.record(
          {
            traceId: hexId(16),
            spanId: hexId(8),
            traceFlags: fc.integer({ min: 0, max: 255 }),
            traceState: optional(fc.string({ minLength: 1 })),
            remote: optional(fc.constantFrom(true, null)),
            attributes,
            droppedAttributesCount: optional(positive),
          },
          { requiredKeys: ['traceId', 'spanId', 'traceFlags', 'attributes'] },
        ),
        { minLength: 1, maxLength: 2 },
      ),
    ),
    droppedLinksCount: optional(positive),
    resource: optional(
      fc.record(
        { attributes, droppedAttributesCount: optional(positive), schemaUrl: optional(fc.string({ minLength: 1 })) },
        { requiredKeys: ['attributes'] },
      ),
    ),
    scope: fc.record(
      {
        name: fc.string(),
        version: optional(fc.string({ minLength: 1 })),
        attributes: optional(attributes.filter((a) => Object.keys(a).length > 0)),
        droppedAttributesCount: optional(positive),
        schemaUrl: optional(fc.string({ minLength: 1 })),
      },
      { requiredKeys: ['name'] },
    ),
  })
  // Through JSON, so optional fields left undefined are absent, as a reader leaves them.
  .map((span) => JSON.parse(JSON.stringify(span)) as PublishedSpan);

// --- OTLP/JSON writer: every form the encoding allows ------------------------------------------

interface Forms {
  /** Write int64 values and times as JSON numbers where exact. */
  numbers: boolean;
  /** Write enums by name. */
  enumNames: boolean;
  /** Write ids in upper case. */
  upper: boolean;
  /** Write the proto field names (snake_case). */
  snake: boolean;
}

const KIND_NAMES = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];
const STATUS_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

function writer(f: Forms) {
  const name = (camel: string) => (f.snake ? camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : camel);
  const obj = (fields: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(fields)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [name(k), v]),
    );
  const int = (decimal: string) => (f.numbers && Number.isSafeInteger(Number(decimal)) ? Number(decimal) : decimal);
  const id = (hex: string) => (f.upper ? hex.toUpperCase() : hex);
  const anyValue = (v: AttributeValue): unknown => {
    if (v === null) return {};
    if (typeof v === 'string') return obj({ stringValue: v });
    if (typeof v === 'boolean') return obj({ boolValue: v });
    if (typeof v === 'number') return Number.isInteger(v) ? obj({ intValue: int(String(v)) }) : obj({ doubleValue: v });
    if (Array.isArray(v)) return obj({ arrayValue: { values: v.map(anyValue) } });
    if ('int' in v) return obj({ intValue: int(v.int) });
    if ('double' in v) return obj({ doubleValue: v.double });
    if ('bytes' in v) return obj({ bytesValue: v.bytes });
    return obj({ kvlistValue: { values: v.kvlist.map((kv) => ({ key: kv.key, value: anyValue(kv.value) })) } });
  };
  const attrs = (a: Attributes) => Object.keys(a).map((k) => ({ key: k, value: anyValue(a[k] as AttributeValue) }));
  const remoteBits = (remote: boolean | null | undefined) => (remote === null ? 0 : remote === true ? 0x300 : 0x100);
  const span = (s: PublishedSpan) =>
    obj({
      traceId: id(s.traceId),
      spanId: id(s.spanId),
      parentSpanId: s.parent ? id(s.parent.spanId) : undefined,
      traceState: s.traceState,
      flags: s.traceFlags | (s.parent ? remoteBits(s.parent.remote) : 0),
      name: s.name,
      kind: f.enumNames ? KIND_NAMES[s.kind + 1] : s.kind + 1,
      startTimeUnixNano: int(s.start),
      endTimeUnixNano: s.end === null ? undefined : int(s.end),
      attributes: attrs(s.attributes),
      droppedAttributesCount: s.droppedAttributesCount,
      events: s.events?.map((e) =>
        obj({ timeUnixNano: int(e.time), name: e.name, attributes: attrs(e.attributes), droppedAttributesCount: e.droppedAttributesCount }),
      ),
      droppedEventsCount: s.droppedEventsCount,
      links: s.links?.map((l) =>
        obj({
          traceId: id(l.traceId),
          spanId: id(l.spanId),
          traceState: l.traceState,
          flags: l.traceFlags | remoteBits(l.remote),
          attributes: attrs(l.attributes),
          droppedAttributesCount: l.droppedAttributesCount,
        }),
      ),
      droppedLinksCount: s.droppedLinksCount,
      status: obj({ code: f.enumNames ? STATUS_NAMES[s.status.code] : s.status.code, message: s.status.message }),
    });
  return (spans: PublishedSpan[]) => ({
    resourceSpans: spans.map((s) =>
      obj({
        resource: s.resource
          ? obj({ attributes: attrs(s.resource.attributes), droppedAttributesCount: s.resource.droppedAttributesCount })
          : undefined,
        schemaUrl: s.resource?.schemaUrl,
        scopeSpans: [
          obj({
            scope: obj({
              name: s.scope?.name,
              version: s.scope?.version,
              attributes: s.scope?.attributes ? attrs(s.scope.attributes) : undefined,
              droppedAttributesCount: s.scope?.droppedAttributesCount,
            }),
            schemaUrl: s.scope?.schemaUrl,
            spans: [span(s)],
          }),
        ],
      }),
    ),
  });
}

const forms = fc.record({ numbers: fc.boolean(), enumNames: fc.boolean(), upper: fc.boolean(), snake: fc.boolean() });
const uniqueSpans = fc.uniqueArray(spanArb, { selector: (s) => `${s.traceId}:${s.spanId}`, maxLength: 4 });

// --- what every record must be -----------------------------------------------------------------

function isValue(v: unknown, depth = 0): boolean {
  if (depth > 40) return false;
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return true;
  if (Array.isArray(v)) return v.every((x) => isValue(x, depth + 1));
  if (typeof v !== 'object') return false;
  const keys = Object.keys(v);
  if (keys.length !== 1) return false;
  const o = v as Record<string, unknown>;
  if ('int' in o) return typeof o.int === 'string' && /^-?[0-9]+$/.test(o.int);
  if ('double' in o) return typeof o.double === 'number';
  if ('bytes' in o) return typeof o.bytes === 'string';
  if ('kvlist' in o)
    return (
      Array.isArray(o.kvlist) &&
      o.kvlist.every((kv: { key?: unknown; value?: unknown }) => typeof kv.key === 'string' && isValue(kv.value, depth + 1))
    );
  return false;
}

function expectWellFormed(span: PublishedSpan): void {
  expect(span.traceId).toMatch(/^(?!0+$)[0-9a-f]{32}$/);
  expect(span.spanId).toMatch(/^(?!0+$)[0-9a-f]{16}$/);
  if (span.parent) expect(span.parent.spanId).toMatch(/^(?!0+$)[0-9a-f]{16}$/);
  expect(isNanos(span.start) && span.start !== '0').toBe(true);
  if (span.end !== null) expect(isNanos(span.end)).toBe(true);
  expect([0, 1, 2, 3, 4]).toContain(span.kind);
  expect([0, 1, 2]).toContain(span.status.code);
  expect(typeof span.name).toBe('string');
  for (const a of [span.attributes, ...(span.events ?? []).map((e) => e.attributes), ...(span.links ?? []).map((l) => l.attributes)]) {
    for (const v of Object.values(a)) expect(isValue(v)).toBe(true);
  }
}

const odd: fc.Arbitrary<unknown> = fc.anything({
  key: fc.oneof(
    fc.string(),
    fc.constantFrom(
      'resourceSpans',
      'scopeSpans',
      'spans',
      'traceId',
      'spanId',
      'parentSpanId',
      'startTimeUnixNano',
      'endTimeUnixNano',
      'attributes',
      'key',
      'value',
      'stringValue',
      'intValue',
      'arrayValue',
      'kvlistValue',
      'values',
      'events',
      'links',
      '__proto__',
    ),
  ),
  values: [fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.bigInt(), hexId(8), hexId(16), nanos],
  maxDepth: 6,
  maxKeys: 6,
  withBigInt: true,
});

// --- properties --------------------------------------------------------------------------------

describe('reading any JSON', () => {
  it('never throws, and gives only well-formed spans', () => {
    fc.assert(
      fc.property(odd, (otlp) => {
        const parsed = parseOtlpTrace(otlp);
        for (const span of parsed.spans) expectWellFormed(span);
        for (const p of parsed.problems) expect(p.count).toBeGreaterThan(0);
        const forwarded = forwardTrace(forwardInput(otlp, { settled: true, content: CONTENT_ON }));
        expect(forwarded.records.length).toBe(parsed.spans.length);
      }),
      { numRuns: 1500 },
    );
  });

  it('never throws on a valid trace with any of its parts replaced by anything', () => {
    fc.assert(
      fc.property(uniqueSpans, forms, fc.array(fc.tuple(fc.nat(), odd), { minLength: 1, maxLength: 4 }), (spans, f, edits) => {
        const otlp = writer(f)(spans) as unknown;
        // Replace values at pseudo-random places in the tree.
        for (const [at, value] of edits) replaceAt(otlp, at, value);
        const parsed = parseOtlpTrace(otlp);
        for (const span of parsed.spans) expectWellFormed(span);
        forwardTrace(forwardInput(otlp, { settled: true, content: CONTENT_OFF }));
      }),
      { numRuns: 800 },
    );
  });
});

function replaceAt(tree: unknown, at: number, value: unknown): void {
  const slots: [Record<string, unknown>, string][] = [];
  const walk = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    for (const [k, child] of Object.entries(node)) {
      slots.push([node as Record<string, unknown>, k]);
      walk(child);
    }
  };
  walk(tree);
  const slot = slots[at % Math.max(slots.length, 1)];
  if (slot) slot[0][slot[1]] = value;
}

describe('reading valid spans', () => {
  it('gives back every known part exactly, whichever allowed form the JSON takes', () => {
    fc.assert(
      fc.property(uniqueSpans, forms, (spans, f) => {
        const parsed = parseOtlpTrace(writer(f)(spans));
        expect(parsed.problems).toEqual([]);
        expect(parsed.spans).toEqual(spans);
      }),
      { numRuns: 600 },
    );
  });

  it('keeps nanosecond times to the digit through JSON text, e.g. 1760000000123456789', () => {
    expect(
      parseOtlpTrace(
        JSON.parse(
          JSON.stringify({
            resourceSpans: [
              {
                scopeSpans: [
                  {
                    spans: [
                      {
                        traceId: 'a'.repeat(32),
                        spanId: 'b'.repeat(16),
                        startTimeUnixNano: '1760000000123456789',
                        endTimeUnixNano: '1760000000123456790',
                      },
                    ],
                  },
                ],
              },
            ],
          }),
        ),
      ).spans[0],
    ).toMatchObject({
      start: '1760000000123456789',
      end: '1760000000123456790',
    });
    fc.assert(
      fc.property(nanos, nanos, (start, end) => {
        const text = JSON.stringify({
          resourceSpans: [
            {
              scopeSpans: [
                { spans: [{ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), startTimeUnixNano: start, endTimeUnixNano: end }] },
              ],
            },
          ],
        });
        const [span] = parseOtlpTrace(JSON.parse(text)).spans;
        expect([span?.start, span?.end]).toEqual([start, end]);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('forwarding over reads', () => {
  it('gives each span exactly once over any sequence of reads that lists more and ends more, all once settled', () => {
    const trace = fc.uniqueArray(spanArb, { selector: (s) => `${s.traceId}:${s.spanId}`, minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(
        trace,
        fc.array(fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), { minLength: 1, maxLength: 4 }),
        (spans, reads) => {
          const exported = new Map<string, number>();
          const write = writer({ numbers: false, enumNames: false, upper: false, snake: false });
          // Read i lists the spans listed in any read up to i (a published trace only grows); its last read holds every span.
          const listed = new Set<number>();
          const allReads = [...reads, spans.map(() => true)];
          for (const [r, mask] of allReads.entries()) {
            mask.forEach((on, i) => on && i < spans.length && listed.add(i));
            const last = r === allReads.length - 1;
            const result = forwardTrace(
              forwardInput(write(spans.filter((_, i) => listed.has(i))), {
                settled: last,
                exported: (k) => exported.has(k),
                limits: LIMITS,
              }),
            );
            for (const record of result.records) exported.set(record.key, (exported.get(record.key) ?? 0) + 1);
          }
          expect(exported.size).toBe(spans.length);
          for (const count of exported.values()) expect(count).toBe(1);
        },
      ),
      { numRuns: 300 },
    );
  });
});
