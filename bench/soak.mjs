// `npm run soak`: the built bridge (`watch`, a real process) against the simulator with its API
// faults on and a local OTLP receiver with its own faults, while runs start continuously, for
// SOAK_MINUTES (default 30). Then the faults stop, the bridge drains, and the soak compares the
// spans the world says must exist with what the receiver got (unique, duplicated), reports the
// bridge's RSS over time and the API requests per minute against the budget, and writes the
// "Soak" section of BENCHMARKS.md (between <!-- soak:start --> and <!-- soak:end -->).
//
//   SOAK_MINUTES        fault period, new runs start throughout (default 30)
//   SOAK_DRAIN_MINUTES  longest wait for the outbox to drain afterwards (default 10)
//   SOAK_THREADS        threads watched (default 8)
//   SOAK_RUN_EVERY_MS   a new run is attempted this often, on a free thread (default 4000)
//   SOAK_RPM            the bridge's --rpm (default 120)
//   SOAK_SEED           world and fault seed (default 42)
//   SOAK_OUT            report file (default BENCHMARKS.md)
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSimulator } from '../dist/simulator/index.js';
import { effectiveLimit } from '../dist/scheduler/request-budget.js';
import { freezeContext } from '../dist/sources/assistants/mapping/frozen-context.js';
import { mapRunTrace } from '../dist/sources/assistants/mapping/map-run.js';
import { DEFAULTS } from '../dist/config/defaults.js';
import { parseRun, parseStep } from '../dist/sources/assistants/payloads.js';
import { CLI, cleanEnv, REPO, tempDir } from './lib/bridge.mjs';
import { startFaultyReceiver } from './lib/faulty-receiver.mjs';
import { describeMachine } from './lib/machine.mjs';
import { maxInWindow } from './phases/live.mjs';
import { readProc } from './lib/proc-stats.mjs';
import { fmt, mb, secs, sleep } from './lib/stats.mjs';
import { drawLiveKind, prng } from './lib/draws.mjs';

