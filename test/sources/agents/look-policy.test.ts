// When a session is looked at again: a pure function of what the last look saw, with fake times.
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/config/defaults.js';
import { nextSessionLookMs, sessionPollPolicy, type SessionPace } from '../../../src/sources/agents/look-policy.js';

const policy = sessionPollPolicy(DEFAULTS.watch);
const T = 1_760_000_000;

/** The delays of successive looks that each see `pace`, the first with no previous delay. */
function delays(pace: SessionPace, looks: number): (number | null)[] {
  const out: (number | null)[] = [];
  let previous: number | undefined;
  for (let i = 0; i < looks; i++) {
    const next = nextSessionLookMs(pace, previous, policy);
    out.push(next);
    previous = next ?? undefined;
  }
  return out;
}

describe('the next look at a session', () => {
  it('none once the session is gone', () => {
    expect(nextSessionLookMs({ kind: 'gone' }, undefined, policy)).toBeNull();
    expect(nextSessionLookMs({ kind: 'gone' }, 60_000, policy)).toBeNull();
  });

  it('a working turn: every active interval (2 s by default), changed or not', () => {
    expect(delays({ kind: 'running', waiting: false, changed: false }, 4)).toEqual([2_000, 2_000, 2_000, 2_000]);
  });

  it('a turn waiting for its app or queued: backs off to the longest wait, back to the start on a change', () => {
    expect(delays({ kind: 'running', waiting: true, changed: false }, 7)).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    expect(nextSessionLookMs({ kind: 'running', waiting: true, changed: true }, 60_000, policy)).toBe(2_000);
  });

  it('idle: at the discovery pace, backing off to the longest wait while nothing new comes', () => {
    expect(delays({ kind: 'idle', changed: false }, 4)).toEqual([10_000, 20_000, 40_000, 60_000]);
    expect(nextSessionLookMs({ kind: 'idle', changed: true }, 60_000, policy)).toBe(10_000);
  });

  it('settling, a trace not yet seen of a turn that just ended: every active interval', () => {
    const pace: SessionPace = { kind: 'settling', settleAtSeconds: T + 900, nowSeconds: T, changed: false, awaitingTrace: true };
    expect(delays(pace, 4)).toEqual([2_000, 2_000, 2_000, 2_000]);
  });

  it('settling: backs off like a waiting turn, fast again when a look found something', () => {
    const pace: SessionPace = { kind: 'settling', settleAtSeconds: T + 900, nowSeconds: T, changed: false, awaitingTrace: false };
    expect(delays(pace, 7)).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    expect(nextSessionLookMs({ ...pace, changed: true }, 60_000, policy)).toBe(2_000);
  });

  it('settling: never later than the moment the first unsettled turn settles', () => {
    const pace = (now: number): SessionPace => ({
      kind: 'settling',
      settleAtSeconds: T + 900,
      nowSeconds: now,
      changed: false,
      awaitingTrace: false,
    });
    expect(nextSessionLookMs(pace(T + 890), 60_000, policy)).toBe(10_000);
    expect(nextSessionLookMs(pace(T + 899.25), 60_000, policy)).toBe(750);
    // Due already (a look could not settle it): tried again at the fast pace, not at once in a loop.
    expect(nextSessionLookMs(pace(T + 900), 60_000, policy)).toBe(2_000);
    expect(nextSessionLookMs(pace(T + 5_000), 60_000, policy)).toBe(2_000);
  });

  it('follows the watch settings a user gave', () => {
    const custom = sessionPollPolicy({ activeIntervalMs: 500, maxWaitIntervalMs: 3_000, discoveryIntervalMs: 1_000 });
    expect(nextSessionLookMs({ kind: 'running', waiting: false, changed: false }, 500, custom)).toBe(500);
    expect(nextSessionLookMs({ kind: 'running', waiting: true, changed: false }, 2_000, custom)).toBe(3_000);
    expect(nextSessionLookMs({ kind: 'idle', changed: false }, 2_000, custom)).toBe(3_000);
  });
});
