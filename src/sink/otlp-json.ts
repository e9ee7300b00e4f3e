// OTLP/JSON ExportTraceServiceRequest bytes straight from SpanRecords, grouped by resource and
// scope as the protobuf encoder groups them. For the values @opentelemetry/otlp-transformer's
// JsonTraceSerializer can be given, the same text it writes (test/sink/otlp-json.test.ts keeps it
// as the oracle); beyond them, what the OTLP/JSON encoding says, so nothing is lost on this path
// either: int64 values a JS number cannot hold as decimal strings, integral doubles as doubles,
// NaN and infinities as their JSON names, a parent whose remoteness is unknown without the bit.
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ResourceRecord, ScopeRecord, SpanEventRecord, SpanLinkRecord, SpanRecord } from '../core/span-record.js';
import { remoteFlags, TraceStates } from './span-flags.js';
import { configuredResource, SpanGroups } from './span-groups.js';

type Json = string | number | boolean | null | undefined | Json[] | { [key: string]: Json };
interface KeyValueJson {
  [key: string]: Json;
  key: string;
  value: Json;
}

const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;
const INT64_DECIMAL = /^-?(?:0|[1-9][0-9]{0,18})$/;

function doubleJson(value: number): number | string {
  if (Number.isFinite(value)) return value;
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}

function anyValue(value: unknown): Json {
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'number':
      if (!Number.isInteger(value) || value < MIN_INT64 || value >= MAX_INT64) return { doubleValue: doubleJson(value) };
      // A JS number prints an unsafe integer rounded to its shortest form: the exact decimal instead.
      return { intValue: Number.isSafeInteger(value) ? value : BigInt(value).toString() };
    default:
      if (Array.isArray(value)) return { arrayValue: { values: (value as unknown[]).map(anyValue) } };
      if (typeof value === 'object' && value !== null) return taggedValue(value as Record<string, unknown>);
      return {};
  }
}

/** The tagged forms of AttributeValue; a malformed one is an empty AnyValue, as in the protobuf encoder. */
function taggedValue(value: Record<string, unknown>): Json {
  if (Object.hasOwn(value, 'int')) {
    const int = value.int;
    if (typeof int !== 'string' || !INT64_DECIMAL.test(int) || BigInt.asIntN(64, BigInt(int)) !== BigInt(int)) return {};
    // A number where a JS number holds it exactly, as a plain integer is written; the decimal beyond.
    const n = Number(int);
    return { intValue: Number.isSafeInteger(n) ? n : int };
  }
  if (Object.hasOwn(value, 'double')) return typeof value.double === 'number' ? { doubleValue: doubleJson(value.double) } : {};
  if (Object.hasOwn(value, 'bytes')) {
    return typeof value.bytes === 'string' ? { bytesValue: Buffer.from(value.bytes, 'base64').toString('base64') } : {};
  }
  if (Object.hasOwn(value, 'kvlist')) {
    if (!Array.isArray(value.kvlist)) return {};
    const values: KeyValueJson[] = [];
    for (const entry of value.kvlist as unknown[]) {
      if (typeof entry !== 'object' || entry === null) continue;
      const { key, value: item } = entry as { key?: unknown; value?: unknown };
      values.push({ key: typeof key === 'string' ? key : String(key), value: anyValue(item) });
    }
    return { kvlistValue: { values } };
  }
  // Not a record's form, but a hand-edited outbox row may hold one: a key/value list, as the oracle writes an object.
  return { kvlistValue: { values: attributes(value) } };
}

function attributes(values: Readonly<Record<string, unknown>> | undefined): KeyValueJson[] {
  const out: KeyValueJson[] = [];
  for (const key in values) {
    if (Object.hasOwn(values, key)) out.push({ key, value: anyValue(values[key]) });
  }
  return out;
}

function resourceJson(resource: ResourceRecord): Json {
  return {
    attributes: attributes(resource.attributes),
    droppedAttributesCount: resource.droppedAttributesCount ?? 0,
    ...(resource.schemaUrl ? { schemaUrl: resource.schemaUrl } : {}),
  };
}

function scopeJson(scope: ScopeRecord): Json {
  const hasAttributes = scope.attributes !== undefined && Object.keys(scope.attributes).length > 0;
  return {
    name: scope.name,
    version: scope.version,
    ...(hasAttributes ? { attributes: attributes(scope.attributes), droppedAttributesCount: scope.droppedAttributesCount ?? 0 } : {}),
  };
}

/** Encodes batches of spans; those without a resource or scope of their own get the exporter's. */
export class OtlpJsonTraceEncoder {
  readonly #groups: SpanGroups<Json, Json>;
  readonly #traceStates = new TraceStates();

  constructor(resource: Resource, scope: InstrumentationScope) {
    this.#groups = new SpanGroups(configuredResource(resource), scope, resourceJson, scopeJson);
  }

  encode(spans: readonly SpanRecord[]): Uint8Array {
    const resourceSpans = this.#groups.group(spans).map((group) => ({
      resource: group.resource.encoded,
      scopeSpans: group.scopes.map((scoped) => ({
        scope: scoped.scope.encoded,
        spans: scoped.spans.map((span) => this.#span(span)),
        schemaUrl: scoped.scope.schemaUrl,
      })),
      schemaUrl: group.resource.schemaUrl,
    }));
    return Buffer.from(JSON.stringify({ resourceSpans: spans.length > 0 ? resourceSpans : [] }), 'utf8');
  }

  #span(span: SpanRecord): Json {
    return {
      traceId: span.traceId,
      spanId: span.spanId,
      parentSpanId: span.parent?.spanId || undefined,
      traceState: span.traceState ? this.#traceStates.serialize(span.traceState) : undefined,
      name: span.name,
      kind: span.kind + 1,
      startTimeUnixNano: span.start,
      endTimeUnixNano: span.end,
      attributes: attributes(span.attributes),
      droppedAttributesCount: span.droppedAttributesCount,
      events: (span.events ?? []).map(eventJson),
      droppedEventsCount: span.droppedEventsCount ?? 0,
      status: { code: span.status.code, message: span.status.message || undefined },
      links: (span.links ?? []).map((link) => this.#link(link)),
      droppedLinksCount: span.droppedLinksCount ?? 0,
      flags: (span.traceFlags & 255) | remoteFlags(span.parent ? span.parent.remote : false),
    };
  }

  #link(link: SpanLinkRecord): Json {
    return {
      attributes: attributes(link.attributes),
      spanId: link.spanId,
      traceId: link.traceId,
      traceState: link.traceState ? this.#traceStates.serialize(link.traceState) : undefined,
      droppedAttributesCount: link.droppedAttributesCount ?? 0,
      flags: (link.traceFlags & 255) | remoteFlags(link.remote === undefined ? false : link.remote),
    };
  }
}

function eventJson(event: SpanEventRecord): Json {
  return {
    attributes: attributes(event.attributes),
    name: event.name,
    timeUnixNano: event.time,
    droppedAttributesCount: event.droppedAttributesCount ?? 0,
  };
}
