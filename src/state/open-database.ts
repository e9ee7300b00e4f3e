// Opens the SQLite file and proves it is ours before writing a byte to it: a file that is not
// SQLite, belongs to another application, or was written by a newer bridge is refused, never
// reset. Only then are WAL and the schema applied.
import fs from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, TABLES } from './schema.js';
import { StateError, classifySqliteError, errorText } from './errors.js';

/** How long a statement waits for an SQLite lock held by another connection (a backup, the sqlite3 shell). */
const BUSY_TIMEOUT_MS = 5_000;

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

export interface OpenedDatabase {
  db: DatabaseSync;
  /** The file had no schema yet and was given one. */
  created: boolean;
  /** `wal` for a file unless its filesystem refused; `memory` for ':memory:'. */
  journalMode: string;
}

export function isMemoryPath(path: string): boolean {
  return path === ':memory:';
}

export function openDatabase(path: string): OpenedDatabase {
  if (!isMemoryPath(path)) checkHeader(path);
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS });
  } catch (error) {
    throw asOpenError(error, path);
  }
  try {
    const created = prepareSchema(db, path);
    // After the checks: switching to WAL writes the file header, which a foreign file must not see.
    const journalMode = String(db.prepare('PRAGMA journal_mode = WAL').get()?.journal_mode);
    // FULL until the store chooses per transaction (see the top of store.ts): a commit is on disk when it returns.
    db.exec('PRAGMA synchronous = FULL');
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // A burst during a long outage can grow the WAL; truncate it back after each checkpoint.
    db.exec('PRAGMA journal_size_limit = 67108864');
    // A checkpoint every 8,192 pages (32 MB) rather than 1,000: each one syncs, and outbox pages
    // written and freed between two checkpoints are copied to the file once (commit stage -20%).
    db.exec('PRAGMA wal_autocheckpoint = 8192');
    return { db, created, journalMode };
  } catch (error) {
    db.close();
    throw asOpenError(error, path);
  }
}

function asOpenError(error: unknown, path: string): unknown {
  const classified = classifySqliteError(error, path);
  if (classified instanceof StateError) return classified;
  return new StateError('io', `cannot open state file ${path} (${errorText(error)})`, {
    cause: error,
    way: { remedy: 'check the path', then: 'another-file' },
  });
}

/** SQLite treats any file as a database until it reads it; the header says at once whether it is one. */
function checkHeader(path: string): void {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new StateError('io', `cannot read state file ${path} (${errorText(error)})`, {
      cause: error,
      way: { remedy: 'check its permissions', then: 'another-file' },
    });
  }
  try {
    const header = Buffer.alloc(SQLITE_MAGIC.length);
    const read = fs.readSync(fd, header, 0, header.length, 0);
    if (read === 0) return; // an empty file is an empty database
    if (read < header.length || !header.equals(SQLITE_MAGIC)) {
      throw new StateError('corrupt', `state file ${path} is not an SQLite database (another program's file, or damaged)`, {
        way: { remedy: 'move it aside', then: 'another-file' },
      });
    }
  } catch (error) {
    if (error instanceof StateError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') {
      throw new StateError('io', `state file ${path} is a folder`, { cause: error, way: { then: 'a-file-path' } });
    }
    throw new StateError('io', `cannot read state file ${path} (${errorText(error)})`, {
      cause: error,
      way: { remedy: 'check the path', then: 'another-file' },
    });
  } finally {
    fs.closeSync(fd);
  }
}

function pragmaNumber(db: DatabaseSync, name: string): number {
  const row = db.prepare(`PRAGMA ${name}`).get();
  const value = row ? Object.values(row)[0] : undefined;
  return typeof value === 'number' ? value : Number(value ?? 0);
}

/** Returns true when the schema was created now. */
function prepareSchema(db: DatabaseSync, path: string): boolean {
  const applicationId = pragmaNumber(db, 'application_id');
  const version = pragmaNumber(db, 'user_version');
  const tables = db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
    .all()
    .map((row) => String(row.name));

  const fresh = applicationId === 0 && version === 0 && tables.length === 0;
  if (!fresh) {
    if (applicationId !== APPLICATION_ID) {
      const whose =
        applicationId !== 0
          ? `application id 0x${(applicationId >>> 0).toString(16)}`
          : tables.length > 0
            ? `tables the bridge did not create: ${listNames(tables)}`
            : `schema version ${version} without the bridge's mark`;
      throw new StateError('foreign', `state file ${path} is an SQLite database of another application (${whose})`, {
        way: { remedy: null, then: 'another-file' },
      });
    }
    if (version > SCHEMA_VERSION) {
      throw new StateError(
        'newer-schema',
        `state file ${path} was written by a newer bridge (schema version ${version}, this one reads up to ${SCHEMA_VERSION})`,
        {
          way: { remedy: 'upgrade the bridge', then: 'another-file' },
        },
      );
    }
  }
  checkIntegrity(db, path);
  if (!fresh && version === SCHEMA_VERSION) checkTables(tables, path);
  if (version < SCHEMA_VERSION) migrate(db, version);
  return fresh;
}

function checkIntegrity(db: DatabaseSync, path: string): void {
  const problems = db
    .prepare('PRAGMA quick_check(1)')
    .all()
    .map((row) => String(Object.values(row)[0]));
  if (problems.length !== 1 || problems[0] !== 'ok') {
    throw new StateError(
      'corrupt',
      `state file ${path} failed its integrity check (${problems[0] ?? 'no answer'}); move it aside and start again, or restore a backup`,
    );
  }
}

function checkTables(tables: string[], path: string): void {
  const unknown = tables.filter((t) => !TABLES.includes(t));
  if (unknown.length > 0) {
    throw new StateError('foreign', `state file ${path} holds tables the bridge did not create (${listNames(unknown)})`, {
      way: { remedy: null, then: 'another-file' },
    });
  }
  const missing = TABLES.filter((t) => !tables.includes(t));
  if (missing.length > 0) {
    throw new StateError(
      'corrupt',
      `state file ${path} lacks the bridge's tables ${listNames(missing)}; move it aside and start again, or restore a backup`,
    );
  }
}

function migrate(db: DatabaseSync, from: number): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    for (let v = from; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v] ?? '');
    db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

function listNames(names: string[]): string {
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${shown}, ...` : shown;
}
