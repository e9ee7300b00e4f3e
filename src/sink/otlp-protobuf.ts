// OTLP/protobuf ExportTraceServiceRequest bytes straight from SpanRecords, in one pass: no
// ReadableSpan per span and no sizing pass, with the configured resource and scope encoded once
// per exporter. Spans that carry their own resource or scope are grouped under them, in order of
// first appearance. Byte for byte what @opentelemetry/otlp-transformer's ProtobufTraceSerializer
// writes for the same spans (test/sink/otlp-protobuf.test.ts keeps it as the oracle), so the field
// order and the choices below (which defaults are written, int or double) follow it; it also
// writes what that serializer cannot be given (int64 beyond 2^53, integral doubles, a parent
// whose remoteness is unknown, nanoseconds past 2^53 in every time).
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { nanosParts, type Nanos, type ResourceRecord, type ScopeRecord, type SpanRecord } from '../core/span-record.js';
import { remoteFlags, TraceStates } from './span-flags.js';
import { configuredResource, SpanGroups } from './span-groups.js';

const LENGTH_DELIMITED = 2;
const VARINT = 0;
const FIXED64 = 1;
const FIXED32 = 5;

const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;
const INT64_DECIMAL = /^-?(?:0|[1-9][0-9]{0,18})$/;

/** A growable buffer; a length-delimited field reserves one byte and shifts when it needs more. */
class Writer {
  buf: Uint8Array;
  pos = 0;
  #view: DataView | null = null;

