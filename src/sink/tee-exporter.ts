// Hands every acknowledged batch to a listener as well (the demo draws from it); the
// collector's answer is passed through untouched.
import type { SpanRecord } from '../core/span-record.js';
import type { ExportOutcome, SpanRecordExporter } from './export-outcome.js';

export class TeeExporter implements SpanRecordExporter {
  readonly target: string;

  constructor(
    private readonly inner: SpanRecordExporter,
    private readonly onAccepted: (spans: readonly SpanRecord[]) => void,
  ) {
    this.target = inner.target;
  }

  async export(spans: readonly SpanRecord[]): Promise<ExportOutcome> {
    const outcome = await this.inner.export(spans);
    if (outcome.kind === 'accepted') this.onAccepted(spans);
    return outcome;
  }

  start(): void | Promise<void> {
    return this.inner.start();
  }

  shutdown(budgetMs?: number): Promise<void> {
    return this.inner.shutdown(budgetMs);
  }
}
