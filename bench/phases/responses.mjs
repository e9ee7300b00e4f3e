// The responses source on Azure AI Foundry (`watch --foundry-agent NAME`, responses listed by
// agent) against the simulator's Foundry dialect: a backfill of the agents' finished responses
// (requests against the least the API allows, every response's root span at the receiver), and
// the lag from a live response's end to its root span at the receiver.
import { join } from 'node:path';
import { DEFAULTS } from '../../dist/config/defaults.js';
import { responseSpanId } from '../../dist/sources/responses/ids.js';
import { exitWithin, startBridge, tempDir } from '../lib/bridge.mjs';
import { countByRoute } from '../lib/request-log.mjs';
import { startSim } from '../lib/sim.mjs';
import { max, percentile, sleep, sum } from '../lib/stats.mjs';

/** The simulator's Foundry agents by name (src/simulator/responses/worldgen.ts AGENTS; one has two versions). */
export const FOUNDRY_AGENTS = ['support-triage', 'research-scout', 'code-reviewer'];
const PAGE = 100;

const startFoundrySim = (seed, world) =>
  startSim({
    seed,
    clock: { speed: 1 },
    dialect: 'azure-foundry',
    world: { threads: 1, backfillRuns: 0, liveRuns: 0 },
    responses: { world },
  });

/** A Foundry project's bridge: bearer token from the environment, as test/e2e/dialects.test.ts runs it. */
const foundryEnv = (sim, receiverUrl) => ({
  AZURE_AI_PROJECT_ENDPOINT: sim.url,
  ASSISTANTS_OTEL_BRIDGE_API_TOKEN: sim.apiKey,
  OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
});

function foundryArgs(dir, sinceSeconds, extra) {
  return [
    'watch',
    ...FOUNDRY_AGENTS.flatMap((name) => ['--foundry-agent', name]),
    '--provider',
    'azure-foundry',
    '--auth',
    'bearer-env',
    '--since',
    String(sinceSeconds),
    '--state',
    join(dir, 'state.sqlite'),
    '--listen',
    'off',
    '--log-level',
    'warn',
    '--log-format',
    'json',
    ...extra,
  ];
}

/** API requests only, each with { time, status, route }: the list by agent, a response, its input items, others by method and shape. */
function responsesRequests(sim) {
  return sim
    .requestLog()
    .filter((e) => !e.control)
    .map((e) => {
      const q = new URLSearchParams(e.query);
      let route = `${e.method} ${e.path.replace(/\/[a-z]+_[A-Za-z0-9]+/g, '/{id}')}`;
      if (e.method === 'GET' && /\/responses$/.test(e.path)) route = q.has('agent_name') ? 'responses.list (agent_name)' : 'responses.list';
      else if (e.method === 'GET' && /\/responses\/[^/]+$/.test(e.path)) route = 'responses.retrieve';
      return { time: e.time, status: e.status, route };
    });
}

export async function truthOf(sim) {
  const res = await fetch(`${sim.origin}/_sim/responses/truth`);
  if (!res.ok) throw new Error(`GET /_sim/responses/truth: ${res.status}`);
  return res.json();
}

/** The agents' responses created since `since`, by agent name. */
function agentResponses(truth, since) {
  return truth.responses.filter((r) => r.agent !== null && FOUNDRY_AGENTS.includes(r.agent.name) && r.createdAt >= since && !r.deleted);
}

/**
 * The fewest requests that read every finished response of the agents: one page of each agent's
 * list (filtered by `agent_name`, `limit=100`) per 100 of its responses, and one even when it has
 * none. A listed response carries its output items, status, usage and times, so none needs
 * retrieving; the API has no list across agents.
 */
export function leastResponsesRequests(responses) {
  const perAgent = FOUNDRY_AGENTS.map((name) => Math.max(1, Math.ceil(responses.filter((r) => r.agent.name === name).length / PAGE)));
  return { perAgent, total: sum(perAgent) };
}

/**
 * Resolves once the bridge made its first API request; throws, naming the cause, when it exits
 * first (exit 2 for a command line it refuses, e.g. an unknown --foundry-agent).
 */
async function checkStarted(sim, bridge, what) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !sim.requestLog().some((e) => !e.control)) {
    if (bridge.child.exitCode !== null) {
      const exit = await bridge.exited;
      throw new Error(`${what}: the bridge exited ${exit.code} before any request: ${exit.stderr.trim().slice(-500)}`);
    }
    await sleep(100);
  }
}

/** A bridge that stopped on its own with an error is a failed phase, not a figure. */
export function checkExit(exit, what) {
  if (exit.code !== 0) throw new Error(`${what}: the bridge exited ${exit.code}: ${exit.stderr.trim().slice(-500)}`);
}

