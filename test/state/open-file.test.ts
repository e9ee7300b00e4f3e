import crypto from 'node:crypto';
import fs from 'node:fs';
import nodePath from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { ownerFileFor } from '../../src/state/lock.js';
import { APPLICATION_ID, SCHEMA_VERSION } from '../../src/state/schema.js';
import { openRunLedger, type RunLedger } from '../../src/sources/assistants/run-ledger.js';
import { deadLetters, emittedStepIds } from '../support/state-file.js';
import { context, expectOneLine, span, spans, stateErrorOf, tempDir } from './helpers.js';

const open: RunLedger[] = [];
afterEach(() => {
  for (const s of open.splice(0)) void s.shutdown();
});

function openTracked(path: string): RunLedger {
  const s = openRunLedger(path);
  open.push(s);
  return s;
}

function sha(path: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(path)).digest('hex');
}

function journalMode(path: string): string {
  const db = new DatabaseSync(path);
  try {
    return String(db.prepare('PRAGMA journal_mode').get()?.journal_mode);
  } finally {
    db.close();
  }
}

/** Asserts the refused file is untouched and no lock was left behind. */
function expectUntouched(path: string, digest: string): void {
  expect(sha(path)).toBe(digest);
  expect(fs.existsSync(ownerFileFor(path))).toBe(false);
  expect(fs.existsSync(`${path}-wal`)).toBe(false);
}

describe('a new state file', () => {
  it('is created with its folder, marked as ours, in WAL mode', () => {
    const path = nodePath.join(tempDir(), 'nested', 'deeper', 'bridge.sqlite');
    const s = openRunLedger(path);
    expect(s.created).toBe(true);
    expect(s.warnings).toEqual([]);
    void s.shutdown();

    const db = new DatabaseSync(path);
    expect(db.prepare('PRAGMA application_id').get()?.application_id).toBe(APPLICATION_ID);
    expect(db.prepare('PRAGMA user_version').get()?.user_version).toBe(SCHEMA_VERSION);
    expect(db.prepare('PRAGMA journal_mode').get()?.journal_mode).toBe('wal');
    db.close();

    const again = openTracked(path);
    expect(again.created).toBe(false);
  });

  it('accepts an empty file as an empty database', () => {
    const path = nodePath.join(tempDir(), 'empty.sqlite');
    fs.writeFileSync(path, '');
    expect(openTracked(path).created).toBe(true);
  });
});

describe('data survives close and reopen', () => {
  it('keeps runs, threads, context, cursors, outbox, dead letters, metrics and meta', () => {
    const path = nodePath.join(tempDir(), 'bridge.sqlite');
    const first = openRunLedger(path);
    first.trackRun('thread_1', 'run_1', 'cli');
    first.trackRun('thread_1', 'run_2', 'thread');
    first.untrackRun('run_2');
    first.trackThread('thread_1', 'config');
    first.setThreadCursor('thread_1', 'run_2');
    first.commitProgress({
      runId: 'run_1',
      frozenContext: context(),
      status: 'completed',
      spans: spans('run_1', 1, 4),
      emittedStepIds: ['step_1', 'step_2'],
      cursorStepId: 'step_2',
      latestStepEnd: 1_700_000_003,
      runSpanEmitted: true,
      terminal: true,
      observations: [{ name: 'assistants.runs', labels: { status: 'completed' }, value: 1, history: false }],
    });
    const [dead] = first.outboxBatch(1);
    first.deadLetter([{ seq: dead!.seq, reason: 'refused', status: 400 }]);
    first.setMeta('threads.after', 'thread_7');
    const expected = {
      runs: first.listRuns(),
      removed: first.getRun('run_2'),
      threads: first.listThreads(),
      emitted: emittedStepIds(path, 'run_1'),
      outbox: first.outboxBatch(100),
      dead: deadLetters(path),
      metrics: first.metricTotals(),
      stats: first.stats(),
    };
    void first.shutdown();
    expect(fs.existsSync(ownerFileFor(path))).toBe(false);

    const second = openTracked(path);
    expect({
      runs: second.listRuns(),
      removed: second.getRun('run_2'),
      threads: second.listThreads(),
      emitted: emittedStepIds(path, 'run_1'),
      outbox: second.outboxBatch(100),
      dead: deadLetters(path),
      metrics: second.metricTotals(),
      stats: second.stats(),
    }).toEqual(expected);
    expect(expected.emitted).toEqual(new Set(['step_1', 'step_2', 'step_3', 'step_4']));
    expect(expected.dead.map((d) => [d.seq, d.reason, d.status])).toEqual([[dead!.seq, 'refused', 400]]);
    expect(second.getMeta('threads.after')).toBe('thread_7');
    expect(second.outboxDepth()).toBe(3);

    // Seqs keep growing across restarts: an old seq never names a new row.
    second.commitProgress({ runId: 'run_1', spans: [span('run_1', 50)] });
    const seqs = second.outboxBatch(100).map((i) => i.seq);
    expect(seqs.at(-1)).toBeGreaterThan(Math.max(dead!.seq, ...expected.outbox.map((i) => i.seq)));
  });
});

