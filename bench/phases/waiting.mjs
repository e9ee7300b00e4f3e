// A run that waits (requires_action) for a long time: how often the bridge looks at it while it
// waits. The simulator's clock runs fast so a 600-second expiry passes in `waitSeconds` of wall
// time; poll intervals are wall-clock, so the back-off is what it would be on a real service.
import { join } from 'node:path';
import { bridgeEnv, exitWithin, startBridge, tempDir } from '../lib/bridge.mjs';
import { apiRequests } from '../lib/request-log.mjs';
import { startScriptedRun, startSim, worldRuns } from '../lib/sim.mjs';
import { sleep } from '../lib/stats.mjs';

/** Requests less than this apart are one look (a runs.list and the steps.list it led to). */
const LOOK_GAP_MS = 500;
const EXPIRY_WORLD_SECONDS = 600;

export function looksOf(times) {
  const looks = [];
  for (const t of [...times].sort((a, b) => a - b)) if (looks.length === 0 || t - looks[looks.length - 1] > LOOK_GAP_MS) looks.push(t);
  return looks;
}

export async function runWaiting({ rx, seed, runs, waitSeconds }) {
  const speed = EXPIRY_WORLD_SECONDS / waitSeconds;
  const { sim, toWallMs } = await startSim({ seed, clock: { speed }, world: { threads: runs, backfillRuns: 0, liveRuns: 0 } });
  try {
    for (const t of sim.world.threads()) await startScriptedRun(sim, t.id, 'expired');
    const dir = tempDir('waiting');
    const args = [
      'watch',
      ...sim.world.threads().flatMap((t) => ['--thread', t.id]),
      '--state',
      join(dir, 'state.sqlite'),
      '--listen',
      'off',
      '--log-level',
      'warn',
      '--log-format',
      'json',
    ];
    const bridge = startBridge(args, bridgeEnv(sim, rx.url));
    const world = worldRuns(sim, toWallMs);
    const endAt = Math.max(...world.map((r) => r.endWallMs));
    await sleep(Math.max(0, endAt - Date.now()) + 5_000);
    bridge.child.kill('SIGTERM');
    const exit = await exitWithin(bridge, 30_000, 'waiting');
    const requests = apiRequests(sim);
    const perRun = world.map((run) => {
      const mine = requests.filter((r) => r.threadId === run.threadId && (r.route === 'runs.list' || r.runId === run.runId));
      const from = run.action.fromWallMs;
      const until = run.action.untilWallMs;
      const during = mine.filter((r) => r.time >= from && r.time < until);
      const looks = looksOf(during.map((r) => r.time));
      const gaps = looks.slice(1).map((t, i) => t - looks[i]);
      return {
        runId: run.runId,
        waitMs: until - from,
        requests: during.length,
        looks: looks.length,
        gapsMs: gaps,
        lastGapMs: gaps.at(-1) ?? null,
        maxGapMs: gaps.length ? Math.max(...gaps) : null,
      };
    });
    return {
      runs: world.length,
      speed,
      waitSeconds,
      exitCode: exit.code,
      stderrTail: exit.code === 0 ? '' : exit.stderr.slice(-1500),
      perRun,
    };
  } finally {
    await sim.shutdown();
  }
}