function num(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got '${raw}'`);
  return value;
}

const S = {
  minutes: num('SOAK_MINUTES', 30),
  drainMinutes: num('SOAK_DRAIN_MINUTES', 10),
  threads: num('SOAK_THREADS', 8),
  runEveryMs: num('SOAK_RUN_EVERY_MS', 4000),
  rpm: num('SOAK_RPM', 120),
  seed: num('SOAK_SEED', 42),
  out: process.env.SOAK_OUT ?? 'BENCHMARKS.md',
};
const FAULT_MS = S.minutes * 60_000;
const SAMPLE_MS = 10_000;
/** Each simulator fault set lasts this long, then the next one takes over (rotating). */
const PHASE_MS = Math.max(20_000, Math.min(90_000, FAULT_MS / 8));

const startedAt = new Date();
const t0 = Date.now();
const say = (line) => process.stderr.write(`[soak ${secs(Date.now() - t0)}] ${line}\n`);

// The simulator's API faults, rotating: every 429 header form, every 5xx, latency, hangs (the
// bridge's 30 s API timeout), malformed JSON bodies.
const SIM_FAULTS = [
  {
    name: '429 retry-after (2 s) + latency 50 ms',
    faults: { rateLimit429: { every: 7, headers: 'retry-after', retryAfterSeconds: 2 }, latencyMs: 50 },
  },
  {
    name: '429 retry-after-ms (1500) + 503',
    faults: { rateLimit429: { every: 7, headers: 'retry-after-ms', retryAfterMs: 1500 }, serverError: { every: 11, status: 503 } },
  },
  {
    name: '429 x-ratelimit-reset-requests (2s) + malformed JSON',
    faults: { rateLimit429: { every: 7, headers: 'x-ratelimit', resetDuration: '2s' }, malformedJson: { every: 17 } },
  },
  {
    name: '429 without headers + 500 + latency 150 ms',
    faults: { rateLimit429: { every: 7, headers: 'none' }, serverError: { every: 11, status: 500 }, latencyMs: 150 },
  },
  {
    name: '502 + occasional hang + latency 100 ms',
    faults: { serverError: { every: 11, status: 502 }, hang: { probability: 0.01 }, latencyMs: 100 },
  },
  {
    name: '504 + malformed JSON + 429 retry-after (1 s)',
    faults: {
      serverError: { every: 11, status: 504 },
      malformedJson: { every: 19 },
      rateLimit429: { every: 15, headers: 'retry-after', retryAfterSeconds: 1 },
    },
  },
];

/** The receiver's outages: when (share of the fault period), for how long, and how. */
const OUTAGE_MS = Math.min(120_000, Math.max(15_000, FAULT_MS * 0.08));
const OUTAGES = [
  { at: 0.25, how: 'refuse' },
  { at: 0.5, how: 'reset' },
  { at: 0.75, how: 'refuse' },
];
const RECEIVER_503_SHARE = 0.1;

/** Spans the truth says must exist: 1 per finished run + 1 per step + 1 per tool call. */
function countExpected(truth) {
  let runs = 0;
  let steps = 0;
  let tools = 0;
  for (const r of truth.runs) {
    if (!r.finished) continue;
    runs += 1;
    steps += r.steps.length;
    for (const s of r.steps) tools += Array.isArray(s.step_details?.tool_calls) ? s.step_details.tool_calls.length : 0;
  }
  return { runs, steps, tools, spans: runs + steps + tools };
}

/** The exact span ids, mapped from the truth as the bridge maps what it polls. */
function expectedSpanIds(truth, baseURL) {
  const names = new Map(truth.assistants.map((a) => [a.id, a.name]));
  const ids = [];
  for (const r of truth.runs) {
    if (!r.finished) continue;
    const run = parseRun(r.run);
    if (!run.ok) throw new Error(run.error);
    const steps = r.steps
      .map((s) => parseStep(s))
      .filter((s) => s.ok)
      .map((s) => s.value);
    const ctx = freezeContext(run.value, {
      agentName: names.get(run.value.assistant_id ?? run.value.agent_id ?? '') ?? null,
      captureContent: false,
      contentMaxLength: DEFAULTS.content.maxLength,
      providerName: 'openai',
      baseURL,
      nowSeconds: 0,
    });
    for (const span of mapRunTrace(run.value, steps, ctx, DEFAULTS.limits)) ids.push(span.spanId);
  }
  return ids;
}

async function fetchJson(url, init) {
  const res = await fetch(url, init);
  const body = await res.json();
  return { ok: res.ok, status: res.status, body };
}

/** Prometheus text -> { name: summed value } (labels folded, except export spans by outcome). */
async function scrapeMetrics(address) {
  if (!address) return null;
  try {
    const text = await (await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const out = {};
    for (const line of text.split('\n')) {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
      if (!m) continue;
      const outcome = /outcome="([^"]+)"/.exec(m[2] ?? '')?.[1];
      const key = m[1].startsWith('assistants_bridge_export_spans') && outcome ? `${m[1]}{outcome="${outcome}"}` : m[1];
      out[key] = (out[key] ?? 0) + Number(m[3]);
    }
    return out;
  } catch {
    return null;
  }
}

const metric = (metrics, prefix) => {
  if (!metrics) return null;
  const key = Object.keys(metrics).find((k) => k === prefix || k === `${prefix}_total` || k.startsWith(`${prefix}_`));
  return key === undefined ? null : metrics[key];
};

// ---------------------------------------------------------------------------------------------

const machine = describeMachine();
say(`machine: ${machine.cpuModel}, ${machine.cpus} CPUs, ${machine.memoryTotal}, node ${machine.node}`);
say(
  `fault period ${S.minutes} min, ${S.threads} threads, a run every ${S.runEveryMs} ms, --rpm ${S.rpm}, fault sets rotate every ${secs(PHASE_MS)}`,
);

const sim = await startSimulator({ seed: S.seed, clock: { speed: 1 }, world: { threads: S.threads, backfillRuns: 0, liveRuns: 0 } });
const rx = await startFaultyReceiver({ seed: S.seed });
const dir = tempDir('soak');
const logPath = join(dir, 'bridge.log');
const logFile = createWriteStream(logPath);
const threads = sim.world.threads().map((t) => t.id);
const args = [
  'watch',
  ...threads.flatMap((t) => ['--thread', t]),
  '--state',
  join(dir, 'state.sqlite'),
  '--listen',
  '127.0.0.1:0',
  '--rpm',
  String(S.rpm),
  '--log-format',
  'json',
];
const bridgeStartAt = Date.now();
const bridge = spawn(process.execPath, [CLI, ...args], {
  env: cleanEnv({ OPENAI_API_KEY: sim.apiKey, OPENAI_BASE_URL: sim.url, OTEL_EXPORTER_OTLP_ENDPOINT: rx.url }),
  cwd: REPO,
  stdio: ['ignore', 'ignore', 'pipe'],
});
const exited = new Promise((r) => bridge.on('close', (code, signal) => r({ code, signal, at: Date.now() })));
let listenAddress = null;
const logCounts = { warn: 0, error: 0, fatal: 0 };
const warnMessages = new Map();
let partial = '';
bridge.stderr.on('data', (d) => {
  logFile.write(d);
  const lines = (partial + d.toString()).split('\n');
  partial = lines.pop() ?? '';
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      const e = JSON.parse(line);
      if (e.msg === 'control address listening') listenAddress = e.address;
      const level = e.level >= 60 ? 'fatal' : e.level >= 50 ? 'error' : e.level >= 40 ? 'warn' : null;
      if (level) {
        logCounts[level] += 1;
        warnMessages.set(`${level}: ${e.msg}`, (warnMessages.get(`${level}: ${e.msg}`) ?? 0) + 1);
      }
    } catch {
      // not JSON
    }
  }
});
say(`bridge pid ${bridge.pid}, log ${logPath}`);

// RSS and outbox depth every 10 s.
const samples = [];
let phaseName = 'faults';
const sampler = setInterval(async () => {
  const p = readProc(bridge.pid);
  if (!p) return;
  const m = await scrapeMetrics(listenAddress);
  samples.push({
    at: Date.now(),
    rssBytes: p.rssBytes,
    cpuSeconds: p.cpuSeconds,
    outboxDepth: metric(m, 'assistants_bridge_outbox_depth'),
    phase: phaseName,
  });
}, SAMPLE_MS);

const events = [];
const note = (what) => {
  events.push({ atMs: Date.now() - bridgeStartAt, what });
  say(what);
};

// Runs start continuously on free threads.
const next = prng(S.seed);
let creating = true;
let attempts = 0;
let created = 0;
let busy = 0;
let turn = 0;
const creator = (async () => {
  while (creating) {
    attempts += 1;
    const kind = drawLiveKind(next);
    let made = false;
    for (let i = 0; i < threads.length && !made; i += 1) {
      const threadId = threads[turn++ % threads.length];
      const res = await fetchJson(`${sim.origin}/_sim/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ threadId, kind }),
      });
      made = res.ok;
    }
    if (made) created += 1;
    else busy += 1;
    await sleep(S.runEveryMs);
  }
})();

