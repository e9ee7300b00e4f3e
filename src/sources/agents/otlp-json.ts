// A published trace (an OTLP/JSON ExportTraceServiceRequest, read as unknown) as span records
// exactly as published: ids, parent, name, kind, nanosecond times, status, events, links,
// attributes of every AnyValue kind, resource and scope. A span without an end is kept with
// `end: null` (it waits, see open-span.ts). Invalid parts are counted in `problems`, never thrown;
// unknown fields are ignored, as the OTLP/JSON encoding asks of readers.
import type {
  Nanos,
  ResourceRecord,
  ScopeRecord,
  SpanEventRecord,
  SpanKindValue,
  SpanLinkRecord,
  SpanRecord,
  StatusCodeValue,
} from '../../core/span-record.js';
import { TraceProblems, type TraceProblem } from './problems.js';
import { field, isObject, readEnum, readId, readTime, readUint32, ValueReader, type Obj } from './otlp-values.js';

/** A span as published, before the bridge adds its key and unit; `end` is null while it has none. */
export type PublishedSpan = Omit<SpanRecord, 'end' | 'key' | 'unit' | 'history' | 'lagSample'> & { end: Nanos | null };

export interface ParsedTrace {
  spans: PublishedSpan[];
  problems: TraceProblem[];
}

/** OTLP's SpanKind numbering (0 is UNSPECIFIED, which readers may take as INTERNAL). */
const SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
] as const;
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'] as const;

/** Span.flags and Link.flags: W3C trace flags in bits 0-7; whether the other span is remote is known (bit 8), and it is (bit 9). */
const TRACE_FLAGS_MASK = 0xff;
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

const remoteOf = (flags: number): boolean | null => ((flags & HAS_IS_REMOTE) === 0 ? null : (flags & IS_REMOTE) !== 0);

export function parseOtlpTrace(otlp: unknown): ParsedTrace {
  return new TraceReader().read(otlp);
}

class TraceReader {
  readonly problems = new TraceProblems();
  readonly values = new ValueReader(this.problems);
  readonly spans: PublishedSpan[] = [];
  /** Index in `spans` by trace id and span id, to keep one copy of a span listed twice. */
  readonly seen = new Map<string, number>();

  read(otlp: unknown): ParsedTrace {
    const resourceSpans = isObject(otlp) ? field(otlp, 'resourceSpans', 'resource_spans') : undefined;
    if (!Array.isArray(resourceSpans)) {
      // An empty request (no resourceSpans) is valid OTLP: nothing published yet.
      if (!isObject(otlp) || resourceSpans !== undefined) this.problems.add('not_otlp', () => '$');
    } else {
      for (const [r, rs] of resourceSpans.entries()) this.resourceSpans(rs, `$.resourceSpans[${String(r)}]`);
    }
    return { spans: this.spans, problems: this.problems.list() };
  }

  private resourceSpans(raw: unknown, at: string): void {
    if (!isObject(raw)) return this.problems.add('bad_shape', () => at);
    const resource = this.resource(field(raw, 'resource'), field(raw, 'schemaUrl', 'schema_url'), at);
    const scopeSpans = field(raw, 'scopeSpans', 'scope_spans') ?? [];
    if (!Array.isArray(scopeSpans)) return this.problems.add('bad_shape', () => `${at}.scopeSpans`);
    for (const [s, ss] of scopeSpans.entries()) {
      const here = `${at}.scopeSpans[${String(s)}]`;
      if (!isObject(ss)) {
        this.problems.add('bad_shape', () => here);
        continue;
      }
      const scope = this.scope(field(ss, 'scope'), field(ss, 'schemaUrl', 'schema_url'), here);
      const spans = field(ss, 'spans') ?? [];
      if (!Array.isArray(spans)) {
        this.problems.add('bad_shape', () => `${here}.spans`);
        continue;
      }
      for (const [i, span] of spans.entries()) this.span(span, resource, scope, `${here}.spans[${String(i)}]`);
    }
  }

  /** Undefined when the request gives none; one record shared by the group's spans. */
  private resource(raw: unknown, schemaUrl: unknown, at: string): ResourceRecord | undefined {
    if (raw === undefined && schemaUrl === undefined) return undefined;
    const resource: ResourceRecord = { attributes: {} };
    if (isObject(raw)) {
      resource.attributes = this.values.attributes(field(raw, 'attributes'), () => `${at}.resource.attributes`);
      const dropped = this.count(field(raw, 'droppedAttributesCount', 'dropped_attributes_count'), () => `${at}.resource`);
      if (dropped > 0) resource.droppedAttributesCount = dropped;
    } else if (raw !== undefined) {
      this.problems.add('bad_shape', () => `${at}.resource`);
    }
    if (typeof schemaUrl === 'string' && schemaUrl !== '') resource.schemaUrl = schemaUrl;
    return resource;
  }

