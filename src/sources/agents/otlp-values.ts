// The scalar and value encodings of OTLP/JSON, read from untrusted JSON: hex ids, 64-bit
// nanosecond times (decimal strings, or numbers), 32-bit counts, enums by number or name, and
// AnyValue in every form. Nothing here throws; what cannot be read is reported to the caller.
import { isNanos, type AttributeValue, type Attributes, type KeyValue, type Nanos } from '../../core/span-record.js';
import type { TraceProblemCode, TraceProblems } from './problems.js';

/** Deeper arrays and key-value lists are refused: nothing legitimate nests so far, and recursion must stay bounded. */
export const MAX_VALUE_DEPTH = 32;

export type Obj = Record<string, unknown>;
export const isObject = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A message field by its lowerCamelCase name, or the proto name (snake_case) that protobuf's
 * JSON mapping also accepts. `null` reads as absent, as that mapping says.
 */
export function field(message: Obj, camel: string, snake?: string): unknown {
  const value = message[camel] ?? (snake === undefined ? undefined : message[snake]);
  return value ?? undefined;
}

const HEX = /^[0-9a-fA-F]+$/;
const ZEROS = /^0+$/;

/** A trace id (32 hex) or span id (16 hex), lowercased; null when invalid or all zeros. */
export function readId(value: unknown, length: 16 | 32): string | null {
  if (typeof value !== 'string' || value.length !== length || !HEX.test(value) || ZEROS.test(value)) return null;
  return value.toLowerCase();
}

const DIGITS = /^[0-9]+$/;

export interface TimeReading {
  nanos: Nanos;
  /** Given as a JSON number beyond 2^53: JSON parsing rounded it before it got here. */
  imprecise: boolean;
}

/**
 * A fixed64 time: a decimal string (exact), a number (exact up to 2^53), or a bigint (from a
 * parser that keeps big integers). Absent and 0 are the same in OTLP: no time (null); so is
 * anything that is not a time.
 */
export function readTime(value: unknown): TimeReading | null | 'invalid' {
  if (value === undefined) return null;
  let nanos: string;
  let imprecise = false;
  if (typeof value === 'string' && DIGITS.test(value)) {
    nanos = value.replace(/^0+(?=.)/, '');
  } else if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
    imprecise = !Number.isSafeInteger(value);
    nanos = imprecise ? BigInt(value).toString() : String(value);
  } else if (typeof value === 'bigint' && value >= 0n) {
    nanos = value.toString();
  } else {
    return 'invalid';
  }
  if (!isNanos(nanos)) return 'invalid';
  return nanos === '0' ? null : { nanos, imprecise };
}

const MAX_UINT32 = 0xffff_ffff;

/** A uint32 (flags, dropped counts) as a number; absent is 0; null when it is not one. */
export function readUint32(value: unknown): number | null {
  if (value === undefined) return 0;
  const n = typeof value === 'string' && DIGITS.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= MAX_UINT32 ? n : null;
}

/** An enum by its number or its name (`SPAN_KIND_CLIENT`); absent is 0; null when unknown. */
export function readEnum(value: unknown, names: readonly string[]): number | null {
  if (value === undefined) return 0;
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value < names.length ? value : null;
  if (typeof value === 'string') {
    const index = names.indexOf(value);
    return index >= 0 ? index : null;
  }
  return null;
}

const INT64 = /^-?[0-9]+$/;
const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const NON_FINITE: Readonly<Record<string, number>> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
};
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/** An int64 as the record holds it: a plain number when exact, else `{ int }` with the exact decimal. */
function intValue(raw: unknown): AttributeValue | undefined {
  let big: bigint;
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw)) return undefined;
    big = BigInt(raw);
  } else if (typeof raw === 'bigint') {
    big = raw;
  } else if (typeof raw === 'string' && INT64.test(raw)) {
    big = BigInt(raw);
  } else {
    return undefined;
  }
  if (big < MIN_INT64 || big > MAX_INT64) return undefined;
  const n = Number(big);
  return Number.isSafeInteger(n) ? n : { int: big.toString() };
}

/** A double as the record holds it: a plain number, or `{ double }` when integral (a plain 3 would be the int 3). */
function doubleValue(raw: unknown): AttributeValue | undefined {
  let n: number | undefined;
  if (typeof raw === 'number') n = raw;
  else if (typeof raw === 'string') n = NON_FINITE[raw] ?? (JSON_NUMBER.test(raw) ? Number(raw) : undefined);
  if (n === undefined) return undefined;
  return Number.isInteger(n) ? { double: n } : n;
}

function bytesValue(raw: unknown): AttributeValue | undefined {
  if (typeof raw !== 'string' || !BASE64.test(raw)) return undefined;
  // Standard base64 with padding, whichever alphabet and padding it came in.
  return { bytes: Buffer.from(raw, 'base64').toString('base64') };
}

const MEMBERS = [
  ['stringValue', 'string_value'],
  ['boolValue', 'bool_value'],
  ['intValue', 'int_value'],
  ['doubleValue', 'double_value'],
  ['bytesValue', 'bytes_value'],
  ['arrayValue', 'array_value'],
  ['kvlistValue', 'kvlist_value'],
] as const;

