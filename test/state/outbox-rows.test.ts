// One outbox row per commit: batches end at a row's end, a row larger than a batch is acknowledged
// in parts that survive a restart, dead letters come out of rows, and a schema 1 file (a row per
// span) moves over with its waiting spans in order and its dead letters' seqs never reused.
import nodePath from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { APPLICATION_ID, MIGRATIONS } from '../../src/state/schema.js';
import { openRunLedger, type RunLedger } from '../../src/sources/assistants/run-ledger.js';
import { deadLetters } from '../support/state-file.js';
import { format1Span, spans, tempDir } from './helpers.js';

const open: RunLedger[] = [];
afterEach(() => {
  for (const s of open.splice(0)) if (!s.closed) void s.shutdown();
});

function store(path = ':memory:', options: { freshSpanCapacity?: number } = {}): RunLedger {
  const s = openRunLedger(path, options);
  open.push(s);
  if (!s.getRun('run_1')) s.trackRun('thread_1', 'run_1', 'cli');
  return s;
}

const ids = (list: readonly { span: { spanId: string } }[]) => list.map((i) => i.span.spanId);

describe.each([
  ['held in memory', 4096],
  ['read from the file', 0],
])('outbox rows (%s)', (_label, freshSpanCapacity) => {
  it('ends a batch where a commit ends rather than splitting the next one', () => {
    const s = store(':memory:', { freshSpanCapacity });
    s.commitProgress({ runId: 'run_1', spans: spans('run_1', 1, 3) });
    s.commitProgress({ runId: 'run_1', spans: spans('run_1', 4, 3) });
    expect(ids(s.outboxBatch(5))).toEqual(ids(spans('run_1', 1, 3).map((x) => ({ span: x }))));
    expect(s.outboxBatch(6)).toHaveLength(6);
  });

  it('serves a commit larger than a batch in parts, and keeps what is left of it', () => {
    const path = nodePath.join(tempDir(), 'state.sqlite');
    const s = store(path, { freshSpanCapacity });
    const committed = spans('run_1', 1, 5);
    s.commitProgress({ runId: 'run_1', spans: committed });
    const first = s.outboxBatch(2);
    expect(ids(first)).toEqual(ids(committed.slice(0, 2).map((x) => ({ span: x }))));
    s.ack(first.map((i) => i.seq));
    expect(s.outboxDepth()).toBe(3);
    void s.shutdown();

    const again = store(path, { freshSpanCapacity });
    expect(again.outboxDepth()).toBe(3);
    const rest = again.outboxBatch(10);
    expect(rest.map((i) => i.span)).toEqual(committed.slice(2));
    again.deadLetter([{ seq: (rest[1] as { seq: number }).seq, reason: 'refused', status: 400 }]);
    expect(deadLetters(path).map((d) => d.span)).toEqual([committed[3]]);
    again.ack([(rest[0] as { seq: number }).seq, (rest[2] as { seq: number }).seq]);
    expect(again.outboxDepth()).toBe(0);
    expect(again.outboxBatch(10)).toEqual([]);
  });

  it('ignores acks of spans already gone and of rows that never were', () => {
    const s = store(':memory:', { freshSpanCapacity });
    s.commitProgress({ runId: 'run_1', spans: spans('run_1', 1, 3) });
    const [a, b, c] = s.outboxBatch(10).map((i) => i.seq) as [number, number, number];
    s.ack([a]);
    s.ack([a, b, 4096 * 999 + 1, -1, 1.5]);
    expect(s.outboxDepth()).toBe(1);
    expect(s.outboxBatch(10).map((i) => i.seq)).toEqual([c]);
  });
});

describe('a state file of schema 1 (a row per span)', () => {
  it('keeps its waiting spans in order and never reuses a seq of its dead letters', () => {
    const path = nodePath.join(tempDir(), 'state.sqlite');
    const db = new DatabaseSync(path);
    db.exec(MIGRATIONS[0] as string);
    db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
    db.exec('PRAGMA user_version = 1');
    db.exec("INSERT INTO tracked_runs (run_id, thread_id, origin, added_at) VALUES ('run_1', 'thread_1', 'cli', 1)");
    const waiting = [1, 2, 3].map((n) => format1Span('run_1', n));
    const insert = db.prepare('INSERT INTO outbox (seq, trace_id, span_id, run_id, enqueued_at, span) VALUES (?, ?, ?, ?, ?, ?)');
    // Seqs as a long-running bridge leaves them: high, with gaps where spans were acknowledged.
    waiting.forEach((x, i) => insert.run(4096 * (i + 1), x.traceId, x.spanId, x.runId, 7, JSON.stringify(x)));
    const dead = format1Span('run_1', 9);
    db.prepare(
      'INSERT INTO dead_letters (seq, trace_id, span_id, run_id, enqueued_at, span, reason, dead_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(4096 * 5, dead.traceId, dead.spanId, dead.runId, 7, JSON.stringify(dead), 'refused', 8);
    db.close();

    const s = store(path);
    expect(s.outboxDepth()).toBe(3);
    const batch = s.outboxBatch(10);
    // Spans of that version, read as this version's records of the same spans.
    expect(batch.map((i) => i.span)).toEqual(spans('run_1', 1, 3));
    // Every span moved over is addressed past every seq the file used before.
    for (const item of batch) expect(item.seq).toBeGreaterThan(4096 * 5);
    s.deadLetter(batch.map((i) => ({ seq: i.seq, reason: 'refused again' })));
    expect(s.stats().deadLetters).toBe(4);
    expect(
      deadLetters(path)
        .map((d) => d.span.spanId)
        .sort(),
    ).toEqual([...waiting, dead].map((x) => x.spanId).sort());
    expect(s.outboxDepth()).toBe(0);
  });
});
