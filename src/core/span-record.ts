// The core's span: plain JSON, so it can sit in the outbox and be exported later, byte for byte
// the same, by whichever process picks it up. Every source maps what it reads to these records;
// the sink reads nothing else and knows no source.

/**
 * Unix time in nanoseconds as a decimal string (no sign, no leading zeros): exact, where a JS
 * number of nanoseconds is not (above 2^53, which every time since 1970-04 is).
 */
export type Nanos = string;

/**
 * An OTLP AnyValue. A plain number is an int64 when it is an integer in int64's range, else a
 * double (as the OpenTelemetry SDK writes numbers); the tagged forms say what a plain JSON value
 * cannot.
 */
export type AttributeValue =
  | string
  | boolean
  | number
  /** An empty AnyValue. */
  | null
  /** An ArrayValue; its items may differ in type. */
  | AttributeValue[]
  /** An int64 as a decimal string: exact beyond 2^53. */
  | { int: string }
  /** A double whose value is integral, kept a double (a plain 3 would be the int 3). */
  | { double: number }
  /** Bytes, base64. */
  | { bytes: string }
  /** A KeyValueList: keys in order, repeats allowed. */
  | { kvlist: KeyValue[] };

export interface KeyValue {
  key: string;
  value: AttributeValue;
}

/** Attributes by key; the order of the keys is the order of export. */
export type Attributes = Record<string, AttributeValue>;

export const SpanKindName = { INTERNAL: 0, SERVER: 1, CLIENT: 2, PRODUCER: 3, CONSUMER: 4 } as const;
export type SpanKindValue = (typeof SpanKindName)[keyof typeof SpanKindName];

/** OpenTelemetry status codes: 0 UNSET, 1 OK, 2 ERROR. */
export type StatusCodeValue = 0 | 1 | 2;

/** The parent of a span that has one. */
export interface SpanParent {
  /** 16 lowercase hex characters. */
  spanId: string;
  /** The parent lives in another process (an app's span from a traceparent); null: not known. */
  remote: boolean | null;
}

export interface SpanEventRecord {
  name: string;
  time: Nanos;
  attributes: Attributes;
  droppedAttributesCount?: number;
}

/** A pointer to a span, in this trace or another (a connected agent's run, say). */
export interface SpanLinkRecord {
  traceId: string;
  spanId: string;
  /** W3C trace flags of the linked span (1 = sampled). */
  traceFlags: number;
  traceState?: string;
  /** Whether the linked span is remote; absent: known not to be, null: not known. */
  remote?: boolean | null;
  attributes: Attributes;
  droppedAttributesCount?: number;
}

export interface ResourceRecord {
  attributes: Attributes;
  droppedAttributesCount?: number;
  schemaUrl?: string;
}

export interface ScopeRecord {
  name: string;
  version?: string;
  attributes?: Attributes;
  droppedAttributesCount?: number;
  schemaUrl?: string;
}

export interface SpanRecord {
  /** 32 lowercase hex characters. */
  traceId: string;
  /** 16 lowercase hex characters. */
  spanId: string;
  /** Null for a root span. */
  parent: SpanParent | null;
  /** W3C trace flags (1 = sampled). */
  traceFlags: number;
  traceState?: string;
  name: string;
  kind: SpanKindValue;
  start: Nanos;
  end: Nanos;
  status: { code: StatusCodeValue; message?: string };
  attributes: Attributes;
  droppedAttributesCount: number;
  events?: SpanEventRecord[];
  droppedEventsCount?: number;
  links?: SpanLinkRecord[];
  droppedLinksCount?: number;
  /** Absent: the configured resource (service name and OTEL_RESOURCE_ATTRIBUTES); present: exported as given. */
  resource?: ResourceRecord;
  /** Absent: the bridge's instrumentation scope. */
  scope?: ScopeRecord;
  /** The source's dedupe key of the object the span came from. Never exported. */
  key: string;
  /** The unit (what the source tracks) the span belongs to, for logs and the outbox. Never exported. */
  unit: string;
  /** The work ended long before the bridge first saw it: no export lag sample. Never exported. */
  history?: true;
  /**
   * The export lag is measured from this span's end, once it is acknowledged: the source marks
   * one span per finished object (never history). Never exported.
   */
  lagSample?: true;
}

// ---- nanosecond times ----

const NANOS = /^(?:0|[1-9][0-9]{0,19})$/;
/** OTLP times are fixed64: at most 2^64 - 1 ns. */
const MAX_NANOS = '18446744073709551615';
/** The last whole second below MAX_NANOS. */
const MAX_SECONDS = 18_446_744_073;

/** A decimal string OTLP can carry as a time. */
export function isNanos(value: unknown): value is Nanos {
  return typeof value === 'string' && NANOS.test(value) && (value.length < MAX_NANOS.length || value <= MAX_NANOS);
}

/** Whole seconds, and nanoseconds below 10^9, of a valid Nanos. */
export function nanosParts(nanos: Nanos): [seconds: number, nanos: number] {
  const split = nanos.length - 9;
  return split <= 0 ? [0, Number(nanos)] : [Number(nanos.slice(0, split)), Number(nanos.slice(split))];
}

/**
 * Unix seconds (as the APIs give them, possibly with a fraction) as Nanos: whole seconds exactly,
 * a fraction to the nearest nanosecond. Negative or non-finite input is a caller's bug.
 */
export function nanosFromSeconds(seconds: number): Nanos {
  if (Number.isSafeInteger(seconds) && seconds >= 0 && seconds <= MAX_SECONDS) return seconds === 0 ? '0' : `${String(seconds)}000000000`;
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_SECONDS) throw new RangeError(`not a time in seconds: ${String(seconds)}`);
  let whole = Math.floor(seconds);
  let fraction = Math.round((seconds - whole) * 1e9);
  if (fraction >= 1e9) {
    whole += 1;
    fraction -= 1e9;
  }
  const nanos = whole === 0 ? String(fraction) : `${String(whole)}${String(fraction).padStart(9, '0')}`;
  if (!isNanos(nanos)) throw new RangeError(`not a time in seconds: ${String(seconds)}`);
  return nanos;
}

/** Seconds as a JS number (exact to about a microsecond today): for durations and lag, never for export. */
export function nanosToSeconds(nanos: Nanos): number {
  const [seconds, rest] = nanosParts(nanos);
  return seconds + rest / 1e9;
}

/** Orders two valid Nanos: negative, zero or positive as a - b. */
export function compareNanos(a: Nanos, b: Nanos): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
