import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { exponentialDelay, fullJitterDelay, sleep } from '../../src/core/timing.js';

describe('exponentialDelay', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((retry) => exponentialDelay(retry, { baseMs: 100, capMs: 1_000 }))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });

  it('treats retry 0 as the first and stays at the cap however many retries', () => {
    expect(exponentialDelay(0, { baseMs: 100, capMs: 1_000 })).toBe(100);
    expect(exponentialDelay(10_000, { baseMs: 100, capMs: 1_000 })).toBe(1_000);
  });
});

describe('fullJitterDelay', () => {
  it('draws uniformly below min(cap, base * 2^(retry-1)) from the random source', () => {
    const draws: number[] = [];
    const random = () => {
      draws.push(0.5);
      return 0.5;
    };
    expect([1, 2, 3, 4, 5].map((retry) => fullJitterDelay(retry, { baseMs: 100, capMs: 1_000, random }))).toEqual([50, 100, 200, 400, 500]);
    expect(draws).toHaveLength(5);
    expect(fullJitterDelay(3, { baseMs: 100, capMs: 1_000, random: () => 0 })).toBe(0);
    expect(fullJitterDelay(3, { baseMs: 100, capMs: 1_000, random: () => 0.999 })).toBe(399);
  });
});

describe('sleep', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const settled = async (promise: Promise<void>): Promise<boolean> => {
    let done = false;
    void promise.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(0);
    return done;
  };

  it('resolves once the time has passed', async () => {
    const slept = sleep(1_000);
    expect(await settled(slept)).toBe(false);
    await vi.advanceTimersByTimeAsync(999);
    expect(await settled(slept)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(slept)).toBe(true);
  });

  it('resolves as soon as the signal aborts, and at once when it already has', async () => {
    const controller = new AbortController();
    const slept = sleep(60_000, controller.signal);
    expect(await settled(slept)).toBe(false);
    controller.abort(new Error('stopping'));
    expect(await settled(slept)).toBe(true);
    expect(await settled(sleep(60_000, controller.signal))).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
