import { afterEach, describe, expect, it } from 'vitest';
import {
  RequestBudget,
  effectiveLimit,
  type AttemptStartEvent,
  type RequestBudgetOptions,
  type ThrottleEvent,
} from '../../src/scheduler/request-budget.js';
import type { Priority } from '../../src/scheduler/priorities.js';
import { sleep } from './http-fixture.js';

const budgets: RequestBudget[] = [];
function makeBudget(options: RequestBudgetOptions): RequestBudget {
  const budget = new RequestBudget(options);
  budgets.push(budget);
  return budget;
}
afterEach(() => {
  for (const budget of budgets.splice(0)) void budget.shutdown();
});

function recordStarts(budget: RequestBudget): AttemptStartEvent[] {
  const starts: AttemptStartEvent[] = [];
  budget.on('attemptStart', (event) => starts.push(event));
  return starts;
}

/** Largest number of starts inside any window of `windowMs` (a start at t covers [t, t + windowMs)). */
function maxStartsInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let first = 0; first < sorted.length; first += 1) {
    let count = 0;
    for (let next = first; next < sorted.length && (sorted[next] as number) < (sorted[first] as number) + windowMs; next += 1) count += 1;
    max = Math.max(max, count);
  }
  return max;
}

describe('effectiveLimit', () => {
  it('keeps a 10 % margin, at least one request when rpm >= 10', () => {
    expect(effectiveLimit(60)).toBe(54);
    expect(effectiveLimit(100)).toBe(90);
    expect(effectiveLimit(10)).toBe(9);
    expect(effectiveLimit(11)).toBe(9);
    expect(effectiveLimit(5)).toBe(4);
    expect(effectiveLimit(1)).toBe(1);
    expect(effectiveLimit(3_500)).toBe(3_150);
  });

  it('keeps one below rpm >= 10 even with no margin', () => {
    expect(effectiveLimit(10, 0)).toBe(9);
    expect(effectiveLimit(5, 0)).toBe(5);
    expect(effectiveLimit(200, 0.05)).toBe(190);
  });

  it('refuses nonsense', () => {
    expect(() => effectiveLimit(0)).toThrow(RangeError);
    expect(() => effectiveLimit(Number.NaN)).toThrow(RangeError);
    expect(() => effectiveLimit(60, 1)).toThrow(RangeError);
    expect(() => new RequestBudget({ rpm: 60, windowMs: 0 })).toThrow(RangeError);
    expect(() => new RequestBudget({ rpm: 60, burstFraction: 0 })).toThrow(RangeError);
    expect(() => new RequestBudget({ rpm: 60, burstFraction: 1.5 })).toThrow(RangeError);
  });
});

