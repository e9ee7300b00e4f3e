// Exports the outbox: oldest spans first, in batches across runs; rows are deleted only once
// the collector acknowledged them, refused spans move to the dead-letter table. Retryable
// failures retry forever (the outbox is durable), so a collector outage only grows the queue.
import type { Logger } from 'pino';
import { sleep } from '../core/timing.js';
import type { SpanRecord } from '../core/span-record.js';
import type { StateStore } from '../state/store.js';
import type { SpanRecordExporter } from './export-outcome.js';
import { deliver, DeliveryAbandoned } from './delivery.js';

/** How long a partial batch waits for more spans before it is exported. */
const LINGER_MS = 50;

export interface StopReport {
  /** Spans acknowledged while stopping. */
  exported: number;
  /** Spans left in the outbox, exported at the next start on the same state file. */
  left: number;
}

export interface DrainStats {
  exported: number;
  deadLettered: number;
  partiallyRejected: number;
  exportAttempts: number;
  exportFailures: number;
  lastExportAt: number | null;
  lastError: string | null;
}

/** Told how each export went, to say when the collector is out of reach and when it is back. */
export interface ExportHealth {
  failed(reason: string): void;
  answered(): void;
}

export interface OutboxDrainOptions {
  batchSize: number;
  log: Logger;
  /** Without one, each retryable failure is a warning. */
  health?: ExportHealth;
  /** Called after each acknowledged batch (status line, metrics, idle checks). */
  onAcknowledged?: (spans: readonly SpanRecord[]) => void;
}

export class OutboxDrain {
  readonly stats: DrainStats = {
    exported: 0,
    deadLettered: 0,
    partiallyRejected: 0,
    exportAttempts: 0,
    exportFailures: 0,
    lastExportAt: null,
    lastError: null,
  };
  private wake: (() => void) | null = null;
  private stopping = false;
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;
  private stopped: Promise<void> | null = null;
  private report: StopReport | null = null;

  constructor(
    private readonly state: StateStore,
    private readonly exporter: SpanRecordExporter,
    private readonly options: OutboxDrainOptions,
  ) {}

  start(): void {
    if (this.stopping) return;
    this.running ??= this.loop();
  }

  /** New rows were committed: export them now rather than at the next idle tick. */
  notify(): void {
    this.wake?.();
  }

  /**
   * Exports what is left until the outbox is empty or `budgetMs` passes (none: until it is empty),
   * then stops: an export still unanswered then is abandoned (its spans stay in the outbox).
   */
  shutdown(budgetMs?: number): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      const exportedBefore = this.stats.exported;
      this.notify();
      const timer = budgetMs === undefined ? undefined : setTimeout(() => this.abort.abort(), budgetMs);
      try {
        await this.running;
      } finally {
        clearTimeout(timer);
        this.report = { exported: this.stats.exported - exportedBefore, left: this.state.closed ? 0 : this.state.outboxDepth() };
      }
    })();
    return this.stopped;
  }

  /** What the stop exported and left in the outbox; null until the drain has stopped. */
  stopReport(): StopReport | null {
    return this.report;
  }

  private async loop(): Promise<void> {
    for (;;) {
      let items = this.state.outboxBatch(this.options.batchSize);
      // Batches end where a commit ends, so one a little short of batchSize is full: wait only
      // when the outbox holds less than a batch.
      if (items.length > 0 && this.state.outboxDepth() < this.options.batchSize && !this.stopping) {
        // A short wait lets a backlog being committed run by run fill the batch: fewer, fuller
        // exports and fewer acknowledgement transactions, for at most LINGER_MS of lag.
        await sleep(LINGER_MS);
        items = this.state.outboxBatch(this.options.batchSize);
      }
      if (items.length === 0) {
        if (this.stopping) return;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1000);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
        continue;
      }
      if (!(await this.exportBatch(items))) return;
    }
  }

  /** False when stopped by the deadline while the collector was failing. */
  private async exportBatch(items: { seq: number; span: SpanRecord }[]): Promise<boolean> {
    const seqOf = new Map(items.map((i) => [i.span, i.seq]));
    try {
      const result = await deliver(
        this.exporter,
        items.map((i) => i.span),
        {
          maxAttempts: Number.POSITIVE_INFINITY,
          signal: this.abort.signal,
          onRetry: ({ reason, delayMs, spans }) => {
            this.stats.exportFailures += 1;
            this.stats.lastError = reason;
            const fields = { reason, spans, retryInMs: delayMs, outboxDepth: this.state.outboxDepth() };
            const message = 'export failed; the spans stay in the outbox and will be retried';
            if (this.options.health) {
              this.options.log.debug(fields, message);
              this.options.health.failed(reason);
            } else this.options.log.warn(fields, message);
          },
        },
      );
      this.options.health?.answered();
      this.stats.exportAttempts += result.attempts;
      const delivered = result.delivered.map((s) => seqOf.get(s)).filter((s): s is number => s !== undefined);
      this.state.ack(delivered);
      if (result.refused.length > 0) {
        this.state.deadLetter(
          result.refused
            .map((r) => ({ seq: seqOf.get(r.span) ?? -1, reason: r.reason, ...(r.status !== undefined ? { status: r.status } : {}) }))
            .filter((r) => r.seq >= 0),
        );
        this.stats.deadLettered += result.refused.length;
        for (const r of result.refused.slice(0, 3)) {
          this.options.log.error(
            { span: r.span.name, traceId: r.span.traceId, spanId: r.span.spanId, reason: r.reason },
            'the collector refused a span; it was moved to the dead-letter table',
          );
        }
      }
      if (result.partiallyRejected > 0) {
        this.stats.partiallyRejected += result.partiallyRejected;
        this.options.log.warn(
          { rejected: result.partiallyRejected, message: result.partialMessages[0] },
          'the collector acknowledged a batch but rejected some of its spans (partial success)',
        );
      }
      this.stats.exported += result.delivered.length;
      this.stats.lastExportAt = Date.now();
      this.options.onAcknowledged?.(result.delivered);
      return true;
    } catch (error) {
      if (error instanceof DeliveryAbandoned) {
        // Stopped mid-retry: what was acknowledged before goes, the rest stays for the next start.
        const delivered = error.partial.delivered.map((s) => seqOf.get(s)).filter((s): s is number => s !== undefined);
        this.state.ack(delivered);
        this.stats.exported += delivered.length;
        return false;
      }
      throw error;
    }
  }
}
