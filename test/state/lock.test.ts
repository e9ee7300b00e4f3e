import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { settingFlag } from '../../src/cli/options.js';
import { lockFileFor, ownerFileFor } from '../../src/state/lock.js';
import { openRunLedger, type RunLedger } from '../../src/sources/assistants/run-ledger.js';
import { context, expectOneLine, startChild, stateErrorOf, tempDir, type Child } from './helpers.js';

const open: RunLedger[] = [];
const children: Child[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) void s.shutdown();
  for (const c of children.splice(0)) {
    if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await c.exited;
  }
  for (const f of cleanups.splice(0)) f();
});

function openTracked(path: string): RunLedger {
  const s = openRunLedger(path);
  open.push(s);
  return s;
}

function statePath(): string {
  return nodePath.join(tempDir(), 'bridge.sqlite');
}

function readOwner(path: string): { pid: number; hostname: string; startedAt: string } {
  return JSON.parse(fs.readFileSync(ownerFileFor(path), 'utf8')) as { pid: number; hostname: string; startedAt: string };
}

/** The one-letter state of a process (`Z` for a zombie), or null once it is gone. */
function processState(pid: number): string | null {
  try {
    return /^\d+ \(.*\) (\S)/.exec(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

async function until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('lock within one process', () => {
  it('says who holds it, refuses a second store on the same file and releases on close', () => {
    const path = statePath();
    const first = openRunLedger(path);
    expect(readOwner(path)).toMatchObject({ pid: process.pid, hostname: os.hostname() });
    expect(Number.isNaN(Date.parse(readOwner(path).startedAt))).toBe(false);

    expectOneLine(
      stateErrorOf(() => openRunLedger(path)),
      'locked',
      path,
    );
    // The refused open must not have disturbed the holder.
    expect(readOwner(path).pid).toBe(process.pid);
    first.trackRun('thread_1', 'run_1', 'cli');

    void first.shutdown();
    expect(fs.existsSync(ownerFileFor(path))).toBe(false);
    const second = openTracked(path);
    expect(second.getRun('run_1')).toBeDefined();
    expect(second.warnings).toEqual([]);
  });

  it('takes no lock for an in-memory store', () => {
    const a = openRunLedger(':memory:');
    const b = openRunLedger(':memory:');
    a.trackRun('t', 'r', 'cli');
    expect(b.getRun('r')).toBeUndefined();
    void a.shutdown();
    void b.shutdown();
    expect(fs.existsSync(lockFileFor(':memory:'))).toBe(false);
    expect(fs.existsSync(ownerFileFor(':memory:'))).toBe(false);
  });

  it('on close, leaves alone an owner file that is no longer its own', () => {
    const path = statePath();
    const s = openRunLedger(path);
    const other = JSON.stringify({ pid: 4_000_000, hostname: 'elsewhere', startedAt: '2026-01-01T00:00:00.000Z' });
    fs.writeFileSync(ownerFileFor(path), other);
    void s.shutdown();
    expect(fs.readFileSync(ownerFileFor(path), 'utf8')).toBe(other);
  });

  it('refuses a lock file that is not SQLite with one line, and touches neither file', () => {
    const path = statePath();
    fs.writeFileSync(lockFileFor(path), 'x'.repeat(200));
    const error = stateErrorOf(() => openRunLedger(path));
    expect(error.code).toBe('corrupt');
    expect(error.message).toContain(lockFileFor(path));
    expect(error.message).not.toContain('\n');
    expect(fs.existsSync(path)).toBe(false);
    expect(fs.readFileSync(lockFileFor(path), 'utf8')).toBe('x'.repeat(200));
  });
});

describe('lock held by another process', () => {
  it('refuses the file while a child holds it, naming the child, and opens once the child has closed it', async () => {
    const path = statePath();
    const child = startChild('hold', path);
    children.push(child);
    await child.waitFor('ready');

    const error = stateErrorOf(() => openRunLedger(path));
    expectOneLine(error, 'locked', path);
    expect(error.message).toContain(`pid ${child.proc.pid}`);
    expect(error.message).toContain(os.hostname());
    // The command line adds its flag to the way out.
    expect(error.message).toContain('choose another state file');
    expect(error.lineFor(settingFlag)).toContain('or use --state to choose another file');

    child.proc.kill('SIGTERM');
    expect(await child.exited).toMatchObject({ code: 0 });
    expect(fs.existsSync(ownerFileFor(path))).toBe(false);
    expect(openTracked(path).warnings).toEqual([]);
  });

  it('refuses while held even when the owner file is gone: the lock decides, not the file', async () => {
    const path = statePath();
    const child = startChild('hold', path);
    children.push(child);
    await child.waitFor('ready');
    fs.rmSync(ownerFileFor(path));
    const error = stateErrorOf(() => openRunLedger(path));
    expectOneLine(error, 'locked', path);
    expect(error.message).toContain('in use by another bridge');
  });

  it('leaves the state file readable by other SQLite readers while a bridge holds it', async () => {
    const path = statePath();
    const child = startChild('commit', path, { threadId: 'thread_1', runId: 'run_1', context: context(), batches: [] });
    children.push(child);
    await child.waitFor('ready');
    const reader = new DatabaseSync(path, { readOnly: true });
    try {
      expect(reader.prepare('SELECT kind, id FROM tracked_units').all()).toEqual([{ kind: 'run', id: 'run_1' }]);
    } finally {
      reader.close();
    }
  });

  it('is free the moment its holder is SIGKILLed, before the dead process is reaped', async () => {
    const path = statePath();
    // The holder's parent is `sleep`, which never waits for children: once killed, the holder
    // stays a zombie, the state in which a supervisor's immediate restart finds it.
    const script = fileURLToPath(new URL('./fixtures/store-child.mjs', import.meta.url));
    const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
    const parent = spawn('sh', ['-c', `${quote(process.execPath)} ${quote(script)} hold ${quote(path)} '{}' & exec sleep 60`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(() => parent.kill('SIGKILL'));
    let out = '';
    parent.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    await until(() => /ready (\d+)/.test(out), 'the holder to be ready');
    const holder = Number(/ready (\d+)/.exec(out)![1]);
    expect(stateErrorOf(() => openRunLedger(path)).code).toBe('locked');

    process.kill(holder, 'SIGKILL');
    await until(() => processState(holder) === 'Z', 'the holder to be a zombie');
    const s = openTracked(path);
    expect(processState(holder)).toBe('Z');
    expect(s.warnings).toEqual([expect.stringContaining(`pid ${holder}`)]);
    expect(s.warnings[0]).toContain('stopped without releasing it');
    expect(readOwner(path).pid).toBe(process.pid);
  });
});

describe('what an owner file left behind means: nothing', () => {
  it('opens over the owner file of a killed bridge and says so', () => {
    const path = statePath();
    const done = spawnSync(process.execPath, ['-e', '']);
    fs.writeFileSync(ownerFileFor(path), JSON.stringify({ pid: done.pid, hostname: os.hostname(), startedAt: '2026-11-01T00:00:00.000Z' }));
    const s = openTracked(path);
    expect(s.warnings).toEqual([expect.stringContaining(`pid ${done.pid}`)]);
    expect(readOwner(path).pid).toBe(process.pid);
    expect(fs.readdirSync(nodePath.dirname(path)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it("is not blocked by an earlier version's lock file naming a live, unrelated pid on this host", () => {
    const path = statePath();
    // This test runner's parent is alive for as long as the test runs, and is no bridge.
    const alive = process.ppid;
    fs.writeFileSync(ownerFileFor(path), JSON.stringify({ pid: alive, hostname: os.hostname(), startedAt: '2026-11-01T00:00:00.000Z' }));
    const s = openTracked(path);
    expect(s.warnings).toEqual([expect.stringContaining(`pid ${alive}`)]);
    expect(readOwner(path).pid).toBe(process.pid);
  });

  it('is not blocked by a lock file naming this very pid (pid 1 in a restarted container) or another host', () => {
    for (const owner of [
      { pid: process.pid, hostname: os.hostname(), startedAt: '2020-01-01T00:00:00.000Z' },
      { pid: 1234, hostname: `${os.hostname()}-other`, startedAt: '2026-11-01T00:00:00.000Z' },
    ]) {
      const path = statePath();
      fs.writeFileSync(ownerFileFor(path), JSON.stringify(owner));
      const s = openTracked(path);
      expect(s.warnings).toEqual([expect.stringContaining(`pid ${owner.pid} on host ${owner.hostname}`)]);
    }
  });

  it('takes over an unreadable owner file', () => {
    const path = statePath();
    fs.writeFileSync(ownerFileFor(path), 'not json at all');
    const s = openTracked(path);
    expect(s.warnings).toEqual([expect.stringContaining('unreadable')]);
    expect(readOwner(path).pid).toBe(process.pid);
  });
});
