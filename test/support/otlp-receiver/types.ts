// What the receiver records, in a shape tests can compare with `toEqual` directly.

export type Signal = 'traces' | 'metrics';
export type Encoding = 'protobuf' | 'json';

/** An OTLP AnyValue: int64 values are numbers when safe, else exact decimal strings; bytes are base64. */
export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };
export type Attributes = Record<string, AttributeValue>;
/** Which AnyValue member carried a value (tells `int` 3 from `double` 3). */
export type AttributeType = 'string' | 'int' | 'double' | 'bool' | 'array' | 'kvlist' | 'bytes' | 'empty';

export interface ReceivedEvent {
  name: string;
  timeUnixNano: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface ReceivedLink {
  traceId: string;
  spanId: string;
  traceState: string;
  flags: number;
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface ReceivedSpan {
  /** Lowercase hex. */
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  traceState: string;
  flags: number;
  name: string;
  /** OTLP numbering: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  /** The exact integer, as a decimal string. */
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  status: { code: number; message: string };
  attributes: Attributes;
  attributeTypes: Record<string, AttributeType>;
  droppedAttributesCount: number;
  events: ReceivedEvent[];
  droppedEventsCount: number;
  links: ReceivedLink[];
  droppedLinksCount: number;
  resource: Attributes;
  scope: { name: string; version: string };
  /** Date.now() when the request was accepted. */
  receivedAt: number;
  /** Index in `requests()` of the request the span came in. */
  requestId: number;
  encoding: Encoding;
}

export interface ReceivedDataPoint {
  attributes: Attributes;
  startTimeUnixNano: string;
  timeUnixNano: string;
  /** Sum and gauge points. */
  value?: number | string;
  /** Histogram points. */
  count?: number | string;
  sum?: number;
  min?: number;
  max?: number;
  bucketCounts?: Array<number | string>;
  explicitBounds?: number[];
}

export interface ReceivedMetric {
  name: string;
  description: string;
  unit: string;
  /** 'other' for data kinds this receiver does not decode (exponential histogram, summary). */
  type: 'sum' | 'gauge' | 'histogram' | 'other';
  /** Sums and histograms: 1 delta, 2 cumulative. */
  aggregationTemporality?: number;
  isMonotonic?: boolean;
  dataPoints: ReceivedDataPoint[];
  resource: Attributes;
  scope: { name: string; version: string };
  receivedAt: number;
  requestId: number;
  encoding: Encoding;
}

export type FaultKind = 'status' | 'delay' | 'reset' | 'partial-success' | 'reject-span' | 'accept-then-hang';

export interface ReceivedRequest {
  /** Its index in `requests()`. */
  id: number;
  /** Date.now() when it arrived. */
  at: number;
  path: string;
  signal: Signal | null;
  contentType: string;
  contentEncoding: string;
  /** null when the content type is neither protobuf nor JSON. */
  encoding: Encoding | null;
  /** Spans (or metrics, on /v1/metrics) in the body; 0 when it could not be decoded. */
  spanCount: number;
  metricCount: number;
  /** HTTP status answered (for gRPC, its HTTP equivalent); null when no answer was sent. */
  status: number | null;
  /** gRPC status code, for the gRPC receiver. */
  grpcCode?: number;
  faults: FaultKind[];
  /** Why the request was refused, as told to the client. */
  error: string | null;
  /** Still being processed (e.g. inside a delay). */
  pending: boolean;
  /** The body as decoded (decompressed), when the receiver keeps bodies. */
  body?: Uint8Array;
}

/** A span (traceId + spanId) that arrived more than once. */
export interface DuplicateSpan {
  traceId: string;
  spanId: string;
  name: string;
  count: number;
  requestIds: number[];
}
