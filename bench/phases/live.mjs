// Live runs at the bridge's default poll settings: runs start on tracked threads while the bridge
// watches them; the simulator's request log says which request was about which run, and its
// world says the wall time at which each step turned terminal, to compare with the time its
// span reached the receiver. A share of the runs is started by an app that uses the library
// (bench/lib/library-app.mjs): it registers them and tells the bridge when it submits tool outputs.
import { join } from 'node:path';
import { DEFAULTS } from '../../dist/config/defaults.js';
import { effectiveLimit, WATCH_WINDOW_MS } from '../../dist/scheduler/request-budget.js';
import { bridgeEnv, controlUrl, exitWithin, startBridge, tempDir } from '../lib/bridge.mjs';
import { LIBRARY_SHARE, startLibraryApp, withLibraryShare } from '../lib/library-app.mjs';
import { apiRequests, countByRoute } from '../lib/request-log.mjs';
import { startSim, worldRuns } from '../lib/sim.mjs';
import { max, percentile, sleep, sum } from '../lib/stats.mjs';
import { drawLiveKind, prng } from '../lib/draws.mjs';

/** Most requests that started within any `windowMs`. */
export function maxInWindow(times, windowMs) {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/**
 * Splits the requests of a thread-watching bridge between the runs they served and discovery.
 * A run is "seen" by the first runs.list of its thread that arrived after it was created (that
 * request discovered it, so it counts as discovery); the lists after that, up to and including
 * the first one after the run ended (the one that showed it terminal), are that run's status
 * polls; steps.list and runs.retrieve requests name their run. Every other runs.list is discovery.
 */
export function attributeRequests(runs, requests) {
  const listsByThread = new Map();
  for (const r of requests) {
    if (r.route !== 'runs.list') continue;
    const list = listsByThread.get(r.threadId) ?? [];
    list.push(r.time);
    listsByThread.set(r.threadId, list);
  }
  for (const list of listsByThread.values()) list.sort((a, b) => a - b);
  const ownByRun = new Map();
  for (const r of requests) {
    if (!r.runId) continue;
    const list = ownByRun.get(r.runId) ?? [];
    list.push(r.time);
    ownByRun.set(r.runId, list);
  }
  const attributedLists = new Set();
  const perRun = runs.map((run) => {
    const lists = listsByThread.get(run.threadId) ?? [];
    const seenAt = lists.find((t) => t >= run.createdWallMs) ?? null;
    const terminalSeenAt = lists.find((t) => t >= run.endWallMs) ?? null;
    const statusPolls = [];
    if (seenAt !== null) {
      for (const t of lists) {
        if (t > seenAt && (terminalSeenAt === null || t <= terminalSeenAt)) {
          statusPolls.push(t);
          attributedLists.add(`${run.threadId}@${t}`);
        }
      }
    }
    const own = ownByRun.get(run.runId) ?? [];
    // What was spent while the run was still active, as opposed to seeing it finish.
    const whileActive = [...statusPolls, ...own].filter((t) => seenAt !== null && t >= seenAt && t < run.endWallMs).length;
    return { ...run, seenAt, terminalSeenAt, statusPolls: statusPolls.length, ownRequests: own.length, whileActive };
  });
  let discovery = 0;
  for (const [threadId, lists] of listsByThread) for (const t of lists) if (!attributedLists.has(`${threadId}@${t}`)) discovery += 1;
  return { perRun, discovery };
}

export function summarizeLive({ runs, requests, receiveTimes, activeIntervalMs, rpm, effectiveLimit }) {
  const { perRun, discovery } = attributeRequests(runs, requests);
  // Requests per poll interval while the run was active and known: its status polls and its own
  // requests, over the active intervals from when it was seen to when it ended (at least one).
  const tracked = perRun.filter((r) => r.seenAt !== null);
  const runRequests = tracked.map((r) => r.statusPolls + r.ownRequests);
  const intervals = tracked.map((r) => Math.max(1, (r.endWallMs - r.seenAt) / activeIntervalMs));
  // Runs seen while still active, for the rate while active.
  const seenActive = tracked.filter((r) => r.seenAt < r.endWallMs);
  const lagAll = [];
  const lagKnown = [];
  const lagAfterWait = [];
  const lagAfterWaitLibrary = [];
  const lagAfterWaitPlain = [];
  const lagWorking = [];
  let missing = 0;
  for (const run of perRun) {
    // The bridge knows a run from its first list of the thread after the run began, or from the app's registration.
    const knownAt = run.registeredAt == null ? run.seenAt : run.seenAt === null ? run.registeredAt : Math.min(run.seenAt, run.registeredAt);
    for (const step of run.steps) {
      const at = receiveTimes.get(step.spanId);
      if (at === undefined || at === null) {
        missing += 1;
        continue;
      }
      const lag = at - step.terminalWallMs;
      lagAll.push(lag);
      if (knownAt !== null && step.terminalWallMs >= knownAt) {
        lagKnown.push(lag);
        // Steps that finished after the run came out of requires_action: noticed at the wait's
        // back-off pace, unless the app said it submitted the outputs.
        if (run.action && step.terminalWallMs >= run.action.untilWallMs) {
          lagAfterWait.push(lag);
          (run.library ? lagAfterWaitLibrary : lagAfterWaitPlain).push(lag);
        } else lagWorking.push(lag);
      }
    }
  }
  const runLag = perRun
    .map((r) => receiveTimes.get(r.runSpanId))
    .map((at, i) => (at == null ? null : at - perRun[i].endWallMs))
    .filter((v) => v !== null);
  // Runs the app registered were known before any list showed them: not a discovery delay.
  const discoveryDelays = tracked.filter((r) => !r.library).map((r) => r.seenAt - r.createdWallMs);
  const times = requests.map((r) => r.time);
  return {
    runs: runs.length,
    discovered: tracked.length,
    requests: requests.length,
    byRoute: countByRoute(requests),
    perRunMean: sum(runRequests) / Math.max(1, tracked.length),
    perInterval: sum(runRequests) / Math.max(1, sum(intervals)),
    perIntervalWhileActive:
      sum(seenActive.map((r) => r.whileActive)) / Math.max(1e-9, sum(seenActive.map((r) => (r.endWallMs - r.seenAt) / activeIntervalMs))),
    seenWhileActive: seenActive.length,
    activeSeconds: sum(tracked.map((r) => Math.max(0, r.endWallMs - r.seenAt))) / 1000,
    discoveryRequests: discovery,
    discoveryPerRun: discovery / Math.max(1, tracked.length),
    discoveryDelayP50: percentile(discoveryDelays, 50),
    discoveryDelayP95: percentile(discoveryDelays, 95),
    lagKnown: { n: lagKnown.length, p50: percentile(lagKnown, 50), p95: percentile(lagKnown, 95), max: max(lagKnown) },
    lagWorking: { n: lagWorking.length, p50: percentile(lagWorking, 50), p95: percentile(lagWorking, 95), max: max(lagWorking) },
    lagAfterWait: { n: lagAfterWait.length, p50: percentile(lagAfterWait, 50), p95: percentile(lagAfterWait, 95), max: max(lagAfterWait) },
    lagAfterWaitLibrary: {
      n: lagAfterWaitLibrary.length,
      p50: percentile(lagAfterWaitLibrary, 50),
      p95: percentile(lagAfterWaitLibrary, 95),
      max: max(lagAfterWaitLibrary),
    },
    lagAfterWaitPlain: {
      n: lagAfterWaitPlain.length,
      p50: percentile(lagAfterWaitPlain, 50),
      p95: percentile(lagAfterWaitPlain, 95),
      max: max(lagAfterWaitPlain),
    },
    lagAll: { n: lagAll.length, p50: percentile(lagAll, 50), p95: percentile(lagAll, 95), max: max(lagAll) },
    runSpanLag: { n: runLag.length, p50: percentile(runLag, 50), p95: percentile(runLag, 95) },
    stepsMissing: missing,
    rpm,
    effectiveLimit,
    maxIn62s: maxInWindow(times, WATCH_WINDOW_MS),
  };
}

/** When each run arrives (ms after the bridge starts), on which thread, of which kind. */
export function arrivals(seed, runs, threads, windowSeconds) {
  const next = prng(seed);
  const kind = () => drawLiveKind(next);
  const times = Array.from({ length: runs }, () => 1000 + Math.floor(next() * (windowSeconds - 1) * 1000)).sort((a, b) => a - b);
  return times.map((atMs, i) => ({ atMs, thread: i % threads, kind: kind() }));
}

/**
 * Starts each arrival when it is due and its thread is free (a thread runs one run at a time,
 * so a run may start later than planned): the library share through the app, the others as a
 * client without the library would (in-process, the same call that POST /_sim/runs makes; the
 * simulator submits their tool outputs). Resolves once every arrival has started.
 */
async function driveArrivals(sim, plan, startedAt, app) {
  const threads = sim.world.threads();
  const queues = threads.map((_, i) => plan.filter((a) => a.thread === i));
  while (queues.some((q) => q.length > 0)) {
    const elapsed = Date.now() - startedAt;
    for (const [i, q] of queues.entries()) {
      if (q.length === 0 || q[0].atMs > elapsed) continue;
      if (q[0].library) {
        if (await app.start(threads[i].id, q[0])) q.shift();
        continue;
      }
      const made = sim.world.startScriptedRun(sim.world.now(), { threadId: threads[i].id, kind: q[0].kind });
      if (made && 'id' in made) q.shift();
    }
    await sleep(100);
  }
}

async function firstRequest(sim, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const first = sim.requestLog().find((e) => !e.control);
    if (first) return first.time;
    if (Date.now() > deadline) throw new Error('live: the bridge made no request');
    await sleep(20);
  }
}

