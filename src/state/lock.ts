// One bridge per state file. SQLite lets two processes write the same file, which would send
// every span twice, so the store first takes a lock that the kernel drops when its process dies,
// however it dies: SQLite's exclusive lock (a POSIX record lock) on a small database beside the
// state file, held by an open connection for as long as the store is open. A bridge killed with
// SIGKILL releases it the moment the kernel tears the process down, before anyone reaps it, so a
// supervisor's immediate restart comes back, and a recorded pid that now belongs to another
// process (pid 1 in a restarted container) blocks nothing. The state file itself takes no extra
// lock: `sqlite3` and `trace-id` read it while a bridge runs.
//
// Who holds the lock is written to a small JSON file purely for the message a second bridge
// prints; it is never the test of ownership. Earlier versions used that same file (JSON, created
// with O_EXCL) as the lock itself; one left behind is just overwritten.
import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SQLITE, StateError, errorText, sqliteResultCode } from './errors.js';

export interface LockOwner {
  pid: number;
  hostname: string;
  /** ISO 8601. */
  startedAt: string;
}

export interface HeldLock {
  /** The lock database. */
  readonly path: string;
  /** The owner file: who holds the lock, for the messages of others. */
  readonly ownerPath: string;
  readonly owner: LockOwner;
  /**
   * The owner file found when the lock was taken: a bridge that stopped without releasing the
   * state file (killed, crashed, or an earlier version's leftover lock file); `unreadable` when
   * its content was not an owner; null after a clean stop.
   */
  readonly previous: LockOwner | 'unreadable' | null;
  release(): void;
}

/**
 * How long a start waits for a lock that is held: a bridge killed a moment ago holds it until the
 * kernel has torn the process down, a few milliseconds; a live bridge is refused after this.
 */
const WAIT_FOR_LOCK_MS = 1_000;

/** Lock databases held by this process: a second store on one file gets its own message. */
const heldHere = new Set<string>();

/** The lock database, beside the state file like SQLite's own `-wal` and `-shm`. */
export function lockFileFor(dbPath: string): string {
  return `${dbPath}-lock`;
}

/** Who holds the lock (JSON), for messages only. */
export function ownerFileFor(dbPath: string): string {
  return `${dbPath}.lock`;
}

export function acquireLock(dbPath: string, now: () => number): HeldLock {
  const path = lockFileFor(dbPath);
  const ownerPath = ownerFileFor(dbPath);
  const key = nodePath.resolve(path);
  if (heldHere.has(key)) {
    throw new StateError('locked', `state file ${dbPath} is already open in this process`, {
      way: { remedy: 'close the other store first', then: 'another-file' },
    });
  }
  const db = lockExclusively(path, dbPath, ownerPath);
  heldHere.add(key);
  const owner: LockOwner = { pid: process.pid, hostname: os.hostname(), startedAt: new Date(now()).toISOString() };
  const content = JSON.stringify(owner);
  let previous: LockOwner | 'unreadable' | null;
  try {
    const found = readText(ownerPath);
    previous = found === undefined ? null : (parseOwner(found) ?? 'unreadable');
    writeOwner(ownerPath, content);
  } catch (error) {
    heldHere.delete(key);
    db.close();
    throw error;
  }
  let released = false;
  return {
    path,
    ownerPath,
    owner,
    previous,
    release: () => {
      if (released) return;
      released = true;
      // The owner file first: whoever takes the lock next must not find ours and call it a leftover.
      if (readText(ownerPath) === content) fs.rmSync(ownerPath, { force: true });
      heldHere.delete(key);
      db.close();
    },
  };
}

/** Opens the lock database and takes its exclusive lock, waiting briefly for a holder that is going away. */
function lockExclusively(path: string, dbPath: string, ownerPath: string): DatabaseSync {
  const deadline = Date.now() + WAIT_FOR_LOCK_MS;
  for (;;) {
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(path, { timeout: 0 });
    } catch (error) {
      throw lockFileError(error, path);
    }
    try {
      // EXCLUSIVE locking mode keeps the lock of the first write transaction until the connection
      // closes; MEMORY keeps the rollback journal off the disk (there is nothing to roll back).
      db.exec('PRAGMA locking_mode = EXCLUSIVE');
      db.exec('PRAGMA journal_mode = MEMORY');
      db.exec('BEGIN EXCLUSIVE');
      db.exec('COMMIT');
      return db;
    } catch (error) {
      db.close();
      if (sqliteResultCode(error) !== SQLITE.BUSY && sqliteResultCode(error) !== SQLITE.LOCKED) throw lockFileError(error, path);
    }
    if (Date.now() >= deadline) throw inUse(dbPath, ownerPath);
    sleepSync(50);
  }
}

function inUse(dbPath: string, ownerPath: string): StateError {
  const text = readText(ownerPath);
  const holder = text === undefined ? null : parseOwner(text);
  const who = holder ? `pid ${holder.pid} on host ${holder.hostname}, since ${holder.startedAt}` : 'it has not said who it is yet';
  return new StateError('locked', `state file ${dbPath} is in use by another bridge (${who})`, {
    way: { remedy: 'stop it', then: 'another-file' },
  });
}

function lockFileError(error: unknown, path: string): StateError {
  const code = sqliteResultCode(error);
  if (code === SQLITE.NOTADB || code === SQLITE.CORRUPT) {
    return new StateError(
      'corrupt',
      `lock file ${path} is not an SQLite database (it holds nothing else); stop any bridge on this state file, delete it and start again`,
      { cause: error },
    );
  }
  return new StateError('io', `cannot open lock file ${path} (${errorText(error)})`, {
    cause: error,
    way: { remedy: "check the folder's permissions", then: 'another-file' },
  });
}

function readText(path: string): string | undefined {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch {
    // Missing or unreadable: the owner file is information only.
    return undefined;
  }
}

/** Written whole (temp file, then rename): a reader never sees half of it. */
function writeOwner(ownerPath: string, content: string): void {
  const temp = `${ownerPath}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, content, { mode: 0o644 });
    fs.renameSync(temp, ownerPath);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw new StateError('io', `cannot write ${ownerPath} (${errorText(error)})`, {
      cause: error,
      way: { remedy: "check the folder's permissions and free space,", then: 'another-file' },
    });
  }
}

function parseOwner(text: string): LockOwner | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return null;
    const { pid, hostname, startedAt } = value as Record<string, unknown>;
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || typeof hostname !== 'string') return null;
    return { pid, hostname, startedAt: typeof startedAt === 'string' ? startedAt : 'an unknown time' };
  } catch {
    return null;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
