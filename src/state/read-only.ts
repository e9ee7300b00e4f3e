// A read-only look into a state file that a running bridge may hold: no lock, no writes, so
// `trace-id` works next to a live `watch`. WAL mode lets readers see the last commit.
import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { APPLICATION_ID } from './schema.js';
import { StateError } from './errors.js';
import type { UnitRef } from './types.js';

/** Opens the file read only, checks it is the bridge's, runs `read`, closes it; StateError for what goes wrong. */
function readState<T>(path: string, read: (db: DatabaseSync) => T): T {
  if (!existsSync(path)) throw new StateError('io', `state file ${path} does not exist`, { way: { then: 'the-watch-file' } });
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { readOnly: true });
  } catch (error) {
    throw new StateError('corrupt', `state file ${path} cannot be opened: ${(error as Error).message}`);
  }
  try {
    const app = db.prepare('PRAGMA application_id').get() as { application_id?: number } | undefined;
    if (app?.application_id !== APPLICATION_ID) {
      throw new StateError('foreign', `${path} is not an assistants-otel-bridge state file`);
    }
    return read(db);
  } catch (error) {
    if (error instanceof StateError) throw error;
    throw new StateError('corrupt', `state file ${path} cannot be read: ${(error as Error).message}`);
  } finally {
    db.close();
  }
}

/** The unit's frozen value (the source's JSON), null when the file does not know the unit (or not yet). */
export function readFrozen(path: string, ref: UnitRef): unknown {
  return readState(path, (db) => {
    const row = db
      .prepare('SELECT frozen FROM tracked_units WHERE source = ? AND kind = ? AND id = ?')
      .get(ref.source, ref.kind, ref.id) as { frozen?: string | null } | undefined;
    return row?.frozen ? (JSON.parse(row.frozen) as unknown) : null;
  });
}

/**
 * The source's emitted keys that start with `prefix`, in any unit (a scan of the source's keys:
 * for one-off questions such as `trace-id`, not for a look).
 */
export function readEmittedKeysWithPrefix(path: string, source: string, prefix: string): { unit: string; key: string }[] {
  return readState(path, (db) => {
    const rows = db
      .prepare('SELECT unit, key FROM emitted_keys WHERE source = ? AND substr(key, 1, ?) = ? ORDER BY unit, key')
      .all(source, prefix.length, prefix) as { unit: string; key: string }[];
    return rows.map((r) => ({ unit: r.unit, key: r.key }));
  });
}