/** Waits until every run has ended and its run and step spans arrived. */
async function settle(sim, rx, toWallMs, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (sim.world.summary().allFinished) {
      const runs = worldRuns(sim, toWallMs);
      const ids = runs.flatMap((r) => [r.runSpanId, ...r.steps.map((s) => s.spanId)]);
      const times = await rx.lookup(ids);
      if (times.every((t) => t !== null)) return true;
    }
    if (Date.now() > deadline) return false;
    await sleep(1000);
  }
}

/** BENCH_LIBRARY_SHARE (0..1) overrides the share of runs the app with the library starts; 0 for none. */
const shareFromEnv = () => {
  const value = Number(process.env.BENCH_LIBRARY_SHARE ?? LIBRARY_SHARE);
  if (!(value >= 0 && value <= 1)) throw new Error(`BENCH_LIBRARY_SHARE must be between 0 and 1, not ${process.env.BENCH_LIBRARY_SHARE}`);
  return value;
};

export async function runLive({ rx, seed, threads, liveRuns, windowSeconds, rpm, label, libraryShare = shareFromEnv() }) {
  const { sim, toWallMs } = await startSim({ seed, clock: { speed: 1 }, world: { threads, backfillRuns: 0, liveRuns: 0 } });
  try {
    const dir = tempDir('live');
    // The control address on a free loopback port, for the app's registrations; info level for the line that names it.
    const args = [
      'watch',
      ...sim.world.threads().flatMap((t) => ['--thread', t.id]),
      '--state',
      join(dir, 'state.sqlite'),
      '--listen',
      '127.0.0.1:0',
      '--log-level',
      'info',
      '--log-format',
      'json',
    ];
    if (rpm !== null) args.push('--rpm', String(rpm));
    const bridge = startBridge(args, bridgeEnv(sim, rx.url));
    const app = startLibraryApp({ sim, toWallMs, bridgeUrl: await controlUrl(bridge, 60_000) });
    // Arrivals count from the bridge's first request, so its start-up time is not discovery delay.
    const upAt = await firstRequest(sim, 60_000);
    await driveArrivals(sim, withLibraryShare(seed, arrivals(seed, liveRuns, threads, windowSeconds), libraryShare), upAt, app);
    const library = await app.finish();
    const settled = await settle(sim, rx, toWallMs, 180_000);
    bridge.child.kill('SIGTERM');
    const exit = await exitWithin(bridge, 30_000, `live (${label})`);
    const runs = worldRuns(sim, toWallMs).map((r) => ({ ...r, library: app.runIds.has(r.runId), registeredAt: app.registeredAt(r.runId) }));
    // The bridge only reads: the app's requests (creating runs, submitting outputs) are not its cost.
    const requests = apiRequests(sim).filter((r) => !app.isAppRoute(r.route));
    const ids = runs.flatMap((r) => [r.runSpanId, ...r.steps.map((s) => s.spanId)]);
    const times = await rx.lookup(ids);
    const receiveTimes = new Map(ids.map((id, i) => [id, times[i]]));
    if (process.env.BENCH_DEBUG_LIVE) {
      const reqs = requests;
      const t0 = bridge.startedAt;
      for (const run of runs) {
        process.stderr.write(
          `${label} ${run.kind}${run.library ? ' (library)' : ''} ${run.runId} created ${run.createdWallMs - t0} end ${run.endWallMs - t0}${run.action ? ` wait ${run.action.fromWallMs - t0}..${run.action.untilWallMs - t0}` : ''}\n`,
        );
        for (const st of run.steps)
          process.stderr.write(`   step terminal ${Math.round(st.terminalWallMs - t0)} recv ${receiveTimes.get(st.spanId) - t0}\n`);
        const mine = reqs.filter(
          (r) =>
            r.runId === run.runId ||
            (r.route === 'runs.list' &&
              r.threadId === run.threadId &&
              r.time >= run.createdWallMs - 3000 &&
              r.time <= run.endWallMs + 10000),
        );
        process.stderr.write(
          `   requests ${mine.map((r) => `${r.route === 'runs.list' ? 'L' : r.route === 'steps.list' ? 'S' : 'R'}@${r.time - t0}`).join(' ')}\n`,
        );
      }
    }
    return {
      label,
      settled,
      startupMs: upAt - bridge.startedAt,
      exitCode: exit.code,
      stderrTail: exit.code === 0 ? '' : exit.stderr.slice(-1500),
      kinds: countKinds(runs),
      library: { share: libraryShare, kinds: countKinds(runs.filter((r) => r.library)), ...library },
      isDefault: rpm === null,
      activeIntervalMs: DEFAULTS.watch.activeIntervalMs,
      ...summarizeLive({
        runs,
        requests,
        receiveTimes,
        activeIntervalMs: DEFAULTS.watch.activeIntervalMs,
        rpm: rpm ?? DEFAULTS.watch.rpm,
        effectiveLimit: effectiveLimit(rpm ?? DEFAULTS.watch.rpm),
      }),
    };
  } finally {
    await sim.shutdown();
  }
}

function countKinds(runs) {
  const out = {};
  for (const r of runs) out[r.kind] = (out[r.kind] ?? 0) + 1;
  return out;
}
