// The agents source (`watch --agent-session`) against the simulator's Agents API: a backfill of
// finished sessions (requests against the least the API allows, spans against what was listed,
// end-to-end spans/s against the bare SDK exporting the same spans), the lag from a trace's
// publication to its spans at the receiver with live turns at the defaults, and what a thousand
// idle tracked sessions cost in requests and memory.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULTS } from '../../dist/config/defaults.js';
import { agentsRequests, expectedSpans, leastAgentRequests, listedParts, pages, rootTurns, worldSecondAt } from '../lib/agents.mjs';
import { bridgeEnv, exitWithin, startBridge, tempDir } from '../lib/bridge.mjs';
import { runNode } from '../lib/child.mjs';
import { writeWatchConfig } from '../lib/config-file.mjs';
import { sampleProcess } from '../lib/proc-stats.mjs';
import { countByRoute } from '../lib/request-log.mjs';
import { startSim } from '../lib/sim.mjs';
import { max, median, percentile, sleep } from '../lib/stats.mjs';

const BASELINE = fileURLToPath(new URL('../baseline-agents-sdk.mjs', import.meta.url));

/** A simulator serving the Agents API (the Assistants world beside it kept to one empty thread). */
const startAgentsSim = (seed, agents) =>
  startSim({ seed, clock: { speed: 1 }, world: { threads: 1, backfillRuns: 0, liveRuns: 0 }, agents });

const sessionFlags = (ids) => ids.flatMap((id) => ['--agent-session', id]);
const quietFlags = (dir) => ['--state', join(dir, 'state.sqlite'), '--listen', 'off', '--log-level', 'warn', '--log-format', 'json'];

/** The first request of each kind per session, for when each session's traces were read. */
function firstTimes(requests, route) {
  const out = new Map();
  for (const r of requests) if (r.route === route && r.sessionId && !out.has(r.sessionId)) out.set(r.sessionId, r.time);
  return out;
}

/**
 * One bridge over the whole backfill with a fresh state file, `--agent-trace-wait 0` so every
 * turn (finished long ago) settles in its session's first look, `--exit-when-idle`.
 */
async function backfillOnce({ sim, rx, sessions, label }) {
  await rx.reset();
  sim.clearRequestLog();
  const dir = tempDir('agents-backfill');
  const args = ['watch', ...sessionFlags(sessions), '--agent-trace-wait', '0', '--rpm', '100000', '--exit-when-idle', ...quietFlags(dir)];
  const bridge = startBridge(args, bridgeEnv(sim, rx.url));
  const exit = await exitWithin(bridge, 10 * 60_000, label);
  const received = await rx.stats();
  const wallMs = (received.lastAt ?? exit.endedAt) - bridge.startedAt;
  return { bridge, exit, received, wallMs, spansPerSecond: received.unique / (wallMs / 1000), ...sustained(received) };
}

async function baselineOnce(rx, file, expected) {
  await rx.reset();
  const exit = await runNode(BASELINE, [file], { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url });
  const stats = await rx.stats();
  if (exit.code !== 0 || stats.unique !== expected)
    throw new Error(`agents baseline: exit ${exit.code}, ${stats.unique} of ${expected} spans received\n${exit.stderr.slice(-1500)}`);
  const wallMs = stats.lastAt - exit.startedAt;
  return { wallMs, spansPerSecond: expected / (wallMs / 1000), cpuSeconds: exit.cpu?.cpuSeconds ?? null, ...sustained(stats) };
}

/** Spans over the time from the first receipt to the last: start-up left out, for both contenders alike. */
function sustained(stats) {
  const ms = (stats.lastAt ?? 0) - (stats.firstAt ?? 0);
  return { firstToLastMs: ms, sustainedPerSecond: ms > 0 ? stats.unique / (ms / 1000) : null };
}

