// The tracking registry: which units of which source are tracked, where they came from, and
// whether they are finished or untracked. Statements run inside the store's transactions.
import type { DatabaseSync, SQLOutputValue, StatementSync } from 'node:sqlite';
import { ORIGINS } from './schema.js';
import { num, optStr, prepareArrays, str } from './sql-values.js';
import type { NewUnit, Origin, TrackedUnit, UnitCounts, UnitRef } from './types.js';

/** Columns of a unit row, in the order toUnit reads them. */
const COLUMNS = `source, kind, id, parent, origin, added_at, status, terminal, removed, cursor, frozen,
  EXISTS (SELECT 1 FROM emitted_keys e WHERE e.source = u.source AND e.unit = u.id AND e.key = u.id)`;

export class Units {
  readonly #sql: {
    track: StatementSync;
    untrack: StatementSync;
    forget: StatementSync;
    get: StatementSync;
    list: StatementSync;
    listActive: StatementSync;
    listFinished: StatementSync;
    count: StatementSync;
  };

  constructor(db: DatabaseSync) {
    const select = `SELECT ${COLUMNS} FROM tracked_units u WHERE source = ? AND kind = ?`;
    this.#sql = {
      // Tracking an untracked unit again reactivates it with its cursor; a tracked one is left alone.
      track: db.prepare(
        `INSERT INTO tracked_units (source, kind, id, parent, origin, added_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (source, kind, id) DO UPDATE SET removed = 0, origin = excluded.origin WHERE removed = 1`,
      ),
      untrack: db.prepare('UPDATE tracked_units SET removed = 1 WHERE source = ? AND kind = ? AND id = ? AND removed = 0'),
      forget: db.prepare('DELETE FROM tracked_units WHERE source = ? AND kind = ? AND id = ?'),
      get: prepareArrays(db, `${select} AND id = ?`),
      list: prepareArrays(db, `${select} AND removed = 0 ORDER BY rowid`),
      listActive: prepareArrays(db, `${select} AND removed = 0 AND terminal = 0 ORDER BY rowid`),
      listFinished: prepareArrays(db, `${select} AND removed = 0 AND terminal = 1 ORDER BY rowid`),
      count: db.prepare(
        `SELECT count(*) AS tracked, count(*) FILTER (WHERE terminal = 0) AS active FROM tracked_units
         WHERE source = ? AND kind = ? AND removed = 0`,
      ),
    };
  }

  /** How many of `units` were new or tracked again. */
  track(source: string, units: readonly NewUnit[], now: number): number {
    let added = 0;
    for (const u of units) added += Number(this.#sql.track.run(source, u.kind, u.id, u.parent ?? null, u.origin, now).changes);
    return added;
  }

  /** Marks the unit removed, keeping its progress; false when it was not tracked. */
  untrack(ref: UnitRef): boolean {
    return Number(this.#sql.untrack.run(ref.source, ref.kind, ref.id).changes) > 0;
  }

  /** Deletes the unit's row, its cursor with it; false when there was none. */
  forget(ref: UnitRef): boolean {
    return Number(this.#sql.forget.run(ref.source, ref.kind, ref.id).changes) > 0;
  }

  get(ref: UnitRef): TrackedUnit | undefined {
    const row = this.#sql.get.get(ref.source, ref.kind, ref.id) as unknown as UnitRow | undefined;
    return row ? toUnit(row) : undefined;
  }

  list(source: string, kind: string, active: boolean | undefined): TrackedUnit[] {
    const stmt = active === undefined ? this.#sql.list : active ? this.#sql.listActive : this.#sql.listFinished;
    return (stmt.all(source, kind) as unknown as UnitRow[]).map(toUnit);
  }

  count(source: string, kind: string): UnitCounts {
    const row = this.#sql.count.get(source, kind);
    return { tracked: num(row?.tracked), active: num(row?.active) };
  }
}

export function assertOrigin(origin: string): asserts origin is Origin {
  if (!(ORIGINS as readonly string[]).includes(origin)) {
    throw new TypeError(`unknown origin ${JSON.stringify(origin)}; expected one of ${ORIGINS.join(', ')}`);
  }
}

type UnitRow = SQLOutputValue[];

function toUnit(row: UnitRow): TrackedUnit {
  const [source, kind, id, parent, origin, addedAt, status, terminal, removed, cursor, frozen, selfEmitted] = row;
  return {
    source: str(source),
    kind: str(kind),
    id: str(id),
    parent: optStr(parent),
    origin: str(origin) as Origin,
    addedAt: num(addedAt),
    status: optStr(status),
    terminal: terminal === 1,
    removed: removed === 1,
    cursor: parseJson(cursor),
    frozen: parseJson(frozen),
    selfEmitted: selfEmitted === 1,
  };
}

function parseJson(value: SQLOutputValue | undefined): unknown {
  return value === null || value === undefined ? null : (JSON.parse(str(value)) as unknown);
}