export async function runResponsesBackfill({ rx, seed, responses }) {
  const { sim } = await startFoundrySim(seed, { backfillResponses: responses, liveResponses: 0 });
  try {
    // Backfill responses end within the hour and a bit before the start; two hours back takes them all.
    const since = sim.world.clock.startEpoch - 2 * 3600;
    const wanted = agentResponses(await truthOf(sim), since);
    const ids = wanted.map((r) => responseSpanId(r.id));
    await rx.reset();
    sim.clearRequestLog();
    const dir = tempDir('responses-backfill');
    const bridge = startBridge(foundryArgs(dir, since, ['--rpm', '100000', '--exit-when-idle']), foundryEnv(sim, rx.url));
    await checkStarted(sim, bridge, 'responses backfill');
    // Until every root span is in, then a while for the bridge to exit on its own.
    const deadline = Date.now() + 5 * 60_000;
    let allAt = null;
    while (bridge.child.exitCode === null && Date.now() < deadline) {
      if (allAt === null && (await rx.lookup(ids)).every((t) => t !== null)) allAt = Date.now();
      if (allAt !== null && Date.now() - allAt > 20_000) break;
      await sleep(500);
    }
    const exitedOnItsOwn = bridge.child.exitCode !== null;
    if (!exitedOnItsOwn) bridge.child.kill('SIGTERM');
    const exit = await exitWithin(bridge, 30_000, 'responses backfill');
    checkExit(exit, 'responses backfill');
    const times = await rx.lookup(ids);
    const received = await rx.stats();
    // A bridge that did not exit on its own is charged up to the moment every root span was in.
    const requests = responsesRequests(sim).filter((r) => exitedOnItsOwn || allAt === null || r.time <= allAt);
    const least = leastResponsesRequests(wanted);
    const lastMs = (received.lastAt ?? exit.endedAt) - bridge.startedAt;
    return {
      responses: wanted.length,
      byAgent: Object.fromEntries(FOUNDRY_AGENTS.map((n) => [n, wanted.filter((r) => r.agent.name === n).length])),
      exitCode: exit.code,
      exitedOnItsOwn,
      stderrTail: exit.code === 0 ? '' : exit.stderr.slice(-1500),
      byRoute: countByRoute(requests),
      failedRequests: requests.filter((r) => r.status !== 200).length,
      total: requests.length,
      least,
      ratio: requests.length / least.total,
      perResponse: requests.length / Math.max(1, wanted.length),
      leastPerResponse: least.total / Math.max(1, wanted.length),
      rootSpansMissing: times.filter((t) => t === null).length,
      spansReceived: received.unique,
      duplicates: received.duplicates,
      wallMs: lastMs,
      spansPerSecond: received.unique / (lastMs / 1000),
    };
  } finally {
    await sim.shutdown();
  }
}

/** Live responses of the agents at the bridge's defaults: from a response's end to its root span at the receiver. */
export async function runResponsesLive({ rx, seed, responses, windowSeconds, settleSeconds }) {
  const { sim, toWallMs } = await startFoundrySim(seed, {
    backfillResponses: 0,
    liveResponses: responses,
    liveWindowSeconds: windowSeconds,
  });
  try {
    const since = sim.world.clock.startEpoch;
    await rx.reset();
    const dir = tempDir('responses-live');
    const bridge = startBridge(foundryArgs(dir, since, []), foundryEnv(sim, rx.url));
    await checkStarted(sim, bridge, 'responses live');
    await Promise.race([sleep(windowSeconds * 1000), bridge.exited]);
    const deadline = Date.now() + settleSeconds * 1000;
    let ended = [];
    let times = [];
    for (;;) {
      const truth = await truthOf(sim);
      ended = agentResponses(truth, since).filter((r) => r.finished);
      times = await rx.lookup(ended.map((r) => responseSpanId(r.id)));
      if (times.every((t) => t !== null) || Date.now() > deadline || bridge.child.exitCode !== null) break;
      await sleep(1000);
    }
    bridge.child.kill('SIGTERM');
    const exit = await exitWithin(bridge, 30_000, 'responses live');
    checkExit(exit, 'responses live');
    const lags = ended.map((r, i) => (times[i] === null ? null : times[i] - toWallMs(r.endAt))).filter((v) => v !== null);
    const requests = responsesRequests(sim).filter((r) => r.time >= bridge.startedAt);
    return {
      responses: ended.length,
      windowSeconds,
      exitCode: exit.code,
      stderrTail: exit.code === 0 ? '' : exit.stderr.slice(-1500),
      activeIntervalMs: DEFAULTS.watch.activeIntervalMs,
      discoveryIntervalMs: DEFAULTS.watch.discoveryIntervalMs,
      missing: times.filter((t) => t === null).length,
      lag: { n: lags.length, p50: percentile(lags, 50), p95: percentile(lags, 95), max: max(lags) },
      requests: requests.length,
      byRoute: countByRoute(requests),
    };
  } finally {
    await sim.shutdown();
  }
}
