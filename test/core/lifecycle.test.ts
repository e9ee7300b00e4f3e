// The lifecycle: parts start in the stated order and shut down in reverse, each once, each
// given its share of the stop budget, a hanging part cut off at the end of its share, a failing
// one reported without stopping the others.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { leaving, Lifecycle, within, type Part } from '../../src/core/lifecycle.js';

afterEach(() => {
  vi.useRealTimers();
});

interface Probe extends Part {
  /** The budget each shutdown call was given. */
  budgets: (number | undefined)[];
  starts: number;
}

interface ProbeOptions {
  /** A start that takes this long (a promise). */
  startMs?: number;
  startFails?: boolean;
  /** A shutdown that takes this long; Infinity never ends. */
  stopMs?: number;
  stopFails?: boolean;
}

/** A part that writes `start NAME` and `stop NAME` to `events` as it starts and shuts down. */
function probe(name: string, events: string[], options: ProbeOptions = {}): Probe {
  const p: Probe = {
    budgets: [],
    starts: 0,
    start: () => {
      p.starts += 1;
      if (options.startFails) throw new Error(`${name} cannot start`);
      if (options.startMs === undefined) {
        events.push(`start ${name}`);
        return;
      }
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          events.push(`start ${name}`);
          resolve();
        }, options.startMs),
      );
    },
    shutdown: (budgetMs) => {
      p.budgets.push(budgetMs);
      if (options.stopFails) return Promise.reject(new Error(`${name} failed to stop`));
      if (options.stopMs === Number.POSITIVE_INFINITY) return new Promise<void>(() => undefined);
      if (options.stopMs === undefined) {
        events.push(`stop ${name}`);
        return Promise.resolve();
      }
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          events.push(`stop ${name}`);
          resolve();
        }, options.stopMs),
      );
    },
  };
  return p;
}

describe('Lifecycle order', () => {
  it('starts parts in the stated order and shuts them down in reverse, each once however often it is asked', async () => {
    const events: string[] = [];
    const a = probe('a', events);
    const b = probe('b', events);
    const c = probe('c', events);
    const life = new Lifecycle([
      { name: 'a', part: a },
      { name: 'b', part: b },
      { name: 'c', part: c },
    ]);
    expect(life.order).toEqual(['a', 'b', 'c']);
    const started = life.start();
    // Parts that start synchronously have started when start() returns.
    expect(events).toEqual(['start a', 'start b', 'start c']);
    expect(life.start()).toBe(started);
    await started;
    const stopping = life.shutdown(1_000);
    expect(life.shutdown(1_000)).toBe(stopping);
    await stopping;
    expect(events).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
    expect([a, b, c].map((p) => [p.starts, p.budgets.length])).toEqual([
      [1, 1],
      [1, 1],
      [1, 1],
    ]);
  });

  it('waits for a start that takes time before starting the next part', async () => {
    vi.useFakeTimers();
    const events: string[] = [];
    const life = new Lifecycle([
      { name: 'slow', part: probe('slow', events, { startMs: 100 }) },
      { name: 'next', part: probe('next', events) },
    ]);
    const started = life.start();
    expect(events).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    await started;
    expect(events).toEqual(['start slow', 'start next']);
  });

  it('rejects with a failed start and leaves the parts after it unstarted; the shutdown still reaches every part', async () => {
    const events: string[] = [];
    const after = probe('after', events);
    const life = new Lifecycle([
      { name: 'first', part: probe('first', events) },
      { name: 'broken', part: probe('broken', events, { startFails: true }) },
      { name: 'after', part: after },
    ]);
    await expect(life.start()).rejects.toThrow('broken cannot start');
    expect(after.starts).toBe(0);
    await life.shutdown(0);
    expect(events).toEqual(['start first', 'stop after', 'stop broken', 'stop first']);
  });

  it('shuts down before it started: nothing is started afterwards', async () => {
    const events: string[] = [];
    const a = probe('a', events);
    const life = new Lifecycle([{ name: 'a', part: a }]);
    await life.shutdown();
    await life.start();
    expect(a.starts).toBe(0);
    expect(events).toEqual(['stop a']);
  });

  it('starts a part added after the start at once and shuts it down first; one added during the shutdown is only shut down', async () => {
    const events: string[] = [];
    const life = new Lifecycle([{ name: 'core', part: probe('core', events) }]);
    await life.start();
    life.add({ name: 'ui', part: probe('ui', events) });
    await life.start();
    expect(life.order).toEqual(['core', 'ui']);
    const stopping = life.shutdown(0);
    const late = probe('late', events);
    life.add({ name: 'late', part: late });
    await stopping;
    expect(late.starts).toBe(0);
    expect(events).toEqual(['start core', 'start ui', 'stop ui', 'stop late', 'stop core']);
  });
});

