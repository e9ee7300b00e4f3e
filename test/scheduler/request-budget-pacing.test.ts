// Pacing on top of the strict window, on a fake clock: which start goes when is decided by the
// budget's arithmetic alone, so exact times can be asserted without depending on the machine.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RequestBudget, type RequestBudgetOptions } from '../../src/scheduler/request-budget.js';
import { TokenBucket } from '../../src/scheduler/token-bucket.js';

const budgets: RequestBudget[] = [];
let began = 0;

beforeEach(() => {
  vi.useFakeTimers();
  began = Date.now();
});
afterEach(() => {
  for (const budget of budgets.splice(0)) void budget.shutdown();
  vi.useRealTimers();
});

/** A budget whose paced starts are 1 000 ms apart: 60 per 60 s window, no margin. */
// The tests use a burst of a sixth of the allowance (10 of 60) for round numbers; the default is smaller.
function makeBudget(options: Partial<RequestBudgetOptions> = {}): { budget: RequestBudget; starts: number[] } {
  const budget = new RequestBudget({
    rpm: 61,
    marginFraction: 0,
    windowMs: 60_000,
    burstFraction: 1 / 6,
    startWithBurst: true,
    ...options,
  });
  budgets.push(budget);
  const starts: number[] = [];
  budget.on('attemptStart', (event) => starts.push(event.at - began));
  return { budget, starts };
}

function acquireMany(budget: RequestBudget, count: number): Promise<unknown[]> {
  return Promise.all(Array.from({ length: count }, () => budget.acquire('finishing')));
}

function maxStartsInWindow(times: number[], windowMs: number): number {
  let max = 0;
  for (const [first, start] of times.entries()) {
    let count = 0;
    for (let next = first; next < times.length && (times[next] as number) < start + windowMs; next += 1) count += 1;
    max = Math.max(max, count);
  }
  return max;
}

const range = (from: number, to: number, step: number): number[] =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

describe('RequestBudget pacing', () => {
  it('lets a sixth of the allowance go at once, then spreads the rest at the refill rate', async () => {
    const { budget, starts } = makeBudget();
    expect(budget.effectiveLimit).toBe(60);
    const done = acquireMany(budget, 20);
    await vi.advanceTimersByTimeAsync(0);
    expect(starts).toEqual(Array(10).fill(0));
    expect(budget.stats().pacing).toEqual({ intervalMs: 1_000, burst: 10, tokens: 0 });
    expect(budget.stats().queued.finishing).toBe(10);
    await vi.advanceTimersByTimeAsync(10_000);
    await done;
    expect(starts).toEqual([...Array(10).fill(0), ...range(1_000, 10_000, 1_000)]);
  });

  it('earns the burst back while idle, and no more than the burst', async () => {
    const { budget, starts } = makeBudget();
    await acquireMany(budget, 10);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(budget.stats().pacing.tokens).toBe(10);
    const done = acquireMany(budget, 12);
    await vi.advanceTimersByTimeAsync(2_000);
    await done;
    expect(starts.slice(10)).toEqual([...Array(10).fill(59_000), 60_000, 61_000]);
  });

  it('still never starts more than the limit in a window, and once the window binds keeps an even pace', async () => {
    // A large burst, so the window really binds: 30 at once, 30 more paced, then the window is full.
    const { budget, starts } = makeBudget({ burstFraction: 0.5 });
    const done = acquireMany(budget, 150);
    await vi.advanceTimersByTimeAsync(150_000);
    await done;
    expect(maxStartsInWindow(starts, 60_000)).toBe(60);
    expect(starts.slice(0, 30)).toEqual(Array(30).fill(0));
    expect(starts.slice(30, 60)).toEqual(range(1_000, 30_000, 1_000));
    // Full until the burst slides out at 60 s. After that one start a second: the 30 s the window
    // held everything did not save up another burst that would stall the next window again.
    expect(starts.slice(60)).toEqual(range(60_000, 149_000, 1_000));
  });

  it('by default starts with one start in hand and earns the burst, so the first window never fills early and stalls', async () => {
    const { budget, starts } = makeBudget({ burstFraction: 0.5, startWithBurst: false });
    expect(budget.stats().pacing).toEqual({ intervalMs: 1_000, burst: 30, tokens: 1 });
    const done = acquireMany(budget, 150);
    await vi.advanceTimersByTimeAsync(150_000);
    await done;
    // With the burst in hand (the test above) 30 go at 0 and nothing goes from 30 s to 60 s.
    expect(starts).toEqual(range(0, 149_000, 1_000));
    // Idle, it earns the burst back like a budget that started with it.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(budget.stats().pacing.tokens).toBe(30);
  });

  it('pauses for a 429 as before, then resumes at the paced rate rather than in a burst', async () => {
    const { budget, starts } = makeBudget();
    expect(budget.stats().pacing.tokens).toBe(10);
    budget.observeResponse(429, new Headers({ 'retry-after-ms': '5000' }));
    const done = acquireMany(budget, 4);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(starts).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(starts).toEqual([5_000]);
    await vi.advanceTimersByTimeAsync(3_000);
    await done;
    expect(starts).toEqual([5_000, 6_000, 7_000, 8_000]);
  });

  it('gives up a wait for a paced slot when its signal aborts, and the next one keeps its turn', async () => {
    const { budget, starts } = makeBudget({ burstFraction: 1 / 60 });
    expect(budget.stats().pacing.burst).toBe(1);
    await budget.acquire('finishing');
    const controller = new AbortController();
    const waiting = budget.acquire('finishing', { signal: controller.signal });
    const rejected = expect(waiting).rejects.toThrow('caller gave up');
    await vi.advanceTimersByTimeAsync(500);
    controller.abort(new Error('caller gave up'));
    await rejected;
    expect(budget.stats()).toMatchObject({ totalAttempts: 1, queued: { finishing: 0 } });
    const next = budget.acquire('finishing');
    await vi.advanceTimersByTimeAsync(500);
    await next;
    expect(starts).toEqual([0, 1_000]);
  });
});

describe('TokenBucket', () => {
  it('earns at most one token while something else holds every start', () => {
    const bucket = new TokenBucket(0.001, 10, 0);
    for (let i = 0; i < 10; i += 1) bucket.take(0);
    expect(bucket.nextAt(0)).toBe(1_000);
    bucket.hold(0, 30_000);
    expect(bucket.available(30_000)).toBe(1);
    // After the hold it earns again, up to the capacity.
    expect(bucket.available(35_000)).toBe(6);
    expect(bucket.available(100_000)).toBe(10);
  });

  it('keeps at most one token through a hold, whatever it had', () => {
    const bucket = new TokenBucket(0.001, 10, 0);
    bucket.hold(0, 5_000);
    expect(bucket.available(5_000)).toBe(1);
    expect(bucket.nextAt(5_000)).toBeNull();
  });

  it('does not stall when the clock steps back', () => {
    const bucket = new TokenBucket(0.001, 2, 100_000);
    bucket.take(100_000);
    bucket.take(100_000);
    expect(bucket.nextAt(40_000)).toBe(41_000);
    expect(bucket.available(41_000)).toBe(1);
  });
});

describe('default pacing', () => {
  it('lets a twentieth of the allowance (at least one) go at once', () => {
    expect(new RequestBudget({ rpm: 6_000 }).stats().pacing.burst).toBe(270);
    expect(new RequestBudget({ rpm: 60 }).stats().pacing.burst).toBe(2);
    expect(new RequestBudget({ rpm: 10 }).stats().pacing.burst).toBe(1);
  });
});
