// `import FILE...`: saved runs and steps, mapped and exported exactly like polled ones.
import type { BridgeConfig } from '../config/types.js';
import { mapRunTrace } from '../sources/assistants/mapping/map-run.js';
import type { SpanRecord } from '../core/span-record.js';
import { createExporter } from '../sink/create-exporter.js';
import { deliver, DeliveryAbandoned } from '../sink/delivery.js';
import { agentIdOf, newRunContext } from '../sources/assistants/run-context.js';
import { checkStepsHaveRuns, emptySavedRuns, readSavedRunsFile, type SavedRuns } from '../sources/assistants/file-source.js';
import type { Logger } from './logger.js';

export interface ImportSummary {
  runs: number;
  steps: number;
  spans: number;
  delivered: number;
  refused: number;
  partiallyRejected: number;
}

/** Each saved run's spans, run by run, in the order the runs were read. */
export function* mapRunsOneByOne(saved: SavedRuns, config: BridgeConfig, nowSeconds: number): Generator<SpanRecord[]> {
  for (const run of saved.runs.values()) {
    const agentId = agentIdOf(run);
    // A saved file holds the assistants' names, not their descriptions.
    const agent = { name: agentId ? (saved.assistantNames.get(agentId) ?? null) : null, description: null };
    const ctx = newRunContext(run, agent, config, nowSeconds);
    yield mapRunTrace(run, saved.steps.get(run.id) ?? [], ctx, config.limits);
  }
}

/** Runs the import; returns the process exit code (0 done, 1 the collector refused or kept failing). */
export async function runImport(
  files: string[],
  config: BridgeConfig,
  log: Logger,
  progress: (done: number, total: number) => void,
): Promise<{ code: number; summary: ImportSummary }> {
  const saved = emptySavedRuns();
  files.forEach((file, i) => {
    readSavedRunsFile(file, saved);
    progress(i + 1, files.length);
  });
  // Before anything is exported: a step without its run would be dropped, not traced.
  checkStepsHaveRuns(saved);
  const stepCount = [...saved.steps.values()].reduce((n, list) => n + list.length, 0);
  const summary: ImportSummary = { runs: saved.runs.size, steps: stepCount, spans: 0, delivered: 0, refused: 0, partiallyRejected: 0 };
  const exporter = createExporter(config);
  log.info({ runs: summary.runs, steps: summary.steps, to: exporter.target }, 'exporting');
  const batchSize = config.watch.exportBatchSize;
  const send = async (batch: SpanRecord[]): Promise<void> => {
    const result = await deliver(exporter, batch, {
      maxAttempts: 5,
      onRetry: ({ reason, delayMs }) => log.warn({ reason, retryInMs: delayMs }, 'export failed; retrying'),
    });
    summary.delivered += result.delivered.length;
    summary.refused += result.refused.length;
    summary.partiallyRejected += result.partiallyRejected;
    for (const r of result.refused.slice(0, 3))
      log.error({ span: r.span.name, spanId: r.span.spanId, reason: r.reason }, 'the collector refused a span');
    if (result.partiallyRejected > 0)
      log.warn(
        { rejected: result.partiallyRejected, message: result.partialMessages[0] },
        'the collector accepted the batch but rejected some spans',
      );
  };
  let code = 0;
  // One export in flight, as in watch; the next batch is mapped while it travels.
  let inFlight: Promise<void> = Promise.resolve();
  try {
    let pending: SpanRecord[] = [];
    for (const spans of mapRunsOneByOne(saved, config, Math.floor(Date.now() / 1000))) {
      summary.spans += spans.length;
      for (const span of spans) pending.push(span);
      while (pending.length >= batchSize) {
        const batch = pending.slice(0, batchSize);
        pending = pending.slice(batchSize);
        await inFlight;
        inFlight = send(batch);
      }
    }
    await inFlight;
    if (pending.length > 0) await send(pending);
    if (summary.refused > 0 || summary.partiallyRejected > 0) code = 1;
  } catch (error) {
    // A batch still travelling when another failed: let it end before the exporter closes.
    await inFlight.catch(() => undefined);
    if (!(error instanceof DeliveryAbandoned)) throw error;
    log.error({ reason: error.reason }, `could not export to ${exporter.target}`);
    code = 1;
  } finally {
    await exporter.shutdown();
  }
  return { code, summary };
}
