// The session cursor's rules, pure: where both cursors move, when a turn settles, the idle
// predicate, and the cursor as stored (JSON) read back exactly, or refused by name when it is not one.
import { describe, expect, it } from 'vitest';
import { readTokenUsage } from '../../../src/mapping/token-usage.js';
import {
  addForwarded,
  advanceCursors,
  compactTurn,
  emptyProgress,
  forwardedKeys,
  isSessionIdle,
  newSessionCursor,
  readSessionCursor,
  settlesAt,
  storedCursor,
  type SessionCursor,
} from '../../../src/sources/agents/session-cursor.js';
import { publishedSpanKey } from '../../../src/sources/agents/keys.js';
import { readTurn } from '../../../src/sources/agents/turn.js';
import { StateError } from '../../../src/state/errors.js';
import { parseOtlpTrace } from '../../../src/sources/agents/otlp-json.js';
import { request, rootSpan, TRACE_ID, turnFacts } from './helpers.js';

/** A published root span without an end, as forwarding holds it. */
const openRoot = () => parseOtlpTrace(request([rootSpan({ endTimeUnixNano: undefined })])).spans[0]!;

const root = (id: string, settled: boolean) => ({ id, root: true, settled });
const sub = (id: string, settled: boolean) => ({ id, root: false, settled });

describe('both cursors move to the end of the settled prefix of the turns list', () => {
  it('the traces cursor to its last root turn, never past an unsettled turn', () => {
    const start = { turnsAfter: 't0', tracesAfter: 't0' };
    expect(advanceCursors(start, [root('r1', true), sub('s1', true), root('r2', false), root('r3', true)])).toEqual({
      turnsAfter: 's1',
      tracesAfter: 'r1',
    });
    // An unsettled subagent turn holds both, its root turn's trace included.
    expect(advanceCursors(start, [root('r1', true), sub('s1', false), root('r2', true)])).toEqual({ turnsAfter: 'r1', tracesAfter: 'r1' });
    expect(advanceCursors(start, [root('r1', false), root('r2', true)])).toEqual(start);
    expect(advanceCursors({ turnsAfter: null, tracesAfter: null }, [])).toEqual({ turnsAfter: null, tracesAfter: null });
    expect(advanceCursors({ turnsAfter: null, tracesAfter: null }, [sub('s1', true)])).toEqual({ turnsAfter: 's1', tracesAfter: null });
  });
});

describe('a turn settles', () => {
  it('the trace wait after its completed_at, else after the bridge first saw it terminal; never while it runs', () => {
    expect(settlesAt({ facts: turnFacts({ completedAt: 1_000 }), terminalSeenAt: 1_500 }, 900)).toBe(1_900);
    expect(settlesAt({ facts: turnFacts({ completedAt: null }), terminalSeenAt: 1_500 }, 900)).toBe(2_400);
    expect(settlesAt({ facts: turnFacts({ status: 'in_progress', completedAt: null }), terminalSeenAt: null }, 900)).toBeNull();
    expect(settlesAt({ facts: turnFacts({ status: 'waiting' }), terminalSeenAt: null }, 0)).toBeNull();
    for (const status of ['completed', 'failed', 'cancelled'])
      expect(settlesAt({ facts: turnFacts({ status }), terminalSeenAt: 5 }, 0)).not.toBeNull();
  });
});

describe('the idle predicate', () => {
  it('idle once looked at with nothing unsettled, or gone; not before the first look', () => {
    const cursor = newSessionCursor(100);
    expect(isSessionIdle(null)).toBe(false);
    expect(isSessionIdle(cursor)).toBe(true);
    const open = { ...cursor, open: [{ id: 'turn_1', facts: turnFacts(), terminalSeenAt: 1, trace: emptyProgress() }] };
    expect(isSessionIdle(open)).toBe(false);
    expect(isSessionIdle({ ...open, gone: true })).toBe(true);
  });
});

