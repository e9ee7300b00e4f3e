// State files written by the releases of schemas 1, 2 and 3 (test/fixtures/state/README.md says
// how), opened by this version: upgraded in place to the current schema, every run and thread
// kept with its cursor as that release read it, its emitted steps still emitted (a re-poll sends
// none twice), its totals kept, and its waiting spans sent byte for byte as that release sent them.
import { copyFileSync, readFileSync } from 'node:fs';
import nodePath from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import {
  openRunLedger,
  type RunLedger,
  type StateStats,
  type TrackedRun,
  type TrackedThread,
} from '../../src/sources/assistants/run-ledger.js';
import { SCHEMA_VERSION } from '../../src/state/schema.js';
import type { MetricTotal } from '../../src/state/types.js';
import { REPO } from '../support/cli.js';
import type { OtlpReceiver } from '../support/otlp-receiver/index.js';
import { drainedBodies, span, tempDir, type OldExport } from './helpers.js';

const FIXTURES = nodePath.join(REPO, 'test', 'fixtures', 'state');

/** What the release read back from the file it wrote. */
interface OldView {
  schema: number;
  runs: (TrackedRun & { emittedStepIds: string[] })[];
  activeRunIds: string[];
  threads: TrackedThread[];
  metricTotals: MetricTotal[];
  stats: StateStats;
}

const fixture = (file: string): unknown => JSON.parse(readFileSync(nodePath.join(FIXTURES, file), 'utf8'));

let store: RunLedger | undefined;
let rx: OtlpReceiver | undefined;
afterEach(async () => {
  if (store && !store.closed) await store.shutdown();
  await rx?.close();
  store = rx = undefined;
});

function userVersion(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return Number(db.prepare('PRAGMA user_version').get()?.user_version);
  } finally {
    db.close();
  }
}

describe.each([1, 2, 3])('a state file of schema %i, written by that release', (schema) => {
  const view = fixture(`schema-${schema}-view.json`) as OldView;
  const expected = fixture(`schema-${schema}-export.json`) as OldExport;
  const copy = (): string => {
    const path = nodePath.join(tempDir(), 'state.sqlite');
    copyFileSync(nodePath.join(FIXTURES, `schema-${schema}.sqlite`), path);
    return path;
  };

  it('is upgraded in place, every run and thread kept with its cursor, and its totals', async () => {
    const path = copy();
    expect(userVersion(path)).toBe(schema);
    store = openRunLedger(path);
    for (const { emittedStepIds, ...run } of view.runs) {
      // Schema 3 marks a run that already emitted steps as having seen step usage (never counted twice).
      const stepUsageSeen = schema < 3 ? emittedStepIds.length > 0 : run.stepUsageSeen;
      expect(store.getRun(run.runId)).toEqual({ ...run, stepUsageSeen });
    }
    expect(store.listRuns({ active: true }).map((r) => r.runId)).toEqual(view.activeRunIds);
    expect(store.listThreads()).toEqual(view.threads);
    expect(store.metricTotals()).toEqual(view.metricTotals);
    expect(store.stats()).toEqual(view.stats);
    await store.shutdown();
    expect(userVersion(path)).toBe(SCHEMA_VERSION);
  });

  it('keeps every emitted step and run span emitted: a re-poll commits none of them again', () => {
    store = openRunLedger(copy());
    const depth = store.outboxDepth();
    let n = 0;
    for (const run of view.runs) {
      expect(store.emittedAmong(run.runId, [...run.emittedStepIds, 'step_not_seen'])).toEqual(new Set(run.emittedStepIds));
      const again = [...run.emittedStepIds, ...(run.runSpanEmitted ? [run.runId] : [])].map((key) => span(run.runId, (n += 1), { key }));
      expect(store.commitProgress({ runId: run.runId, spans: again }).enqueued).toBe(0);
    }
    expect(store.outboxDepth()).toBe(depth);
    // A step not emitted before still goes in.
    const [mid] = view.activeRunIds;
    expect(store.commitProgress({ runId: mid!, spans: [span(mid!, (n += 1), { key: 'step_not_seen' })] }).enqueued).toBe(1);
  });

  it.each<'http/protobuf' | 'http/json'>(['http/protobuf', 'http/json'])(
    'sends the waiting spans over %s exactly as that release did',
    async (protocol) => {
      store = openRunLedger(copy());
      const drained = await drainedBodies(store, expected, protocol);
      rx = drained.rx;
      expect(store.outboxDepth()).toBe(0);
      const wanted = expected[protocol].map((text) => (protocol === 'http/json' ? Buffer.from(text, 'utf8') : Buffer.from(text, 'base64')));
      const show = (b: Buffer): string => (protocol === 'http/json' ? b.toString('utf8') : b.toString('base64'));
      expect(drained.bodies.map(show)).toEqual(wanted.map(show));
    },
  );
});
