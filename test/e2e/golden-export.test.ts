// What the bridge exports for fixed input, byte-compared with files reviewed into the repository:
// the sample runs through `import`, and a seeded simulator world through `watch` (its spans as
// the strict receiver decoded them, and the metric totals it committed). A refactor that changes
// no behaviour leaves both files as they are; a change of behaviour shows up here as a diff to
// review. `UPDATE_GOLDEN=1` rewrites them.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { openRunLedger } from '../../src/sources/assistants/run-ledger.js';
import { REPO, runCli } from '../support/cli.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver/index.js';
import { fetchTruth, threadIdsOf } from '../support/world.js';

const FIXTURES = join(REPO, 'test', 'fixtures', 'golden');
const update = process.env.UPDATE_GOLDEN === '1';

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;

afterEach(async () => {
  await sim?.shutdown();
  await rx?.close();
  sim = rx = undefined;
});

function compareWithFile(name: string, actual: string): void {
  const path = join(FIXTURES, name);
  if (update) writeFileSync(path, actual);
  expect(actual, `${name} changed; if the change is intended, run with UPDATE_GOLDEN=1 and review the diff`).toBe(
    readFileSync(path, 'utf8'),
  );
}

/** The parts of a received span that the bridge decides; the port of a simulator that listens on a free port aside. */
function stable(span: ReceivedSpan): Record<string, unknown> {
  const { receivedAt: _at, requestId: _request, encoding: _encoding, ...rest } = span;
  const attributes = { ...rest.attributes };
  if ('server.port' in attributes) attributes['server.port'] = 'SIMULATOR_PORT';
  return { ...rest, attributes };
}

describe('golden export', () => {
  it('import of the sample runs prints the same spans', async () => {
    const result = await runCli(['import', join(REPO, 'samples', 'runs.json')], {
      OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
      OTEL_TRACES_EXPORTER: undefined,
    });
    expect(result.code, result.stderr).toBe(0);
    compareWithFile('import-samples.jsonl', result.stdout);
  });

  it('watch of a seeded world exports the same spans and commits the same totals', async () => {
    // A world that has finished before the bridge starts: every object is final when it is read.
    sim = await startSimulator({
      seed: 23,
      clock: { startEpoch: 1_767_225_600, speed: 1 },
      world: { threads: 4, backfillRuns: 14, liveRuns: 0 },
    });
    rx = await startOtlpReceiver();
    const truth = await fetchTruth(sim);
    const state = join(mkdtempSync(join(tmpdir(), 'aob-golden-')), 'state.sqlite');
    const args = [
      'watch',
      ...threadIdsOf(truth).flatMap((t) => ['--thread', t]),
      '--exit-when-idle',
      '--state',
      state,
      '--listen',
      'off',
      '--rpm',
      '6000',
    ];
    const result = await runCli(
      args,
      { OPENAI_API_KEY: sim.apiKey, OPENAI_BASE_URL: sim.url, OTEL_EXPORTER_OTLP_ENDPOINT: rx.url },
      120_000,
    );
    expect(result.code, result.stderr).toBe(0);

    const spans = rx
      .spans()
      .map(stable)
      .sort((a, b) => `${String(a.traceId)}/${String(a.spanId)}`.localeCompare(`${String(b.traceId)}/${String(b.spanId)}`));
    compareWithFile('watch-world-spans.jsonl', spans.map((s) => `${JSON.stringify(s)}\n`).join(''));

    const store = openRunLedger(state);
    try {
      const totals = store
        .metricTotals()
        .map((t) => ({
          name: t.name,
          labels: Object.fromEntries(Object.entries(t.labels).sort(([a], [b]) => a.localeCompare(b))),
          value: t.value,
        }))
        .sort((a, b) => `${a.name} ${JSON.stringify(a.labels)}`.localeCompare(`${b.name} ${JSON.stringify(b.labels)}`));
      compareWithFile('watch-world-totals.jsonl', totals.map((t) => `${JSON.stringify(t)}\n`).join(''));
    } finally {
      void store.shutdown();
    }
  });
});
