// The look scheduler with fake timers and a fake look function: which key is looked at when, how
// many at once, never two at one key, the retry backoff of failed looks, fatal errors, and the
// stop within its budget.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BridgeError } from '../../src/core/errors.js';
import {
  LOOK_CLASS,
  LOOK_CLASSES,
  LookScheduler,
  type LookFailure,
  type LookSchedulerOptions,
} from '../../src/scheduler/look-scheduler.js';

interface Harness {
  looks: LookScheduler;
  /** Keys in the order their looks began. */
  began: string[];
  failures: { key: string; failure: LookFailure }[];
  fatal: BridgeError[];
  /** Ends the oldest look under way at `key`, with `error` to fail it. */
  finish(key: string, error?: unknown): void;
  running(): string[];
}

function harness(options: Partial<LookSchedulerOptions> & { retryIn?: number | null } = {}): Harness {
  const began: string[] = [];
  const pending: { key: string; resolve: () => void; reject: (e: unknown) => void }[] = [];
  const failures: { key: string; failure: LookFailure }[] = [];
  const fatal: BridgeError[] = [];
  const looks = new LookScheduler({
    classes: LOOK_CLASSES,
    look: (key) =>
      new Promise<void>((resolve, reject) => {
        began.push(key);
        pending.push({ key, resolve, reject });
      }),
    onFailure: (key, _error, failure) => {
      failures.push({ key, failure });
      return options.retryIn === undefined ? LOOK_CLASS.routine : options.retryIn;
    },
    onFatal: (error) => fatal.push(error),
    retry: { baseMs: 100, capMs: 1000 },
    ...options,
  });
  return {
    looks,
    began,
    failures,
    fatal,
    finish(key, error) {
      const index = pending.findIndex((p) => p.key === key);
      if (index < 0) throw new Error(`no look under way at ${key}`);
      const [look] = pending.splice(index, 1);
      if (error === undefined) look!.resolve();
      else look!.reject(error);
    },
    running: () => pending.map((p) => p.key),
  };
}

let current: LookScheduler | undefined;

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(async () => {
  const stopping = current?.shutdown(0);
  await vi.advanceTimersByTimeAsync(10);
  await stopping;
  current = undefined;
  vi.useRealTimers();
});

function started(h: Harness): Harness {
  current = h.looks;
  h.looks.start();
  return h;
}

