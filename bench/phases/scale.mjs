// Scale: many tracked runs (active, waiting, finished) under one fixed request budget, for a
// fixed time. Memory and CPU are sampled from /proc; fairness comes from the simulator's request
// log (for each active run, the longest stretch without a look at its status); the state file is
// measured once the bridge has stopped.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { bridgeEnv, exitWithin, startBridge, tempDir } from '../lib/bridge.mjs';
import { writeWatchConfig } from '../lib/config-file.mjs';
import { cpuSummary, sampleProcess } from '../lib/proc-stats.mjs';
import { effectiveLimit, WATCH_WINDOW_MS } from '../../dist/scheduler/request-budget.js';
import { apiRequests, countByRoute } from '../lib/request-log.mjs';
import { startSim, worldRuns } from '../lib/sim.mjs';
import { max, percentile, sleep } from '../lib/stats.mjs';

export const ACTIVE_KIND = 'huge';
export const WAITING_KIND = 'expired';

function fileSize(path) {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** How many of `times` fall in each `windowMs` from `from` to `to`. */
export function perWindow(times, from, to, windowMs) {
  // Whole windows only: a last partial one would look like a stall.
  const out = new Array(Math.max(1, Math.floor((to - from) / windowMs))).fill(0);
  for (const t of times) {
    const i = Math.floor((t - from) / windowMs);
    if (t >= from && i < out.length) out[i] += 1;
  }
  return out;
}

/** Gaps between looks at a run within [from, to], the stretches before the first and after the last included. */
export function gapsWithin(looks, from, to) {
  const inside = looks.filter((t) => t >= from && t <= to);
  const points = [from, ...inside, to];
  return points.slice(1).map((t, i) => ({ startedAt: points[i], ms: t - points[i] }));
}

export async function runScale({ rx, seed, total, active, waiting, rpm, seconds, speed }) {
  const finished = total - active - waiting;
  if (finished < 0) throw new RangeError('scale: active + waiting exceed the total');
  const threads = active + waiting;
  const setupStarted = Date.now();
  const { sim, toWallMs } = await startSim({ seed, clock: { speed }, world: { threads, backfillRuns: finished, liveRuns: 0 } });
  try {
    // Each live run on its own thread (a thread has one active run at a time); in-process, the
    // same call POST /_sim/runs makes, to spare thousands of HTTP round trips before the clock starts.
    const threadList = sim.world.threads();
    for (let i = 0; i < threads; i++) {
      const made = sim.world.startScriptedRun(sim.world.now(), {
        threadId: threadList[i].id,
        kind: i < active ? ACTIVE_KIND : WAITING_KIND,
      });
      if (!made || !('id' in made)) throw new Error(`scale: could not start a run on ${threadList[i].id}`);
    }
    const setupMs = Date.now() - setupStarted;
    const dir = tempDir('scale');
    const statePath = join(dir, 'state.sqlite');
    const config = writeWatchConfig(dir, { threads: threadList.map((t) => t.id) });
    await rx.reset();
    sim.clearRequestLog();
    const bridge = startBridge(
      [
        'watch',
        '--config',
        config,
        '--state',
        statePath,
        '--listen',
        'off',
        '--rpm',
        String(rpm),
        '--log-level',
        'warn',
        '--log-format',
        'json',
      ],
      bridgeEnv(sim, rx.url),
    );
    const sampler = sampleProcess(bridge.pid, 1000);
    await Promise.race([sleep(seconds * 1000), bridge.exited]);
    const stoppedAt = Date.now();
    const samples = sampler.stop();
    bridge.child.kill('SIGTERM');
    const exit = await exitWithin(bridge, 60_000, 'scale', { killed: true });
    const received = await rx.stats();

    const world = worldRuns(sim, toWallMs);
    const requests = apiRequests(sim).filter((r) => r.time <= stoppedAt);
    // A look at a run: a runs.list of its thread (its status), or any request naming it (retrieve, steps).
    const threadLists = new Map();
    const ownRequests = new Map();
    const push = (map, key, t) => {
      const list = map.get(key) ?? [];
      list.push(t);
      map.set(key, list);
    };
    for (const r of requests) {
      if (r.route === 'runs.list') push(threadLists, r.threadId, r.time);
      else if (r.runId) push(ownRequests, r.runId, r.time);
    }
    const looksAt = (run) => [...(threadLists.get(run.threadId) ?? []), ...(ownRequests.get(run.runId) ?? [])].sort((a, b) => a - b);
    const finishedRunIds = new Set(world.filter((r) => r.origin === 'backfill').map((r) => r.runId));
    // The backlog of finished runs is done once each of them had its steps listed.
    const backlogLists = requests.filter((r) => r.route === 'steps.list' && finishedRunIds.has(r.runId));
    const backlogTraced = new Set(backlogLists.map((r) => r.runId)).size;
    const backfillDoneAt = backlogTraced === finishedRunIds.size ? (max(backlogLists.map((r) => r.time)) ?? bridge.startedAt) : null;

    const lateFrom = bridge.startedAt + (seconds * 1000) / 2;
    const fairness = (kind) => {
      const runs = world.filter((r) => r.kind === kind && r.origin === 'control');
      const perRun = runs.map((run) => {
        const from = Math.max(bridge.startedAt, run.createdWallMs);
        const to = Math.min(stoppedAt, run.endWallMs);
        const gaps = gapsWithin(looksAt(run), from, to);
        // Once it works: from the first look after it left `queued` (a queued run waits, and is
        // looked at on the waiting back-off).
        const startedAt = run.startedWallMs ?? Infinity;
        const firstLookWorking = looksAt(run).find((t) => t >= startedAt);
        const working = firstLookWorking === undefined ? [] : gapsWithin(looksAt(run), firstLookWorking, to);
        return {
          maxGapMs: max(gaps.map((g) => g.ms)) ?? 0,
          workingMaxGapMs: firstLookWorking === undefined ? null : (max(working.map((g) => g.ms)) ?? 0),
          steadyMaxGapMs: backfillDoneAt === null ? null : max(gaps.filter((g) => g.startedAt >= backfillDoneAt).map((g) => g.ms)),
          // Past the start-up (every thread's first pass, runs leaving queued, the strict window's first fill).
          lateMaxGapMs: max(working.filter((g) => g.startedAt >= lateFrom).map((g) => g.ms)),
          longestWorkingEarly: working.length > 0 && working.reduce((a, b) => (b.ms > a.ms ? b : a)).startedAt < lateFrom,
          looks: gaps.length - 1,
        };
      });
      const maxes = perRun.map((r) => r.maxGapMs);
      const steady = perRun.map((r) => r.steadyMaxGapMs).filter((v) => v !== null);
      const working = perRun.map((r) => r.workingMaxGapMs).filter((v) => v !== null);
      const late = perRun.map((r) => r.lateMaxGapMs).filter((v) => v !== null);
      return {
        runs: runs.length,
        lateMaxGapMs: max(late),
        lateP95MaxGapMs: percentile(late, 95),
        lateMedianMaxGapMs: percentile(late, 50),
        longestWorkingEarly: perRun.filter((r) => r.longestWorkingEarly).length,
        workingMaxGapMs: max(working),
        workingP95MaxGapMs: percentile(working, 95),
        workingMedianMaxGapMs: percentile(working, 50),
        workingRuns: working.length,
        maxGapMs: max(maxes),
        p95MaxGapMs: percentile(maxes, 95),
        medianMaxGapMs: percentile(maxes, 50),
        steadyMaxGapMs: max(steady),
        steadyP95MaxGapMs: percentile(steady, 95),
        meanLooks: perRun.reduce((n, r) => n + r.looks, 0) / Math.max(1, perRun.length),
      };
    };

    let tracked = null;
    try {
      const db = new DatabaseSync(statePath, { readOnly: true });
      const row = db.prepare('SELECT count(*) AS runs, sum(terminal) AS terminal FROM tracked_runs').get();
      const outbox = db.prepare('SELECT coalesce(sum(waiting), 0) AS n FROM outbox').get();
      tracked = { runs: row.runs, terminal: row.terminal, outbox: outbox.n };
      db.close();
    } catch (error) {
      tracked = { error: String(error) };
    }
    const observedSeconds = (stoppedAt - bridge.startedAt) / 1000;
    const budgetPerSecond = rpm / 60;
    // What the budget spends a second: 90% of rpm per 62 s.
    const spendPerSecond = effectiveLimit(rpm) / (WATCH_WINDOW_MS / 1000);
    return {
      total: world.length,
      active,
      waiting,
      finished,
      rpm,
      speed,
      setupMs,
      seconds: observedSeconds,
      exitCode: exit.code,
      shutdownMs: exit.endedAt - stoppedAt,
      killedAfterShutdownTimeout: exit.killed === true,
      stderrTail: exit.code === 0 ? '' : exit.stderr.slice(-1500),
      rssMaxBytes: max(samples.map((s) => s.rssBytes)),
      rssEndBytes: samples.at(-1)?.rssBytes ?? null,
      peakRssBytes: samples.at(-1)?.peakRssBytes ?? null,
      cpu: cpuSummary(samples),
      requests: requests.length,
      requestsPerSecond: requests.length / observedSeconds,
      byRoute: countByRoute(requests),
      backfillDoneSeconds: backfillDoneAt === null ? null : (backfillDoneAt - bridge.startedAt) / 1000,
      backlogTraced,
      requestsPer10s: perWindow(
        requests.map((r) => r.time),
        bridge.startedAt,
        stoppedAt,
        10_000,
      ),
      targetIntervalMs: (active / budgetPerSecond) * 1000,
      // The best any schedule can do under the budget's rules: every request spent, 1 in 10 of
      // them on the lower classes (which always have something due here) ...
      floorIntervalMs: (active / (spendPerSecond * 0.9)) * 1000,
      // ... and, before that, one first list of every tracked thread.
      startupFloorMs: (threads / spendPerSecond) * 1000,
      activeFairness: fairness(ACTIVE_KIND),
      waitingFairness: fairness(WAITING_KIND),
      spansReceived: received.unique,
      duplicates: received.duplicates,
      state: { fileBytes: fileSize(statePath), walBytes: fileSize(`${statePath}-wal`), shmBytes: fileSize(`${statePath}-shm`), ...tracked },
    };
  } finally {
    await sim.shutdown();
  }
}
