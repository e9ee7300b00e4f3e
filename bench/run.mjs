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
import { runBackfill } from './phases/backfill.mjs';
import { runLive } from './phases/live.mjs';
import { runScale } from './phases/scale.mjs';
import { runThroughput } from './phases/throughput.mjs';
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
      results.backfill.push(await runBackfill({ rx, seed: settings.seed, threads: b.threads, runs: b.runs, rpm: b.rpm, mode }));
    }
  }

  if (settings.phases.includes('live')) {
    const l = settings.live;
    const w = settings.waiting;
    say(
      `live: ${l.runs} runs over ${l.windowSeconds} s on ${l.threads} threads (default budget and ${l.secondRpm} rpm), and ${w.runs} waiting runs for ${w.seconds} s, side by side`,
    );
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
  }

  if (settings.phases.includes('throughput')) {
    const t = settings.throughput;
    say(`throughput: ${t.runs} runs x ${t.steps} steps x ${t.toolCalls} tool calls, ${t.rounds} round(s)`);
    results.throughput = await runThroughput({ rx, size: { runs: t.runs, steps: t.steps, toolCalls: t.toolCalls }, rounds: t.rounds });
  }

  if (settings.phases.includes('scale')) {
    const c = settings.scale;
    say(`scale: ${c.total} tracked runs (${c.active} active, ${c.waiting} waiting) at ${c.rpm} rpm for ${c.seconds} s`);
    results.scale = await runScale({ rx, seed: settings.seed, ...c });
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
for (const [name, list] of Object.entries({ backfill: results.backfill, live: results.live })) {
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
