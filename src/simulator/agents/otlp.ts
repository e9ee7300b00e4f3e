// OTLP/JSON as the OTLP specification encodes it: hex trace and span ids, 64-bit integers and
// nanosecond times as decimal strings, enums as integers, attributes as AnyValue.

export type OtlpAnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { bytesValue: string }
  | { arrayValue: { values: OtlpAnyValue[] } }
  | { kvlistValue: { values: OtlpKeyValue[] } };

export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

/** A value to encode: integers become intValue; `{ double }` forces doubleValue; objects become kvlists. */
export type AttrValue =
  string | boolean | number | { double: number } | { bytes: Uint8Array } | AttrValue[] | { kv: Record<string, AttrValue> };

export function anyValue(v: AttrValue): OtlpAnyValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  if ('double' in v) return { doubleValue: v.double };
  if ('bytes' in v) return { bytesValue: Buffer.from(v.bytes).toString('base64') };
  return { kvlistValue: { values: attributes(v.kv) } };
}

/** Keys whose value is undefined are left out. */
export function attributes(values: Record<string, AttrValue | undefined>): OtlpKeyValue[] {
  return Object.entries(values)
    .filter((e): e is [string, AttrValue] => e[1] !== undefined)
    .map(([key, value]) => ({ key, value: anyValue(value) }));
}

export const SPAN_KIND = { internal: 1, server: 2, client: 3 } as const;
export const STATUS_CODE = { unset: 0, ok: 1, error: 2 } as const;
/** Sampled, with the parent's remoteness known (W3C flags in bits 0-7, HAS_IS_REMOTE in bit 8). */
export const LOCAL_SAMPLED_FLAGS = 0x101;

export interface OtlpEvent {
  timeUnixNano: string;
  name: string;
  attributes: OtlpKeyValue[];
}

export interface OtlpLink {
  traceId: string;
  spanId: string;
  attributes: OtlpKeyValue[];
  flags: number;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano?: string;
  attributes: OtlpKeyValue[];
  events: OtlpEvent[];
  links: OtlpLink[];
  status: { code: number; message?: string };
}

export interface OtlpResourceSpans {
  resource: { attributes: OtlpKeyValue[] };
  scopeSpans: { scope: { name: string; version: string }; spans: OtlpSpan[] }[];
}

export interface OtlpTraceRequest {
  resourceSpans: OtlpResourceSpans[];
}
