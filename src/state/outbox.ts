// The outbox: committed spans waiting for the collector, one row per commit (a JSON array whose
// entries become null as they are acknowledged), and the dead letters the collector refused.
// Spans this process committed are also held in memory (FreshSpans) for the drain. Writes run
// inside the store's transactions; the in-memory depth and fresh spans change only once the
// transaction committed (see StateStore).
import type { DatabaseSync, SQLOutputValue, StatementSync } from 'node:sqlite';
import type { SpanRecord } from '../core/span-record.js';
import { FreshSpans, rowOfSeq } from './fresh-spans.js';
import { readRecords, RECORD_FORMAT } from './record-format.js';
import { OUTBOX_ROW_SLOTS } from './schema.js';
import { num, prepareArrays, str } from './sql-values.js';
import type { DeadLetterRequest, OutboxItem } from './types.js';

export class Outbox {
  readonly fresh: FreshSpans;
  readonly #sql: ReturnType<typeof prepareStatements>;
  /** Spans waiting; only this process writes the file (the lock), so it is kept here rather than counted per commit. */
  #depth: number;

  constructor(db: DatabaseSync, fresh: FreshSpans) {
    this.fresh = fresh;
    this.#sql = prepareStatements(db);
    this.#depth = num(this.#sql.depth.get()?.n);
  }

  get depth(): number {
    return this.#depth;
  }

  /** After the transaction that changed the outbox committed. */
  committed(added: readonly OutboxItem[], removedSeqs: readonly number[], removed: number): void {
    if (added.length > 0) this.fresh.addCommitted(added);
    if (removedSeqs.length > 0) this.fresh.forget(removedSeqs);
    this.#depth += added.length - removed;
  }

  /** Writes `spans` as rows of up to OUTBOX_ROW_SLOTS; returns them with their addresses. */
  enqueue(unit: string, spans: readonly SpanRecord[], now: number): OutboxItem[] {
    const added: OutboxItem[] = [];
    for (let first = 0; first < spans.length; first += OUTBOX_ROW_SLOTS) {
      const rowSpans = spans.slice(first, first + OUTBOX_ROW_SLOTS);
      const row = Number(
        this.#sql.enqueue.run(unit, now, rowSpans.length, rowSpans.length, JSON.stringify(rowSpans), RECORD_FORMAT).lastInsertRowid,
      );
      rowSpans.forEach((span, i) => added.push({ seq: row * OUTBOX_ROW_SLOTS + i, span }));
    }
    return added;
  }

