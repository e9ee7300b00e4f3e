import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockPathFor, openStateStore, type StateStore } from '../../src/state/index.js';
import { expectOneLine, startChild, stateErrorOf, tempDir, type Child } from './helpers.js';

const open: StateStore[] = [];
const children: Child[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) s.close();
  for (const c of children.splice(0)) {
    if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await c.exited;
  }
});

function openTracked(path: string): StateStore {
  const s = openStateStore(path);
  open.push(s);
  return s;
}

function statePath(): string {
  return nodePath.join(tempDir(), 'bridge.sqlite');
}

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const done = spawnSync(process.execPath, ['-e', '']);
  if (typeof done.pid !== 'number') throw new Error('could not start a process');
  return done.pid;
}

function readLock(path: string): { pid: number; hostname: string; startedAt: string } {
  return JSON.parse(fs.readFileSync(lockPathFor(path), 'utf8')) as { pid: number; hostname: string; startedAt: string };
}

describe('lock within one process', () => {
  it('writes who holds it, refuses a second store on the same file and releases on close', () => {
    const path = statePath();
    const first = openStateStore(path);
    expect(readLock(path)).toMatchObject({ pid: process.pid, hostname: os.hostname() });
    expect(Number.isNaN(Date.parse(readLock(path).startedAt))).toBe(false);

    expectOneLine(stateErrorOf(() => openStateStore(path)), 'locked', path);
    // The refused open must not have disturbed the holder.
    expect(readLock(path).pid).toBe(process.pid);
    first.trackRun('thread_1', 'run_1', 'cli');

    first.close();
    expect(fs.existsSync(lockPathFor(path))).toBe(false);
    const second = openTracked(path);
    expect(second.getRun('run_1')).toBeDefined();
    expect(second.warnings).toEqual([]);
  });

  it('takes no lock for an in-memory store', () => {
    const a = openStateStore(':memory:');
    const b = openStateStore(':memory:');
    a.trackRun('t', 'r', 'cli');
    expect(b.getRun('r')).toBeUndefined();
    a.close();
    b.close();
    expect(fs.existsSync(lockPathFor(':memory:'))).toBe(false);
  });

  it('on close, leaves alone a lock that is no longer its own', () => {
    const path = statePath();
    const s = openStateStore(path);
    const other = JSON.stringify({ pid: 4_000_000, hostname: 'elsewhere', startedAt: '2026-01-01T00:00:00.000Z' });
    fs.writeFileSync(lockPathFor(path), other);
    s.close();
    expect(fs.readFileSync(lockPathFor(path), 'utf8')).toBe(other);
  });
});

describe('lock held by another process', () => {
  it('refuses the file while a child process holds it, and opens once the child has closed it', async () => {
    const path = statePath();
    const child = startChild('hold', path);
    children.push(child);
    await child.waitFor('ready');

    const error = stateErrorOf(() => openStateStore(path));
    expectOneLine(error, 'locked', path);
    expect(error.message).toContain(`pid ${child.proc.pid}`);
    expect(error.message).toContain(os.hostname());
    expect(error.message).toContain('--state');

    child.proc.kill('SIGTERM');
    expect(await child.exited).toMatchObject({ code: 0 });
    expect(fs.existsSync(lockPathFor(path))).toBe(false);
    expect(openTracked(path).warnings).toEqual([]);
  });

  it('refuses a lock taken on another host, which it cannot check, and says how to clear it', () => {
    const path = statePath();
    const theirs = JSON.stringify({ pid: 1234, hostname: `${os.hostname()}-other`, startedAt: '2026-11-01T00:00:00.000Z' });
    fs.writeFileSync(lockPathFor(path), theirs);
    const error = stateErrorOf(() => openStateStore(path));
    expectOneLine(error, 'locked', path);
    expect(error.message).toContain(`${os.hostname()}-other`);
    expect(error.message).toContain(lockPathFor(path));
    expect(fs.readFileSync(lockPathFor(path), 'utf8')).toBe(theirs);
    expect(fs.existsSync(path)).toBe(false);
  });
});

describe('stale locks', () => {
  it('takes over the lock of a dead pid and says so', () => {
    const path = statePath();
    const pid = deadPid();
    fs.writeFileSync(lockPathFor(path), JSON.stringify({ pid, hostname: os.hostname(), startedAt: '2026-11-01T00:00:00.000Z' }));

    const s = openTracked(path);
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]).toContain(`pid ${pid}`);
    expect(s.warnings[0]).toContain('stale lock');
    expect(readLock(path).pid).toBe(process.pid);
    expect(fs.readdirSync(nodePath.dirname(path)).filter((f) => f.includes('.stale-'))).toEqual([]);
  });

  it('takes over an unreadable lock file', () => {
    const path = statePath();
    fs.writeFileSync(lockPathFor(path), 'not json at all');
    const s = openTracked(path);
    expect(s.warnings).toEqual([expect.stringContaining('unreadable')]);
    expect(readLock(path).pid).toBe(process.pid);
  });

  it('takes over a lock naming this very pid that this process does not hold (a restarted container)', () => {
    const path = statePath();
    fs.writeFileSync(lockPathFor(path), JSON.stringify({ pid: process.pid, hostname: os.hostname(), startedAt: '2020-01-01T00:00:00.000Z' }));
    const s = openTracked(path);
    expect(s.warnings).toEqual([expect.stringContaining(`pid ${process.pid}`)]);
  });

  it('still refuses when the pid in the lock is alive', () => {
    const path = statePath();
    // This test runner's parent is alive for as long as the test runs.
    const alive = process.ppid;
    fs.writeFileSync(lockPathFor(path), JSON.stringify({ pid: alive, hostname: os.hostname(), startedAt: '2026-11-01T00:00:00.000Z' }));
    expect(stateErrorOf(() => openStateStore(path)).message).toContain(`pid ${alive}`);
  });
});
