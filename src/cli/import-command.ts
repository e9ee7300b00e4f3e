// `import FILE...`: saved objects of any registered source, each top-level value read by the first
// importer that accepts it, mapped and exported exactly like watched ones. Names no source: it
// iterates the registrations in src/sources/registry.ts.
import type { BridgeConfig } from '../config/types.js';
import { readImportFile, ValueProblem } from '../core/import-input.js';
import type { SourceImporter } from '../core/source.js';
import type { SpanRecord } from '../core/span-record.js';
import { createExporter } from '../sink/create-exporter.js';
import { deliver, DeliveryAbandoned } from '../sink/delivery.js';
import { SOURCES } from '../sources/registry.js';
import type { Logger } from './logger.js';

/** The importers' counts (e.g. runs and steps), then what the export did. */
export type ImportSummary = Record<string, number> & {
  spans: number;
  delivered: number;
  refused: number;
  partiallyRejected: number;
};

/** What a value no importer takes is, by its `object` field (its type when it has none). */
function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'an array of nothing import reads';
  if (value === null || typeof value !== 'object') return value === null ? 'null' : `a ${typeof value}`;
  const object = (value as Record<string, unknown>).object;
  if (typeof object !== 'string') return 'missing';
  return `'${object.length > 60 ? `${object.slice(0, 60)}...` : object}' is not one import reads`;
}

/** The line for a value no importer takes: what it is, and what import reads. */
const notImported = (value: unknown, importers: readonly SourceImporter[]): string =>
  `object: ${describeValue(value)}; import reads ${importers.map((i) => i.reads).join('; ')}`;

/** Reads every file, each value into the first importer that accepts it; returns the importers that took something. */
export function readImportFiles(files: string[], progress: (done: number, total: number) => void = () => undefined): SourceImporter[] {
  const importers = SOURCES.flatMap((s) => (s.importer ? [s.importer()] : []));
  const used = new Set<SourceImporter>();
  files.forEach((file, i) => {
    readImportFile(file, (value, where) => {
      const importer = importers.find((candidate) => candidate.accepts(value));
      if (!importer) throw new ValueProblem([], notImported(value, importers));
      importer.add(value, where);
      used.add(importer);
    });
    progress(i + 1, files.length);
  });
  return importers.filter((importer) => used.has(importer));
}

/** Runs the import; returns the process exit code (0 done, 1 the collector refused or kept failing). */
export async function runImport(
  files: string[],
  config: BridgeConfig,
  log: Logger,
  progress: (done: number, total: number) => void,
): Promise<{ code: number; summary: ImportSummary }> {
  const importers = readImportFiles(files, progress);
  const nowSeconds = Math.floor(Date.now() / 1000);
  // Every importer checks the whole input before anything is exported; the mapping is lazy.
  const mapped = importers.map((importer) => importer.spans(config, nowSeconds, log));
  const counts: Record<string, number> = {};
  for (const importer of importers) Object.assign(counts, importer.counts());
  const summary: ImportSummary = { ...counts, spans: 0, delivered: 0, refused: 0, partiallyRejected: 0 };
  const exporter = createExporter(config);
  log.info({ ...counts, to: exporter.target }, 'exporting');
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
    for (const units of mapped) {
      for (const spans of units) {
        summary.spans += spans.length;
        for (const span of spans) pending.push(span);
        while (pending.length >= batchSize) {
          const batch = pending.slice(0, batchSize);
          pending = pending.slice(batchSize);
          await inFlight;
          inFlight = send(batch);
        }
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
