// The run totals behind /metrics live in the state file, advanced in the transaction that
// commits the spans: SIGKILL the bridge mid-world several times, start it again on the same
// file, and /metrics never goes back (nothing lost) and ends exactly at the world's truth
// (nothing counted twice).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { startCli, waitFor, type CliProcess } from '../support/cli.js';
import { listenAddressOf, scrape, scrapedTotals, total, worldTotals, type WorldTotals } from '../support/metrics-scrape.js';
import { fetchTruth } from '../support/world.js';

let sim: RunningSimulator | undefined;
let bridge: CliProcess | undefined;

afterEach(async () => {
  bridge?.child.kill('SIGKILL');
  await sim?.shutdown();
  bridge = sim = undefined;
});

const runCount = (t: WorldTotals): number => Object.values(t.runs).reduce((a, b) => a + b, 0);

/** Every count in `later` is at least the one in `earlier`. */
function expectNoLoss(earlier: WorldTotals, later: WorldTotals): void {
  expect(later.inputTokens).toBeGreaterThanOrEqual(earlier.inputTokens);
  expect(later.outputTokens).toBeGreaterThanOrEqual(earlier.outputTokens);
  for (const [status, n] of Object.entries(earlier.steps)) expect(later.steps[status] ?? 0).toBeGreaterThanOrEqual(n);
  for (const [status, n] of Object.entries(earlier.runs)) expect(later.runs[status] ?? 0).toBeGreaterThanOrEqual(n);
}

describe('metric totals across a SIGKILL', () => {
  it('neither loses nor repeats a count when the bridge is killed and restarted', async () => {
    // Live runs start and finish over about 30 real seconds, so the kills land mid-world.
    const world = { threads: 8, backfillRuns: 12, liveRuns: 28, liveWindowSeconds: 240 };
    sim = await startSimulator({ seed: 31, clock: { speed: 8 }, world });
    const runsInWorld = world.backfillRuns + world.liveRuns;
    // Every thread of the world, those whose first run is still to come included.
    const threads = sim.world.threads().map((t) => t.id);
    const statePath = join(mkdtempSync(join(tmpdir(), 'aob-metrics-crash-')), 'state.sqlite');
    const start = (): CliProcess =>
      startCli(
        [
          'watch',
          ...threads.flatMap((t) => ['--thread', t]),
          '--state',
          statePath,
          '--listen',
          '127.0.0.1:0',
          '--log-format',
          'json',
          '--rpm',
          '3000',
          '--active-interval',
          '300',
        ],
        { OPENAI_API_KEY: sim!.apiKey, OPENAI_BASE_URL: sim!.url, OTEL_TRACES_EXPORTER: 'none' },
      );

    let before: WorldTotals = { inputTokens: 0, outputTokens: 0, steps: {}, runs: {} };
    const killedAt: number[] = [];
    for (const share of [0.3, 0.55, 0.8]) {
      bridge = start();
      const address = await listenAddressOf(bridge);
      // Straight after the restart: what was counted before the kill is all there.
      const restarted = scrapedTotals(await scrape(address));
      expectNoLoss(before, restarted);
      await waitFor(
        async () => runCount(scrapedTotals(await scrape(address))) >= share * runsInWorld,
        `${share * 100}% of the runs counted`,
        60_000,
      );
      before = scrapedTotals(await scrape(address));
      bridge.child.kill('SIGKILL');
      await bridge.exited;
      killedAt.push(runCount(before));
    }
    // The kills really landed mid-world.
    expect(killedAt.filter((n) => n > 0 && n < runsInWorld).length).toBeGreaterThanOrEqual(2);

    bridge = start();
    const address = await listenAddressOf(bridge);
    expectNoLoss(before, scrapedTotals(await scrape(address)));
    let truth = await fetchTruth(sim);
    await waitFor(
      async () => {
        truth = await fetchTruth(sim!);
        if (!truth.allFinished || truth.pending.length > 0) return false;
        const samples = await scrape(address);
        return (
          total(samples, 'assistants_bridge_runs_tracked', { state: 'active' }) === 0 &&
          total(samples, 'assistants_bridge_runs_tracked', { state: 'finished' }) === runsInWorld
        );
      },
      'every run to be finished',
      120_000,
    );
    const want = worldTotals(truth);
    const final = scrapedTotals(await scrape(address));
    console.log(JSON.stringify({ killedAtRuns: killedAt, final, truth: want }));
    expect(final).toEqual(want);

    bridge.child.kill('SIGTERM');
    expect((await bridge.exited).code).toBe(0);
  }, 240_000);
});
