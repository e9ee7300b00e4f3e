// How long one small SQLite write transaction takes on the disk the state file lives on, in
// WAL mode with synchronous=FULL (what the state store uses) and NORMAL, for reading the
// throughput figures: a commit with FULL waits for an fsync.
import { DatabaseSync } from 'node:sqlite';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './bridge.mjs';
import { median } from './stats.mjs';

export function probeCommitLatency(transactions = 200) {
  const out = {};
  for (const sync of ['FULL', 'NORMAL']) {
    const dir = tempDir('disk');
    const db = new DatabaseSync(join(dir, 'probe.sqlite'));
    db.exec('PRAGMA journal_mode = WAL');
    db.exec(`PRAGMA synchronous = ${sync}`);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const value = 'x'.repeat(1000);
    const times = [];
    for (let i = 0; i < transactions; i++) {
      const t = performance.now();
      db.exec('BEGIN IMMEDIATE');
      insert.run(value);
      db.exec('COMMIT');
      times.push(performance.now() - t);
    }
    db.close();
    rmSync(dir, { recursive: true, force: true });
    out[sync] = median(times);
  }
  return { fullMs: out.FULL, normalMs: out.NORMAL };
}
