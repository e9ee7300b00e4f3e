// OTLP/JSON into the same plain shape protobuf decoding gives, walking the schema by
// reflection. OTLP/JSON differs from canonical ProtoJSON: trace and span ids are hex, not base64.
import protobuf from 'protobufjs';

export class OtlpJsonError extends Error {}

const HEX_ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);
const INT64_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT32_TYPES = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const DECIMAL = /^-?\d+$/;

/** JSON.parse that keeps integers beyond 2^53 exact (as bigint), so nanosecond times given as numbers survive. */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(text, (_key: string, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' && !Number.isSafeInteger(value) && context?.source !== undefined && DECIMAL.test(context.source)
      ? BigInt(context.source)
      : value,
  );
}

/** Reads a message, accepting lowerCamelCase and the original snake_case field names; unknown fields are ignored, as the spec asks. */
export function messageFromJson(type: protobuf.Type, json: unknown, path: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new OtlpJsonError(`${path || type.name}: expected an object`);
  }
  const input = json as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const raw = input[field.name] ?? input[snakeCase(field.name)];
    if (raw === undefined || raw === null) continue;
    const at = path ? `${path}.${field.name}` : field.name;
    if (field.repeated) {
      if (!Array.isArray(raw)) throw new OtlpJsonError(`${at}: expected an array`);
      out[field.name] = raw.map((item: unknown, i: number) => valueFromJson(field, item, `${at}[${i}]`));
    } else {
      out[field.name] = valueFromJson(field, raw, at);
    }
  }
  return out;
}

function valueFromJson(field: protobuf.Field, raw: unknown, at: string): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return messageFromJson(resolved, raw, at);
  if (resolved instanceof protobuf.Enum) return enumFromJson(resolved, raw, at);
  const unsigned = /^(?:uint|fixed)/.test(field.type);
  if (INT64_TYPES.has(field.type)) return int64FromJson(raw, at, unsigned);
  if (INT32_TYPES.has(field.type)) return Number(int64FromJson(raw, at, unsigned));
  switch (field.type) {
    case 'string':
      if (typeof raw !== 'string') throw new OtlpJsonError(`${at}: expected a string`);
      return raw;
    case 'bool':
      if (typeof raw !== 'boolean') throw new OtlpJsonError(`${at}: expected a boolean`);
      return raw;
    case 'double':
    case 'float':
      return doubleFromJson(raw, at);
    case 'bytes':
      return HEX_ID_FIELDS.has(field.name) ? hexFromJson(raw, at) : base64FromJson(raw, at);
    default:
      throw new OtlpJsonError(`${at}: unsupported field type ${field.type}`);
  }
}

function enumFromJson(type: protobuf.Enum, raw: unknown, at: string): number {
  if (typeof raw === 'number' && Number.isInteger(raw)) return raw;
  if (typeof raw === 'string' && raw in type.values) return type.values[raw] as number;
  throw new OtlpJsonError(`${at}: expected an integer enum value, got ${JSON.stringify(raw)}`);
}

function int64FromJson(raw: unknown, at: string, unsigned: boolean): string {
  let value: bigint;
  if (typeof raw === 'bigint') value = raw;
  else if (typeof raw === 'number' && Number.isInteger(raw)) value = BigInt(raw);
  else if (typeof raw === 'string' && DECIMAL.test(raw)) value = BigInt(raw);
  else throw new OtlpJsonError(`${at}: expected an integer (number or decimal string), got ${JSON.stringify(raw)}`);
  if (unsigned && value < 0n) throw new OtlpJsonError(`${at}: expected an unsigned integer, got ${value}`);
  return value.toString();
}

function doubleFromJson(raw: unknown, at: string): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'bigint') return Number(raw);
  if (raw === 'NaN') return Number.NaN;
  if (raw === 'Infinity') return Number.POSITIVE_INFINITY;
  if (raw === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
  throw new OtlpJsonError(`${at}: expected a number, got ${JSON.stringify(raw)}`);
}

function hexFromJson(raw: unknown, at: string): Uint8Array {
  if (typeof raw !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(raw)) {
    throw new OtlpJsonError(`${at}: expected a hex string, got ${JSON.stringify(raw)}`);
  }
  return Buffer.from(raw, 'hex');
}

function base64FromJson(raw: unknown, at: string): Uint8Array {
  if (typeof raw !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(raw)) {
    throw new OtlpJsonError(`${at}: expected base64, got ${JSON.stringify(raw)}`);
  }
  return Buffer.from(raw, 'base64');
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
