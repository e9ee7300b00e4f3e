// Decoded requests to the records tests read: hex ids, exact nanosecond strings, plain attribute values.
import type { AttributeType, Attributes, AttributeValue, Encoding, ReceivedDataPoint, ReceivedMetric, ReceivedSpan } from './types.js';
import type {
  WireAnyValue,
  WireHistogramDataPoint,
  WireKeyValue,
  WireMetric,
  WireMetricsRequest,
  WireNumberDataPoint,
  WireTraceRequest,
} from './wire.js';

export interface Arrival {
  receivedAt: number;
  requestId: number;
  encoding: Encoding;
}

export function spansOf(request: WireTraceRequest, arrival: Arrival): ReceivedSpan[] {
  return (request.resourceSpans ?? []).flatMap((rs) => {
    const resource = attributesOf(rs.resource?.attributes);
    return (rs.scopeSpans ?? []).flatMap((ss) => {
      const scope = { name: ss.scope?.name ?? '', version: ss.scope?.version ?? '' };
      return (ss.spans ?? []).map((span): ReceivedSpan => ({
        traceId: hex(span.traceId),
        spanId: hex(span.spanId),
        parentSpanId: hex(span.parentSpanId),
        traceState: span.traceState ?? '',
        flags: span.flags ?? 0,
        name: span.name ?? '',
        kind: span.kind ?? 0,
        startTimeUnixNano: span.startTimeUnixNano ?? '0',
        endTimeUnixNano: span.endTimeUnixNano ?? '0',
        status: { code: span.status?.code ?? 0, message: span.status?.message ?? '' },
        attributes: attributesOf(span.attributes),
        attributeTypes: Object.fromEntries((span.attributes ?? []).map((kv) => [kv.key ?? '', typeOf(kv.value)])),
        droppedAttributesCount: span.droppedAttributesCount ?? 0,
        events: (span.events ?? []).map((event) => ({
          name: event.name ?? '',
          timeUnixNano: event.timeUnixNano ?? '0',
          attributes: attributesOf(event.attributes),
          droppedAttributesCount: event.droppedAttributesCount ?? 0,
        })),
        droppedEventsCount: span.droppedEventsCount ?? 0,
        links: (span.links ?? []).map((link) => ({
          traceId: hex(link.traceId),
          spanId: hex(link.spanId),
          traceState: link.traceState ?? '',
          flags: link.flags ?? 0,
          attributes: attributesOf(link.attributes),
          droppedAttributesCount: link.droppedAttributesCount ?? 0,
        })),
        droppedLinksCount: span.droppedLinksCount ?? 0,
        resource,
        scope,
        ...arrival,
      }));
    });
  });
}

export function metricsOf(request: WireMetricsRequest, arrival: Arrival): ReceivedMetric[] {
  return (request.resourceMetrics ?? []).flatMap((rm) => {
    const resource = attributesOf(rm.resource?.attributes);
    return (rm.scopeMetrics ?? []).flatMap((sm) => {
      const scope = { name: sm.scope?.name ?? '', version: sm.scope?.version ?? '' };
      return (sm.metrics ?? []).map((metric): ReceivedMetric => ({
        name: metric.name ?? '',
        description: metric.description ?? '',
        unit: metric.unit ?? '',
        ...metricData(metric),
        resource,
        scope,
        ...arrival,
      }));
    });
  });
}

export function countSpans(request: WireTraceRequest): number {
  return (request.resourceSpans ?? []).reduce((n, rs) => n + (rs.scopeSpans ?? []).reduce((m, ss) => m + (ss.spans?.length ?? 0), 0), 0);
}

export function countMetrics(request: WireMetricsRequest): number {
  return (request.resourceMetrics ?? []).reduce(
    (n, rm) => n + (rm.scopeMetrics ?? []).reduce((m, sm) => m + (sm.metrics?.length ?? 0), 0),
    0,
  );
}

function metricData(metric: WireMetric): Pick<ReceivedMetric, 'type' | 'aggregationTemporality' | 'isMonotonic' | 'dataPoints'> {
  if (metric.sum) {
    return {
      type: 'sum',
      aggregationTemporality: metric.sum.aggregationTemporality ?? 0,
      isMonotonic: metric.sum.isMonotonic ?? false,
      dataPoints: (metric.sum.dataPoints ?? []).map(numberPoint),
    };
  }
  if (metric.gauge) return { type: 'gauge', dataPoints: (metric.gauge.dataPoints ?? []).map(numberPoint) };
  if (metric.histogram) {
    return {
      type: 'histogram',
      aggregationTemporality: metric.histogram.aggregationTemporality ?? 0,
      dataPoints: (metric.histogram.dataPoints ?? []).map(histogramPoint),
    };
  }
  return { type: 'other', dataPoints: [] };
}

function numberPoint(point: WireNumberDataPoint): ReceivedDataPoint {
  return {
    attributes: attributesOf(point.attributes),
    startTimeUnixNano: point.startTimeUnixNano ?? '0',
    timeUnixNano: point.timeUnixNano ?? '0',
    value: point.asInt !== undefined ? int64(point.asInt) : (point.asDouble ?? 0),
  };
}

function histogramPoint(point: WireHistogramDataPoint): ReceivedDataPoint {
  return {
    attributes: attributesOf(point.attributes),
    startTimeUnixNano: point.startTimeUnixNano ?? '0',
    timeUnixNano: point.timeUnixNano ?? '0',
    count: int64(point.count ?? '0'),
    ...(point.sum !== undefined && { sum: point.sum }),
    ...(point.min !== undefined && { min: point.min }),
    ...(point.max !== undefined && { max: point.max }),
    bucketCounts: (point.bucketCounts ?? []).map(int64),
    explicitBounds: point.explicitBounds ?? [],
  };
}

export function attributesOf(keyValues: WireKeyValue[] | undefined): Attributes {
  return Object.fromEntries((keyValues ?? []).map((kv) => [kv.key ?? '', valueOf(kv.value)]));
}

function valueOf(value: WireAnyValue | undefined): AttributeValue {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return int64(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(valueOf);
  if (value.kvlistValue !== undefined) return attributesOf(value.kvlistValue.values);
  if (value.bytesValue !== undefined) return Buffer.from(value.bytesValue).toString('base64');
  return null;
}

function typeOf(value: WireAnyValue | undefined): AttributeType {
  if (!value) return 'empty';
  if (value.stringValue !== undefined) return 'string';
  if (value.boolValue !== undefined) return 'bool';
  if (value.intValue !== undefined) return 'int';
  if (value.doubleValue !== undefined) return 'double';
  if (value.arrayValue !== undefined) return 'array';
  if (value.kvlistValue !== undefined) return 'kvlist';
  if (value.bytesValue !== undefined) return 'bytes';
  return 'empty';
}

/** A number when exactly representable, else the exact decimal string. */
function int64(decimal: string): number | string {
  const n = Number(decimal);
  return Number.isSafeInteger(n) ? n : decimal;
}

function hex(bytes: Uint8Array | undefined): string {
  return bytes ? Buffer.from(bytes).toString('hex') : '';
}
