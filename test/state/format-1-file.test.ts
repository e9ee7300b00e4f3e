// A state file the previous version wrote (schema 3, span records of format 1 waiting in its
// outbox, one of them acknowledged and one dead-lettered), opened by this version: upgraded in
// place, everything in it kept, and its waiting spans sent byte for byte as that version sent them,
// over OTLP/HTTP protobuf and JSON. test/fixtures/state/README.md says how both files were made.
import { copyFileSync, readFileSync } from 'node:fs';
import nodePath from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import type { OtlpProtocol } from '../../src/config/types.js';
import { SCHEMA_VERSION } from '../../src/state/schema.js';
import { openRunLedger, type RunLedger } from '../../src/sources/assistants/run-ledger.js';
import { REPO } from '../support/cli.js';
import type { OtlpReceiver } from '../support/otlp-receiver/index.js';
import { drainedBodies, runsBeforeUnits, tempDir, type OldExport } from './helpers.js';

const FIXTURES = nodePath.join(REPO, 'test', 'fixtures', 'state');

const expected = JSON.parse(readFileSync(nodePath.join(FIXTURES, 'format-1-export.json'), 'utf8')) as OldExport;

let store: RunLedger | undefined;
let rx: OtlpReceiver | undefined;
afterEach(async () => {
  if (store && !store.closed) await store.shutdown();
  await rx?.close();
  store = rx = undefined;
});

/** A copy of the fixture, so the test never changes the committed file. */
function copyOfFixture(): string {
  const path = nodePath.join(tempDir(), 'state.sqlite');
  copyFileSync(nodePath.join(FIXTURES, 'format-1.sqlite'), path);
  return path;
}

function query<T>(path: string, sql: string): T[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

describe('a state file of the previous version, with spans waiting in its outbox', () => {
  it('is upgraded in place, keeping its runs, cursors, totals, waiting spans and dead letters', async () => {
    const path = copyOfFixture();
    expect(query<{ user_version: number }>(path, 'PRAGMA user_version')[0]?.user_version).toBe(3);
    const runs = runsBeforeUnits(path);
    const totals = query<{ name: string; labels: string; value: number }>(
      path,
      'SELECT name, labels, value FROM metric_totals ORDER BY name, labels',
    );
    const waiting = query<{ n: number }>(path, 'SELECT sum(waiting) AS n FROM outbox')[0]?.n;
    expect(waiting).toBe(41);

    store = openRunLedger(path);
    expect(store.outboxDepth()).toBe(waiting);
    expect(store.listRuns()).toHaveLength(runs.filter((r) => !r.removed).length);
    for (const run of runs) expect(store.getRun(run.runId)).toEqual(run);
    expect(store.metricTotals()).toEqual(totals.map((t) => ({ name: t.name, labels: JSON.parse(t.labels) as unknown, value: t.value })));
    expect(store.stats().deadLetters).toBe(1);
    await store.shutdown();

    expect(query<{ user_version: number }>(path, 'PRAGMA user_version')[0]?.user_version).toBe(SCHEMA_VERSION);
    // The rows say which record format they hold.
    expect(query(path, 'SELECT DISTINCT format FROM outbox')).toEqual([{ format: 1 }]);
    expect(query(path, 'SELECT DISTINCT format FROM dead_letters')).toEqual([{ format: 1 }]);
  });

  it.each<OtlpProtocol>(['http/protobuf', 'http/json'])(
    'sends the waiting spans over %s exactly as the previous version did',
    async (protocol) => {
      store = openRunLedger(copyOfFixture());
      const drained = await drainedBodies(store, expected, protocol);
      rx = drained.rx;
      expect(store.outboxDepth()).toBe(0);

      const bodies = drained.bodies;
      const wanted =
        protocol === 'http/json'
          ? expected['http/json'].map((text) => Buffer.from(text, 'utf8'))
          : expected['http/protobuf'].map((base64) => Buffer.from(base64, 'base64'));
      expect(bodies.length).toBe(wanted.length);
      bodies.forEach((body, i) => {
        // Text, so a difference shows where it is (protobuf as base64).
        const show = (b: Buffer) => (protocol === 'http/json' ? b.toString('utf8') : b.toString('base64'));
        expect(show(body), `request ${i}`).toBe(show(wanted[i]!));
      });
    },
  );
});
