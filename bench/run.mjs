// `npm run bench`: measures, in one run so the figures compare, the bridge's API efficiency,
// lag, pipeline throughput against the bare OpenTelemetry SDK, and behaviour at scale, against
// the simulator and a local OTLP receiver; prints a table and writes BENCHMARKS.md.
// Sizes come from BENCH_* variables (see lib/settings.mjs); BENCH_QUICK=1 for a short smoke run.
import { writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO, removeTempDirs } from './lib/bridge.mjs';
import { probeCommitLatency } from './lib/disk-probe.mjs';
import { describeMachine, describeSource } from './lib/machine.mjs';
import { startReceiverProcess } from './lib/receiver.mjs';
import { markdown, summaryRows, textTable } from './lib/report.mjs';
import { writeReport } from './lib/write-report.mjs';
import { benchEnv, readSettings } from './lib/settings.mjs';
import { DEFAULTS } from '../dist/config/defaults.js';
import { secs } from './lib/stats.mjs';
import { runAgentsBackfill, runAgentsIdle, runAgentsLive } from './phases/agents.mjs';
import { runBackfill } from './phases/backfill.mjs';
import { runLive } from './phases/live.mjs';
import { runResponsesBackfill, runResponsesLive } from './phases/responses.mjs';
import { runScale } from './phases/scale.mjs';
import { runThroughput } from './phases/throughput.mjs';
import { runWebhooksIntake, runWebhooksLag } from './phases/webhooks.mjs';
import { runWaiting } from './phases/waiting.mjs';

const settings = readSettings();
const startedAt = new Date();
const machine = { ...describeMachine(), source: describeSource(REPO) };
const results = {};
const say = (line) => process.stderr.write(`[bench ${secs(Date.now() - startedAt.getTime())}] ${line}\n`);

// Each concurrently running scenario gets its own receiver: identical seeded worlds give identical span ids.
const receivers = [];
const receiver = async () => {
  const rx = await startReceiverProcess();
  receivers.push(rx);
  return rx;
};

// A phase that throws is reported as a failed row; the others still run.
results.failed = [];
const attempt = async (phase, fn) => {
  try {
    await fn();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    say(`${phase} failed: ${message}`);
    results.failed.push({ phase, error: message.slice(0, 2000) });
  }
};

