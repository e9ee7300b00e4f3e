// What a state file holds that the store writes but never hands back, read with a connection of
// its own, as an operator would with sqlite3 (WAL mode shows every commit, even with the bridge running).
import { DatabaseSync } from 'node:sqlite';
import type { SpanRecord } from '../../src/core/span-record.js';

function read<T>(path: string, fn: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** The steps of `runId` whose spans were committed (or that need none). */
export function emittedStepIds(path: string, runId: string): Set<string> {
  return read(
    path,
    (db) =>
      new Set(
        db
          // The run's own key (its id) marks its run span, not a step.
          .prepare("SELECT key FROM emitted_keys WHERE source = 'assistants' AND unit = ? AND key <> ?")
          .all(runId, runId)
          .map((row) => String(row.key)),
      ),
  );
}

export interface DeadLetterRow {
  seq: number;
  span: SpanRecord;
  reason: string;
  status: number | null;
  /** Epoch milliseconds (the store's clock). */
  enqueuedAt: number;
  deadAt: number;
}

/** The dead letters, most recent first. */
export function deadLetters(path: string): DeadLetterRow[] {
  return read(path, (db) =>
    db
      .prepare('SELECT seq, span, reason, status_code, enqueued_at, dead_at FROM dead_letters ORDER BY dead_at DESC, seq DESC')
      .all()
      .map((row) => ({
        seq: Number(row.seq),
        span: JSON.parse(String(row.span)) as SpanRecord,
        reason: String(row.reason),
        status: row.status_code === null ? null : Number(row.status_code),
        enqueuedAt: Number(row.enqueued_at),
        deadAt: Number(row.dead_at),
      })),
  );
}
