// The reachability log on its own clock: one line when a peer stops answering, the same again at
// most every repeatMs while it lasts (with how long and how many attempts), one when it is back.
import { describe, expect, it } from 'vitest';
import { ReachabilityLog } from '../../src/cli/reachability-log.js';

function setup(repeatMs = 30_000) {
  let now = 1_000_000;
  const lines: { level: 'warn' | 'info'; msg: string; fields: Record<string, unknown> }[] = [];
  let depth = 7;
  const reach = new ReachabilityLog({
    log: {
      warn: (fields, msg) => lines.push({ level: 'warn', msg, fields }),
      info: (fields, msg) => lines.push({ level: 'info', msg, fields }),
    },
    problem: 'cannot reach the API at http://h:1',
    recovered: 'the API at http://h:1 answers again',
    fields: { api: 'http://h:1' },
    context: () => ({ outboxDepth: depth }),
    repeatMs,
    now: () => now,
  });
  return { reach, lines, advance: (ms: number) => (now += ms), setDepth: (d: number) => (depth = d) };
}

describe('reachability log', () => {
  it('says the first failure at once, with address, cause and context', () => {
    const { reach, lines } = setup();
    reach.failed('connect ECONNREFUSED 1.2.3.4:1');
    expect(lines).toEqual([
      {
        level: 'warn',
        msg: 'cannot reach the API at http://h:1: connect ECONNREFUSED 1.2.3.4:1; retrying',
        fields: { api: 'http://h:1', cause: 'connect ECONNREFUSED 1.2.3.4:1', outboxDepth: 7 },
      },
    ]);
    expect(reach.failingSince).toBe(1_000_000);
  });

  it('repeats at most every repeatMs while failing, however many attempts fail, with duration and count', () => {
    const { reach, lines, advance, setDepth } = setup();
    reach.failed('a');
    for (let i = 0; i < 29; i++) {
      advance(1_000);
      reach.failed('b');
    }
    expect(lines).toHaveLength(1);
    advance(1_000);
    setDepth(9);
    reach.failed('c');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toEqual({
      level: 'warn',
      msg: 'cannot reach the API at http://h:1 for 30 s (31 failed attempts): c',
      fields: { api: 'http://h:1', cause: 'c', failingForS: 30, failedAttempts: 31, outboxDepth: 9 },
    });
    for (let i = 0; i < 10; i++) {
      advance(2_900);
      reach.failed('d');
    }
    expect(lines).toHaveLength(2);
    advance(1_000);
    reach.failed('d');
    expect(lines).toHaveLength(3);
  });

  it('says the recovery once, then nothing for answers; a new outage starts over', () => {
    const { reach, lines, advance } = setup();
    reach.answered();
    expect(lines).toEqual([]);
    reach.failed('x');
    advance(12_400);
    reach.failed('x');
    reach.answered();
    reach.answered();
    expect(lines.map((l) => l.msg)).toEqual([
      'cannot reach the API at http://h:1: x; retrying',
      'the API at http://h:1 answers again after 12 s (2 failed attempts)',
    ]);
    expect(lines[1]!.level).toBe('info');
    expect(reach.failingSince).toBeNull();
    reach.failed('y');
    expect(lines[2]!.msg).toBe('cannot reach the API at http://h:1: y; retrying');
  });
});
