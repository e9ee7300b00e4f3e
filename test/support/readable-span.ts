// Span records as the SDK's ReadableSpans, for the official serializers the bridge's encoders are
// compared with. Only what those serializers can be given converts: an int64 a JS number holds, a
// double with a fraction, a parent or link whose remoteness is known; anything else throws, and
// the tests check it by decoding instead. Equal resources and scopes become one object each, since
// the serializers group spans by object.
import { SpanKind, SpanStatusCode, type Attributes as SdkAttributes, type HrTime, type Link, type SpanContext } from '@opentelemetry/api';
import { TraceState, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import {
  nanosParts,
  type Attributes,
  type Nanos,
  type ResourceRecord,
  type SpanKindValue,
  type SpanRecord,
  type StatusCodeValue,
} from '../../src/core/span-record.js';

// The record keeps OpenTelemetry's numbers as plain JSON; these are the API's enums for them.
const SPAN_KINDS: Readonly<Record<SpanKindValue, SpanKind>> = {
  0: SpanKind.INTERNAL,
  1: SpanKind.SERVER,
  2: SpanKind.CLIENT,
  3: SpanKind.PRODUCER,
  4: SpanKind.CONSUMER,
};
const STATUS_CODES: Readonly<Record<StatusCodeValue, SpanStatusCode>> = {
  0: SpanStatusCode.UNSET,
  1: SpanStatusCode.OK,
  2: SpanStatusCode.ERROR,
};

const hrTime = (nanos: Nanos): HrTime => nanosParts(nanos);

/** JSON that tells NaN, the infinities and -0 from null and 0, as equal values must be told. */
const valueKey = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? { number: Object.is(v, -0) ? '-0' : String(v) } : v,
  );

/** An attribute value as the SDK's serializers take it (a kvlist as an object, bytes as a Uint8Array). */
function sdkValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sdkValue);
  if (typeof value !== 'object' || value === null) return value;
  const tagged = value as Record<string, unknown>;
  if (typeof tagged.int === 'string') {
    // Past 2^53 too, where a double holds the integer exactly (the SDK writes any integral number as an int64).
    const n = Number(tagged.int);
    if (BigInt(n) !== BigInt(tagged.int)) throw new Error(`the SDK cannot be given the int64 ${tagged.int}`);
    return n;
  }
  if (typeof tagged.double === 'number') {
    if (Number.isInteger(tagged.double)) throw new Error(`the SDK writes the double ${tagged.double} as an int`);
    return tagged.double;
  }
  if (typeof tagged.bytes === 'string') return new Uint8Array(Buffer.from(tagged.bytes, 'base64'));
  if (Array.isArray(tagged.kvlist)) {
    const out: Record<string, unknown> = {};
    for (const { key, value: item } of tagged.kvlist as { key: string; value: unknown }[]) {
      if (Object.hasOwn(out, key) || /^\d+$/.test(key) || key === '__proto__')
        throw new Error(`an SDK object cannot hold the key list ${key}`);
      out[key] = sdkValue(item);
    }
    return out;
  }
  throw new Error(`not an attribute value: ${JSON.stringify(value)}`);
}

function sdkAttributes(attributes: Attributes): SdkAttributes {
  // fromEntries: a key such as __proto__ stays an attribute, as in the record.
  return Object.fromEntries(Object.keys(attributes).map((key) => [key, sdkValue(attributes[key])]));
}

function known(remote: boolean | null | undefined, what: string): boolean {
  if (remote === null) throw new Error(`the SDK cannot say that ${what} is of unknown remoteness`);
  return remote ?? false;
}

/** Builds ReadableSpans over shared resource and scope objects, one per distinct value. */
export class ReadableSpans {
  readonly #resources = new Map<string, Resource>();
  readonly #scopes = new Map<string, InstrumentationScope>();

  constructor(
    private readonly resource: Resource,
    private readonly scope: InstrumentationScope,
  ) {}

  of(records: readonly SpanRecord[]): ReadableSpan[] {
    return records.map((record) => this.#one(record));
  }

  #resourceOf(record: ResourceRecord): Resource {
    if ((record.droppedAttributesCount ?? 0) !== 0) throw new Error('the SDK writes no dropped resource attributes');
    const key = valueKey(record);
    let found = this.#resources.get(key);
    if (!found) {
      // The serializers read these two; the rest of Resource is never called.
      found = { attributes: sdkAttributes(record.attributes), schemaUrl: record.schemaUrl } as unknown as Resource;
      this.#resources.set(key, found);
    }
    return found;
  }

  #scopeOf(record: NonNullable<SpanRecord['scope']>): InstrumentationScope {
    const key = valueKey(record);
    let found = this.#scopes.get(key);
    if (!found) {
      found = {
        name: record.name,
        ...(record.version !== undefined ? { version: record.version } : {}),
        ...(record.schemaUrl !== undefined ? { schemaUrl: record.schemaUrl } : {}),
        ...(record.attributes !== undefined ? { attributes: sdkAttributes(record.attributes) } : {}),
        ...(record.droppedAttributesCount !== undefined ? { droppedAttributesCount: record.droppedAttributesCount } : {}),
      };
      this.#scopes.set(key, found);
    }
    return found;
  }

  #one(record: SpanRecord): ReadableSpan {
    const traceState = record.traceState ? new TraceState(record.traceState) : undefined;
    const context: SpanContext = {
      traceId: record.traceId,
      spanId: record.spanId,
      traceFlags: record.traceFlags,
      ...(traceState ? { traceState } : {}),
    };
    const parentSpanContext: SpanContext | undefined = record.parent
      ? {
          traceId: record.traceId,
          spanId: record.parent.spanId,
          traceFlags: record.traceFlags,
          isRemote: known(record.parent.remote, 'a parent'),
        }
      : undefined;
    return {
      name: record.name,
      kind: SPAN_KINDS[record.kind],
      spanContext: () => context,
      ...(parentSpanContext ? { parentSpanContext } : {}),
      startTime: hrTime(record.start),
      endTime: hrTime(record.end),
      duration: [0, 0],
      status: record.status.message
        ? { code: STATUS_CODES[record.status.code], message: record.status.message }
        : { code: STATUS_CODES[record.status.code] },
      attributes: sdkAttributes(record.attributes),
      links: (record.links ?? []).map((link): Link => ({
        context: {
          traceId: link.traceId,
          spanId: link.spanId,
          traceFlags: link.traceFlags,
          isRemote: known(link.remote, 'a link'),
          ...(link.traceState ? { traceState: new TraceState(link.traceState) } : {}),
        },
        attributes: sdkAttributes(link.attributes),
        droppedAttributesCount: link.droppedAttributesCount ?? 0,
      })),
      events: (record.events ?? []).map((event): TimedEvent => ({
        name: event.name,
        time: hrTime(event.time),
        attributes: sdkAttributes(event.attributes),
        droppedAttributesCount: event.droppedAttributesCount ?? 0,
      })),
      ended: true,
      resource: record.resource ? this.#resourceOf(record.resource) : this.resource,
      instrumentationScope: record.scope ? this.#scopeOf(record.scope) : this.scope,
      droppedAttributesCount: record.droppedAttributesCount,
      droppedEventsCount: record.droppedEventsCount ?? 0,
      droppedLinksCount: record.droppedLinksCount ?? 0,
    };
  }
}
