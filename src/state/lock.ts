// One bridge per state file. SQLite lets two processes write the same file, which would send
// every span twice, so the store takes a lock file first: created with O_EXCL, naming its owner,
// taken over only when that owner is provably gone (a dead pid on this host).
import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import { StateError, errorText } from './errors.js';

export interface LockOwner {
  pid: number;
  hostname: string;
  /** ISO 8601. */
  startedAt: string;
}

export interface HeldLock {
  readonly path: string;
  readonly owner: LockOwner;
  /** The stale lock this one replaced, or null; `unreadable` when its content was not a lock. */
  readonly takenOver: LockOwner | 'unreadable' | null;
  release(): void;
}

/** Lock files this process holds: a lock naming our own pid that is not here is a leftover from a previous process that had the same pid (pid 1 in a restarted container). */
const heldHere = new Set<string>();

export function lockPathFor(dbPath: string): string {
  return `${dbPath}.lock`;
}

export function acquireLock(dbPath: string, now: () => number): HeldLock {
  const lockPath = lockPathFor(dbPath);
  const key = nodePath.resolve(lockPath);
  const owner: LockOwner = { pid: process.pid, hostname: os.hostname(), startedAt: new Date(now()).toISOString() };
  const content = JSON.stringify(owner);
  let takenOver: LockOwner | 'unreadable' | null = null;

  // A few rounds: each lost race re-reads whoever won and judges them afresh.
  for (let attempt = 0; attempt < 4; attempt++) {
    if (tryCreate(lockPath, content)) {
      heldHere.add(key);
      return {
        path: lockPath,
        owner,
        takenOver,
        release: () => release(lockPath, key, content),
      };
    }
    const existing = readExisting(lockPath);
    if (existing === undefined) continue; // removed between our create and our read
    const holder = parseOwner(existing);
    if (holder) assertStale(holder, key, dbPath, lockPath);
    if (!removeStale(lockPath, existing)) continue;
    takenOver = holder ?? 'unreadable';
  }
  throw new StateError(
    'locked',
    `state file ${dbPath} is being claimed by another bridge at the same moment; stop the other one or use --state to choose another file`,
  );
}

function tryCreate(lockPath: string, content: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(lockPath, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new StateError(
      'io',
      `cannot create lock file ${lockPath} (${errorText(error)}); check the folder's permissions or use --state to choose another file`,
      { cause: error },
    );
  }
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(lockPath, { force: true });
    throw new StateError('io', `cannot write lock file ${lockPath} (${errorText(error)}); free disk space or use --state to choose another file`, {
      cause: error,
    });
  }
  fs.closeSync(fd);
  return true;
}

/** The lock file's text; waits once for a writer caught between its create and its write. */
function readExisting(lockPath: string): string | undefined {
  const read = (): string | undefined => {
    try {
      return fs.readFileSync(lockPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StateError('io', `cannot read lock file ${lockPath} (${errorText(error)}); check its permissions`, {
        cause: error,
      });
    }
  };
  const first = read();
  if (first === undefined || parseOwner(first)) return first;
  sleepSync(100);
  return read();
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

/** Throws 'locked' unless the holder is certainly gone. */
function assertStale(holder: LockOwner, key: string, dbPath: string, lockPath: string): void {
  if (holder.hostname !== os.hostname()) {
    throw new StateError(
      'locked',
      `state file ${dbPath} is in use by a bridge on host ${holder.hostname} (pid ${holder.pid}, since ${holder.startedAt}); stop it, or if it is gone delete ${lockPath}, or use --state to choose another file`,
    );
  }
  if (holder.pid === process.pid) {
    if (heldHere.has(key)) {
      throw new StateError(
        'locked',
        `state file ${dbPath} is already open in this process; close the other store first or use --state to choose another file`,
      );
    }
    return;
  }
  if (isAlive(holder.pid)) {
    throw new StateError(
      'locked',
      `state file ${dbPath} is in use by another bridge (pid ${holder.pid} on host ${holder.hostname}, since ${holder.startedAt}); stop it or use --state to choose another file`,
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Moves the stale lock aside under a unique name and checks it is the one judged stale; if a
 * rival replaced it meanwhile, puts the rival's back and reports failure.
 */
function removeStale(lockPath: string, staleText: string): boolean {
  const aside = `${lockPath}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    fs.renameSync(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new StateError('io', `cannot replace stale lock file ${lockPath} (${errorText(error)}); delete it by hand`, {
      cause: error,
    });
  }
  let moved: string;
  try {
    moved = fs.readFileSync(aside, 'utf8');
  } catch {
    moved = '';
  }
  if (moved !== staleText) {
    try {
      fs.linkSync(aside, lockPath);
    } catch {
      // The rival's lock could not be restored because yet another lock is in place: that one stands.
    }
    fs.rmSync(aside, { force: true });
    return false;
  }
  fs.rmSync(aside, { force: true });
  return true;
}

function release(lockPath: string, key: string, content: string): void {
  heldHere.delete(key);
  try {
    // Only our own lock: never delete one that someone took over after judging us dead.
    if (fs.readFileSync(lockPath, 'utf8') === content) fs.rmSync(lockPath, { force: true });
  } catch {
    // Already gone.
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