  constructor(size: number) {
    this.buf = new Uint8Array(Math.max(size, 64));
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
    this.#view = null;
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  varint(value: number): void {
    this.ensure(10);
    const buf = this.buf;
    if (value >= 0 && value <= 0xffffffff) {
      let v = value >>> 0;
      while (v > 127) {
        buf[this.pos++] = (v & 127) | 128;
        v >>>= 7;
      }
      buf[this.pos++] = v;
      return;
    }
    // int64 as two's complement in 64 bits, ten bytes for a negative value.
    const abs = Math.abs(value);
    let low = abs >>> 0;
    let high = (abs / 4294967296) >>> 0;
    if (value < 0) {
      low = ~low >>> 0;
      high = ~high >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    while (high > 0 || low > 127) {
      buf[this.pos++] = (low & 127) | 128;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buf[this.pos++] = low & 127;
  }

  string(value: string): void {
    const length = value.length;
    let ascii = true;
    for (let i = 0; i < length; i++) {
      if (value.charCodeAt(i) > 127) {
        ascii = false;
        break;
      }
    }
    if (!ascii) {
      this.bytes(Buffer.from(value, 'utf8'));
      return;
    }
    this.varint(length);
    this.ensure(length);
    const buf = this.buf;
    for (let i = 0; i < length; i++) buf[this.pos++] = value.charCodeAt(i);
  }

  bytes(value: Uint8Array): void {
    this.varint(value.length);
    this.raw(value);
  }

  raw(value: Uint8Array): void {
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  fixed32(value: number): void {
    this.ensure(4);
    const v = value >>> 0;
    const buf = this.buf;
    buf[this.pos++] = v & 255;
    buf[this.pos++] = (v >>> 8) & 255;
    buf[this.pos++] = (v >>> 16) & 255;
    buf[this.pos++] = (v >>> 24) & 255;
  }

  /** A time as fixed64 nanoseconds: exact past 2^53 ns, without BigInt. */
  nanos(time: Nanos): void {
    const [seconds, nanos] = nanosParts(time);
    const lower16 = (seconds & 65535) * 1e9;
    const upper = ((seconds / 65536) >>> 0) * 1e9;
    const lowSum = (lower16 >>> 0) + (((upper & 65535) * 65536) >>> 0) + nanos;
    const low = lowSum >>> 0;
    const high = (Math.floor(lower16 / 4294967296) + ((upper / 65536) >>> 0) + Math.floor(lowSum / 4294967296)) >>> 0;
    this.fixed32(low);
    this.fixed32(high);
  }

  /** An int64 given as a decimal string, as a varint (two's complement, ten bytes when negative). */
  int64(decimal: string): void {
    let v = BigInt.asUintN(64, BigInt(decimal));
    this.ensure(10);
    while (v > 127n) {
      this.buf[this.pos++] = Number(v & 127n) | 128;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  double(value: number): void {
    this.ensure(8);
    this.#view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.#view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /** Reserves the length of a field about to be written; pass the result to end(). */
  begin(): number {
    this.ensure(1);
    this.pos += 1;
    return this.pos;
  }

  end(start: number): void {
    const length = this.pos - start;
    let size = 1;
    for (let v = length >>> 7; v > 0; v >>>= 7) size += 1;
    if (size > 1) {
      this.ensure(size - 1);
      this.buf.copyWithin(start + size - 1, start, this.pos);
      this.pos += size - 1;
    }
    let at = start - 1;
    let v = length;
    while (v > 127) {
      this.buf[at++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[at] = v;
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

function writeAnyValue(w: Writer, value: unknown): void {
  switch (typeof value) {
    case 'string':
      w.tag(1, LENGTH_DELIMITED);
      w.string(value);
      return;
    case 'boolean':
      w.tag(2, VARINT);
      w.varint(value ? 1 : 0);
      return;
    case 'number':
      if (Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64) {
        w.tag(3, VARINT);
        w.varint(value);
      } else {
        w.tag(4, FIXED64);
        w.double(value);
      }
      return;
    default:
      if (Array.isArray(value)) {
        w.tag(5, LENGTH_DELIMITED);
        const array = w.begin();
        for (const item of value as unknown[]) {
          w.tag(1, LENGTH_DELIMITED);
          const start = w.begin();
          writeAnyValue(w, item);
          w.end(start);
        }
        w.end(array);
      } else if (typeof value === 'object' && value !== null) {
        writeTaggedValue(w, value as Record<string, unknown>);
      }
    // Anything else (null, say) is an empty AnyValue, as the oracle writes it.
  }
}

/** The tagged forms of AttributeValue; a malformed one is an empty AnyValue rather than a failed export. */
function writeTaggedValue(w: Writer, value: Record<string, unknown>): void {
  if (Object.hasOwn(value, 'int')) {
    if (typeof value.int === 'string' && INT64_DECIMAL.test(value.int) && BigInt.asIntN(64, BigInt(value.int)) === BigInt(value.int)) {
      w.tag(3, VARINT);
      w.int64(value.int);
    }
  } else if (Object.hasOwn(value, 'double')) {
    if (typeof value.double === 'number') {
      w.tag(4, FIXED64);
      w.double(value.double);
    }
  } else if (Object.hasOwn(value, 'bytes')) {
    if (typeof value.bytes === 'string') {
      w.tag(7, LENGTH_DELIMITED);
      w.bytes(Buffer.from(value.bytes, 'base64'));
    }
  } else if (Object.hasOwn(value, 'kvlist')) {
    if (Array.isArray(value.kvlist)) {
      w.tag(6, LENGTH_DELIMITED);
      const list = w.begin();
      for (const entry of value.kvlist as unknown[]) {
        if (typeof entry !== 'object' || entry === null) continue;
        const { key, value: item } = entry as { key?: unknown; value?: unknown };
        writeKeyValue(w, 1, typeof key === 'string' ? key : String(key), item);
      }
      w.end(list);
    }
  } else {
    // Not a record's form, but a hand-edited outbox row may hold one: a key/value list, as the oracle writes an object.
    w.tag(6, LENGTH_DELIMITED);
    const list = w.begin();
    writeAttributes(w, value, 1);
    w.end(list);
  }
}

function writeKeyValue(w: Writer, field: number, key: string, value: unknown): void {
  w.tag(field, LENGTH_DELIMITED);
  const kv = w.begin();
  w.tag(1, LENGTH_DELIMITED);
  w.string(key);
  w.tag(2, LENGTH_DELIMITED);
  const start = w.begin();
  writeAnyValue(w, value);
  w.end(start);
  w.end(kv);
}

function writeAttributes(w: Writer, attributes: Readonly<Record<string, unknown>>, field: number): void {
  for (const key in attributes) {
    if (!Object.hasOwn(attributes, key)) continue;
    writeKeyValue(w, field, key, attributes[key]);
  }
}

/** `resource` (field 1 of ResourceSpans) with its tag. */
function encodeResource(attributes: Readonly<Record<string, unknown>>, droppedAttributesCount: number): Uint8Array {
  const w = new Writer(256);
  w.tag(1, LENGTH_DELIMITED);
  const start = w.begin();
  writeAttributes(w, attributes, 1);
  w.tag(2, VARINT);
  w.varint(droppedAttributesCount);
  w.end(start);
  return w.finish().slice();
}

/** `scope` (field 1 of ScopeSpans) with its tag. */
function encodeScope(scope: ScopeRecord): Uint8Array {
  const w = new Writer(128);
  w.tag(1, LENGTH_DELIMITED);
  const start = w.begin();
  w.tag(1, LENGTH_DELIMITED);
  w.string(scope.name);
  if (scope.version) {
    w.tag(2, LENGTH_DELIMITED);
    w.string(scope.version);
  }
  if (scope.attributes) writeAttributes(w, scope.attributes, 3);
  if (scope.droppedAttributesCount) {
    w.tag(4, VARINT);
    w.varint(scope.droppedAttributesCount);
  }
  w.end(start);
  return w.finish().slice();
}

/** Encodes batches of spans; those without a resource or scope of their own get the exporter's. */
export class OtlpTraceEncoder {
  readonly #groups: SpanGroups<Uint8Array, Uint8Array>;
  readonly #traceStates = new TraceStates();

  constructor(resource: Resource, scope: InstrumentationScope) {
    this.#groups = new SpanGroups(
      configuredResource(resource),
      scope,
      (r: ResourceRecord) => encodeResource(r.attributes, r.droppedAttributesCount ?? 0),
      encodeScope,
    );
  }

  encode(spans: readonly SpanRecord[]): Uint8Array {
    if (spans.length === 0) return new Uint8Array(0);
    const groups = this.#groups.group(spans);
    const w = new Writer(spans.length * 512 + 512);
    for (const group of groups) {
      w.tag(1, LENGTH_DELIMITED);
      const resourceSpans = w.begin();
      w.raw(group.resource.encoded);
      for (const scoped of group.scopes) {
        w.tag(2, LENGTH_DELIMITED);
        const scopeSpans = w.begin();
        w.raw(scoped.scope.encoded);
        for (const span of scoped.spans) {
          w.tag(2, LENGTH_DELIMITED);
          const start = w.begin();
          this.#writeSpan(w, span);
          w.end(start);
        }
        if (scoped.scope.schemaUrl) {
          w.tag(3, LENGTH_DELIMITED);
          w.string(scoped.scope.schemaUrl);
        }
        w.end(scopeSpans);
      }
      if (group.resource.schemaUrl) {
        w.tag(3, LENGTH_DELIMITED);
        w.string(group.resource.schemaUrl);
      }
      w.end(resourceSpans);
    }
    return w.finish();
  }

  #writeSpan(w: Writer, span: SpanRecord): void {
    w.tag(1, LENGTH_DELIMITED);
    w.bytes(Buffer.from(span.traceId, 'hex'));
    w.tag(2, LENGTH_DELIMITED);
    w.bytes(Buffer.from(span.spanId, 'hex'));
    const traceState = span.traceState ? this.#traceStates.serialize(span.traceState) : '';
    if (traceState) {
      w.tag(3, LENGTH_DELIMITED);
      w.string(traceState);
    }
    if (span.parent?.spanId) {
      w.tag(4, LENGTH_DELIMITED);
      w.bytes(Buffer.from(span.parent.spanId, 'hex'));
    }
    w.tag(5, LENGTH_DELIMITED);
    w.string(span.name);
    // OTLP numbers kinds from 1 (SPAN_KIND_INTERNAL); the API's SpanKind from 0.
    if (typeof span.kind === 'number') {
      w.tag(6, VARINT);
      w.varint(span.kind + 1);
    }
    w.tag(7, FIXED64);
    w.nanos(span.start);
    w.tag(8, FIXED64);
    w.nanos(span.end);
    writeAttributes(w, span.attributes, 9);
    w.tag(10, VARINT);
    w.varint(span.droppedAttributesCount);
    for (const event of span.events ?? []) {
      w.tag(11, LENGTH_DELIMITED);
      const start = w.begin();
      w.tag(1, FIXED64);
      w.nanos(event.time);
      w.tag(2, LENGTH_DELIMITED);
      w.string(event.name);
      writeAttributes(w, event.attributes, 3);
      w.tag(4, VARINT);
      w.varint(event.droppedAttributesCount ?? 0);
      w.end(start);
    }
    w.tag(12, VARINT);
    w.varint(span.droppedEventsCount ?? 0);
    for (const link of span.links ?? []) {
      w.tag(13, LENGTH_DELIMITED);
      const start = w.begin();
      w.tag(1, LENGTH_DELIMITED);
      w.bytes(Buffer.from(link.traceId, 'hex'));
      w.tag(2, LENGTH_DELIMITED);
      w.bytes(Buffer.from(link.spanId, 'hex'));
      const linkState = link.traceState ? this.#traceStates.serialize(link.traceState) : '';
      if (linkState) {
        w.tag(3, LENGTH_DELIMITED);
        w.string(linkState);
      }
      writeAttributes(w, link.attributes, 4);
      w.tag(5, VARINT);
      w.varint(link.droppedAttributesCount ?? 0);
      const linkFlags = (link.traceFlags & 255) | remoteFlags(link.remote === undefined ? false : link.remote);
      if (linkFlags) {
        w.tag(6, FIXED32);
        w.fixed32(linkFlags);
      }
      w.end(start);
    }
    w.tag(14, VARINT);
    w.varint(span.droppedLinksCount ?? 0);
    w.tag(15, LENGTH_DELIMITED);
    const status = w.begin();
    if (span.status.message) {
      w.tag(2, LENGTH_DELIMITED);
      w.string(span.status.message);
    }
    w.tag(3, VARINT);
    w.varint(span.status.code);
    w.end(status);
    // A root span's parent is known not to be remote, as the SDK says of its roots.
    const flags = (span.traceFlags & 255) | remoteFlags(span.parent ? span.parent.remote : false);
    if (flags) {
      w.tag(16, FIXED32);
      w.fixed32(flags);
    }
  }
}

/** Strings of a response as the official deserializer reads them (a leading byte order mark dropped). */
const UTF8 = new TextDecoder();

/** Reads the few protobuf shapes a response needs; throws on bytes that cannot be one. */
class Reader {
  pos = 0;
  private readonly buf: Uint8Array;

  constructor(buf: Uint8Array) {
    this.buf = buf;
  }

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): number {
    let result = 0;
    for (let shift = 0; this.pos < this.buf.length; shift += 7) {
      const b = this.buf[this.pos++] as number;
      result += (b & 127) * 2 ** shift;
      if ((b & 128) === 0) return result;
    }
    throw new Error('truncated varint');
  }

  bytes(): Uint8Array {
    const length = this.varint();
    if (this.pos + length > this.buf.length) throw new Error('truncated field');
    const slice = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return slice;
  }

  skip(wire: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === FIXED64) this.pos += 8;
    else if (wire === LENGTH_DELIMITED) this.bytes();
    else if (wire === FIXED32) this.pos += 4;
    else throw new Error(`wire type ${wire} cannot be skipped`);
  }
}

export interface TracePartialSuccess {
  rejectedSpans?: number;
  errorMessage?: string;
}

/**
 * An ExportTraceServiceResponse: `partialSuccess` when the collector sent one (rejected_spans = 1,
 * error_message = 2); what the official deserializer returns for the same bytes.
 */
export function decodeTraceResponse(bytes: Uint8Array): { partialSuccess?: TracePartialSuccess } {
  const response = new Reader(bytes);
  const out: { partialSuccess?: TracePartialSuccess } = {};
  while (!response.done) {
    const tag = response.varint();
    if (tag >>> 3 !== 1 || (tag & 7) !== LENGTH_DELIMITED) {
      response.skip(tag & 7);
      continue;
    }
    const partial = new Reader(response.bytes());
    const found: TracePartialSuccess = {};
    while (!partial.done) {
      const field = partial.varint();
      if (field >>> 3 === 1 && (field & 7) === VARINT) found.rejectedSpans = partial.varint();
      else if (field >>> 3 === 2 && (field & 7) === LENGTH_DELIMITED) found.errorMessage = UTF8.decode(partial.bytes());
      else partial.skip(field & 7);
    }
    out.partialSuccess = found;
  }
  return out;
}
