import { describe, expect, it } from 'vitest';
import { parseRateLimitDuration, readRequestQuota, serverRequestedWait } from '../../src/scheduler/rate-limit-headers.js';

const headers = (values: Record<string, string>) => new Headers(values);

describe('parseRateLimitDuration', () => {
  it.each([
    ['1s', 1_000],
    ['6m0s', 360_000],
    ['12ms', 12],
    ['1h2m3.5s', 3_723_500],
    ['0.5s', 500],
    ['.5s', 500],
    ['1.s', 1_000],
    ['0', 0],
    ['0s', 0],
    ['500us', 0.5],
    ['500µs', 0.5],
    ['1500ns', 0.0015],
    ['2h', 7_200_000],
    [' 20ms ', 20],
    ['1m30s', 90_000],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseRateLimitDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each(['', '1', '12', 's', '1x', '1s2', '-1s', '+1s', '1 s', 'abc', '1d', '1.2.3s', 'ms'])('refuses %j', (text) => {
    expect(parseRateLimitDuration(text)).toBeNull();
  });

  it('refuses a missing header', () => {
    expect(parseRateLimitDuration(null)).toBeNull();
    expect(parseRateLimitDuration(undefined)).toBeNull();
  });
});

describe('serverRequestedWait', () => {
  const now = Date.parse('2026-11-20T10:00:00Z');

  it('prefers retry-after-ms, then retry-after, then x-ratelimit-reset-requests', () => {
    const all = { 'retry-after-ms': '150', 'retry-after': '2', 'x-ratelimit-reset-requests': '3s' };
    expect(serverRequestedWait(headers(all), now)).toEqual({ ms: 150, source: 'retry-after-ms' });
    const { 'retry-after-ms': _ms, ...noMs } = all;
    expect(serverRequestedWait(headers(noMs), now)).toEqual({ ms: 2_000, source: 'retry-after' });
    expect(serverRequestedWait(headers({ 'x-ratelimit-reset-requests': '3s' }), now)).toEqual({
      ms: 3_000,
      source: 'x-ratelimit-reset-requests',
    });
  });

  it('falls through an unreadable header to the next one', () => {
    const wait = serverRequestedWait(
      headers({ 'retry-after-ms': 'soon', 'retry-after': 'later', 'x-ratelimit-reset-requests': '6m0s' }),
      now,
    );
    expect(wait).toEqual({ ms: 360_000, source: 'x-ratelimit-reset-requests' });
  });

  it('returns null when nothing names a wait', () => {
    expect(serverRequestedWait(headers({}), now)).toBeNull();
  });
});

describe('readRequestQuota', () => {
  it('reads limit, remaining and reset', () => {
    const quota = readRequestQuota(
      headers({ 'x-ratelimit-limit-requests': '5000', 'x-ratelimit-remaining-requests': '12', 'x-ratelimit-reset-requests': '1m0s' }),
    );
    expect(quota).toEqual({ limit: 5000, remaining: 12, resetMs: 60_000 });
  });

  it('needs remaining', () => {
    expect(readRequestQuota(headers({ 'x-ratelimit-limit-requests': '5000' }))).toBeNull();
    expect(readRequestQuota(headers({ 'x-ratelimit-remaining-requests': 'many' }))).toBeNull();
  });
});
