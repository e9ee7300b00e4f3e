// Schema 5 keeps units of any source in one registry, "already emitted" as dedupe keys. A schema 4
// file moves over whole: runs with their cursors, threads with theirs, emitted steps and run spans
// as keys, so a re-poll after the upgrade sends nothing twice.
import nodePath from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { openRunLedger, type RunLedger } from '../../src/sources/assistants/run-ledger.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from '../../src/state/schema.js';
import { openStateStore, type StateStore } from '../../src/state/store.js';
import { context, runsBeforeUnits, span, tempDir, toolSpan } from './helpers.js';

const open: StateStore[] = [];
afterEach(() => {
  for (const s of open.splice(0)) if (!s.closed) void s.shutdown();
});

function schema4File(): string {
  const path = nodePath.join(tempDir(), 'state.sqlite');
  const db = new DatabaseSync(path);
  for (const sql of MIGRATIONS.slice(0, 4)) db.exec(sql);
  db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
  db.exec('PRAGMA user_version = 4');
  const run = db.prepare(
    `INSERT INTO tracked_runs (run_id, thread_id, origin, added_at, status, terminal, run_span_emitted, cursor_step_id, latest_step_end,
       frozen_context, removed, step_usage_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  run.run('run_done', 'thread_1', 'thread', 10, 'completed', 1, 1, 'step_2', 1_700_000_002.5, JSON.stringify(context()), 0, 1);
  run.run(
    'run_mid',
    'thread_1',
    'cli',
    11,
    'in_progress',
    0,
    0,
    'step_1',
    1_700_000_001,
    JSON.stringify(context({ expiresAt: 1_700_000_600 })),
    0,
    0,
  );
  run.run('run_new', 'thread_2', 'control', 12, null, 0, 0, null, null, null, 0, 0);
  run.run('run_gone', 'thread_2', 'import', 13, 'queued', 0, 0, null, null, null, 1, 0);
  const thread = db.prepare('INSERT INTO tracked_threads (thread_id, origin, added_at, last_run_id) VALUES (?, ?, ?, ?)');
  thread.run('thread_1', 'config', 5, 'run_done');
  thread.run('thread_2', 'library', 6, null);
  const step = db.prepare('INSERT INTO emitted_steps (run_id, step_id) VALUES (?, ?)');
  step.run('run_done', 'step_1');
  step.run('run_done', 'step_2');
  step.run('run_mid', 'step_1');
  db.close();
  return path;
}

function ledger(path: string): RunLedger {
  const s = openRunLedger(path);
  open.push(s);
  return s;
}

describe('a state file of schema 4', () => {
  it('moves every run and thread over with its cursor, origin and frozen context', () => {
    const path = schema4File();
    const runs = runsBeforeUnits(path);
    const s = ledger(path);
    for (const run of runs) expect(s.getRun(run.runId)).toEqual(run);
    expect(s.listRuns().map((r) => r.runId)).toEqual(['run_done', 'run_mid', 'run_new']);
    expect(s.listRuns({ active: true }).map((r) => r.runId)).toEqual(['run_mid', 'run_new']);
    expect(s.listThreads()).toEqual([
      { threadId: 'thread_1', origin: 'config', addedAt: 5, lastRunId: 'run_done' },
      { threadId: 'thread_2', origin: 'library', addedAt: 6, lastRunId: null },
    ]);
    expect(s.stats()).toMatchObject({ trackedRuns: 3, activeRuns: 2, trackedThreads: 2 });
  });

  it('keeps emitted steps and run spans emitted: a re-poll commits none of them again', () => {
    const s = ledger(schema4File());
    expect(s.emittedAmong('run_done', ['step_1', 'step_2', 'step_3'])).toEqual(new Set(['step_1', 'step_2']));
    const runSpan = span('run_done', 1, { key: 'run_done' });
    const again = [runSpan, span('run_done', 2, { key: 'step_1' }), span('run_done', 3, { key: 'step_2' })];
    expect(s.commitProgress({ runId: 'run_done', spans: again })).toEqual({ enqueued: 0, alreadyPresent: 3 });
    const step = span('run_mid', 4, { key: 'step_2' });
    const result = s.commitProgress({
      runId: 'run_mid',
      spans: [span('run_mid', 5, { key: 'step_1' }), step, toolSpan({ ...step, spanId: '00000000000000ff' })],
    });
    expect(result).toEqual({ enqueued: 2, alreadyPresent: 1 });
  });

  it('resumes a run from its moved cursor: max end, sticky usage, the pending deadline in its context', () => {
    const s = ledger(schema4File());
    s.commitProgress({ runId: 'run_mid', spans: [], latestStepEnd: 1_700_000_000, cursorStepId: 'step_2', expiresAt: 1_700_000_900 });
    expect(s.getRun('run_mid')).toMatchObject({
      cursorStepId: 'step_2',
      latestStepEnd: 1_700_000_001,
      stepUsageSeen: false,
      frozenContext: context({ expiresAt: 1_700_000_900 }),
    });
    s.commitProgress({ runId: 'run_mid', spans: [], stepUsageSeen: true, latestStepEnd: 1_700_000_009 });
    expect(s.getRun('run_mid')).toMatchObject({ cursorStepId: 'step_2', latestStepEnd: 1_700_000_009, stepUsageSeen: true });
  });

  it('is left at the current schema with only the new tables (and the webhook ledger of schema 6)', async () => {
    const path = schema4File();
    await ledger(path).shutdown();
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION });
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all();
      expect(tables.map((t) => t.name)).toEqual([
        'dead_letters',
        'emitted_keys',
        'meta',
        'metric_totals',
        'outbox',
        'tracked_units',
        'webhook_deliveries',
      ]);
    } finally {
      db.close();
    }
  });
});

describe('the store without a source view', () => {
  it('tracks units of any source and kind apart, and decides "emitted" by key per unit', () => {
    const s = openStateStore(':memory:');
    open.push(s);
    expect(s.trackUnits('files', [{ kind: 'batch', id: 'b1', origin: 'discovery' }])).toBe(1);
    expect(s.trackUnits('hooks', [{ kind: 'batch', id: 'b1', parent: 'p', origin: 'webhook' }])).toBe(1);
    expect(s.trackUnits('files', [{ kind: 'batch', id: 'b1', origin: 'cli' }])).toBe(0);
    const a = span('b1', 1, { key: 'k1' });
    const first = s.commit({
      source: 'files',
      unit: { kind: 'batch', id: 'b1' },
      spans: [a, toolSpan({ ...a, spanId: '00000000000000aa' })],
      cursor: () => ({ page: 2 }),
    });
    expect(first).toEqual({ enqueued: 2, alreadyPresent: 0 });
    // The same key in the same unit of another source is another object.
    expect(s.commit({ source: 'hooks', unit: { kind: 'batch', id: 'b1' }, spans: [a] }).enqueued).toBe(1);
    expect(s.commit({ source: 'files', unit: { kind: 'batch', id: 'b1' }, spans: [span('b1', 2, { key: 'k1' })] }).enqueued).toBe(0);
    expect(s.emittedKeys('files', 'b1', ['k1', 'k2'])).toEqual(new Set(['k1']));
    expect(s.getUnit({ source: 'files', kind: 'batch', id: 'b1' })).toMatchObject({
      cursor: { page: 2 },
      origin: 'discovery',
      parent: null,
    });
    expect(s.listUnits('hooks', 'batch').map((u) => u.parent)).toEqual(['p']);
    expect(() => s.commit({ source: 'files', unit: { kind: 'batch', id: 'b9' }, spans: [] })).toThrow(/not tracked/);
  });
});
