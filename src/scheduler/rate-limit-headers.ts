// Parsing of the headers that say how long to wait (Retry-After and friends) and how much of the
// server's request budget is left (x-ratelimit-*). Every parser returns null for what it cannot
// read, so one odd header falls through to the next source instead of failing the request.
import { parseRetryAfter, parseRetryAfterMs } from '../core/retry-after.js';

/** What the parsers need from a `Headers`; plain objects work in tests. */
export interface HeaderReader {
  get(name: string): string | null;
}

const GO_DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 micro sign, as Go prints it
  μs: 1e-3, // U+03BC Greek mu, also accepted by Go
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

const GO_DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * Reads a Go `time.Duration` string, as OpenAI sends in `x-ratelimit-reset-requests`
 * (`1s`, `6m0s`, `12ms`, `1h2m3.5s`, `0.5s`), into milliseconds. Signs are refused (a reset is
 * never in the past); a bare `0` is allowed as in Go; anything else without a unit is refused.
 */
export function parseRateLimitDuration(value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (text === '0') return 0;
  if (text === '') return null;
  GO_DURATION_PART.lastIndex = 0;
  let total = 0;
  while (GO_DURATION_PART.lastIndex < text.length) {
    const match = GO_DURATION_PART.exec(text);
    if (match === null) return null;
    const [, amount = '', unit = ''] = match;
    const unitMs = GO_DURATION_UNITS_MS[unit];
    if (unitMs === undefined) return null;
    total += Number(amount) * unitMs;
  }
  return Number.isFinite(total) ? total : null;
}

export type ThrottleSource = 'retry-after-ms' | 'retry-after' | 'x-ratelimit-reset-requests' | 'backoff';

export interface ServerWait {
  ms: number;
  source: Exclude<ThrottleSource, 'backoff'>;
}

/**
 * How long a 429 asks us to wait, from the first header that can be read, most precise first:
 * `retry-after-ms`, `retry-after`, `x-ratelimit-reset-requests`. Null when none can be read, and
 * the caller falls back to backoff.
 */
export function serverRequestedWait(headers: HeaderReader, nowMs: number): ServerWait | null {
  const ms = parseRetryAfterMs(headers.get('retry-after-ms'));
  if (ms !== null) return { ms, source: 'retry-after-ms' };
  const retryAfter = parseRetryAfter(headers.get('retry-after'), nowMs);
  if (retryAfter !== null) return { ms: retryAfter, source: 'retry-after' };
  const reset = parseRateLimitDuration(headers.get('x-ratelimit-reset-requests'));
  if (reset !== null) return { ms: reset, source: 'x-ratelimit-reset-requests' };
  return null;
}

export interface RequestQuota {
  limit: number | null;
  remaining: number;
  resetMs: number | null;
}

function nonNegativeInteger(value: string | null): number | null {
  const text = value?.trim();
  if (!text || !/^\d+$/.test(text)) return null;
  return Number(text);
}

/** The server's request quota from `x-ratelimit-*-requests`; null without `remaining`. */
export function readRequestQuota(headers: HeaderReader): RequestQuota | null {
  const remaining = nonNegativeInteger(headers.get('x-ratelimit-remaining-requests'));
  if (remaining === null) return null;
  return {
    limit: nonNegativeInteger(headers.get('x-ratelimit-limit-requests')),
    remaining,
    resetMs: parseRateLimitDuration(headers.get('x-ratelimit-reset-requests')),
  };
}
