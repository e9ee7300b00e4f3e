// Spans this process committed to the outbox and has not yet seen acknowledged: the drain takes
// them from here instead of reading back and re-parsing what was just written. Rows are held
// whole or not at all, so a row held here is complete and the file need not be asked about it.
// The outbox table stays the truth: a row missing here (committed before a restart, or while
// the cache was full) is read from SQLite, and an entry lives only as long as its span waits.
import type { SpanRecord } from '../core/span-record.js';
import { OUTBOX_ROW_SLOTS } from './schema.js';
import type { OutboxItem } from './types.js';

/** Eight export batches (of the default 512) committed ahead of the drain, several MB at most; a longer lead is read from the file. */
export const DEFAULT_FRESH_SPAN_CAPACITY = 4096;

/** The outbox row a span's address (seq) belongs to. */
export function rowOfSeq(seq: number): number {
  return Math.floor(seq / OUTBOX_ROW_SLOTS);
}

export class FreshSpans {
  /** Row seq -> (span seq -> span); Maps keep insertion order, and seqs only grow. */
  readonly #rows = new Map<number, Map<number, SpanRecord>>();
  #size = 0;
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
    if (!Number.isInteger(capacity) || capacity < 0)
      throw new RangeError(`fresh span capacity must be a non-negative integer, got ${capacity}`);
  }

  /** Spans held. */
  get size(): number {
    return this.#size;
  }

  /**
   * Call only after the transaction that wrote these rows committed, with whole rows in seq
   * order; a row that does not fit is left to SQLite, and so is every later one.
   */
  addCommitted(items: readonly OutboxItem[]): void {
    for (let first = 0; first < items.length;) {
      const row = rowOfSeq((items[first] as OutboxItem).seq);
      let end = first + 1;
      while (end < items.length && rowOfSeq((items[end] as OutboxItem).seq) === row) end += 1;
      if (this.#size + (end - first) > this.capacity) return;
      const spans = new Map<number, SpanRecord>();
      for (let i = first; i < end; i++) spans.set((items[i] as OutboxItem).seq, (items[i] as OutboxItem).span);
      this.#rows.set(row, spans);
      this.#size += spans.size;
      first = end;
    }
  }

  /** The spans of a row still waiting, when the row is held. */
  row(rowSeq: number): ReadonlyMap<number, SpanRecord> | undefined {
    return this.#rows.get(rowSeq);
  }

  /** The `limit` lowest seqs held. */
  oldest(limit: number): OutboxItem[] {
    const items: OutboxItem[] = [];
    for (const spans of this.#rows.values()) {
      for (const [seq, span] of spans) {
        if (items.length >= limit) return items;
        items.push({ seq, span });
      }
    }
    return items;
  }

  /** The spans left the outbox (acknowledged or dead-lettered). */
  forget(seqs: Iterable<number>): void {
    if (this.#size === 0) return;
    for (const seq of seqs) {
      const row = rowOfSeq(seq);
      const spans = this.#rows.get(row);
      if (!spans?.delete(seq)) continue;
      this.#size -= 1;
      if (spans.size === 0) this.#rows.delete(row);
    }
  }

  clear(): void {
    this.#rows.clear();
    this.#size = 0;
  }
}
