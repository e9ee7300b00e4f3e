// Outbox rows become SDK ReadableSpans with their own IDs and times: no Tracer, no processor,
// no clock. HrTime [seconds, 0] makes the exported start exactly seconds x 10^9 ns.
import { SpanKind, SpanStatusCode, type HrTime, type Link, type SpanContext } from '@opentelemetry/api';
import { TraceState, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import type { SpanKindValue, SpanRecord, StatusCodeValue } from '../mapping/span-record.js';

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

export function toReadableSpan(record: SpanRecord, resource: Resource, scope: InstrumentationScope): ReadableSpan {
  const traceState = record.traceState ? new TraceState(record.traceState) : undefined;
  const context: SpanContext = {
    traceId: record.traceId,
    spanId: record.spanId,
    traceFlags: record.traceFlags,
    ...(traceState ? { traceState } : {}),
  };
  const startTime: HrTime = [record.startSeconds, 0];
  const endTime: HrTime = [record.endSeconds, 0];
  // Only the run span's parent lives elsewhere (the app's span from a traceparent).
  const parentSpanContext: SpanContext | undefined = record.parentSpanId
    ? { traceId: record.traceId, spanId: record.parentSpanId, traceFlags: record.traceFlags, isRemote: record.role === 'run' }
    : undefined;
  return {
    name: record.name,
    kind: SPAN_KINDS[record.kind],
    spanContext: () => context,
    ...(parentSpanContext ? { parentSpanContext } : {}),
    startTime,
    endTime,
    duration: [record.endSeconds - record.startSeconds, 0],
    status: record.status.message
      ? { code: STATUS_CODES[record.status.code], message: record.status.message }
      : { code: STATUS_CODES[record.status.code] },
    attributes: record.attributes,
    links: (record.links ?? []).map((link): Link => ({
      context: {
        traceId: link.traceId,
        spanId: link.spanId,
        traceFlags: link.traceFlags,
        ...(link.traceState ? { traceState: new TraceState(link.traceState) } : {}),
      },
      attributes: link.attributes ?? {},
      droppedAttributesCount: 0,
    })),
    events: (record.events ?? []).map((event): TimedEvent => ({
      name: event.name,
      time: [event.timeSeconds, 0],
      attributes: event.attributes ?? {},
      droppedAttributesCount: 0,
    })),
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: record.droppedAttributesCount,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}