describe('files that are not ours', () => {
  it('refuses a file of random bytes as corrupt', () => {
    const path = nodePath.join(tempDir(), 'bridge.sqlite');
    fs.writeFileSync(path, crypto.randomBytes(8192));
    const digest = sha(path);
    expectOneLine(
      stateErrorOf(() => openRunLedger(path)),
      'corrupt',
      path,
    );
    expectUntouched(path, digest);
  });

  it('refuses a short text file as corrupt', () => {
    const path = nodePath.join(tempDir(), 'bridge.sqlite');
    fs.writeFileSync(path, 'hello\n');
    expectOneLine(
      stateErrorOf(() => openRunLedger(path)),
      'corrupt',
      path,
    );
  });

  it('refuses an SQLite file whose pages are damaged as corrupt', () => {
    const path = nodePath.join(tempDir(), 'bridge.sqlite');
    const s = openRunLedger(path);
    s.trackRun('thread_1', 'run_1', 'cli');
    s.commitProgress({ runId: 'run_1', spans: spans('run_1', 1, 200) });
    void s.shutdown();
    // Keep the 100-byte header, trash the schema page and what follows.
    const fd = fs.openSync(path, 'r+');
    fs.writeSync(fd, crypto.randomBytes(16_384), 0, 16_384, 100);
    fs.closeSync(fd);
    const digest = sha(path);
    expectOneLine(
      stateErrorOf(() => openRunLedger(path)),
      'corrupt',
      path,
    );
    expect(sha(path)).toBe(digest);
    expect(fs.existsSync(ownerFileFor(path))).toBe(false);
  });

  it('refuses an SQLite file of another program as foreign, and leaves it as it was', () => {
    const path = nodePath.join(tempDir(), 'app.db');
    const db = new DatabaseSync(path);
    db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada')");
    db.close();
    const digest = sha(path);
    const error = stateErrorOf(() => openRunLedger(path));
    expectOneLine(error, 'foreign', path);
    expect(error.message).toContain('users');
    expectUntouched(path, digest);
    expect(journalMode(path)).toBe('delete');
  });

  it('refuses an SQLite file with another application id as foreign', () => {
    const path = nodePath.join(tempDir(), 'other.db');
    const db = new DatabaseSync(path);
    db.exec('PRAGMA application_id = 42');
    db.close();
    const digest = sha(path);
    expectOneLine(
      stateErrorOf(() => openRunLedger(path)),
      'foreign',
      path,
    );
    expectUntouched(path, digest);
  });

  it('refuses our file with a table we did not create as foreign', () => {
    const path = nodePath.join(tempDir(), 'bridge.sqlite');
    void openRunLedger(path).shutdown();
    const db = new DatabaseSync(path);
    db.exec('CREATE TABLE notes (body TEXT)');
    db.close();
    const error = stateErrorOf(() => openRunLedger(path));
    expectOneLine(error, 'foreign', path);
    expect(error.message).toContain('notes');
  });

  it('refuses our file missing one of its tables as corrupt', () => {
    const path = nodePath.join(tempDir(), 'bridge.sqlite');
    void openRunLedger(path).shutdown();
    const db = new DatabaseSync(path);
    db.exec('DROP TABLE meta');
    db.close();
    expectOneLine(
      stateErrorOf(() => openRunLedger(path)),
      'corrupt',
      path,
    );
  });

  it('refuses a file written by a newer schema and does not downgrade it', () => {
    const path = nodePath.join(tempDir(), 'bridge.sqlite');
    void openRunLedger(path).shutdown();
    const db = new DatabaseSync(path);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const error = stateErrorOf(() => openRunLedger(path));
    expectOneLine(error, 'newer-schema', path);
    expect(error.message).toContain(`schema version ${SCHEMA_VERSION + 1}`);
    const check = new DatabaseSync(path);
    expect(check.prepare('PRAGMA user_version').get()?.user_version).toBe(SCHEMA_VERSION + 1);
    check.close();
    expect(fs.existsSync(ownerFileFor(path))).toBe(false);
  });
});

describe('paths that cannot hold a state file', () => {
  it('reports io when the folder cannot be created', () => {
    const dir = tempDir();
    fs.writeFileSync(nodePath.join(dir, 'plain-file'), 'x');
    const path = nodePath.join(dir, 'plain-file', 'bridge.sqlite');
    expectOneLine(
      stateErrorOf(() => openRunLedger(path)),
      'io',
      path,
    );
  });

  it('reports io when the path is a folder, and releases the lock', () => {
    const path = nodePath.join(tempDir(), 'a-folder');
    fs.mkdirSync(path);
    expectOneLine(
      stateErrorOf(() => openRunLedger(path)),
      'io',
      path,
    );
    expect(fs.existsSync(ownerFileFor(path))).toBe(false);
  });
});
