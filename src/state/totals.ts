// Metric totals kept in the file, added to from each commit's observations, and the meta values.
// Writes run inside the store's transactions.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { MetricObservation } from '../core/observation.js';
import { storedDeltas } from '../metrics/stored-totals.js';
import { sumDeltas } from './metric-deltas.js';
import { num, str } from './sql-values.js';
import type { MetricTotal } from './types.js';

export class Totals {
  readonly #sql: { add: StatementSync; all: StatementSync; getMeta: StatementSync; setMeta: StatementSync };

  constructor(db: DatabaseSync) {
    this.#sql = {
      add: db.prepare(
        `INSERT INTO metric_totals (name, labels, value) VALUES (?, ?, ?)
         ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value`,
      ),
      all: db.prepare('SELECT name, labels, value FROM metric_totals ORDER BY name, labels'),
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    };
  }

  /** One upsert per distinct total the observations add to. */
  observe(observations: readonly MetricObservation[]): void {
    for (const m of sumDeltas(storedDeltas(observations))) this.#sql.add.run(m.name, m.labels, m.delta);
  }

  /** Adds to a total without labels. */
  count(name: string, by: number): void {
    this.#sql.add.run(name, '{}', by);
  }

  all(): MetricTotal[] {
    return this.#sql.all.all().map((row) => ({
      name: str(row.name),
      labels: JSON.parse(str(row.labels)) as Record<string, string>,
      value: num(row.value),
    }));
  }

  getMeta(key: string): string | undefined {
    const row = this.#sql.getMeta.get(key);
    return row ? str(row.value) : undefined;
  }

  setMeta(key: string, value: string): void {
    this.#sql.setMeta.run(key, value);
  }
}