/** The published spans the bridge forwarded, as OTLP JSON requests (one line per trace) for the baseline. */
function writeBaselineFile(sim, roots, receivedIds, file) {
  let spans = 0;
  const lines = [];
  for (const turn of roots) {
    const entry = sim.agents.finalTrace(turn.turnId);
    if (entry === null) continue;
    const otlp = JSON.parse(entry).otlp;
    for (const rs of otlp.resourceSpans ?? [])
      for (const ss of rs.scopeSpans ?? []) {
        ss.spans = ss.spans.filter((s) => receivedIds.has(s.spanId));
        spans += ss.spans.length;
      }
    lines.push(JSON.stringify(otlp));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return spans;
}

export async function runAgentsBackfill({ rx, seed, sessions, turns, rounds }) {
  const { sim, clockStartMs, speed } = await startAgentsSim(seed, {
    agents: 3,
    sessions,
    backfillTurns: turns,
    liveSessions: 0,
    liveTurns: 0,
    publishDelaySeconds: [0, 1],
  });
  try {
    const ids = sim.agents.truth().sessions.map((s) => s.id);
    const first = await backfillOnce({ sim, rx, sessions: ids, label: 'agents backfill' });
    const requests = agentsRequests(sim);
    const truth = sim.agents.truth();
    const roots = rootTurns(truth);
    const second = worldSecondAt(sim, clockStartMs, speed);
    // Each session's traces as its (only) look read them; a session never asked for traces: as at its turns list.
    const tracesAt = firstTimes(requests, 'traces.list');
    const turnsAt = firstTimes(requests, 'turns.list');
    const readAt = new Map(ids.map((id) => [id, second(tracesAt.get(id) ?? turnsAt.get(id) ?? Date.now())]));
    const least = leastAgentRequests(truth, readAt);
    const expected = roots.map((t) => expectedSpans(t, readAt.get(t.sessionId)));
    const published = expected.flatMap((e) => e.published);
    const synthetic = expected.map((e) => e.synthetic).filter((s) => s !== null);
    const times = await rx.lookup([...published, ...synthetic]);
    const missingPublished = times.slice(0, published.length).filter((t) => t === null).length;
    const missingSynthetic = times.slice(published.length).filter((t) => t === null).length;

    // The baseline exports exactly the published spans the bridge delivered.
    const file = join(tempDir('agents-baseline'), 'traces.jsonl');
    const delivered = new Set(published.filter((_, i) => times[i] !== null));
    const baselineSpans = writeBaselineFile(
      sim,
      roots.filter((t) => listedParts(t, readAt.get(t.sessionId)) !== null),
      delivered,
      file,
    );
    const bridgeRounds = [first];
    const baselineRounds = [];
    for (let round = 0; round < rounds; round++) {
      // Round 0's bridge ran above (it made the baseline's file); later rounds alternate which goes first.
      const bridgeFirst = round % 2 === 0;
      if (!bridgeFirst) baselineRounds.push(await baselineOnce(rx, file, baselineSpans));
      if (round > 0) bridgeRounds.push(await backfillOnce({ sim, rx, sessions: ids, label: `agents backfill round ${round + 1}` }));
      if (bridgeFirst) baselineRounds.push(await baselineOnce(rx, file, baselineSpans));
    }
    const ratios = bridgeRounds.map((b, i) => b.spansPerSecond / baselineRounds[i].spansPerSecond);
    const mid = (list) => {
      const m = [...list].sort((a, b) => a.spansPerSecond - b.spansPerSecond)[Math.floor((list.length - 1) / 2)];
      return {
        wallMs: m.wallMs,
        spansPerSecond: m.spansPerSecond,
        rounds: list.map((b) => Math.round(b.spansPerSecond)),
        sustainedRounds: list.map((b) => (b.sustainedPerSecond === null ? null : Math.round(b.sustainedPerSecond))),
      };
    };
    const sustainedRatios = bridgeRounds.map((b, i) =>
      b.sustainedPerSecond === null || !baselineRounds[i].sustainedPerSecond
        ? null
        : b.sustainedPerSecond / baselineRounds[i].sustainedPerSecond,
    );
    const total = requests.length;
    return {
      sessions: ids.length,
      rootTurns: roots.length,
      turns: truth.turns.length,
      exitCode: first.exit.code,
      stderrTail: first.exit.code === 0 ? '' : first.exit.stderr.slice(-1500),
      byRoute: countByRoute(requests),
      refusedTracesPages: requests.filter((r) => r.route === 'traces.list' && r.status !== 200).length,
      failedRequests: requests.filter((r) => r.status !== 200).length,
      total,
      least,
      ratio: total / least.total,
      ratioDesign: total / least.design,
      spansExpected: published.length + synthetic.length,
      publishedExpected: published.length,
      syntheticExpected: synthetic.length,
      spansReceived: first.received.unique,
      duplicates: first.received.duplicates,
      missingPublished,
      missingSynthetic,
      wallMs: first.wallMs,
      throughput: {
        rounds,
        bridge: { ...mid(bridgeRounds), spans: first.received.unique },
        baseline: { ...mid(baselineRounds), spans: baselineSpans },
        roundRatios: ratios,
        ratio: median(ratios),
        sustainedRatios,
        sustainedRatio: median(sustainedRatios.filter((v) => v !== null)),
      },
    };
  } finally {
    await sim.shutdown();
  }
}

/** Per trace listed by `now`: its spans that end, and when its last part was listed (wall ms). */
function publishedTraces(truth, now, toWallMs) {
  return rootTurns(truth)
    .filter((t) => listedParts(t, now) === t.trace?.parts && t.trace.parts > 0)
    .map((t) => ({
      turnId: t.turnId,
      kind: t.kind,
      parts: t.trace.parts,
      completeWallMs: toWallMs(t.trace.completeAt),
      spanIds: t.trace.spans.filter((s) => s.ends).map((s) => s.spanId),
    }));
}

/**
 * Live turns on tracked sessions at the bridge's defaults (poll intervals, budget, trace wait):
 * from when a trace's last part is listed to when the last of its spans is at the receiver.
 */
export async function runAgentsLive({ rx, seed, sessions, turns, windowSeconds, settleSeconds }) {
  const { sim, toWallMs, clockStartMs, speed } = await startAgentsSim(seed, {
    agents: 3,
    sessions,
    backfillTurns: 0,
    liveSessions: 0,
    liveTurns: turns,
    liveWindowSeconds: windowSeconds,
  });
  try {
    const ids = sim.agents.truth().sessions.map((s) => s.id);
    const second = worldSecondAt(sim, clockStartMs, speed);
    await rx.reset();
    const dir = tempDir('agents-live');
    const bridge = startBridge(['watch', ...sessionFlags(ids), ...quietFlags(dir)], bridgeEnv(sim, rx.url));
    await Promise.race([sleep(windowSeconds * 1000), bridge.exited]);
    // Then until every turn has started, every trace complete before the settle time is up is
    // complete, and every trace listed so far is at the receiver; or the settle time is up.
    const deadline = Date.now() + settleSeconds * 1000;
    const deadlineSecond = second(deadline);
    let traces = [];
    let receiveTimes = [];
    for (;;) {
      const truth = sim.agents.truth();
      traces = publishedTraces(truth, truth.now, toWallMs);
      receiveTimes = await Promise.all(traces.map((t) => rx.lookup(t.spanIds)));
      const due = rootTurns(truth).some((t) => {
        const at = t.trace?.completeAt ?? null;
        return at !== null && at > truth.now && at <= deadlineSecond;
      });
      const inAll = receiveTimes.every((list) => list.every((at) => at !== null));
      if ((truth.pending.length === 0 && !due && inAll) || Date.now() > deadline || bridge.child.exitCode !== null) break;
      await sleep(1000);
    }
    bridge.child.kill('SIGTERM');
    const exit = await exitWithin(bridge, 30_000, 'agents live');
    const lags = [];
    let missing = 0;
    traces.forEach((t, i) => {
      const at = receiveTimes[i];
      if (at.some((x) => x === null)) missing += 1;
      else if (at.length > 0) lags.push(max(at) - t.completeWallMs);
    });
    const requests = agentsRequests(sim).filter((r) => r.time >= bridge.startedAt);
    return {
      sessions: ids.length,
      turns,
      windowSeconds,
      exitCode: exit.code,
      stderrTail: exit.code === 0 ? '' : exit.stderr.slice(-1500),
      activeIntervalMs: DEFAULTS.watch.activeIntervalMs,
      traces: traces.length,
      twoParts: traces.filter((t) => t.parts > 1).length,
      missing,
      lag: { n: lags.length, p50: percentile(lags, 50), p95: percentile(lags, 95), max: max(lags) },
      requests: requests.length,
      byRoute: countByRoute(requests),
    };
  } finally {
    await sim.shutdown();
  }
}

/**
 * A thousand sessions, each with one finished turn, found by following their agents (`--agent`
 * for each, `--since` back past them): their backfill, then idle, when a pass should cost the
 * agents' sessions lists and nothing else. The budget is set far above what they ask so the figure
 * is what the passes ask (the discovery pace: 10 s, doubling to 60 s while nothing changes).
 */
export async function runAgentsIdle({ rx, seed, sessions, seconds }) {
  const { sim } = await startAgentsSim(seed, {
    agents: 3,
    sessions,
    backfillTurns: sessions,
    liveSessions: 0,
    liveTurns: 0,
    publishDelaySeconds: [0, 1],
  });
  try {
    const truth = sim.agents.truth();
    const ids = truth.sessions.map((s) => s.id);
    const agents = [...new Set(truth.sessions.map((s) => s.agentId))];
    const leastPerPass = agents.reduce((n, a) => n + pages(truth.sessions.filter((s) => s.agentId === a).length), 0);
    await rx.reset();
    sim.clearRequestLog();
    const dir = tempDir('agents-idle');
    const config = writeWatchConfig(dir, { agents, since: '30d' });
    const bridge = startBridge(
      ['watch', '--config', config, '--agent-trace-wait', '0', '--rpm', '100000', ...quietFlags(dir)],
      bridgeEnv(sim, rx.url),
    );
    const sampler = sampleProcess(bridge.pid, 1000);
    await Promise.race([sleep(seconds * 1000), bridge.exited]);
    const stoppedAt = Date.now();
    const samples = sampler.stop();
    bridge.child.kill('SIGTERM');
    const exit = await exitWithin(bridge, 60_000, 'agents idle', { killed: true });
    const requests = agentsRequests(sim).filter((r) => r.time <= stoppedAt);
    // The backfill is over once every session had its first look (its turns list, and its traces list when it asked).
    const firstLook = new Map();
    for (const r of requests)
      if (r.sessionId && (r.route === 'traces.list' || !firstLook.has(r.sessionId))) firstLook.set(r.sessionId, r.time);
    const backfillDoneAt = firstLook.size === ids.length ? max([...firstLook.values()]) : null;
    const idleFrom = backfillDoneAt ?? stoppedAt;
    const idle = requests.filter((r) => r.time > idleFrom);
    // A pass begins with each agent's first page: passes = first pages / agents.
    const passes = idle.filter((r) => r.route === 'sessions.list' && r.first).length / agents.length;
    const listPages = idle.filter((r) => r.route === 'sessions.list').length;
    const received = await rx.stats();
    return {
      sessions: ids.length,
      agents: agents.length,
      seconds: (stoppedAt - bridge.startedAt) / 1000,
      exitCode: exit.code,
      killedAfterShutdownTimeout: exit.killed === true,
      stderrTail: exit.code === 0 ? '' : exit.stderr.slice(-1500),
      backfillSeconds: backfillDoneAt === null ? null : (backfillDoneAt - bridge.startedAt) / 1000,
      discovered: firstLook.size,
      requests: requests.length,
      byRoute: countByRoute(requests),
      idleSeconds: (stoppedAt - idleFrom) / 1000,
      idleRequests: idle.length,
      idleByRoute: countByRoute(idle),
      passes,
      perPass: passes > 0 ? idle.length / passes : null,
      listPagesPerPass: passes > 0 ? listPages / passes : null,
      leastPerPass,
      otherIdleRequests: idle.length - listPages,
      rssMaxBytes: max(samples.map((s) => s.rssBytes)),
      rssEndBytes: samples.at(-1)?.rssBytes ?? null,
      spansReceived: received.unique,
      duplicates: received.duplicates,
    };
  } finally {
    await sim.shutdown();
  }
}
