// One read of a root turn's published trace as the span records to commit now: each span not yet
// exported, once it has an end (or, when its turn has settled, with the turn's end), content
// removed or cut per the settings, the root turn span completed, attribute limits applied, the
// resource filled from the configured one. Pure: what was exported before comes in as a predicate.
import type { Attributes, Nanos, SpanEventRecord, SpanLinkRecord, SpanRecord } from '../../core/span-record.js';
import { applyContentRule, type ContentRemoved, type ContentSettings } from './content.js';
import { publishedSpanKey } from './keys.js';
import { closeOpenSpan, hasEnded, type EndedSpan } from './open-span.js';
import { parseOtlpTrace, type PublishedSpan } from './otlp-json.js';
import type { TraceProblem } from './problems.js';
import { ResourceMerger } from './resource.js';
import { completeRootSpan, isRootTurnSpan, type RootTurnIdentity } from './root-turn.js';
import { limitAttributes, limitValues, type AttributeLimits } from './value-limits.js';

export interface ForwardInput {
  /** The trace entry's `otlp`, as read. */
  otlp: unknown;
  /** The root turn the trace belongs to. */
  turn: RootTurnIdentity;
  /** The turn is settled: spans still without an end go out with `turnEnd`. */
  settled: boolean;
  /** The turn's end per the API (turnEndNanos): where a span that never got an end ends, unless the trace's root span has one. */
  turnEnd: Nanos | null;
  /** Whether a span's key (publishedSpanKey) was exported by an earlier commit. */
  exported: (key: string) => boolean;
  content: ContentSettings;
  limits: AttributeLimits;
  /** The configured resource's attributes (service name, OTEL_RESOURCE_ATTRIBUTES). */
  resource: Attributes;
  /** The turn ended long before the bridge first saw its session. */
  history: boolean;
}

export interface ForwardResult {
  /** New records, in the order the trace lists them. */
  records: SpanRecord[];
  /** Valid spans in this read, exported before or not: 0 means nothing readable was published. */
  published: number;
  /** Spans held back because they have no end yet (the turn is not settled). */
  waiting: number;
  /**
   * Those spans as they may be kept until they end: content rule and limits applied. A caller that
   * must settle the turn without reading its trace again (its session was deleted) ends them with
   * forwardSpans.
   */
  held: PublishedSpan[];
  removed: ContentRemoved;
  problems: TraceProblem[];
}

export function forwardTrace(input: ForwardInput): ForwardResult {
  const parsed = parseOtlpTrace(input.otlp);
  return { ...forwardSpans(parsed.spans, input), problems: parsed.problems };
}

/** forwardTrace for spans already read (held ones, say). */
export function forwardSpans(spans: readonly PublishedSpan[], input: Omit<ForwardInput, 'otlp'>): Omit<ForwardResult, 'problems'> {
  const resources = new ResourceMerger(input.resource);
  const records: SpanRecord[] = [];
  const held: PublishedSpan[] = [];
  const removed = { attributes: 0, events: 0 };
  // The root span's end is the turn's end to the nanosecond, where the API gives whole seconds.
  const turnEnd = spans.find((s) => isRootTurnSpan(s) && s.end !== null)?.end ?? input.turnEnd;
  for (const published of spans) {
    const key = publishedSpanKey(published.traceId, published.spanId);
    if (input.exported(key)) continue;
    let span: EndedSpan;
    if (hasEnded(published)) span = published;
    else if (input.settled) span = closeOpenSpan(published, turnEnd);
    else {
      held.push(heldSpan(published, input));
      continue;
    }
    const content = applyContentRule(span, input.content);
    removed.attributes += content.removed.attributes;
    removed.events += content.removed.events;
    records.push(toRecord(content.span, key, input, resources));
  }
  return { records, published: spans.length, waiting: held.length, held, removed };
}

/** A span without an end as it may be kept: no content beyond what would be exported, values and counts limited. */
function heldSpan(span: PublishedSpan, input: Omit<ForwardInput, 'otlp'>): PublishedSpan {
  const kept = applyContentRule(span, input.content).span;
  const limited = limitAttributes(kept.attributes, input.limits);
  const out: PublishedSpan = {
    ...kept,
    attributes: limited.attributes,
    droppedAttributesCount: kept.droppedAttributesCount + limited.dropped,
  };
  if (kept.events) out.events = kept.events.map((e) => limitEvent(e, input.limits.attributeValueLengthLimit));
  if (kept.links) out.links = kept.links.map((l) => limitLink(l, input.limits.attributeValueLengthLimit));
  return out;
}

function toRecord(published: EndedSpan, key: string, input: Omit<ForwardInput, 'otlp'>, resources: ResourceMerger): SpanRecord {
  const root = isRootTurnSpan(published);
  const span = root ? completeRootSpan(published, input.turn) : published;
  const limited = limitAttributes(span.attributes, input.limits);
  const record: SpanRecord = {
    ...span,
    attributes: limited.attributes,
    droppedAttributesCount: span.droppedAttributesCount + limited.dropped,
    key,
    unit: input.turn.sessionId,
  };
  if (span.events) record.events = span.events.map((e) => limitEvent(e, input.limits.attributeValueLengthLimit));
  if (span.links) record.links = span.links.map((l) => limitLink(l, input.limits.attributeValueLengthLimit));
  const resource = resources.merge(span.resource);
  if (resource) record.resource = resource;
  if (input.history) record.history = true;
  // The root span ends with its turn: the one export lag sample of the turn.
  else if (root) record.lagSample = true;
  return record;
}

function limitEvent(event: SpanEventRecord, max: number): SpanEventRecord {
  const attributes = limitValues(event.attributes, max);
  return attributes === event.attributes ? event : { ...event, attributes };
}

function limitLink(link: SpanLinkRecord, max: number): SpanLinkRecord {
  const attributes = limitValues(link.attributes, max);
  return attributes === link.attributes ? link : { ...link, attributes };
}
