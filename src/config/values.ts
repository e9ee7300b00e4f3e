// Parsers for single values; each error names the field and where the value came from.
import { ConfigError } from './config-error.js';

export function parseBool(raw: string | boolean, field: string, source: string): boolean {
  if (typeof raw === 'boolean') return raw;
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === 'yes' || v === 'on') return true;
  if (v === 'false' || v === '0' || v === 'no' || v === 'off' || v === '') return false;
  throw new ConfigError(field, `must be true or false (got '${raw}')`, source);
}

export function parseInteger(raw: string | number, field: string, source: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof raw === 'number' ? raw : /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw new ConfigError(field, `must be ${range} (got '${String(raw)}')`, source);
  }
  return n;
}

export function parseEnum<T extends string>(raw: string, allowed: readonly T[], field: string, source: string): T {
  const v = raw.trim().toLowerCase();
  const hit = allowed.find((a) => a === v);
  if (hit === undefined) throw new ConfigError(field, `must be one of ${allowed.join(', ')} (got '${raw}')`, source);
  return hit;
}

export function parseUrl(raw: string, field: string, source: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError(field, `must be an absolute http(s) URL (got '${raw}')`, source);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(field, `must be an http or https URL (got '${url.protocol}')`, source);
  }
  return url.toString();
}

/** `key1=value1,key2=value2` with percent-encoded values, as OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES use. */
export function parseKeyValueList(raw: string, field: string, source: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [index, part] of raw.split(',').entries()) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = eq > 0 ? part.slice(0, eq).trim() : '';
    // Position only: an entry without '=' may be a whole credential ("Authorization Bearer ...").
    if (key === '') throw new ConfigError(field, `each entry must be key=value (entry ${index + 1} is not)`, source);
    try {
      out[decodeURIComponent(key)] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      throw new ConfigError(field, `entry '${key}' has a malformed percent-encoding`, source);
    }
  }
  return out;
}

/** `THREAD_ID/RUN_ID`. */
export function parseRunRef(raw: string, field: string, source: string): { threadId: string; runId: string } {
  const match = /^\s*([A-Za-z0-9_-]+)\/([A-Za-z0-9_-]+)\s*$/.exec(raw);
  if (!match) throw new ConfigError(field, `must be THREAD_ID/RUN_ID (got '${raw}')`, source);
  return { threadId: match[1] as string, runId: match[2] as string };
}

export function parseId(raw: string, field: string, source: string): string {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(raw.trim()))
    throw new ConfigError(field, `must be an id of letters, digits, '_' or '-' (got '${raw}')`, source);
  return raw.trim();
}

const isHostPort = (v: string): boolean => {
  const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(v);
  return match !== null && Number(match[2]) <= 65535;
};

/** `HOST:PORT`, or `off`. */
export function parseListen(raw: string, field: string, source: string): string | null {
  const v = raw.trim();
  if (v === 'off') return null;
  if (!isHostPort(v)) throw new ConfigError(field, `must be HOST:PORT or off (got '${raw}')`, source);
  return v;
}

/** `HOST:PORT` (port 0: any free port). */
export function parseHostPort(raw: string, field: string, source: string): string {
  const v = raw.trim();
  if (!isHostPort(v)) throw new ConfigError(field, `must be HOST:PORT (got '${raw}')`, source);
  return v;
}

/** A point in time: ISO 8601, Unix seconds, or an age (`90m`, `6h`, `2d`) counted back from now. */
export function parseSince(raw: string, field: string, source: string, nowMs = Date.now()): number {
  const v = raw.trim();
  const age = /^(\d+)\s*(m|h|d)$/.exec(v);
  if (age) {
    const unit = { m: 60, h: 3600, d: 86_400 }[age[2] as 'm' | 'h' | 'd'];
    return Math.floor(nowMs / 1000) - Number(age[1]) * unit;
  }
  if (/^\d{9,11}$/.test(v)) return Number(v);
  const ms = /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(ms))
    throw new ConfigError(field, `must be an ISO 8601 time, Unix seconds, or an age like 6h or 2d (got '${raw}')`, source);
  return Math.floor(ms / 1000);
}