  /** The empty scope when none is given: forwarded as published, not as the bridge's own. */
  private scope(raw: unknown, schemaUrl: unknown, at: string): ScopeRecord {
    const scope: ScopeRecord = { name: '' };
    if (isObject(raw)) {
      const name = field(raw, 'name');
      const version = field(raw, 'version');
      if (typeof name === 'string') scope.name = name;
      if (typeof version === 'string' && version !== '') scope.version = version;
      const attributes = this.values.attributes(field(raw, 'attributes'), () => `${at}.scope.attributes`);
      if (Object.keys(attributes).length > 0) scope.attributes = attributes;
      const dropped = this.count(field(raw, 'droppedAttributesCount', 'dropped_attributes_count'), () => `${at}.scope`);
      if (dropped > 0) scope.droppedAttributesCount = dropped;
    } else if (raw !== undefined) {
      this.problems.add('bad_shape', () => `${at}.scope`);
    }
    if (typeof schemaUrl === 'string' && schemaUrl !== '') scope.schemaUrl = schemaUrl;
    return scope;
  }

  private span(raw: unknown, resource: ResourceRecord | undefined, scope: ScopeRecord, at: string): void {
    const here = () => at;
    if (!isObject(raw)) return this.problems.add('bad_shape', here);
    const traceId = readId(field(raw, 'traceId', 'trace_id'), 32);
    if (traceId === null) return this.problems.add('invalid_trace_id', here);
    const spanId = readId(field(raw, 'spanId', 'span_id'), 16);
    if (spanId === null) return this.problems.add('invalid_span_id', here);
    const parentRaw = field(raw, 'parentSpanId', 'parent_span_id');
    // Empty or all zeros: no parent, as exporters that always write the field say it.
    const rootish = parentRaw === undefined || parentRaw === '' || (typeof parentRaw === 'string' && /^0{16}$/.test(parentRaw));
    const parentId = rootish ? null : readId(parentRaw, 16);
    if (!rootish && parentId === null) return this.problems.add('invalid_parent_span_id', here);
    const start = this.time(field(raw, 'startTimeUnixNano', 'start_time_unix_nano'), `${at}.startTimeUnixNano`);
    if (start === null) return this.problems.add('invalid_start', here);
    const end = this.time(field(raw, 'endTimeUnixNano', 'end_time_unix_nano'), `${at}.endTimeUnixNano`, 'invalid_end');
    const flags = this.flags(field(raw, 'flags'), at);
    const span: PublishedSpan = {
      traceId,
      spanId,
      parent: parentId === null ? null : { spanId: parentId, remote: remoteOf(flags) },
      traceFlags: flags & TRACE_FLAGS_MASK,
      name: this.name(field(raw, 'name'), at),
      kind: this.kind(field(raw, 'kind'), at),
      start,
      end,
      status: this.status(field(raw, 'status'), at),
      attributes: this.values.attributes(field(raw, 'attributes'), () => `${at}.attributes`),
      droppedAttributesCount: this.count(field(raw, 'droppedAttributesCount', 'dropped_attributes_count'), here),
      scope,
    };
    const traceState = field(raw, 'traceState', 'trace_state');
    if (typeof traceState === 'string' && traceState !== '') span.traceState = traceState;
    const events = this.events(field(raw, 'events'), at);
    if (events.length > 0) span.events = events;
    const droppedEvents = this.count(field(raw, 'droppedEventsCount', 'dropped_events_count'), here);
    if (droppedEvents > 0) span.droppedEventsCount = droppedEvents;
    const links = this.links(field(raw, 'links'), at);
    if (links.length > 0) span.links = links;
    const droppedLinks = this.count(field(raw, 'droppedLinksCount', 'dropped_links_count'), here);
    if (droppedLinks > 0) span.droppedLinksCount = droppedLinks;
    if (resource) span.resource = resource;
    this.keep(span, here);
  }

  /** One copy per span id; of two, the one with an end (a later part ends what an earlier one opened). */
  private keep(span: PublishedSpan, at: () => string): void {
    const id = `${span.traceId}:${span.spanId}`;
    const index = this.seen.get(id);
    if (index === undefined) {
      this.seen.set(id, this.spans.length);
      this.spans.push(span);
      return;
    }
    this.problems.add('duplicate_span', at);
    if (this.spans[index]?.end === null && span.end !== null) this.spans[index] = span;
  }

  private time(raw: unknown, at: string, invalid?: 'invalid_end'): Nanos | null {
    const reading = readTime(raw);
    if (reading === 'invalid') {
      if (invalid) this.problems.add(invalid, () => at);
      return null;
    }
    if (reading?.imprecise) this.problems.add('imprecise_time', () => at);
    return reading?.nanos ?? null;
  }