// Fault schedule: simulator fault sets rotate; the receiver answers 503 to a share of requests and goes down a few times.
rx.setFaults({ status503Probability: RECEIVER_503_SHARE, retryAfterSeconds: 1 });
const simPhases = [];
const faultEnd = Date.now() + FAULT_MS;
let phaseIndex = 0;
let nextPhaseAt = Date.now();
const outages = OUTAGES.map((o) => ({
  ...o,
  from: bridgeStartAt + FAULT_MS * o.at,
  to: bridgeStartAt + FAULT_MS * o.at + OUTAGE_MS,
  done: false,
  started: false,
}));
while (Date.now() < faultEnd) {
  const now = Date.now();
  if (now >= nextPhaseAt) {
    const set = SIM_FAULTS[phaseIndex % SIM_FAULTS.length];
    sim.setFaults(set.faults);
    simPhases.push(set.name);
    note(`simulator faults: ${set.name}`);
    phaseIndex += 1;
    nextPhaseAt = now + PHASE_MS;
  }
  for (const o of outages) {
    if (!o.started && now >= o.from) {
      o.started = true;
      await rx.down(o.how);
      note(`receiver down (${o.how === 'refuse' ? 'connections refused' : 'connections reset'}) for ${secs(OUTAGE_MS)}`);
    }
    if (o.started && !o.done && now >= o.to) {
      o.done = true;
      await rx.up();
      note('receiver up');
    }
  }
  if (bridge.exitCode !== null) break;
  await sleep(250);
}