  /**
   * The oldest spans waiting for export: up to `limit`, ending at a row's end unless the first
   * row alone is larger (a commit is acknowledged whole, one row delete). Spans this process
   * committed come from memory (the objects given to the commit), the rest from the file.
   */
  batch(limit: number): OutboxItem[] {
    if (!Number.isInteger(limit) || limit < 1) return [];
    // Every span waiting is held in memory (the usual case once rows of an earlier process are
    // gone): the oldest held are the oldest waiting, no need to ask the file.
    if (this.fresh.size > 0 && this.fresh.size === this.#depth) return endAtRow(this.fresh.oldest(limit + 1), limit);
    const items: OutboxItem[] = [];
    // Every row holds at least one waiting span: `limit` rows are always enough.
    for (const [seqValue, waitingValue] of this.#sql.rows.all(limit) as unknown as [SQLOutputValue, SQLOutputValue][]) {
      const row = num(seqValue);
      if (items.length > 0 && items.length + num(waitingValue) > limit) break;
      for (const [seq, span] of this.fresh.row(row) ?? this.#readRow(row)) {
        if (items.length >= limit) break;
        items.push({ seq, span });
      }
      if (items.length >= limit) break;
    }
    return items;
  }

  /** A row's spans still waiting, by address, parsed from the file (and upgraded when an earlier version wrote them). */
  #readRow(row: number): Map<number, SpanRecord> {
    const [text, format] = (this.#sql.row.get(row) ?? []) as unknown as [SQLOutputValue, SQLOutputValue];
    const entries = readRecords(JSON.parse(str(text)) as unknown[], num(format));
    const spans = new Map<number, SpanRecord>();
    entries.forEach((span, i) => {
      if (span) spans.set(row * OUTBOX_ROW_SLOTS + i, span);
    });
    return spans;
  }

  /**
   * Takes spans out of their rows; returns how many were waiting. A row whose every waiting span
   * goes is deleted (consecutive rows in one DELETE), else its entries for them become null.
   */
  remove(seqs: readonly number[]): number {
    const sql = this.#sql;
    const byRow = new Map<number, Set<number>>();
    for (const seq of seqs) {
      const row = rowOfSeq(seq);
      let set = byRow.get(row);
      if (!set) byRow.set(row, (set = new Set()));
      set.add(seq);
    }
    let removed = 0;
    const whole: number[] = [];
    for (const [row, gone] of byRow) {
      const counts = sql.rowCounts.get(row) as unknown as [SQLOutputValue, SQLOutputValue] | undefined;
      if (counts === undefined) continue;
      const [size, waiting] = [num(counts[0]), num(counts[1])];
      const held = this.fresh.row(row);
      // Every span still waiting goes: known from memory, or from the counts when none went before.
      const all = held
        ? held.size === waiting && [...held.keys()].every((seq) => gone.has(seq))
        : waiting === size && gone.size === size && [...gone].every((seq) => seq - row * OUTBOX_ROW_SLOTS < size);
      if (all) {
        whole.push(row);
        removed += waiting;
        continue;
      }
      // Entries are only nulled here, whatever their record format: the row keeps it.
      const entries = JSON.parse(str(sql.row.get(row)?.[0])) as unknown[];
      let left = 0;
      entries.forEach((span, i) => {
        if (span === null) return;
        if (gone.has(row * OUTBOX_ROW_SLOTS + i)) {
          entries[i] = null;
          removed += 1;
        } else {
          left += 1;
        }
      });
      if (left === 0) whole.push(row);
      else sql.updateRow.run(left, JSON.stringify(entries), row);
    }
    whole.sort((a, b) => a - b);
    for (let first = 0; first < whole.length;) {
      let last = first;
      while (last + 1 < whole.length && (whole[last + 1] as number) === (whole[last] as number) + 1) last += 1;
      sql.deleteRows.run(whole[first] as number, whole[last] as number);
      first = last + 1;
    }
    return removed;
  }

  /** Copies the refused spans to the dead letters and takes them out of the outbox; returns how many were waiting. */
  deadLetter(items: readonly DeadLetterRequest[], seqs: readonly number[], now: number): number {
    const rows = new Map<number, { enqueuedAt: number; spans: ReadonlyMap<number, SpanRecord> }>();
    for (const item of items) {
      if (!Number.isSafeInteger(item.seq) || item.seq < 0) continue;
      const row = rowOfSeq(item.seq);
      let found = rows.get(row);
      if (!found) {
        const enqueuedAt = this.#sql.rowEnqueuedAt.get(row)?.[0];
        if (enqueuedAt === undefined) continue;
        found = { enqueuedAt: num(enqueuedAt), spans: this.fresh.row(row) ?? this.#readRow(row) };
        rows.set(row, found);
      }
      const span = found.spans.get(item.seq);
      if (!span) continue;
      this.#sql.insertDeadLetter.run(
        item.seq,
        span.traceId,
        span.spanId,
        span.unit,
        found.enqueuedAt,
        JSON.stringify(span),
        RECORD_FORMAT,
        item.reason,
        item.status ?? null,
        now,
      );
    }
    return this.remove(seqs);
  }

  deadLetterCount(): number {
    return num(this.#sql.deadLetterCount.get()?.n);
  }
}

function prepareStatements(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  const arrays = (sql: string): StatementSync => prepareArrays(db, sql);
  return {
    enqueue: p('INSERT INTO outbox (unit, enqueued_at, size, waiting, spans, format) VALUES (?, ?, ?, ?, ?, ?)'),
    rows: arrays('SELECT seq, waiting FROM outbox ORDER BY seq LIMIT ?'),
    row: arrays('SELECT spans, format FROM outbox WHERE seq = ?'),
    rowCounts: arrays('SELECT size, waiting FROM outbox WHERE seq = ?'),
    rowEnqueuedAt: arrays('SELECT enqueued_at FROM outbox WHERE seq = ?'),
    depth: p('SELECT coalesce(sum(waiting), 0) AS n FROM outbox'),
    updateRow: p('UPDATE outbox SET waiting = ?, spans = ? WHERE seq = ?'),
    deleteRows: p('DELETE FROM outbox WHERE seq BETWEEN ? AND ?'),
    insertDeadLetter: p(
      `INSERT OR REPLACE INTO dead_letters (seq, trace_id, span_id, unit, enqueued_at, span, format, reason, status_code, dead_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    deadLetterCount: p('SELECT count(*) AS n FROM dead_letters'),
  };
}

/** `items` (up to limit + 1, oldest first) cut to `limit`, back to a row's start when the row goes on past it (unless it is the first row). */
function endAtRow(items: OutboxItem[], limit: number): OutboxItem[] {
  if (items.length <= limit) return items;
  const lastRow = rowOfSeq((items[limit - 1] as OutboxItem).seq);
  if (rowOfSeq((items[limit] as OutboxItem).seq) !== lastRow || rowOfSeq((items[0] as OutboxItem).seq) === lastRow)
    return items.slice(0, limit);
  let cut = limit - 1;
  while (cut > 0 && rowOfSeq((items[cut - 1] as OutboxItem).seq) === lastRow) cut -= 1;
  return items.slice(0, cut);
}
