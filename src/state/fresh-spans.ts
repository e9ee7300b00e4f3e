// Spans this process committed to the outbox and has not yet seen acknowledged, by seq: the
// drain takes them from here instead of reading back and re-parsing what was just written.
// The outbox table stays the truth: a seq missing here (committed before a restart, or while
// the cache was full) is read from SQLite, and an entry lives only as long as its row.
import type { SpanRecord } from '../mapping/span-record.js';

/** Eight export batches (of the default 512) committed ahead of the drain, several MB at most; a longer lead is read from the file. */
export const DEFAULT_FRESH_SPAN_CAPACITY = 4096;

export class FreshSpans {
  readonly #spans = new Map<number, SpanRecord>();
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`fresh span capacity must be a non-negative integer, got ${capacity}`);
  }

  get size(): number {
    return this.#spans.size;
  }

  /** Call only after the transaction that wrote these rows committed; when full the rest is left to SQLite. */
  addCommitted(rows: readonly { seq: number; span: SpanRecord }[]): void {
    for (const row of rows) {
      if (this.#spans.size >= this.capacity) return;
      this.#spans.set(row.seq, row.span);
    }
  }

  get(seq: number): SpanRecord | undefined {
    return this.#spans.get(seq);
  }

  /** The `limit` lowest seqs held: a Map keeps insertion order, and seqs only grow. */
  oldest(limit: number): { seq: number; span: SpanRecord }[] {
    const items: { seq: number; span: SpanRecord }[] = [];
    for (const [seq, span] of this.#spans) {
      if (items.length >= limit) break;
      items.push({ seq, span });
    }
    return items;
  }

  /** The rows left the outbox (acknowledged or dead-lettered). */
  forget(seqs: Iterable<number>): void {
    if (this.#spans.size === 0) return;
    for (const seq of seqs) this.#spans.delete(seq);
  }

  clear(): void {
    this.#spans.clear();
  }
}