// Faults off, no new runs: drain.
creating = false;
await creator;
sim.setFaults({});
rx.setFaults({ status503Probability: 0 });
if (rx.mode() !== 'up') await rx.up();
phaseName = 'drain';
const drainFrom = Date.now();
note(`faults off, no new runs (${created} created); draining`);
let truth;
let expectedIds;
let missing = [];
const drainDeadline = Date.now() + S.drainMinutes * 60_000;
let drained = false;
while (Date.now() < drainDeadline && bridge.exitCode === null) {
  truth = (await fetchJson(`${sim.origin}/_sim/truth`)).body;
  if (truth.allFinished) {
    expectedIds = expectedSpanIds(truth, sim.url);
    missing = expectedIds.filter((id) => !rx.has(id));
    if (missing.length === 0) {
      drained = true;
      break;
    }
  }
  await sleep(5000);
}
const drainedAt = Date.now();
note(
  drained
    ? `drained in ${secs(drainedAt - drainFrom)}`
    : `not drained after ${secs(drainedAt - drainFrom)}: ${missing.length} spans missing`,
);
// Late duplicates would arrive now.
await sleep(15_000);
truth = (await fetchJson(`${sim.origin}/_sim/truth`)).body;
expectedIds = expectedSpanIds(truth, sim.url);
const expectedSet = new Set(expectedIds);
missing = expectedIds.filter((id) => !rx.has(id));
const unexpected = [...rx.ids()].filter((id) => !expectedSet.has(id)).length;
const finalMetrics = await scrapeMetrics(listenAddress);
clearInterval(sampler);
const last = readProc(bridge.pid);
if (last)
  samples.push({
    at: Date.now(),
    rssBytes: last.rssBytes,
    cpuSeconds: last.cpuSeconds,
    outboxDepth: metric(finalMetrics, 'assistants_bridge_outbox_depth'),
    phase: 'end',
  });
bridge.kill('SIGTERM');
const exit = await Promise.race([exited, sleep(30_000).then(() => (bridge.kill('SIGKILL'), exited))]);
logFile.end();
await rx.close();

// ---------------------------------------------------------------------------------------------

const counted = countExpected(truth);
const rxStats = rx.stats();
const api = sim.requestLog().filter((e) => !e.control);
const apiTimes = api.map((e) => e.time);
const faultAnswers = {};
for (const e of api) if (e.fault) faultAnswers[e.fault] = (faultAnswers[e.fault] ?? 0) + 1;
const activeMinutes = (Math.max(...apiTimes) - Math.min(...apiTimes)) / 60_000;
const rss = samples.map((s) => s.rssBytes);
const result = {
  settings: S,
  startedAt: startedAt.toISOString(),
  durationMs: Date.now() - t0,
  machine,
  bridge: {
    exitCode: exit.code,
    signal: exit.signal,
    log: logPath,
    logCounts,
    warnings: Object.fromEntries([...warnMessages].sort((a, b) => b[1] - a[1]).slice(0, 15)),
  },
  runs: { attempts, created, skippedAllBusy: busy, inTruth: truth.runs.length, finished: counted.runs },
  spans: {
    expected: counted.spans,
    expectedByKind: counted,
    expectedIds: expectedIds.length,
    receivedUnique: rxStats.unique,
    receivedTotal: rxStats.spansAccepted,
    duplicatedSpans: rxStats.duplicatedSpans,
    duplicateDeliveries: rxStats.duplicates,
    missing: missing.length,
    unexpected,
  },
  receiver: rxStats,
  api: {
    requests: api.length,
    faultAnswers,
    maxIn60s: maxInWindow(apiTimes, 60_000),
    maxIn62s: maxInWindow(apiTimes, 62_000),
    meanPerMinute: api.length / Math.max(1 / 60, activeMinutes),
    rpm: S.rpm,
    effectiveLimit: effectiveLimit(S.rpm),
  },
  rss: { min: Math.min(...rss), max: Math.max(...rss), last: rss[rss.length - 1], samples: samples.length },
  metrics: finalMetrics,
  drain: { drained, seconds: (drainedAt - drainFrom) / 1000 },
  events,
  simPhases,
  samples,
};
const jsonPath = join(tmpdir(), `aob-soak-${t0}.json`);
writeFileSync(jsonPath, JSON.stringify(result, null, 1));

// Table rows every few minutes (about 12 rows), plus the end of the fault period and the last sample.
function rssTable() {
  if (samples.length === 0) return '_no samples_';
  const stepMs = Math.max(60_000, Math.round(FAULT_MS / 10 / 60_000) * 60_000);
  const rows = [];
  let nextAt = samples[0].at;
  for (const s of samples) {
    if (s.at >= nextAt || s === samples[samples.length - 1]) {
      rows.push(s);
      nextAt = s.at + stepMs;
    }
  }
  const firstDrain = samples.find((s) => s.phase !== 'faults');
  if (firstDrain && !rows.includes(firstDrain)) rows.push(firstDrain);
  rows.sort((a, b) => a.at - b.at);
  return [
    '| elapsed | phase | RSS | outbox depth (spans) |',
    '|---:|---|---:|---:|',
    ...rows.map((s) => `| ${fmt((s.at - bridgeStartAt) / 60_000, 1)} min | ${s.phase} | ${mb(s.rssBytes)} | ${s.outboxDepth ?? 'n/a'} |`),
  ].join('\n');
}

