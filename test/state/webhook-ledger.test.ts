// The webhook replay ledger: ids of accepted deliveries kept in the state file, across a restart,
// bounded by age and by a row cap; added to files of earlier schemas by migration 6.
import nodePath from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { ShutdownError } from '../../src/core/errors.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from '../../src/state/schema.js';
import { openStateStore, type StateStore } from '../../src/state/store.js';
import { DEFAULT_WEBHOOK_LEDGER_BOUNDS } from '../../src/state/webhook-ledger.js';
import { tempDir } from './helpers.js';

const open: StateStore[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) if (!s.closed) await s.shutdown();
});

function store(path = ':memory:', bounds: { maxAgeMs?: number; maxRows?: number } = {}): StateStore {
  const s = openStateStore(path, { webhookLedger: bounds });
  open.push(s);
  return s;
}

const HOUR = 3600_000;

describe('the webhook ledger', () => {
  it('knows the ids it recorded, once each', () => {
    const { webhookLedger: ledger } = store();
    expect(ledger.seen('openai:wh_1')).toBe(false);
    ledger.record('openai:wh_1', 1_000);
    ledger.record('openai:wh_1', 2_000);
    expect(ledger.seen('openai:wh_1')).toBe(true);
    expect(ledger.seen('github:wh_1')).toBe(false);
    expect(ledger.size()).toBe(1);
  });

  it('keeps its ids across a restart on the same file', async () => {
    const path = nodePath.join(tempDir(), 'state.sqlite');
    const first = store(path);
    first.webhookLedger.record('openai:wh_kept', Date.now());
    await first.shutdown();
    expect(store(path).webhookLedger.seen('openai:wh_kept')).toBe(true);
  });

  it('forgets ids older than its age bound', () => {
    const { webhookLedger: ledger } = store(':memory:', { maxAgeMs: 24 * HOUR });
    const t0 = 1_767_000_000_000;
    ledger.record('a', t0);
    ledger.record('b', t0 + 12 * HOUR);
    ledger.record('c', t0 + 25 * HOUR);
    expect(['a', 'b', 'c'].filter((id) => ledger.seen(id))).toEqual(['b', 'c']);
    ledger.record('d', t0 + 37 * HOUR);
    expect(['a', 'b', 'c', 'd'].filter((id) => ledger.seen(id))).toEqual(['c', 'd']);
  });

  it('holds at most its row cap, the oldest going first, also after a restart', async () => {
    const path = nodePath.join(tempDir(), 'state.sqlite');
    const first = store(path, { maxRows: 3 });
    for (let i = 1; i <= 5; i++) first.webhookLedger.record(`wh_${i}`, 1_000 + i);
    expect(first.webhookLedger.size()).toBe(3);
    expect([1, 2, 3, 4, 5].filter((i) => first.webhookLedger.seen(`wh_${i}`))).toEqual([3, 4, 5]);
    await first.shutdown();
    // A smaller cap on the next start trims what the file holds at its first record.
    const second = store(path, { maxRows: 2 });
    second.webhookLedger.record('wh_6', 1_006);
    expect([3, 4, 5, 6].filter((i) => second.webhookLedger.seen(`wh_${i}`))).toEqual([5, 6]);
  });

  it('defaults to a week and 200,000 deliveries', () => {
    expect(store().webhookLedger.bounds).toEqual(DEFAULT_WEBHOOK_LEDGER_BOUNDS);
    expect(DEFAULT_WEBHOOK_LEDGER_BOUNDS).toEqual({ maxAgeMs: 7 * 24 * HOUR, maxRows: 200_000 });
  });

  it('refuses bounds that would hold nothing', () => {
    expect(() => store(':memory:', { maxRows: 0 })).toThrow(RangeError);
    expect(() => store(':memory:', { maxAgeMs: -1 })).toThrow(RangeError);
  });

  it('is refused with a ShutdownError once the store is closed', async () => {
    const s = store();
    await s.shutdown();
    expect(() => s.webhookLedger.seen('x')).toThrow(ShutdownError);
    expect(() => s.webhookLedger.record('x', 1)).toThrow(ShutdownError);
  });
});

describe('migration 6', () => {
  it('adds the ledger to a schema-5 file, keeping what it held', () => {
    const path = nodePath.join(tempDir(), 'state.sqlite');
    const db = new DatabaseSync(path);
    for (const sql of MIGRATIONS.slice(0, 5)) db.exec(sql);
    db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
    db.exec('PRAGMA user_version = 5');
    db.exec("INSERT INTO tracked_units (source, kind, id, origin, added_at) VALUES ('responses', 'response', 'resp_1', 'webhook', 1)");
    db.close();
    const s = store(path);
    expect(s.listUnits('responses', 'response').map((u) => u.id)).toEqual(['resp_1']);
    expect(s.webhookLedger.seen('openai:wh_1')).toBe(false);
    s.webhookLedger.record('openai:wh_1', 1);
    expect(s.webhookLedger.seen('openai:wh_1')).toBe(true);
    const check = new DatabaseSync(path, { readOnly: true });
    try {
      expect(check.prepare('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION });
      expect(SCHEMA_VERSION).toBe(6);
    } finally {
      check.close();
    }
  });
});
