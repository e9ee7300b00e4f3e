// A unit's progress: the dedupe keys already emitted, its cursor, status and terminal flag, and
// its frozen context. Statements run inside the store's transactions.
import type { DatabaseSync, SQLOutputValue, StatementSync } from 'node:sqlite';
import { prepareArrays, str } from './sql-values.js';
import type { UnitRef } from './types.js';

export interface ProgressUpdate {
  status?: string | null;
  terminal?: boolean;
  /** JSON text of the new cursor; undefined leaves it. */
  cursor?: string;
  frozen?: unknown;
  frozenFields?: Record<string, unknown>;
}

export class Progress {
  readonly #sql: {
    markEmitted: StatementSync;
    emittedAmong: StatementSync;
    cursor: StatementSync;
    update: StatementSync;
  };

  constructor(db: DatabaseSync) {
    this.#sql = {
      markEmitted: db.prepare('INSERT OR IGNORE INTO emitted_keys (source, unit, key) VALUES (?, ?, ?)'),
      emittedAmong: prepareArrays(
        db,
        'SELECT key FROM emitted_keys WHERE source = ? AND unit = ? AND key IN (SELECT value FROM json_each(?))',
      ),
      cursor: prepareArrays(db, 'SELECT cursor FROM tracked_units WHERE source = ? AND kind = ? AND id = ?'),
      update: db.prepare(
        `UPDATE tracked_units SET
           status = CASE WHEN :setStatus THEN :status ELSE status END,
           terminal = MAX(terminal, :terminal),
           cursor = CASE WHEN :setCursor THEN :cursor ELSE cursor END,
           -- First write wins: every commit of a unit maps with one context; only the fields
           -- given to follow the unit are kept up to date in it.
           frozen = CASE
             WHEN :fields IS NULL THEN COALESCE(frozen, :frozen)
             ELSE json_patch(COALESCE(frozen, :frozen), :fields) END
         WHERE source = :source AND kind = :kind AND id = :id`,
      ),
    };
  }

  /** Marks the key emitted for the unit; true when it was not before. */
  markEmitted(source: string, unit: string, key: string): boolean {
    return Number(this.#sql.markEmitted.run(source, unit, key).changes) > 0;
  }

  /** Which of `keys` were emitted for the unit: one statement for the whole list, one key lookup each. */
  emittedAmong(source: string, unit: string, keys: readonly string[]): Set<string> {
    const found = new Set<string>();
    if (keys.length === 0) return found;
    for (const [key] of this.#sql.emittedAmong.all(source, unit, JSON.stringify(keys)) as unknown as [SQLOutputValue][])
      found.add(str(key));
    return found;
  }

  /** The stored cursor (null when none); undefined when the unit is not tracked. */
  cursor(ref: UnitRef): unknown {
    const row = this.#sql.cursor.get(ref.source, ref.kind, ref.id) as unknown as [SQLOutputValue] | undefined;
    if (row === undefined) return undefined;
    return row[0] === null ? null : (JSON.parse(str(row[0])) as unknown);
  }

  /** False when the unit is not tracked. */
  update(ref: UnitRef, u: ProgressUpdate): boolean {
    const changed = this.#sql.update.run({
      source: ref.source,
      kind: ref.kind,
      id: ref.id,
      setStatus: u.status === undefined ? 0 : 1,
      status: u.status ?? null,
      terminal: u.terminal ? 1 : 0,
      setCursor: u.cursor === undefined ? 0 : 1,
      cursor: u.cursor ?? null,
      frozen: u.frozen === undefined ? null : JSON.stringify(u.frozen),
      fields: u.frozenFields === undefined ? null : JSON.stringify(u.frozenFields),
    });
    return Number(changed.changes) > 0;
  }
}
