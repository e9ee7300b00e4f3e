// What each Assistants status means to the bridge: terminal, waiting or working.
import { describe, expect, it } from 'vitest';
import { isRunTerminal, isStepTerminal, isWaitingRunStatus, runStatusGroup, STATUS } from '../../src/sources/assistants/statuses.js';

describe('run statuses', () => {
  it.each([
    ['queued', 'waiting'],
    ['requires_action', 'waiting'],
    ['in_progress', 'working'],
    ['cancelling', 'working'],
    ['completed', 'terminal'],
    ['failed', 'terminal'],
    ['cancelled', 'terminal'],
    ['expired', 'terminal'],
    ['incomplete', 'terminal'],
  ])('%s is %s', (status, group) => {
    expect(runStatusGroup(status)).toBe(group);
    expect(isRunTerminal({ status })).toBe(group === 'terminal');
    expect(isWaitingRunStatus(status)).toBe(group === 'waiting');
  });

  it('counts a status it does not know, or none, as working', () => {
    for (const status of ['thinking_hard', '', null, undefined]) {
      expect(runStatusGroup(status)).toBe('working');
      expect(isRunTerminal({ status })).toBe(false);
      expect(isWaitingRunStatus(status)).toBe(false);
    }
  });

  it('names every documented status once', () => {
    expect(Object.values(STATUS).sort()).toEqual(
      ['queued', 'in_progress', 'requires_action', 'cancelling', 'cancelled', 'failed', 'completed', 'incomplete', 'expired'].sort(),
    );
  });
});

describe('step statuses', () => {
  it('ends a step on completed, failed, cancelled or expired, not on in_progress or incomplete', () => {
    expect(['completed', 'failed', 'cancelled', 'expired'].every((status) => isStepTerminal({ status }))).toBe(true);
    expect(['in_progress', 'incomplete', 'queued', 'x', null].some((status) => isStepTerminal({ status }))).toBe(false);
  });
});