const m = finalMetrics;
const spansOutcome = (o) =>
  m
    ? Object.entries(m)
        .filter(([k]) => k.startsWith('assistants_bridge_export_spans') && k.includes(`outcome="${o}"`))
        .reduce((n, [, v]) => n + v, 0)
    : null;
const section = `<!-- soak:start -->
## Soak

${S.minutes} minutes of faults against the built bridge (\`watch\`, one real process, default
settings but \`--rpm ${S.rpm}\`), live runs starting continuously on ${S.threads} watched threads,
then faults off and a drain. Measured ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC on
${machine.cpuModel}, ${machine.cpus} CPUs, ${machine.memoryTotal} memory, ${machine.os}, Node ${machine.node}.

Command: \`${process.env.SOAK_MINUTES ? `SOAK_MINUTES=${process.env.SOAK_MINUTES} ` : ''}npm run soak\` (${secs(result.durationMs)} in all; raw figures in \`${jsonPath}\`).

**Faults.** The simulator's fault set rotated every ${secs(PHASE_MS)}: ${SIM_FAULTS.map((f) => f.name).join('; ')}.
The API answered ${
  Object.entries(faultAnswers)
    .map(([k, v]) => `${v} × ${k}`)
    .join(', ') || 'no faults'
} out of ${fmt(api.length)} requests.
The OTLP receiver answered 503 with \`Retry-After: 1\` to ${RECEIVER_503_SHARE * 100} % of trace requests
(${rxStats.answered503} times) and went down three times for ${secs(OUTAGE_MS)} each (connections refused, reset, refused;
${rxStats.resets} requests reset).

| | |
|---|---:|
| runs started / finished | ${created} / ${counted.runs} |
| spans expected (1 per finished run + 1 per step + 1 per tool call) | ${fmt(counted.spans)} |
| spans received, unique | ${fmt(rxStats.unique)} |
| spans missing | ${fmt(missing.length)} |
| spans duplicated (received more than once) | ${fmt(rxStats.duplicatedSpans)} |
| spans received that no run explains | ${fmt(unexpected)} |
| dead-lettered spans (bridge metric) | ${spansOutcome('dead_lettered') ?? 'n/a'} |
| export attempts / retryable failures (bridge metrics) | ${metric(m, 'assistants_bridge_export_attempts') ?? 'n/a'} / ${metric(m, 'assistants_bridge_export_failures') ?? 'n/a'} |
| drained after faults stopped | ${drained ? secs(drainedAt - drainFrom) : `no (${missing.length} missing after ${secs(drainedAt - drainFrom)})`} |
| API requests per minute: budget (\`--rpm\`) / effective limit | ${S.rpm} / ${effectiveLimit(S.rpm)} |
| API requests: max in any 60 s / in any 62 s / mean per minute | ${result.api.maxIn60s} / ${result.api.maxIn62s} / ${fmt(result.api.meanPerMinute, 1)} |
| bridge RSS min / max / last | ${mb(result.rss.min)} / ${mb(result.rss.max)} / ${mb(result.rss.last)} |
| bridge log warnings / errors | ${logCounts.warn} / ${logCounts.error + logCounts.fatal} |
| bridge exit on SIGTERM | ${exit.code ?? exit.signal} |

RSS of the bridge process (\`/proc/<pid>/status\`, sampled every 10 s; rows every few minutes):

${rssTable()}
<!-- soak:end -->`;

const out = resolve(REPO, S.out);
const existing = existsSync(out) ? readFileSync(out, 'utf8') : '';
const markers = /<!-- soak:start -->[\s\S]*?<!-- soak:end -->/;
const updated = markers.test(existing)
  ? existing.replace(markers, section)
  : `${existing.trimEnd()}${existing ? '\n\n' : '# Benchmarks\n\n'}${section}\n`;
writeFileSync(out, updated);

process.stdout.write(`${section}\n`);
say(`wrote the Soak section of ${out} and ${jsonPath}`);
await sim.shutdown();
process.exit(missing.length === 0 && rxStats.duplicatedSpans === 0 ? 0 : 1);
