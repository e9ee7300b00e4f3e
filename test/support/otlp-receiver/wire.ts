// Decoded OTLP requests, whatever the encoding: camelCase keys, unset fields absent,
// 64-bit integers as decimal strings, bytes as Uint8Array, enums as numbers.

export interface WireAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: WireAnyValue[] };
  kvlistValue?: { values?: WireKeyValue[] };
  bytesValue?: Uint8Array;
}

export interface WireKeyValue {
  key?: string;
  value?: WireAnyValue;
}

export interface WireResource {
  attributes?: WireKeyValue[];
  droppedAttributesCount?: number;
}

export interface WireScope {
  name?: string;
  version?: string;
  attributes?: WireKeyValue[];
  droppedAttributesCount?: number;
}

export interface WireEvent {
  timeUnixNano?: string;
  name?: string;
  attributes?: WireKeyValue[];
  droppedAttributesCount?: number;
}

export interface WireLink {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  traceState?: string;
  attributes?: WireKeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
}

export interface WireSpan {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  traceState?: string;
  parentSpanId?: Uint8Array;
  flags?: number;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  attributes?: WireKeyValue[];
  droppedAttributesCount?: number;
  events?: WireEvent[];
  droppedEventsCount?: number;
  links?: WireLink[];
  droppedLinksCount?: number;
  status?: { message?: string; code?: number };
}

export interface WireTraceRequest {
  resourceSpans?: Array<{
    resource?: WireResource;
    scopeSpans?: Array<{ scope?: WireScope; spans?: WireSpan[]; schemaUrl?: string }>;
    schemaUrl?: string;
  }>;
}

export interface WireNumberDataPoint {
  attributes?: WireKeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  asDouble?: number;
  asInt?: string;
}

export interface WireHistogramDataPoint {
  attributes?: WireKeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  count?: string;
  sum?: number;
  bucketCounts?: string[];
  explicitBounds?: number[];
  min?: number;
  max?: number;
}

export interface WireMetric {
  name?: string;
  description?: string;
  unit?: string;
  gauge?: { dataPoints?: WireNumberDataPoint[] };
  sum?: { dataPoints?: WireNumberDataPoint[]; aggregationTemporality?: number; isMonotonic?: boolean };
  histogram?: { dataPoints?: WireHistogramDataPoint[]; aggregationTemporality?: number };
}

export interface WireMetricsRequest {
  resourceMetrics?: Array<{
    resource?: WireResource;
    scopeMetrics?: Array<{ scope?: WireScope; metrics?: WireMetric[] }>;
  }>;
}
