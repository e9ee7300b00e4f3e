import { describe, expect, it } from 'vitest';
import { parseRetryAfter, parseRetryAfterMs } from '../../src/core/retry-after.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-20T10:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('1.5', now)).toBe(1_500);
  });

  it('reads an HTTP date relative to now', () => {
    expect(parseRetryAfter('Fri, 20 Nov 2026 10:00:07 GMT', now)).toBe(7_000);
  });

  it('treats a date in the past as no wait', () => {
    expect(parseRetryAfter('Fri, 20 Nov 2026 09:59:00 GMT', now)).toBe(0);
  });

  it.each(['', '-1', 'soon', '1e3', '0x10'])('refuses %j', (text) => {
    expect(parseRetryAfter(text, now)).toBeNull();
  });
});

describe('parseRetryAfterMs', () => {
  it('reads milliseconds', () => {
    expect(parseRetryAfterMs('250')).toBe(250);
    expect(parseRetryAfterMs('12.5')).toBe(12.5);
  });
  it.each([null, '', '-5', 'abc', '5ms'])('refuses %j', (text) => {
    expect(parseRetryAfterMs(text)).toBeNull();
  });
});