describe('Lifecycle stop budget', () => {
  it('gives each part what is left of the budget at its turn, less what a share keeps for the parts after it', async () => {
    vi.useFakeTimers();
    const events: string[] = [];
    const last = probe('last', events);
    const reserving = probe('reserving', events, { stopMs: 200 });
    const first = probe('first', events, { stopMs: 300 });
    const life = new Lifecycle([
      { name: 'last', part: last },
      { name: 'reserving', part: reserving, share: leaving(1_000), waitUntilDone: true },
      { name: 'first', part: first, waitUntilDone: true },
    ]);
    const stopping = life.shutdown(5_000);
    await vi.advanceTimersByTimeAsync(500);
    await stopping;
    expect(first.budgets).toEqual([5_000]);
    expect(reserving.budgets).toEqual([5_000 - 300 - 1_000]);
    expect(last.budgets).toEqual([5_000 - 300 - 200]);
  });

  it('cuts off a part that hangs at the end of its share and goes on with the next, within the budget', async () => {
    vi.useFakeTimers();
    const events: string[] = [];
    const life = new Lifecycle([
      { name: 'after', part: probe('after', events) },
      { name: 'hangs', part: probe('hangs', events, { stopMs: Number.POSITIVE_INFINITY }) },
    ]);
    let done = false;
    const stopping = life.shutdown(2_000).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(1_999);
    expect(done).toBe(false);
    expect(events).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    expect(events).toEqual(['stop after']);
  });

  it('waits for a part that bounds its own shutdown until it is done, even past the budget', async () => {
    vi.useFakeTimers();
    const events: string[] = [];
    const after = probe('after', events);
    const life = new Lifecycle([
      { name: 'after', part: after },
      { name: 'graceful', part: probe('graceful', events, { stopMs: 2_000 }), waitUntilDone: true },
    ]);
    let done = false;
    const stopping = life.shutdown(0).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(1_999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    expect(events).toEqual(['stop graceful', 'stop after']);
    // Nothing was left of the budget for the part after it.
    expect(after.budgets).toEqual([0]);
  });

  it('without a budget, gives no part a deadline', async () => {
    const events: string[] = [];
    const a = probe('a', events);
    await new Lifecycle([{ name: 'a', part: a }]).shutdown();
    expect(a.budgets).toEqual([undefined]);
  });
});

describe('Lifecycle failures', () => {
  it('reports a part that fails to shut down by its name and still shuts the others down', async () => {
    const events: string[] = [];
    const reported: string[] = [];
    const life = new Lifecycle(
      [
        { name: 'before', part: probe('before', events) },
        { name: 'broken', part: probe('broken', events, { stopFails: true }) },
        { name: 'after', part: probe('after', events) },
      ],
      { onError: (stage, error) => reported.push(`${stage}: ${(error as Error).message}`) },
    );
    await life.shutdown(1_000);
    expect(events).toEqual(['stop after', 'stop before']);
    expect(reported).toEqual(['broken: broken failed to stop']);
  });

  it('rejects once every part had its turn when no one is told of failures', async () => {
    const events: string[] = [];
    const life = new Lifecycle([
      { name: 'before', part: probe('before', events) },
      { name: 'broken', part: probe('broken', events, { stopFails: true }) },
    ]);
    await expect(life.shutdown(1_000)).rejects.toThrow('broken failed to stop');
    expect(events).toEqual(['stop before']);
  });
});

describe('within', () => {
  it('waits for the work, or the time given at most, and never rejects', async () => {
    vi.useFakeTimers();
    let settled = false;
    const waiting = within(new Promise(() => undefined), 500).then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(499);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    await expect(within(Promise.reject(new Error('no')), 10)).resolves.toBeUndefined();
  });
});