/** Reads values, reporting each one it drops under the code it was dropped for. */
export class ValueReader {
  private readonly problems: TraceProblems;

  constructor(problems: TraceProblems) {
    this.problems = problems;
  }

  /**
   * An AnyValue; `{}` is the empty value (null), and so is one with only members this reader does
   * not know (reported). Undefined when it is not one (two members, a member of the wrong type,
   * nested too deep): the caller drops it and this reports why.
   */
  anyValue(raw: unknown, at: () => string, depth = 0): AttributeValue | undefined {
    if (!isObject(raw)) return this.refuse('invalid_attribute', at);
    let member: (typeof MEMBERS)[number][0] | undefined;
    let value: unknown;
    for (const [camel, snake] of MEMBERS) {
      const v = field(raw, camel, snake);
      if (v === undefined) continue;
      if (member !== undefined) return this.refuse('invalid_attribute', at);
      member = camel;
      value = v;
    }
    if (member === undefined) {
      // Readers ignore fields they do not know: a value of a later OTLP's new kind reads as the empty value.
      if (Object.keys(raw).length > 0) this.problems.add('unknown_value', at);
      return null;
    }
    let out: AttributeValue | undefined;
    switch (member) {
      case 'stringValue':
        out = typeof value === 'string' ? value : undefined;
        break;
      case 'boolValue':
        out = typeof value === 'boolean' ? value : undefined;
        break;
      case 'intValue':
        out = intValue(value);
        break;
      case 'doubleValue':
        out = doubleValue(value);
        break;
      case 'bytesValue':
        out = bytesValue(value);
        break;
      case 'arrayValue':
        if (depth >= MAX_VALUE_DEPTH) return this.refuse('value_too_deep', at);
        out = this.arrayValue(value, at, depth + 1);
        break;
      case 'kvlistValue':
        if (depth >= MAX_VALUE_DEPTH) return this.refuse('value_too_deep', at);
        out = this.kvlistValue(value, at, depth + 1);
        break;
    }
    return out === undefined ? this.refuse('invalid_attribute', at) : out;
  }

  private arrayValue(raw: unknown, at: () => string, depth: number): AttributeValue[] | undefined {
    if (!isObject(raw)) return undefined;
    const values = field(raw, 'values') ?? [];
    if (!Array.isArray(values)) return undefined;
    // An item that is not a value keeps its place as the empty value, so the others keep their index.
    return values.map((item: unknown, i) => this.anyValue(item, () => `${at()}.arrayValue.values[${String(i)}]`, depth) ?? null);
  }

  private kvlistValue(raw: unknown, at: () => string, depth: number): { kvlist: KeyValue[] } | undefined {
    if (!isObject(raw)) return undefined;
    const values = field(raw, 'values') ?? [];
    if (!Array.isArray(values)) return undefined;
    const kvlist: KeyValue[] = [];
    for (const [i, entry] of values.entries()) {
      const here = () => `${at()}.kvlistValue.values[${String(i)}]`;
      const key = isObject(entry) ? entry.key : undefined;
      if (typeof key !== 'string' || !isObject(entry)) {
        this.problems.add('invalid_attribute', here);
        continue;
      }
      const value = entry.value === undefined || entry.value === null ? null : this.anyValue(entry.value, here, depth);
      if (value !== undefined) kvlist.push({ key, value });
    }
    return { kvlist };
  }

  /**
   * A repeated KeyValue as attributes, in order. Keys are unique in OTLP: a repeat is dropped (the
   * first stands); so is a key that is not a non-empty string, or a value that is not an AnyValue.
   * So is an attribute whose value is empty (absent, `{}`, or of a kind this reader does not know):
   * an attribute must have a value, and a receiver refuses the whole span over one that has none.
   */
  attributes(raw: unknown, at: () => string): Attributes {
    const out: Attributes = {};
    if (raw === undefined) return out;
    if (!Array.isArray(raw)) {
      this.problems.add('bad_shape', at);
      return out;
    }
    for (const [i, entry] of raw.entries()) {
      const here = () => `${at()}[${String(i)}]`;
      const key = isObject(entry) ? entry.key : undefined;
      if (typeof key !== 'string' || key === '' || !isObject(entry)) {
        this.problems.add('invalid_attribute', here);
        continue;
      }
      if (Object.hasOwn(out, key)) {
        this.problems.add('duplicate_attribute', here);
        continue;
      }
      const value = entry.value === undefined || entry.value === null ? null : this.anyValue(entry.value, here);
      if (value === undefined) continue;
      if (value === null) {
        // A value of an unknown kind was counted as such by anyValue.
        if (!isObject(entry.value) || Object.keys(entry.value).length === 0) this.problems.add('empty_value', here);
        continue;
      }
      setAttribute(out, key, value);
    }
    return out;
  }

  /** Reports the problem; undefined, as the value it stands for. */
  private refuse(code: TraceProblemCode, at: () => string): AttributeValue | undefined {
    this.problems.add(code, at);
    return undefined;
  }
}

/** Sets an own key, `__proto__` included (an assignment would set the object's prototype instead). */
export function setAttribute(attributes: Attributes, key: string, value: AttributeValue): void {
  if (key === '__proto__') Object.defineProperty(attributes, key, { value, enumerable: true, writable: true, configurable: true });
  else attributes[key] = value;
}
