// When the looks come back: pure decisions over what a look saw, from the shared poll policy and
// the watch intervals a user sets.
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/config/defaults.js';
import { newAgentCursor } from '../../../src/sources/responses/agent-cursor.js';
import {
  isAgentIdle,
  nextAgentLookMs,
  nextResponseLookMs,
  responsesPollPolicy,
  type ResponsePace,
} from '../../../src/sources/responses/look-policy.js';

const watch = { activeIntervalMs: 1_000, maxWaitIntervalMs: 30_000, discoveryIntervalMs: 5_000 };
const policy = responsesPollPolicy(watch);

describe("an agent's list", () => {
  it('is read on at once while a look stopped at its page limit', () => {
    expect(nextAgentLookMs({ kind: 'more' }, 40_000, policy)).toBe(0);
  });

  it('is looked at again at the discovery pace, backing off while nothing new shows, fast again when something does', () => {
    const quiet = { kind: 'listed', foundNew: false } as const;
    const delays: number[] = [];
    let previous: number | undefined;
    for (let i = 0; i < 5; i += 1) delays.push((previous = nextAgentLookMs(quiet, previous, policy)));
    expect(delays).toEqual([5_000, 10_000, 20_000, 30_000, 30_000]);
    expect(nextAgentLookMs({ kind: 'listed', foundNew: true }, 30_000, policy)).toBe(5_000);
  });
});

describe('an unfinished response', () => {
  const next = (pace: ResponsePace, previous?: number): number | null => nextResponseLookMs(pace, previous, policy);

  it('is not looked at again once it ended or is gone', () => {
    expect(next({ kind: 'ended' }, 1_000)).toBeNull();
    expect(next({ kind: 'gone' })).toBeNull();
  });

  it('is looked at like a working run while it runs: every active interval', () => {
    expect(next({ kind: 'running', queued: false, changed: false })).toBe(1_000);
    expect(next({ kind: 'running', queued: false, changed: false }, 1_000)).toBe(1_000);
    expect(next({ kind: 'running', queued: false, changed: true }, 8_000)).toBe(1_000);
  });

  it('is looked at like a waiting run while queued: backing off to the longest wait, fast again once it moves', () => {
    const delays: number[] = [];
    let previous: number | undefined;
    for (let i = 0; i < 7; i += 1) delays.push((previous = next({ kind: 'running', queued: true, changed: false }, previous) ?? -1));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(next({ kind: 'running', queued: false, changed: true }, 30_000)).toBe(1_000);
    // From a long wait to working: the working cap applies at once.
    expect(next({ kind: 'running', queued: false, changed: false }, 30_000)).toBe(1_000);
  });

  it('takes its intervals from the watch settings, as runs do', () => {
    const defaults = responsesPollPolicy(DEFAULTS.watch);
    expect(nextResponseLookMs({ kind: 'running', queued: false, changed: true }, undefined, defaults)).toBe(
      DEFAULTS.watch.activeIntervalMs,
    );
    expect(nextAgentLookMs({ kind: 'listed', foundNew: true }, undefined, defaults)).toBe(DEFAULTS.watch.discoveryIntervalMs);
  });
});

describe('--exit-when-idle for an agent', () => {
  it('holds once a look read its list to the end, and not while a read is under way or before any look', () => {
    const cursor = newAgentCursor(0, 100);
    expect(isAgentIdle(null)).toBe(false);
    expect(isAgentIdle(cursor)).toBe(false);
    expect(isAgentIdle({ ...cursor, back: null, resume: 'resp_1' })).toBe(false);
    expect(isAgentIdle({ ...cursor, back: null })).toBe(true);
  });
});
