// Throughput of the watch pipeline's own work without the API: the same steps the watcher takes
// (track a thread's page of runs in one transaction, then per polled run: read its state, freeze
// its context, plan its spans, commit spans + context + cursor to the SQLite outbox in one
// transaction), while the outbox drain exports batches over OTLP, as in `watch`. Built from dist/.
// Usage: node pipeline-outbox.mjs FILE.jsonl STATE_DIR (OTEL_EXPORTER_OTLP_ENDPOINT names the
// receiver). Prints {"spans", "workMs", ...} on stdout.
// BENCH_PIPELINE_MODE=commit-first commits the whole backlog before the drain starts (full
// batches), to separate the cost of committing from the cost of exporting.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { pino } from 'pino';
import { resolveConfig } from '../dist/config/resolve.js';
import { freezeContext } from '../dist/sources/assistants/mapping/frozen-context.js';
import { planProgress } from '../dist/sources/assistants/run-progress.js';
import { createExporter } from '../dist/sink/create-exporter.js';
import { OutboxDrain } from '../dist/sink/outbox-drain.js';
import { emptySavedRuns, readSavedRunsFile } from '../dist/sources/assistants/file-source.js';
import { openRunLedger } from '../dist/sources/assistants/run-ledger.js';

const started = performance.now();
const [file, stateDir] = process.argv.slice(2);
if (!file || !stateDir || !process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
  process.stderr.write('usage: OTEL_EXPORTER_OTLP_ENDPOINT=... node pipeline-outbox.mjs FILE.jsonl STATE_DIR\n');
  process.exit(2);
}
const config = resolveConfig({ flags: {}, env: process.env });
const log = pino({ level: 'warn' });
const statePath = join(stateDir, 'state.sqlite');
const state = openRunLedger(statePath, { outboxCap: config.watch.outboxCap });
const exporter = createExporter(config);
const drain = new OutboxDrain(state, exporter, { batchSize: config.watch.exportBatchSize, log });
const commitFirst = process.env.BENCH_PIPELINE_MODE === 'commit-first';
if (!commitFirst) drain.start();

// Parsing through the payload schemas is part of the pipeline (the watcher parses each page).
const saved = emptySavedRuns();
readSavedRunsFile(file, saved);
// Where the time goes, per stage of the loop below (trackAndFreeze: tracking a page, reading the
// run's state and freezing its context; commit: the progress transaction, context included).
const stageMs = { readAndParse: performance.now() - started, trackAndFreeze: 0, plan: 0, commit: 0 };
let mark = performance.now();
const lap = (stage) => {
  const now = performance.now();
  stageMs[stage] += now - mark;
  mark = now;
};
// A thread pass tracks one runs.list page (up to 100 runs) in one transaction.
const PAGE = 100;
const allRuns = [...saved.runs.values()];
let spans = 0;
for (const [i, run] of allRuns.entries()) {
  mark = performance.now();
  if (i % PAGE === 0) state.trackRuns(allRuns.slice(i, i + PAGE).map((r) => ({ threadId: r.thread_id, runId: r.id, origin: 'thread' })));
  const tracked = state.getRun(run.id);
  const agentId = run.assistant_id ?? null;
  // Frozen here and stored by the commit below, in the run's progress transaction.
  const newContext = tracked.frozenContext
    ? undefined
    : freezeContext(run, {
        agentName: agentId ? (saved.assistantNames.get(agentId) ?? null) : null,
        captureContent: config.content.capture,
        contentMaxLength: config.content.maxLength,
        providerName: config.api.providerName,
        baseURL: config.api.baseURL,
        nowSeconds: Math.floor(Date.now() / 1000),
      });
  const ctx = tracked.frozenContext ?? newContext;
  const steps = saved.steps.get(run.id) ?? [];
  const emitted = state.emittedAmong(
    run.id,
    steps.map((step) => step.id),
  );
  lap('trackAndFreeze');
  const plan = planProgress(
    run,
    steps,
    {
      cursorStepId: tracked.cursorStepId,
      emitted,
      latestStepEnd: tracked.latestStepEnd,
      runSpanEmitted: tracked.runSpanEmitted,
      stepUsageSeen: tracked.stepUsageSeen,
    },
    ctx,
    config.limits,
    false,
  );
  lap('plan');
  state.commitProgress({
    runId: run.id,
    status: run.status ?? null,
    spans: plan.spans,
    emittedStepIds: plan.emittedStepIds,
    cursorStepId: plan.cursorStepId,
    latestStepEnd: plan.latestStepEnd,
    runSpanEmitted: plan.runSpanEmitted,
    terminal: plan.runSpanEmitted,
    stepUsageSeen: plan.stepUsageSeen,
    observations: plan.observations,
    ...(newContext ? { frozenContext: newContext } : {}),
  });
  lap('commit');
  spans += plan.spans.length;
  if (!commitFirst) {
    drain.notify();
    // In `watch` every run is committed after an awaited API call; let the drain's I/O run likewise.
    await yieldToLoop();
  }
}
const committedMs = performance.now() - started;
if (commitFirst) drain.start();
await drain.shutdown(60_000);
const left = state.outboxDepth();
await exporter.shutdown();
await state.shutdown();
const stateBytes = ['', '-wal'].reduce((n, suffix) => {
  try {
    return n + statSync(statePath + suffix).size;
  } catch {
    return n;
  }
}, 0);
process.stdout.write(
  `${JSON.stringify({ spans, exported: drain.stats.exported, exportRequests: drain.stats.exportAttempts, left, committedMs, stageMs, workMs: performance.now() - started, stateBytes })}\n`,
);