describe('RequestBudget', () => {
  it('never starts more than the limit in any sliding window', async () => {
    // A bucket as large as the window, so the window, not pacing, is what binds here.
    const budget = makeBudget({ rpm: 5, marginFraction: 0, windowMs: 1_000, burstFraction: 1 });
    expect(budget.effectiveLimit).toBe(5);
    const starts = recordStarts(budget);
    // One start, then a crowd later in the window: fixed windows would let the crowd burst
    // across the window boundary (4 before it, 5 right after).
    await budget.acquire('discovery');
    await sleep(600);
    await Promise.all(Array.from({ length: 11 }, () => budget.acquire('discovery')));
    const times = starts.map((event) => event.at);
    expect(times).toHaveLength(12);
    // Start times are read just after p-queue reads its clock, so allow 2 ms of skew.
    expect(maxStartsInWindow(times, 998)).toBe(5);
    // Twelve starts at five a window: the twelfth waits two windows after the first (how soon the
    // first five go is timing, left to the bench: a loaded machine delays them).
    expect((times[11] as number) - (times[0] as number)).toBeGreaterThanOrEqual(1_998);
  });

  it('starts waiting work by priority: finishing, then discovery, then background', async () => {
    const budget = makeBudget({ rpm: 100, windowMs: 1_000 });
    const order: Priority[] = [];
    budget.on('attemptStart', (event) => order.push(event.priority));
    budget.pause(100);
    const queued: Priority[] = ['background', 'discovery', 'finishing', 'background', 'finishing', 'discovery'];
    const done = Promise.all(queued.map((priority) => budget.acquire(priority)));
    expect(budget.stats().queued).toEqual({ finishing: 2, discovery: 2, background: 2 });
    await done;
    expect(order).toEqual(['finishing', 'finishing', 'discovery', 'discovery', 'background', 'background']);
  });

  it('orders work that waits for the window by priority too', async () => {
    const budget = makeBudget({ rpm: 2, marginFraction: 0, windowMs: 400 });
    const order: Priority[] = [];
    await Promise.all([budget.acquire('background'), budget.acquire('background')]);
    budget.on('attemptStart', (event) => order.push(event.priority));
    await Promise.all([budget.acquire('background'), budget.acquire('discovery'), budget.acquire('finishing')]);
    expect(order).toEqual(['finishing', 'discovery', 'background']);
  });

  it('pause() holds every start for at least that long', async () => {
    const budget = makeBudget({ rpm: 100 });
    const until = budget.pause(300);
    expect(budget.stats().pausedUntil).toBe(until);
    const began = Date.now();
    await budget.acquire('finishing');
    expect(Date.now() - began).toBeGreaterThanOrEqual(290);
    expect(budget.stats().pausedUntil).toBeNull();
  });

  it('a later pause extends an earlier one, a shorter one does not shorten it', async () => {
    const budget = makeBudget({ rpm: 100 });
    const first = budget.pause(300);
    expect(budget.pause(50)).toBe(first);
    const began = Date.now();
    await budget.acquire('finishing');
    expect(Date.now() - began).toBeGreaterThanOrEqual(290);
  });

  it('pauses for the wait a 429 names and reports the throttle', () => {
    const budget = makeBudget({ rpm: 100 });
    const throttles: ThrottleEvent[] = [];
    budget.on('throttle', (event) => throttles.push(event));
    const event = budget.observeResponse(429, new Headers({ 'retry-after-ms': '250' }), '/threads/{thread_id}/runs');
    expect(event).toMatchObject({ ms: 250, source: 'retry-after-ms', route: '/threads/{thread_id}/runs' });
    expect(throttles).toEqual([event]);
    expect(budget.stats()).toMatchObject({ throttledCount: 1 });
    expect(budget.stats().pausedUntil).toBeGreaterThan(Date.now() + 150);
  });

  it('caps a pause a server asks for', () => {
    const budget = makeBudget({ rpm: 100, maxPauseMs: 5_000 });
    const event = budget.observeResponse(429, new Headers({ 'retry-after': '86400' }));
    expect(event).toMatchObject({ ms: 5_000, source: 'retry-after' });
  });

  it('backs off with full jitter from the injected random source when a 429 names no wait', () => {
    const draws: number[] = [];
    const random = () => {
      draws.push(0.5);
      return 0.5;
    };
    const budget = makeBudget({ rpm: 100, throttleBackoffBaseMs: 200, throttleBackoffCapMs: 1_000, random });
    const none = new Headers();
    expect(budget.observeResponse(429, none)).toMatchObject({ ms: 100, source: 'backoff' });
    expect(budget.observeResponse(429, none)).toMatchObject({ ms: 200, source: 'backoff' });
    expect(budget.observeResponse(429, none)).toMatchObject({ ms: 400, source: 'backoff' });
    expect(budget.observeResponse(429, none)).toMatchObject({ ms: 500, source: 'backoff' });
    // Any other answer ends the run of 429s.
    expect(budget.observeResponse(200, none)).toBeNull();
    expect(budget.observeResponse(429, none)).toMatchObject({ ms: 100, source: 'backoff' });
    expect(draws).toHaveLength(5);
    expect(budget.stats().throttledCount).toBe(5);
  });

  it('spreads the last requests of a nearly spent quota over its reset time', async () => {
    const budget = makeBudget({ rpm: 1_000 });
    budget.observeResponse(
      200,
      new Headers({ 'x-ratelimit-limit-requests': '100', 'x-ratelimit-remaining-requests': '2', 'x-ratelimit-reset-requests': '1s' }),
    );
    expect(budget.stats().slowdown).toMatchObject({ spacingMs: 500 });
    const starts = recordStarts(budget);
    await Promise.all([budget.acquire('finishing'), budget.acquire('finishing'), budget.acquire('finishing')]);
    const [a, b, c] = starts.map((event) => event.at) as [number, number, number];
    expect(b - a).toBeGreaterThanOrEqual(490);
    expect(c - b).toBeGreaterThanOrEqual(490);
    budget.observeResponse(200, new Headers({ 'x-ratelimit-limit-requests': '100', 'x-ratelimit-remaining-requests': '80' }));
    expect(budget.stats().slowdown).toBeNull();
  });

  it('holds starts until the reset when the quota is spent, without counting a throttle', () => {
    const budget = makeBudget({ rpm: 1_000 });
    budget.observeResponse(
      200,
      new Headers({ 'x-ratelimit-limit-requests': '100', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '2s' }),
    );
    const stats = budget.stats();
    expect(stats.pausedUntil).toBeGreaterThan(Date.now() + 1_500);
    expect(stats.throttledCount).toBe(0);
  });

  it('counts attempts and the starts of the last minute', async () => {
    const budget = makeBudget({ rpm: 100 });
    await Promise.all([budget.acquire('finishing'), budget.acquire('discovery'), budget.schedule(() => 'x', { priority: 'background' })]);
    expect(budget.stats()).toMatchObject({ rpm: 100, effectiveLimit: 90, windowMs: 60_000, totalAttempts: 3, startedLastMinute: 3 });
  });

  it('schedule() runs the function once a slot is granted and returns its result', async () => {
    const budget = makeBudget({ rpm: 100 });
    budget.pause(100);
    let ran = false;
    const result = budget.schedule(
      () => {
        ran = true;
        return 42;
      },
      { priority: 'finishing', route: '/threads/{thread_id}/runs' },
    );
    await sleep(20);
    expect(ran).toBe(false);
    expect(await result).toBe(42);
  });

  it('gives up a wait when its signal aborts', async () => {
    const budget = makeBudget({ rpm: 100 });
    budget.pause(10_000);
    const controller = new AbortController();
    const waiting = budget.acquire('finishing', { signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await expect(waiting).rejects.toThrow('caller gave up');
    expect(budget.stats().queued.finishing).toBe(0);
    expect(budget.stats().totalAttempts).toBe(0);
  });

  it('keeps going when a listener throws', async () => {
    const budget = makeBudget({ rpm: 100 });
    budget.on('attemptStart', () => {
      throw new Error('broken metrics');
    });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    await expect(budget.acquire('finishing')).resolves.toBeUndefined();
    await sleep(10);
    process.off('warning', onWarning);
    expect(warnings.some((message) => message.includes('broken metrics'))).toBe(true);
  });

  it('close() rejects waiting and later requests', async () => {
    const budget = makeBudget({ rpm: 100 });
    budget.pause(60_000);
    const waiting = budget.acquire('discovery');
    void budget.shutdown();
    await expect(waiting).rejects.toThrow();
    await expect(budget.acquire('discovery')).rejects.toThrow('closed');
  });
});