describe('the look scheduler', () => {
  it('looks at due keys most urgent class first, earliest first within a class', async () => {
    const h = started(harness({ maxConcurrent: 1 }));
    h.looks.schedule('blocker', 0, LOOK_CLASS.active);
    await vi.advanceTimersByTimeAsync(0);
    h.looks.schedule('discover', 0, LOOK_CLASS.discovery);
    h.looks.schedule('late', 20, LOOK_CLASS.active);
    h.looks.schedule('routine', 0, LOOK_CLASS.routine);
    h.looks.schedule('early', 10, LOOK_CLASS.active);
    await vi.advanceTimersByTimeAsync(30);
    for (const key of ['blocker', 'early', 'late', 'routine']) {
      expect(h.running()).toEqual([key]);
      h.finish(key);
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(h.began).toEqual(['blocker', 'early', 'late', 'routine', 'discover']);
  });

  it('does not look before the due time', async () => {
    const h = started(harness());
    h.looks.schedule('a', 500, LOOK_CLASS.active);
    await vi.advanceTimersByTimeAsync(499);
    expect(h.began).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.began).toEqual(['a']);
    expect(h.looks.snapshot()).toEqual({ inFlight: ['a'], queued: 0, nextDueInMs: null });
    expect(h.looks.isIdle()).toBe(false);
    h.finish('a');
    await vi.advanceTimersByTimeAsync(0);
    expect(h.looks.isIdle()).toBe(true);
  });

  it('gives a lower class a share of the picks while the top class keeps it busy', async () => {
    const h = started(harness({ maxConcurrent: 1 }));
    for (let i = 0; i < 12; i++) h.looks.schedule(`active-${i}`, 0, LOOK_CLASS.active);
    h.looks.schedule('discover', 0, LOOK_CLASS.discovery);
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 12 && !h.began.includes('discover'); i++) {
      h.finish(h.running()[0]!);
      await vi.advanceTimersByTimeAsync(0);
    }
    // Every tenth pick made while discovery is due goes to it, not after all twelve.
    expect(h.began.indexOf('discover')).toBe(9);
  });

  it('runs at most maxConcurrent looks at once', async () => {
    const h = started(harness({ maxConcurrent: 2 }));
    for (const key of ['a', 'b', 'c']) h.looks.schedule(key, 0, LOOK_CLASS.active);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(h.running()).toEqual(['a', 'b']);
    h.finish('a');
    await vi.advanceTimersByTimeAsync(0);
    expect(h.running()).toEqual(['b', 'c']);
  });

  it('never looks twice at one key at once: a look due while one is under way waits for it to end', async () => {
    const h = started(harness());
    h.looks.schedule('a', 0, LOOK_CLASS.active);
    await vi.advanceTimersByTimeAsync(0);
    h.looks.schedule('a', 0, LOOK_CLASS.active);
    expect(h.looks.isInFlight('a')).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.began).toEqual(['a']);
    expect(h.looks.isScheduled('a')).toBe(true);
    h.finish('a');
    await vi.advanceTimersByTimeAsync(50);
    expect(h.began).toEqual(['a', 'a']);
  });

  it('hastens a look, never later than it was due, in the more urgent class', async () => {
    const h = started(harness({ maxConcurrent: 1 }));
    h.looks.schedule('blocker', 0, LOOK_CLASS.active);
    await vi.advanceTimersByTimeAsync(0);
    h.looks.schedule('t', 100, LOOK_CLASS.discovery);
    h.looks.hasten('t', 1_000, LOOK_CLASS.active);
    h.looks.schedule('r', 50, LOOK_CLASS.routine);
    await vi.advanceTimersByTimeAsync(200);
    h.finish('blocker');
    await vi.advanceTimersByTimeAsync(0);
    // Still due at 100 ms, not at 1 s, and now in the active class: before the routine look.
    expect(h.running()).toEqual(['t']);
  });

  it('hastening a key with no look due schedules one', async () => {
    const h = started(harness());
    h.looks.hasten('x', 300, LOOK_CLASS.routine);
    expect(h.looks.snapshot().nextDueInMs).toBe(300);
    await vi.advanceTimersByTimeAsync(300);
    expect(h.began).toEqual(['x']);
  });

  it('forgets a removed key', async () => {
    const h = started(harness());
    h.looks.schedule('a', 10, LOOK_CLASS.active);
    h.looks.remove('a');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(h.began).toEqual([]);
  });

  it('retries a failed look on a capped exponential backoff, reset by a success', async () => {
    const h = started(harness());
    h.looks.schedule('a', 0, LOOK_CLASS.active);
    const retries: number[] = [];
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(0);
      const at = Date.now();
      h.finish('a', new Error('503'));
      await vi.advanceTimersByTimeAsync(0);
      const due = at + (h.looks.snapshot().nextDueInMs ?? Number.NaN);
      retries.push(due - at);
      await vi.advanceTimersByTimeAsync(due - Date.now());
    }
    expect(retries).toEqual([100, 200, 400, 800, 1000]);
    expect(h.failures.map((f) => [f.failure.failures, f.failure.meaning])).toEqual([
      [1, 'transient'],
      [2, 'transient'],
      [3, 'transient'],
      [4, 'transient'],
      [5, 'transient'],
    ]);
    h.finish('a');
    await vi.advanceTimersByTimeAsync(0);
    h.looks.schedule('a', 0, LOOK_CLASS.active);
    await vi.advanceTimersByTimeAsync(0);
    h.finish('a', new Error('503'));
    await vi.advanceTimersByTimeAsync(0);
    expect(h.failures.at(-1)!.failure).toEqual({ meaning: 'transient', failures: 1, retryMs: 100 });
  });

  it('lets a key go when the failure handler says so', async () => {
    const h = started(harness({ retryIn: null }));
    h.looks.schedule('gone', 0, LOOK_CLASS.active);
    await vi.advanceTimersByTimeAsync(0);
    h.finish('gone', new BridgeError('gone', 'deleted upstream'));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(h.failures.map((f) => f.failure.meaning)).toEqual(['gone']);
    expect(h.began).toEqual(['gone']);
    expect(h.looks.isScheduled('gone')).toBe(false);
  });

  it('stops at a fatal error and hands it on, with no retry and no new look', async () => {
    const h = started(harness());
    h.looks.schedule('a', 0, LOOK_CLASS.active);
    h.looks.schedule('b', 100, LOOK_CLASS.active);
    await vi.advanceTimersByTimeAsync(0);
    const refused = new BridgeError('fatal', 'credentials refused');
    h.finish('a', refused);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(h.fatal).toEqual([refused]);
    expect(h.failures).toEqual([]);
    expect(h.began).toEqual(['a']);
    expect(h.looks.stopping).toBe(true);
  });

  it('counts no failure for a look cut short by the stop', async () => {
    const h = started(harness());
    h.looks.schedule('a', 0, LOOK_CLASS.active);
    await vi.advanceTimersByTimeAsync(0);
    const stopped = h.looks.shutdown(1_000);
    h.finish('a', new Error('aborted'));
    await vi.advanceTimersByTimeAsync(0);
    await stopped;
    expect(h.failures).toEqual([]);
    h.looks.schedule('b', 0, LOOK_CLASS.active);
    expect(h.looks.isScheduled('b')).toBe(false);
  });

  it('shuts down within its budget: looks under way get the grace, then are cut off, then the rest of the budget', async () => {
    let cutAt: number | null = null;
    const t0 = Date.now();
    const h = started(harness({ graceMs: () => 300, onGraceOver: () => (cutAt = Date.now() - t0) }));
    h.looks.schedule('slow', 0, LOOK_CLASS.active);
    await vi.advanceTimersByTimeAsync(0);
    let done = false;
    void h.looks.shutdown(1_000).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(299);
    expect(cutAt).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    expect(cutAt).toBe(300);
    await vi.advanceTimersByTimeAsync(699);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    // The look that never ended is abandoned, not awaited.
    expect(h.running()).toEqual(['slow']);
  });

  it('shuts down at once when no look is under way', async () => {
    const h = started(harness({ graceMs: () => 300 }));
    let done = false;
    void h.looks.shutdown(10_000).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
  });
});
