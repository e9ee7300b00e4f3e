// Schema 3 remembers per run whether a step reported token usage (a run's own usage counts only
// when none did). A schema 2 file moves over with its runs in flight marked when they already
// emitted steps, so a run counted from its steps before the upgrade is never counted twice.
import nodePath from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { APPLICATION_ID, MIGRATIONS } from '../../src/state/schema.js';
import { openRunLedger, type RunLedger } from '../../src/sources/assistants/run-ledger.js';
import { tempDir } from './helpers.js';

const open: RunLedger[] = [];
afterEach(() => {
  for (const s of open.splice(0)) if (!s.closed) void s.shutdown();
});

describe('a state file of schema 2', () => {
  it('marks its runs that already emitted steps as having step usage, and no others', () => {
    const path = nodePath.join(tempDir(), 'state.sqlite');
    const db = new DatabaseSync(path);
    db.exec(MIGRATIONS[0] as string);
    db.exec(MIGRATIONS[1] as string);
    db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
    db.exec('PRAGMA user_version = 2');
    const track = db.prepare("INSERT INTO tracked_runs (run_id, thread_id, origin, added_at) VALUES (?, 'thread_1', 'cli', 1)");
    track.run('run_stepped');
    track.run('run_fresh');
    db.prepare("INSERT INTO emitted_steps (run_id, step_id) VALUES ('run_stepped', 'step_1')").run();
    db.close();

    const s = openRunLedger(path);
    open.push(s);
    expect(s.getRun('run_stepped')?.stepUsageSeen).toBe(true);
    expect(s.getRun('run_fresh')?.stepUsageSeen).toBe(false);
    s.commitProgress({ runId: 'run_fresh', spans: [], stepUsageSeen: true });
    expect(s.getRun('run_fresh')?.stepUsageSeen).toBe(true);
  });
});