try {
  say(
    `machine: ${machine.cpuModel}, ${machine.cpus} CPUs, ${machine.memoryTotal}, node ${machine.node}, load ${machine.loadAverageAtStart}`,
  );
  say('probing SQLite commit latency');
  // Commit latency varies with what else writes to the disk: measured at both ends of the run.
  results.diskProbe = { start: probeCommitLatency() };
  const rx = await receiver();

  if (settings.phases.includes('backfill')) {
    const b = settings.backfill;
    results.backfill = [];
    for (const mode of ['thread', 'run']) {
      say(`backfill: ${b.runs} finished runs on ${b.threads} threads, tracked by ${mode}`);
      await attempt(`backfill (${mode})`, async () => {
        results.backfill.push(await runBackfill({ rx, seed: settings.seed, threads: b.threads, runs: b.runs, rpm: b.rpm, mode }));
      });
    }
  }

  if (settings.phases.includes('live')) {
    const l = settings.live;
    const w = settings.waiting;
    say(
      `live: ${l.runs} runs over ${l.windowSeconds} s on ${l.threads} threads (default budget and ${l.secondRpm} rpm), and ${w.runs} waiting runs for ${w.seconds} s, side by side`,
    );
    await attempt('live', async () => {
      const [a, b, c] = await Promise.all([receiver(), receiver(), receiver()]);
      const [defaults, second, waiting] = await Promise.all([
        runLive({
          rx: a,
          seed: settings.seed,
          threads: l.threads,
          liveRuns: l.runs,
          windowSeconds: l.windowSeconds,
          rpm: null,
          label: `defaults (${DEFAULTS.watch.rpm} rpm)`,
        }),
        runLive({
          rx: b,
          seed: settings.seed,
          threads: l.threads,
          liveRuns: l.runs,
          windowSeconds: l.windowSeconds,
          rpm: l.secondRpm,
          label: `${l.secondRpm} rpm`,
        }),
        runWaiting({ rx: c, seed: settings.seed, runs: w.runs, waitSeconds: w.seconds }),
      ]);
      results.live = [defaults, second];
      results.waiting = waiting;
    });
  }

  if (settings.phases.includes('throughput')) {
    const t = settings.throughput;
    say(`throughput: ${t.runs} runs x ${t.steps} steps x ${t.toolCalls} tool calls, ${t.rounds} round(s)`);
    await attempt('throughput', async () => {
      results.throughput = await runThroughput({ rx, size: { runs: t.runs, steps: t.steps, toolCalls: t.toolCalls }, rounds: t.rounds });
    });
  }

  if (settings.phases.includes('scale')) {
    const c = settings.scale;
    say(`scale: ${c.total} tracked runs (${c.active} active, ${c.waiting} waiting) at ${c.rpm} rpm for ${c.seconds} s`);
    await attempt('scale', async () => {
      results.scale = await runScale({ rx, seed: settings.seed, ...c });
    });
  }

  // The two new sources: backfills one at a time (throughput compares with the bare SDK), then
  // the live and idle scenarios side by side, each with its own receiver.
  const a = settings.agents;
  const r = settings.responses;
  const agents = settings.phases.includes('agents');
  const responses = settings.phases.includes('responses');
  if (agents) {
    results.agents = {};
    say(`agents: backfill of ${a.turns} root turns on ${a.sessions} finished sessions, ${a.rounds} round(s) with the bare SDK`);
    await attempt('agents backfill', async () => {
      results.agents.backfill = await runAgentsBackfill({
        rx,
        seed: settings.seed,
        sessions: a.sessions,
        turns: a.turns,
        rounds: a.rounds,
      });
    });
  }
  if (responses) {
    results.responses = {};
    say(`responses: backfill of ${r.backfill} finished responses, the Foundry agents' listed by agent`);
    await attempt('responses backfill', async () => {
      results.responses.backfill = await runResponsesBackfill({ rx, seed: settings.seed, responses: r.backfill });
    });
  }
  const side = [];
  if (agents) {
    say(
      `agents: ${a.liveTurns} live turns on ${a.liveSessions} sessions over ${a.liveWindowSeconds} s, and ${a.idleSessions} idle sessions for ${a.idleSeconds} s, side by side`,
    );
    side.push(
      attempt('agents live', async () => {
        const own = await receiver();
        results.agents.live = await runAgentsLive({
          rx: own,
          seed: settings.seed,
          sessions: a.liveSessions,
          turns: a.liveTurns,
          windowSeconds: a.liveWindowSeconds,
          settleSeconds: a.settleSeconds,
        });
      }),
      attempt('agents idle', async () => {
        const own = await receiver();
        results.agents.idle = await runAgentsIdle({ rx: own, seed: settings.seed, sessions: a.idleSessions, seconds: a.idleSeconds });
      }),
    );
  }
  if (responses) {
    say(`responses: ${r.liveResponses} live responses over ${r.liveWindowSeconds} s`);
    side.push(
      attempt('responses live', async () => {
        const own = await receiver();
        results.responses.live = await runResponsesLive({
          rx: own,
          seed: settings.seed,
          responses: r.liveResponses,
          windowSeconds: r.liveWindowSeconds,
          settleSeconds: r.settleSeconds,
        });
      }),
    );
  }
  await Promise.all(side);

  // The webhook intake: the lag first, on a quiet machine, then the sustained load.
  if (settings.phases.includes('webhooks')) {
    const w = settings.webhooks;
    results.webhooks = {};
    say(
      `webhooks: ${w.lagResponses} responses over ${w.lagWindowSeconds} s announced by the simulator's webhooks, the bridge at its defaults`,
    );
    await attempt('webhooks lag', async () => {
      results.webhooks.lag = await runWebhooksLag({
        rx,
        seed: settings.seed,
        responses: w.lagResponses,
        windowSeconds: w.lagWindowSeconds,
        settleSeconds: w.lagSettleSeconds,
      });
    });
    say(`webhooks: ${w.rate} signed deliveries a second for ${w.seconds} s`);
    await attempt('webhooks intake', async () => {
      results.webhooks.intake = await runWebhooksIntake({
        rx,
        seed: settings.seed,
        rate: w.rate,
        seconds: w.seconds,
        settleSeconds: w.settleSeconds,
        rpm: w.rpm,
      });
    });
  }
  results.diskProbe.end = probeCommitLatency();
} finally {
  await Promise.all(receivers.map((r) => r.close()));
  // State files, backlogs and configs; BENCH_KEEP=1 leaves them for a look.
  if (process.env.BENCH_KEEP !== '1') removeTempDirs();
}

const durationMs = Date.now() - startedAt.getTime();
machine.loadAverageAtEnd = loadavg()
  .map((v) => v.toFixed(2))
  .join(' ');
const rows = summaryRows(results);
process.stdout.write(`\n${textTable(rows)}\n\n`);
const bridges = {
  backfill: results.backfill,
  live: results.live,
  agents: Object.values(results.agents ?? {}),
  responses: Object.values(results.responses ?? {}),
  webhooks: Object.values(results.webhooks ?? {}),
};
for (const [name, list] of Object.entries(bridges)) {
  for (const r of list ?? []) if (r.exitCode !== 0) say(`warning: a ${name} bridge exited ${r.exitCode}: ${r.stderrTail}`);
}
const out = resolve(REPO, settings.out);
const report = markdown({
  results,
  settings,
  machine,
  rows,
  command: 'npm run bench',
  env: benchEnv(),
  startedAt,
  durationMs,
  diskProbe: results.diskProbe,
});
writeReport(out, [
  ['summary', report.summary],
  ['details', report.details],
]);
const json = process.env.BENCH_JSON ?? join(tmpdir(), `aob-bench-${startedAt.getTime()}.json`);
// Everything the report is made of, so `bench/render.mjs` can write it again from this file.
writeFileSync(json, JSON.stringify({ startedAt, durationMs, machine, settings, env: benchEnv(), results }, null, 1));
say(`wrote ${out} and ${json}`);
