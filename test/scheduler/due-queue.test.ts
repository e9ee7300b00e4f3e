import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DueQueue } from '../../src/scheduler/due-queue.js';

describe('DueQueue', () => {
  it('yields entries earliest first, ties in scheduling order', () => {
    const queue = new DueQueue<string, number>();
    queue.schedule('c', 30, 3);
    queue.schedule('a', 10, 1);
    queue.schedule('b', 20, 2);
    queue.schedule('a2', 10, 4);
    expect(queue.size).toBe(4);
    expect(queue.peek()).toEqual({ key: 'a', dueAt: 10, value: 1 });
    expect(queue.drainDue(25).map((entry) => entry.key)).toEqual(['a', 'a2', 'b']);
    expect(queue.popDue(29)).toBeUndefined();
    expect(queue.delayUntilNext(25)).toBe(5);
    expect(queue.popDue(30)).toEqual({ key: 'c', dueAt: 30, value: 3 });
    expect(queue.size).toBe(0);
    expect(queue.nextDueAt()).toBeUndefined();
    expect(queue.delayUntilNext(0)).toBeUndefined();
  });

  it('moves a key when it is scheduled again, and removes keys', () => {
    const queue = new DueQueue<string>();
    queue.schedule('run_1', 100, 'run_1');
    queue.schedule('run_2', 200, 'run_2');
    queue.schedule('run_1', 300, 'run_1');
    expect(queue.size).toBe(2);
    expect(queue.dueAtOf('run_1')).toBe(300);
    expect(queue.peek()?.key).toBe('run_2');
    expect(queue.remove('run_2')).toBe(true);
    expect(queue.remove('run_2')).toBe(false);
    expect(queue.has('run_2')).toBe(false);
    expect(queue.peek()?.key).toBe('run_1');
    expect(queue.delayUntilNext(400)).toBe(0);
  });

  it('limits drainDue', () => {
    const queue = new DueQueue<number>();
    for (let key = 0; key < 10; key += 1) queue.schedule(key, key, key);
    expect(queue.drainDue(100, 3).map((entry) => entry.key)).toEqual([0, 1, 2]);
    expect(queue.size).toBe(7);
  });

  it('agrees with a sorted list under any mix of schedule, remove and pop', () => {
    type Op = { kind: 'schedule'; key: number; dueAt: number } | { kind: 'remove'; key: number } | { kind: 'pop'; now: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('schedule' as const), key: fc.integer({ min: 0, max: 20 }), dueAt: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ kind: fc.constant('remove' as const), key: fc.integer({ min: 0, max: 20 }) }),
      fc.record({ kind: fc.constant('pop' as const), now: fc.integer({ min: 0, max: 50 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const queue = new DueQueue<number>();
        let model: { key: number; dueAt: number; seq: number }[] = [];
        let seq = 0;
        for (const o of ops) {
          if (o.kind === 'schedule') {
            queue.schedule(o.key, o.dueAt, o.key);
            model = model.filter((entry) => entry.key !== o.key);
            model.push({ key: o.key, dueAt: o.dueAt, seq: seq++ });
          } else if (o.kind === 'remove') {
            const had = model.some((entry) => entry.key === o.key);
            expect(queue.remove(o.key)).toBe(had);
            model = model.filter((entry) => entry.key !== o.key);
          } else {
            model.sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq);
            const head = model[0];
            const expected = head !== undefined && head.dueAt <= o.now ? head : undefined;
            const popped = queue.popDue(o.now);
            expect(popped?.key).toBe(expected?.key);
            if (expected) model.shift();
          }
          expect(queue.size).toBe(model.length);
        }
      }),
    );
  });

  it('handles 10 000 tracked runs', () => {
    const queue = new DueQueue<string>();
    for (let index = 0; index < 10_000; index += 1) queue.schedule(`run_${index}`, (index * 7919) % 10_007, `run_${index}`);
    for (let index = 0; index < 10_000; index += 2) queue.schedule(`run_${index}`, 20_000 + index, `run_${index}`);
    let previous = -Infinity;
    let count = 0;
    for (let entry = queue.popDue(Infinity); entry !== undefined; entry = queue.popDue(Infinity)) {
      expect(entry.dueAt).toBeGreaterThanOrEqual(previous);
      previous = entry.dueAt;
      count += 1;
    }
    expect(count).toBe(10_000);
  });
});
