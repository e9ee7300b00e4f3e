// Committed spans handed to the drain from memory: the outbox table stays the truth, so what
// outboxBatch returns is the same whichever way each span comes (memory or the file).
import nodePath from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OutboxFullError } from '../../src/state/errors.js';
import { openRunLedger, type RunLedger } from '../../src/sources/assistants/run-ledger.js';
import { deadLetters } from '../support/state-file.js';
import { span, spans, tempDir } from './helpers.js';

const open: RunLedger[] = [];
afterEach(() => {
  for (const s of open.splice(0)) if (!s.closed) void s.shutdown();
});

function store(options: { outboxCap?: number; freshSpanCapacity?: number } = {}, path = ':memory:'): RunLedger {
  const s = openRunLedger(path, options);
  open.push(s);
  if (!s.getRun('run_1')) s.trackRun('thread_1', 'run_1', 'cli');
  return s;
}

const ids = (s: RunLedger, limit = 100) => s.outboxBatch(limit).map((i) => i.span.spanId);

describe('spans committed by this process', () => {
  it('come back as the very objects committed, oldest first', () => {
    const s = store();
    const committed = spans('run_1', 1, 3);
    s.commitProgress({ runId: 'run_1', spans: committed });
    const batch = s.outboxBatch(10);
    expect(batch.map((i) => i.span)).toEqual(committed);
    batch.forEach((item, n) => expect(item.span).toBe(committed[n]));
  });

  it('equal what the file holds (the next process reads them from there)', () => {
    const path = nodePath.join(tempDir(), 'state.sqlite');
    const first = store({}, path);
    first.commitProgress({ runId: 'run_1', spans: spans('run_1', 1, 3) });
    const fromMemory = first.outboxBatch(10);
    void first.shutdown();
    const second = store({}, path);
    expect(second.outboxBatch(10)).toEqual(fromMemory);
  });

  it('past the capacity are read from the file, in seq order with the rest', () => {
    const s = store({ freshSpanCapacity: 2 });
    const held = spans('run_1', 1, 2);
    const past = spans('run_1', 3, 3);
    s.commitProgress({ runId: 'run_1', spans: held });
    // A commit is held whole or not at all: these three do not fit beside the first two.
    s.commitProgress({ runId: 'run_1', spans: past });
    const batch = s.outboxBatch(10);
    expect(batch.map((i) => i.span)).toEqual([...held, ...past]);
    expect(batch[0]?.span).toBe(held[0]);
    expect(batch[1]?.span).toBe(held[1]);
    expect(batch[2]?.span).not.toBe(past[0]);
    expect(batch.map((i) => i.seq)).toEqual([...batch.map((i) => i.seq)].sort((a, b) => a - b));
  });

  it('free their room once acknowledged, so later commits are held in memory again', () => {
    const s = store({ freshSpanCapacity: 2 });
    s.commitProgress({ runId: 'run_1', spans: spans('run_1', 1, 2) });
    s.ack(s.outboxBatch(10).map((i) => i.seq));
    const later = spans('run_1', 3, 2);
    s.commitProgress({ runId: 'run_1', spans: later });
    const batch = s.outboxBatch(10);
    expect(batch.map((i) => i.span.spanId)).toEqual(later.map((x) => x.spanId));
    batch.forEach((item, n) => expect(item.span).toBe(later[n]));
  });

  it('are never served once acknowledged or dead-lettered', () => {
    const path = nodePath.join(tempDir(), 'state.sqlite');
    const s = store({}, path);
    s.commitProgress({ runId: 'run_1', spans: spans('run_1', 1, 4) });
    const [a, b, c, d] = s.outboxBatch(10).map((i) => i.seq) as [number, number, number, number];
    s.ack([a, c]);
    s.deadLetter([{ seq: d, reason: 'refused', status: 400 }]);
    expect(s.outboxBatch(10).map((i) => i.seq)).toEqual([b]);
    expect(deadLetters(path).map((x) => x.span.spanId)).toEqual([span('run_1', 4).spanId]);
  });

  it('are not held when their commit is rolled back, and a retry commits them once', () => {
    const s = store({ outboxCap: 2 });
    s.commitProgress({ runId: 'run_1', spans: spans('run_1', 1, 2) });
    expect(() => s.commitProgress({ runId: 'run_1', spans: spans('run_1', 3, 2) })).toThrow(OutboxFullError);
    expect(() => s.commitProgress({ runId: 'run_9', spans: [] })).toThrow(/not tracked/);
    expect(ids(s)).toEqual(spans('run_1', 1, 2).map((x) => x.spanId));
    s.ack(s.outboxBatch(10).map((i) => i.seq));
    const retry = spans('run_1', 3, 2);
    expect(s.commitProgress({ runId: 'run_1', spans: retry })).toEqual({ enqueued: 2, alreadyPresent: 0 });
    const batch = s.outboxBatch(10);
    expect(batch.map((i) => i.span.spanId)).toEqual(retry.map((x) => x.spanId));
    expect(s.outboxDepth()).toBe(2);
  });

  it('are skipped, not held twice, when committed again while still waiting', () => {
    const s = store();
    const first = span('run_1', 1);
    s.commitProgress({ runId: 'run_1', spans: [first] });
    const again = span('run_1', 1, { name: 'a later copy' });
    expect(s.commitProgress({ runId: 'run_1', spans: [again, span('run_1', 2)] })).toEqual({ enqueued: 1, alreadyPresent: 1 });
    const batch = s.outboxBatch(10);
    expect(batch).toHaveLength(2);
    expect(batch[0]?.span).toBe(first);
  });

  it('can be turned off: capacity 0 reads every span from the file', () => {
    const s = store({ freshSpanCapacity: 0 });
    const committed = spans('run_1', 1, 2);
    s.commitProgress({ runId: 'run_1', spans: committed });
    const batch = s.outboxBatch(10);
    expect(batch.map((i) => i.span)).toEqual(committed);
    expect(batch[0]?.span).not.toBe(committed[0]);
  });

  it('reads rows left by an earlier process before those committed now', () => {
    const path = nodePath.join(tempDir(), 'state.sqlite');
    const first = store({}, path);
    first.commitProgress({ runId: 'run_1', spans: spans('run_1', 1, 2) });
    void first.shutdown();
    const second = store({}, path);
    const fresh = spans('run_1', 3, 2);
    second.commitProgress({ runId: 'run_1', spans: fresh });
    const batch = second.outboxBatch(4);
    expect(batch.map((i) => i.span.spanId)).toEqual(spans('run_1', 1, 4).map((x) => x.spanId));
    expect(batch[2]?.span).toBe(fresh[0]);
    // Once the earlier rows are gone, what is left comes from memory alone.
    second.ack(batch.slice(0, 2).map((i) => i.seq));
    const rest = second.outboxBatch(10);
    expect(rest.map((i) => i.span)).toEqual(fresh);
    rest.forEach((item, n) => expect(item.span).toBe(fresh[n]));
    expect(rest.map((i) => i.seq)).toEqual([batch[2]?.seq, (batch[2]?.seq as number) + 1]);
  });
});
