// A read-only look into a state file that a running bridge may hold: no lock, no writes, so
// `trace-id` works next to a live `watch`. WAL mode lets readers see the last commit.
import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { APPLICATION_ID } from './schema.js';
import { StateError } from './errors.js';
import type { UnitRef } from './types.js';

/** The unit's frozen value (the source's JSON), null when the file does not know the unit (or not yet). */
export function readFrozen(path: string, ref: UnitRef): unknown {
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
    const row = db
      .prepare('SELECT frozen FROM tracked_units WHERE source = ? AND kind = ? AND id = ?')
      .get(ref.source, ref.kind, ref.id) as { frozen?: string | null } | undefined;
    return row?.frozen ? (JSON.parse(row.frozen) as unknown) : null;
  } catch (error) {
    if (error instanceof StateError) throw error;
    throw new StateError('corrupt', `state file ${path} cannot be read: ${(error as Error).message}`);
  } finally {
    db.close();
  }
}
