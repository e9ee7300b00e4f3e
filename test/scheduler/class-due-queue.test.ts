import { describe, expect, it } from 'vitest';
import { ClassDueQueue } from '../../src/scheduler/class-due-queue.js';

function drain(q: ClassDueQueue<string>, now: number): string[] {
  const out: string[] = [];
  for (let e = q.popDue(now); e; e = q.popDue(now)) out.push(e.key);
  return out;
}

describe('ClassDueQueue', () => {
  it('takes the most urgent class first, earliest first within a class, and only what is due', () => {
    const q = new ClassDueQueue<string>({ classes: 3 });
    q.schedule('discover', 0, 'discover', 2);
    q.schedule('backlog-1', 5, 'backlog-1', 1);
    q.schedule('active-late', 20, 'active-late', 0);
    q.schedule('active-early', 10, 'active-early', 0);
    q.schedule('future', 1_000, 'future', 0);
    expect(drain(q, 100)).toEqual(['active-early', 'active-late', 'backlog-1', 'discover']);
    expect(q.size).toBe(1);
    expect(q.delayUntilNext(100)).toBe(900);
    expect(q.popDue(999)).toBeUndefined();
  });

  it('moves a key between classes and due times without keeping a copy behind', () => {
    const q = new ClassDueQueue<string>({ classes: 2 });
    q.schedule('a', 50, 'a', 1);
    q.schedule('a', 10, 'a', 0);
    expect(q.size).toBe(1);
    expect(q.classOf('a')).toBe(0);
    expect(q.dueAtOf('a')).toBe(10);
    expect(drain(q, 100)).toEqual(['a']);
    expect(q.has('a')).toBe(false);
    q.schedule('b', 0, 'b', 1);
    expect(q.remove('b')).toBe(true);
    expect(q.remove('b')).toBe(false);
    expect(q.popDue(100)).toBeUndefined();
  });

  it('gives a lower class one pick in shareEvery while the top class is oversubscribed', () => {
    const q = new ClassDueQueue<string>({ classes: 3, shareEvery: 4 });
    for (let i = 0; i < 12; i++) q.schedule(`active-${i}`, i, `active-${i}`, 0);
    for (let i = 0; i < 3; i++) q.schedule(`backlog-${i}`, 0, `backlog-${i}`, 1);
    q.schedule('discover', 0, 'discover', 2);
    const order = drain(q, 100);
    // Every fourth pick while active work is waiting goes to the next class that has something due.
    expect(order.slice(0, 8)).toEqual(['active-0', 'active-1', 'active-2', 'backlog-0', 'active-3', 'active-4', 'active-5', 'backlog-1']);
    expect(order.indexOf('discover')).toBeGreaterThan(order.indexOf('backlog-2'));
    expect(order).toHaveLength(16);
  });

  it('does not share when only one class has work due', () => {
    const q = new ClassDueQueue<string>({ classes: 2, shareEvery: 2 });
    for (let i = 0; i < 5; i++) q.schedule(`active-${i}`, i, `active-${i}`, 0);
    q.schedule('later', 500, 'later', 1);
    expect(drain(q, 100)).toEqual(['active-0', 'active-1', 'active-2', 'active-3', 'active-4']);
  });

  it('refuses a class out of range and bad options', () => {
    const q = new ClassDueQueue<string>({ classes: 2 });
    expect(() => q.schedule('x', 0, 'x', 2)).toThrow(RangeError);
    expect(() => new ClassDueQueue({ classes: 0 })).toThrow(RangeError);
    expect(() => new ClassDueQueue({ classes: 2, shareEvery: 1 })).toThrow(RangeError);
  });
});
