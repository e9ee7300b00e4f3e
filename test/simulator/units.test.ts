import { describe, expect, it } from 'vitest';
import { createClock } from '../../src/simulator/clock.js';
import { goDuration, parseFaultConfig } from '../../src/simulator/faults.js';
import { paginate, parseListParams } from '../../src/simulator/lists.js';
import { buildPlan } from '../../src/simulator/plans.js';
import { createPrng } from '../../src/simulator/prng.js';
import { buildTimeline, runStatusAt } from '../../src/simulator/timeline.js';

describe('prng', () => {
  it('repeats for a seed and differs between seeds', () => {
    const a = createPrng(1);
    const b = createPrng(1);
    const c = createPrng(2);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA);
    for (const v of seqA) expect(v >= 0 && v < 1).toBe(true);
  });
});

describe('clock', () => {
  it('runs speed times faster than the wall clock, floored to whole seconds, and advances by hand', () => {
    let wall = 1_000_000;
    const clock = createClock({ startEpoch: 100, speed: 20, wallClockMs: () => wall });
    expect(clock.now()).toBe(100);
    wall += 49; // 0.98 virtual seconds
    expect(clock.now()).toBe(100);
    wall += 1; // 1.0
    expect(clock.now()).toBe(101);
    expect(clock.advance(10)).toBe(111);
    wall += 500; // +10 virtual
    expect(clock.now()).toBe(121);
  });

  it("starts at the wall clock's current second by default, so spans land where a trace search looks", () => {
    const wall = Date.UTC(2031, 4, 6, 7, 8, 9, 999);
    const clock = createClock({ speed: 0, wallClockMs: () => wall });
    expect(clock.now()).toBe(Math.floor(wall / 1000));
    expect(clock.startEpoch).toBe(Math.floor(wall / 1000));
    const real = createClock({ speed: 0 });
    expect(Math.abs(real.now() - Date.now() / 1000)).toBeLessThan(5);
    expect(() => createClock({ speed: -1 })).toThrow(/speed/);
  });
});

describe('goDuration', () => {
  it('formats like Go time.Duration', () => {
    expect(goDuration(12)).toBe('12ms');
    expect(goDuration(1000)).toBe('1s');
    expect(goDuration(1500)).toBe('1.5s');
    expect(goDuration(360_000)).toBe('6m0s');
    expect(goDuration(90_500)).toBe('1m30.5s');
    expect(goDuration(3_600_000)).toBe('1h0m0s');
    expect(goDuration(0)).toBe('0s');
  });
});

describe('fault config', () => {
  it('rejects unknown fields and bad values with the field named', () => {
    expect(parseFaultConfig({ rpmLimit: 10 })).toEqual({ ok: true, value: { rpmLimit: 10 } });
    const bad = parseFaultConfig({ serverError: { status: 501 } });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/serverError\.status/);
    expect(parseFaultConfig({ nope: 1 }).ok).toBe(false);
  });
});

describe('lists', () => {
  const items = Array.from({ length: 7 }, (_, i) => ({ id: `x${i}` }));
  const params = (q: string) => {
    const p = parseListParams(new URLSearchParams(q));
    if ('status' in p) throw new Error(p.message);
    return p;
  };

  it('pages with after and before in both orders', () => {
    const desc = paginate(items, params('limit=3'));
    expect(desc.data.map((i) => i.id)).toEqual(['x6', 'x5', 'x4']);
    expect(desc).toMatchObject({ first_id: 'x6', last_id: 'x4', has_more: true });
    const next = paginate(items, params('limit=3&after=x4'));
    expect(next.data.map((i) => i.id)).toEqual(['x3', 'x2', 'x1']);
    const last = paginate(items, params('limit=3&after=x1'));
    expect(last).toMatchObject({ data: [{ id: 'x0' }], has_more: false });
    const before = paginate(items, params('order=asc&limit=2&before=x4'));
    expect(before.data.map((i) => i.id)).toEqual(['x2', 'x3']);
    expect(before.has_more).toBe(true);
    const between = paginate(items, params('order=asc&after=x1&before=x4'));
    expect(between.data.map((i) => i.id)).toEqual(['x2', 'x3']);
  });

  it('rejects limits outside 1..100 and unknown orders', () => {
    for (const q of ['limit=0', 'limit=101', 'limit=abc']) {
      expect(parseListParams(new URLSearchParams(q))).toMatchObject({ status: 400, param: 'limit' });
    }
    expect(parseListParams(new URLSearchParams('order=up'))).toMatchObject({ status: 400, param: 'order' });
  });
});

describe('timeline', () => {
  const plan = (kind: Parameters<typeof buildPlan>[0], seed = 3) => buildPlan(kind, createPrng(seed), 0);

  it('waits in requires_action until outputs arrive, then continues', () => {
    const p = plan('requires_action');
    const unattended = buildTimeline(p, 1000);
    const action = unattended.action!;
    expect(runStatusAt(unattended, action.from)).toBe('requires_action');
    expect(action.until).toBe(action.from + p.autoSubmitAfter!);
    const submitted = buildTimeline(p, 1000, { submitted: { at: action.from + 1, outputs: {} } });
    expect(submitted.action!.until).toBe(action.from + 1);
    expect(submitted.endStatus).toBe('completed');
    expect(submitted.endAt).toBeLessThan(unattended.endAt);
  });

  it('expires a run whose outputs never come, with its step expired', () => {
    const tl = buildTimeline(plan('expired'), 1000);
    expect(tl.endStatus).toBe('expired');
    expect(tl.endAt).toBe(1600);
    expect(tl.steps.at(-1)).toMatchObject({ endStatus: 'expired', endAt: 1600 });
  });

  it('cancels mid-step: cancelling for a second, then the step and run cancelled', () => {
    const tl = buildTimeline(plan('cancelled'), 1000);
    expect(tl.endStatus).toBe('cancelled');
    expect(runStatusAt(tl, tl.cancellingFrom!)).toBe('cancelling');
    expect(tl.steps.at(-1)).toMatchObject({ endStatus: 'cancelled', endAt: tl.endAt });
  });

  it('cancels a queued run without steps or a start', () => {
    const p = buildPlan('message', createPrng(1), 0, { minQueuedFor: 2 });
    const tl = buildTimeline(p, 1000, { cancelAt: 1000 });
    expect(tl).toMatchObject({ startedAt: null, steps: [], endStatus: 'cancelled', endAt: 1001 });
    expect(runStatusAt(tl, 1000)).toBe('cancelling');
  });

  it('fails at the failing step', () => {
    const tl = buildTimeline(plan('failed'), 1000);
    expect(tl.endStatus).toBe('failed');
    expect(tl.steps.at(-1)).toMatchObject({ endStatus: 'failed', endAt: tl.endAt });
  });
});
