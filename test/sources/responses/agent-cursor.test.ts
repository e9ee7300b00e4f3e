// The agent's cursor, pure: where the window starts and which response anchors the next list,
// how odd ids are known, the links the window allows, and a stored cursor read back or refused.
import { describe, expect, it } from 'vitest';
import {
  advanceWindow,
  cutoffOf,
  isPlainId,
  linkedFromWindow,
  newAgentCursor,
  readAgentCursor,
  seenKey,
  type SeenResponse,
} from '../../../src/sources/responses/agent-cursor.js';
import { StateError } from '../../../src/state/errors.js';

const seen = (key: string, at: number | null): SeenResponse => ({ key, at });

describe('cutoffOf', () => {
  it('is the newest response less the overlap, never before the start point', () => {
    expect(cutoffOf({ since: 100, newest: null }, 600)).toBe(100);
    expect(cutoffOf({ since: 100, newest: 5_000 }, 600)).toBe(4_400);
    expect(cutoffOf({ since: 4_500, newest: 5_000 }, 600)).toBe(4_500);
  });
});

describe('advanceWindow', () => {
  const listed = [seen('a', 10), seen('b', 20), seen('c', 30), seen('d', 40), seen('e', 50)];

  it('starts the window at the last response before the cutoff and anchors on the one before it', () => {
    expect(advanceWindow(null, listed, 45)).toEqual({ anchor: { id: 'c', at: 30 }, window: [seen('d', 40), seen('e', 50)] });
  });

  it('keeps the anchor and everything while fewer than two responses are before the cutoff', () => {
    const anchor = { id: 'z', at: 1 };
    expect(advanceWindow(anchor, listed, 15)).toEqual({ anchor, window: listed });
    expect(advanceWindow(anchor, listed, 5)).toEqual({ anchor, window: listed });
  });

  it('orders by created_at, keeping the listed order within a second, those without a time last', () => {
    const odd = [seen('n', null), seen('b', 20), seen('a', 10), seen('b2', 20), seen('c', 30)];
    expect(advanceWindow(null, odd, 25)).toEqual({
      anchor: { id: 'b', at: 20 },
      window: [seen('b2', 20), seen('c', 30), seen('n', null)],
    });
  });

  it('never anchors on a response whose id a URL cannot carry: the one before it, with it in the window', () => {
    const hashed = seenKey('x'.repeat(300));
    const got = advanceWindow(null, [seen('a', 10), seen(hashed, 20), seen('c', 30), seen('d', 40)], 35);
    expect(got).toEqual({ anchor: { id: 'a', at: 10 }, window: [seen(hashed, 20), seen('c', 30), seen('d', 40)] });
  });
});

describe('ids', () => {
  it('keeps ids a list URL can carry, and knows others by a stable hash', () => {
    expect(isPlainId('resp_68a1b2c3d4e5f6')).toBe(true);
    for (const odd of ['', 'resp with spaces', 'a/b', 'x'.repeat(257), 'ré'])
      expect([isPlainId(odd), seenKey(odd)]).toEqual([false, expect.stringMatching(/^#[0-9a-f]{32}$/)]);
    expect(seenKey('a/b')).toBe(seenKey('a/b'));
    expect(seenKey('a/b')).not.toBe(seenKey('a/c'));
  });
});

describe('linkedFromWindow', () => {
  it('reaches what was traced (in the app trace it joined, else its own) and what was read that joined none', () => {
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const linked = linkedFromWindow([
      { key: 'own', at: 1 },
      { key: 'app', at: 2, tp, ts: 'k=v' },
      { key: 'other', at: 3, nolink: true },
      { key: seenKey('odd id'), at: 4 },
    ]);
    expect([...linked]).toEqual([
      ['own', { traceparent: null, tracestate: null }],
      ['app', { traceparent: tp, tracestate: 'k=v' }],
    ]);
  });
});

describe('a stored cursor', () => {
  it('reads back as it was stored', () => {
    const cursor = { ...newAgentCursor(100, 200), anchor: { id: 'a', at: 150 }, window: [{ key: 'b', at: 160, tp: 'x' }], back: null };
    expect(readAgentCursor(JSON.parse(JSON.stringify(cursor)), 'agent')).toEqual(cursor);
    expect(readAgentCursor(JSON.parse(JSON.stringify(newAgentCursor(1, 2))), 'agent')).toEqual(newAgentCursor(1, 2));
    expect(readAgentCursor(null, 'agent')).toBeNull();
  });

  it('is refused, naming the agent, when this version cannot read it', () => {
    const good = newAgentCursor(1, 2);
    for (const bad of [
      { ...good, v: 2 },
      { ...good, window: [{ at: 1 }] },
      { ...good, anchor: { id: 'has space', at: 1 } },
      { ...good, back: { after: null } },
      'x',
    ]) {
      const error = (() => {
        try {
          readAgentCursor(bad, 'support-triage');
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(StateError);
      expect(error).toMatchObject({ code: 'corrupt', message: expect.stringContaining('Foundry agent support-triage') as string });
    }
  });
});