describe('the cursor as stored', () => {
  const full = (): SessionCursor => {
    const progress = emptyProgress();
    addForwarded(progress, [
      { traceId: TRACE_ID, spanId: 'eee19b7ec3c1b174' },
      { traceId: TRACE_ID, spanId: 'eee19b7ec3c1b173' },
    ]);
    return {
      ...newSessionCursor(100),
      turnsAfter: 'turn_0',
      tracesAfter: 'turn_0',
      tracesLimit: 3,
      open: [
        {
          id: 'turn_1',
          facts: turnFacts(),
          terminalSeenAt: 1_760_000_131,
          trace: { ...progress, listed: true, spans: 3, held: [openRoot()] },
        },
        {
          id: 'turn_2',
          facts: turnFacts({ id: 'turn_2', subagentId: 'sub_1', status: 'in_progress', completedAt: null }),
          terminalSeenAt: null,
          trace: null,
        },
      ],
      settled: ['turn_3'],
      lastActiveAt: 1_760_000_130,
    };
  };

  it('reads back as it was, through JSON, forwarded span keys included', () => {
    const cursor = full();
    const back = readSessionCursor(JSON.parse(JSON.stringify(storedCursor(cursor))), 'sess_1')!;
    expect(back).toEqual({ ...cursor, open: cursor.open.map((t) => ({ ...t, facts: readTurn(compactTurn(t.facts)) })) });
    expect([...forwardedKeys(back.open[0]!.trace!)]).toEqual([
      publishedSpanKey(TRACE_ID, 'eee19b7ec3c1b174'),
      publishedSpanKey(TRACE_ID, 'eee19b7ec3c1b173'),
    ]);
    expect(readSessionCursor(null, 'sess_1')).toBeNull();
  });

  it('keeps a turn in the API shape, usage as the counts the bridge reads and an error cut to 4096 characters', () => {
    const facts = turnFacts({
      usage: { input_tokens: 10, output_tokens: 4, input_tokens_details: { cached_tokens: 2 }, vendor: 'x'.repeat(10_000) },
      error: { code: 'server_error', message: 'm'.repeat(10_000) },
      status: 'failed',
    });
    const stored = compactTurn(facts);
    expect(JSON.stringify(stored).length).toBeLessThan(5_000);
    const back = readTurn(stored)!;
    expect(readTokenUsage(back.usage)).toEqual(readTokenUsage(facts.usage));
    expect(back).toMatchObject({ id: facts.id, status: 'failed', createdAt: facts.createdAt, completedAt: facts.completedAt });
    expect(back.error).toEqual({ code: 'server_error', message: 'm'.repeat(4096) });
    expect(readTurn(compactTurn(turnFacts({ usage: null })))!.usage).toBeNull();
  });

  it('a stored value that is not a cursor of this version is refused with a line that names the session', () => {
    const good = JSON.parse(JSON.stringify(storedCursor(full()))) as Record<string, unknown>;
    const bad: unknown[] = [
      'text',
      [],
      { ...good, v: 2 },
      { ...good, tracesLimit: 0 },
      { ...good, open: 'x' },
      { ...good, open: [{ id: 'turn_1', facts: { id: 'other' }, terminalSeenAt: null, trace: null }] },
      { ...good, settled: [1] },
      {
        ...good,
        open: [{ ...(good.open as Record<string, unknown>[])[0], trace: { ...emptyProgress(), held: [{ ...openRoot(), spanId: 'zz' }] } }],
      },
      {
        ...good,
        open: [{ ...(good.open as Record<string, unknown>[])[0], trace: { ...emptyProgress(), held: [{ ...openRoot(), end: '1' }] } }],
      },
      {
        ...good,
        open: [
          { ...(good.open as Record<string, unknown>[])[0], trace: { ...emptyProgress(), forwarded: JSON.parse('{"__proto__":["a"]}') } },
        ],
      },
    ];
    for (const raw of bad) {
      expect(() => readSessionCursor(raw, 'sess_9')).toThrow(StateError);
      expect(() => readSessionCursor(raw, 'sess_9')).toThrow(/agent session sess_9/);
    }
  });
});
