import { describe, expect, it } from 'vitest';
import { PollPolicy } from '../../src/scheduler/poll-policy.js';
import { isTerminalRunStatus, runStatusGroup } from '../../src/sources/assistants/statuses.js';

describe('PollPolicy.nextRunDelay', () => {
  const policy = new PollPolicy();

  it('polls a new run at the active interval', () => {
    expect(policy.nextRunDelay({ pace: runStatusGroup('queued'), changed: false })).toBe(2_000);
  });

  it('stays fast while the run changes', () => {
    expect(policy.nextRunDelay({ pace: runStatusGroup('in_progress'), changed: true, previousDelayMs: 15_000 })).toBe(2_000);
    expect(policy.nextRunDelay({ pace: runStatusGroup('requires_action'), changed: true, previousDelayMs: 60_000 })).toBe(2_000);
  });

  it('doubles per unchanged poll up to 60 s while the run waits', () => {
    const delays: number[] = [];
    let previous: number | undefined;
    for (let poll = 0; poll < 9; poll += 1) {
      const next = policy.nextRunDelay({ pace: runStatusGroup('requires_action'), changed: false, previousDelayMs: previous });
      expect(next).not.toBeNull();
      delays.push(next as number);
      previous = next as number;
    }
    expect(delays).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000]);
    expect(policy.nextRunDelay({ pace: runStatusGroup('queued'), changed: false, previousDelayMs: 32_000 })).toBe(60_000);
  });

  it('caps an unchanged in_progress run at 15 s', () => {
    expect(policy.nextRunDelay({ pace: runStatusGroup('in_progress'), changed: false, previousDelayMs: 8_000 })).toBe(15_000);
    // Coming from a waiting state with a long delay, it drops to the in-progress cap at once.
    expect(policy.nextRunDelay({ pace: runStatusGroup('in_progress'), changed: false, previousDelayMs: 60_000 })).toBe(15_000);
    expect(policy.nextRunDelay({ pace: runStatusGroup('cancelling'), changed: false, previousDelayMs: 4_000 })).toBe(8_000);
  });

  it('treats a status it does not know as in progress', () => {
    expect(policy.nextRunDelay({ pace: runStatusGroup('thinking_hard'), changed: false, previousDelayMs: 60_000 })).toBe(15_000);
    expect(policy.nextRunDelay({ pace: runStatusGroup(null), changed: false, previousDelayMs: 2_000 })).toBe(4_000);
  });

  it.each(['completed', 'failed', 'cancelled', 'expired', 'incomplete'])('stops polling a %s run', (status) => {
    expect(policy.nextRunDelay({ pace: runStatusGroup(status), changed: true, previousDelayMs: 2_000 })).toBeNull();
    expect(isTerminalRunStatus(status)).toBe(true);
  });

  it('takes its numbers from options', () => {
    const custom = new PollPolicy({ activeIntervalMs: 500, backoffFactor: 3, waitingMaxMs: 10_000, inProgressMaxMs: 4_000 });
    expect(custom.nextRunDelay({ pace: runStatusGroup('queued'), changed: false, previousDelayMs: 500 })).toBe(1_500);
    expect(custom.nextRunDelay({ pace: runStatusGroup('queued'), changed: false, previousDelayMs: 4_500 })).toBe(10_000);
    expect(custom.nextRunDelay({ pace: runStatusGroup('in_progress'), changed: false, previousDelayMs: 1_500 })).toBe(4_000);
  });

  it('refuses caps below the active interval', () => {
    expect(() => new PollPolicy({ activeIntervalMs: 5_000, inProgressMaxMs: 1_000 })).toThrow(RangeError);
    expect(() => new PollPolicy({ activeIntervalMs: 0 })).toThrow(RangeError);
    expect(() => new PollPolicy({ backoffFactor: 0.5 })).toThrow(RangeError);
  });
});

describe('PollPolicy.nextDiscoveryDelay', () => {
  const policy = new PollPolicy();

  it('starts at 10 s and backs off to 60 s while nothing new appears', () => {
    const delays: number[] = [];
    let previous: number | undefined;
    for (let pass = 0; pass < 5; pass += 1) {
      previous = policy.nextDiscoveryDelay({ foundNew: false, previousDelayMs: previous });
      delays.push(previous);
    }
    expect(delays).toEqual([10_000, 20_000, 40_000, 60_000, 60_000]);
  });

  it('resets when a new run appears', () => {
    expect(policy.nextDiscoveryDelay({ foundNew: true, previousDelayMs: 60_000 })).toBe(10_000);
  });

  it('resets when the thread settles (its last run finished: the next one can start now), then backs off again', () => {
    expect(policy.nextDiscoveryDelay({ foundNew: false, settled: true, previousDelayMs: 60_000 })).toBe(10_000);
    expect(policy.nextDiscoveryDelay({ foundNew: false, settled: false, previousDelayMs: 10_000 })).toBe(20_000);
  });

  it('takes its numbers from options', () => {
    const custom = new PollPolicy({ discoveryIntervalMs: 1_000, discoveryMaxMs: 3_000 });
    expect(custom.nextDiscoveryDelay({ foundNew: false, previousDelayMs: 2_000 })).toBe(3_000);
  });
});
