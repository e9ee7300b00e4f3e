// Throughput of the pipeline's own work on a large saved backlog, side by side with the bare
// OpenTelemetry SDK building and exporting the same spans to the same receiver, in the same run.
// Each contender is a fresh process; the clock runs from its spawn to the moment the receiver has
// every span, so start-up, reading the file and the last export all count. Rounds alternate the
// contenders, each round in a rotated order, so a noisy neighbour hurts them alike; the ratio to
// the baseline is the median of each round's ratio (contenders measured minutes apart on a
// shared machine drift by a fifth; within a round they run seconds apart).
import { join } from 'node:path';
import { CLI, tempDir } from '../lib/bridge.mjs';
import { runNode } from '../lib/child.mjs';
import { backlogSize, writeBacklog } from '../lib/backlog.mjs';
import { median } from '../lib/stats.mjs';
import { fileURLToPath } from 'node:url';

const BASELINE = fileURLToPath(new URL('../baseline-sdk.mjs', import.meta.url));
const PIPELINE = fileURLToPath(new URL('../pipeline-outbox.mjs', import.meta.url));

export const CONTENDERS = {
  baseline: { label: 'bare OpenTelemetry SDK (TracerProvider + BatchSpanProcessor + OTLP proto exporter)' },
  outbox: { label: 'bridge pipeline: parse + map + SQLite outbox + OTLP export (as in watch)' },
  import: { label: 'bridge `import` command: parse + map + OTLP export (no outbox)' },
};

async function once(rx, which, file, expected) {
  await rx.reset();
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url };
  const run =
    which === 'baseline'
      ? runNode(BASELINE, [file], env)
      : which === 'outbox'
        ? runNode(PIPELINE, [file, tempDir('outbox')], env)
        : runNode(CLI, ['import', file, '--log-level', 'warn'], env);
  const exit = await run;
  const stats = await rx.stats();
  if (exit.code !== 0 || stats.unique !== expected) {
    throw new Error(`throughput (${which}): exit ${exit.code}, ${stats.unique} of ${expected} spans received\n${exit.stderr.slice(-1500)}`);
  }
  const wallMs = stats.lastAt - exit.startedAt;
  let detail = null;
  try {
    detail = JSON.parse(exit.stdout.trim().split('\n').pop());
  } catch {
    // `import` prints nothing on stdout when exporting.
  }
  return {
    wallMs,
    spansPerSecond: expected / (wallMs / 1000),
    cpuSeconds: exit.cpu?.cpuSeconds ?? null,
    exportRequests: stats.requests,
    firstSpanMs: stats.firstAt - exit.startedAt,
    detail,
  };
}

export async function runThroughput({ rx, size, rounds }) {
  const dir = tempDir('backlog');
  const file = join(dir, 'backlog.jsonl');
  await writeBacklog(file, size);
  const expected = backlogSize(size);
  const order = ['baseline', 'outbox', 'import'];
  const results = { baseline: [], outbox: [], import: [] };
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < order.length; i++) {
      const which = order[(round + i) % order.length];
      results[which].push(await once(rx, which, file, expected));
    }
  }
  const summary = {};
  for (const [which, list] of Object.entries(results)) {
    const byRate = [...list].sort((a, b) => a.spansPerSecond - b.spansPerSecond);
    const mid = byRate[Math.floor((byRate.length - 1) / 2)];
    const ratios = list.map((r, round) => r.spansPerSecond / results.baseline[round].spansPerSecond);
    summary[which] = {
      ...mid,
      rounds: list.map((r) => Math.round(r.spansPerSecond)),
      roundRatios: ratios,
      ratio: median(ratios),
      spansPerCpuSecond: median(list.filter((r) => r.cpuSeconds).map((r) => expected / r.cpuSeconds)),
    };
  }
  return { size, spans: expected, rounds, ...summary };
}
