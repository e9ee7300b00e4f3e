// API efficiency of a backfill: a world of finished runs, traced once with --exit-when-idle,
// requests counted at the simulator and compared with the least the API allows.
import { join } from 'node:path';
import { bridgeEnv, exitWithin, startBridge, tempDir } from '../lib/bridge.mjs';
import { writeWatchConfig } from '../lib/config-file.mjs';
import { apiRequests, countByRoute } from '../lib/request-log.mjs';
import { startSim, worldRuns } from '../lib/sim.mjs';
import { sum } from '../lib/stats.mjs';

const PAGE = 100;
const pages = (n) => Math.max(1, Math.ceil(n / PAGE));

/**
 * The fewest requests that can fetch every finished run of the world with its steps and agent
 * names, given the calls the API offers: one runs.list page per 100 runs of each thread (a
 * thread's run list carries every run object, status and usage included, so no run needs
 * retrieving), one steps.list page per 100 steps of each run (there is no cross-run step list,
 * and even a run without steps needs one call to learn that), and one assistants.list page per
 * 100 assistants for the names.
 */
export function leastRequests(runs, assistants) {
  const byThread = new Map();
  for (const r of runs) byThread.set(r.threadId, (byThread.get(r.threadId) ?? 0) + 1);
  const runsList = sum([...byThread.values()].map(pages));
  const stepsList = sum(runs.map((r) => pages(r.steps.length)));
  const names = pages(assistants);
  return { runsList, stepsList, names, total: runsList + stepsList + names };
}

/** mode 'thread': --thread for every thread; mode 'run': every run listed in a config file. */
export async function runBackfill({ rx, seed, threads, runs, rpm, mode }) {
  const { sim, toWallMs } = await startSim({ seed, clock: { speed: 1 }, world: { threads, backfillRuns: runs, liveRuns: 0 } });
  try {
    const world = worldRuns(sim, toWallMs);
    const threadIds = [...new Set(world.map((r) => r.threadId))];
    const least = leastRequests(world, sim.world.assistants.length);
    const spansExpected = sum(world.map((r) => r.spans));
    await rx.reset();
    sim.clearRequestLog();
    const dir = tempDir(`backfill-${mode}`);
    const tracking =
      mode === 'thread'
        ? sim.world.threads().flatMap((t) => ['--thread', t.id])
        : ['--config', writeWatchConfig(dir, { runs: world.map((r) => `${r.threadId}/${r.runId}`) })];
    const args = [
      'watch',
      ...tracking,
      '--state',
      join(dir, 'state.sqlite'),
      '--listen',
      'off',
      '--rpm',
      String(rpm),
      '--exit-when-idle',
      '--log-level',
      'warn',
      '--log-format',
      'json',
    ];
    const bridge = startBridge(args, bridgeEnv(sim, rx.url));
    const exit = await exitWithin(bridge, 10 * 60_000, `backfill (${mode})`);
    const received = await rx.stats();
    const requests = apiRequests(sim);
    const byRoute = countByRoute(requests);
    const total = requests.length;
    const lastMs = (received.lastAt ?? exit.endedAt) - bridge.startedAt;
    return {
      mode,
      threads: threadIds.length,
      runs: world.length,
      steps: sum(world.map((r) => r.steps.length)),
      spansExpected,
      spansReceived: received.unique,
      duplicates: received.duplicates,
      exitCode: exit.code,
      stderrTail: exit.code === 0 ? '' : exit.stderr.slice(-1500),
      byRoute,
      total,
      least,
      ratio: total / least.total,
      perRun: total / world.length,
      leastPerRun: least.total / world.length,
      failedRequests: requests.filter((r) => r.status !== 200).length,
      wallMs: lastMs,
      spansPerSecond: received.unique / (lastMs / 1000),
    };
  } finally {
    await sim.shutdown();
  }
}