  private name(raw: unknown, at: string): string {
    if (typeof raw === 'string') return raw;
    if (raw !== undefined) this.problems.add('invalid_name', () => `${at}.name`);
    return '';
  }

  /** OTLP numbers kinds from UNSPECIFIED (0); the record from INTERNAL (0), as the OpenTelemetry API does. */
  private kind(raw: unknown, at: string): SpanKindValue {
    const kind = readEnum(raw, SPAN_KINDS);
    if (kind === null) this.problems.add('invalid_kind', () => `${at}.kind`);
    return (kind === null || kind === 0 ? 0 : kind - 1) as SpanKindValue;
  }

  private status(raw: unknown, at: string): PublishedSpan['status'] {
    if (raw === undefined) return { code: 0 };
    if (!isObject(raw)) {
      this.problems.add('invalid_status', () => `${at}.status`);
      return { code: 0 };
    }
    let code = readEnum(field(raw, 'code'), STATUS_CODES);
    if (code === null) {
      this.problems.add('invalid_status', () => `${at}.status.code`);
      code = 0;
    }
    const message = field(raw, 'message');
    return typeof message === 'string' && message !== '' ? { code: code as StatusCodeValue, message } : { code: code as StatusCodeValue };
  }

  private flags(raw: unknown, at: string): number {
    const flags = readUint32(raw);
    if (flags !== null) return flags;
    this.problems.add('invalid_flags', () => `${at}.flags`);
    return 0;
  }

  private count(raw: unknown, at: () => string): number {
    const n = readUint32(raw);
    if (n !== null) return n;
    this.problems.add('invalid_count', at);
    return 0;
  }

  private events(raw: unknown, at: string): SpanEventRecord[] {
    const list = this.list(raw, `${at}.events`);
    const out: SpanEventRecord[] = [];
    for (const [i, event] of list.entries()) {
      const here = `${at}.events[${String(i)}]`;
      if (!isObject(event)) {
        this.problems.add('bad_shape', () => here);
        continue;
      }
      const reading = readTime(field(event, 'timeUnixNano', 'time_unix_nano'));
      if (reading === null || reading === 'invalid') {
        this.problems.add('invalid_event', () => here);
        continue;
      }
      if (reading.imprecise) this.problems.add('imprecise_time', () => `${here}.timeUnixNano`);
      const record: SpanEventRecord = {
        name: this.name(field(event, 'name'), here),
        time: reading.nanos,
        attributes: this.values.attributes(field(event, 'attributes'), () => `${here}.attributes`),
      };
      const dropped = this.count(field(event, 'droppedAttributesCount', 'dropped_attributes_count'), () => here);
      if (dropped > 0) record.droppedAttributesCount = dropped;
      out.push(record);
    }
    return out;
  }

  private links(raw: unknown, at: string): SpanLinkRecord[] {
    const list = this.list(raw, `${at}.links`);
    const out: SpanLinkRecord[] = [];
    for (const [i, link] of list.entries()) {
      const here = `${at}.links[${String(i)}]`;
      if (!isObject(link)) {
        this.problems.add('bad_shape', () => here);
        continue;
      }
      const traceId = readId(field(link, 'traceId', 'trace_id'), 32);
      const spanId = readId(field(link, 'spanId', 'span_id'), 16);
      if (traceId === null || spanId === null) {
        this.problems.add('invalid_link', () => here);
        continue;
      }
      out.push(this.link(link, traceId, spanId, here));
    }
    return out;
  }

  private link(link: Obj, traceId: string, spanId: string, at: string): SpanLinkRecord {
    const flags = this.flags(field(link, 'flags'), at);
    const record: SpanLinkRecord = {
      traceId,
      spanId,
      traceFlags: flags & TRACE_FLAGS_MASK,
      attributes: this.values.attributes(field(link, 'attributes'), () => `${at}.attributes`),
    };
    const traceState = field(link, 'traceState', 'trace_state');
    if (typeof traceState === 'string' && traceState !== '') record.traceState = traceState;
    // The record leaves `remote` out for a span known not to be remote.
    const remote = remoteOf(flags);
    if (remote !== false) record.remote = remote;
    const dropped = this.count(field(link, 'droppedAttributesCount', 'dropped_attributes_count'), () => at);
    if (dropped > 0) record.droppedAttributesCount = dropped;
    return record;
  }

  private list(raw: unknown, at: string): unknown[] {
    if (raw === undefined) return [];
    if (Array.isArray(raw)) return raw;
    this.problems.add('bad_shape', () => at);
    return [];
  }
}
