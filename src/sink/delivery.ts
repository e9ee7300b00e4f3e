// Sends spans until the collector has answered for every one of them: retryable answers back
// off and retry; a refusal splits the batch to isolate what the collector will not take, so
// one bad span never blocks the rest.
import { fullJitterDelay, sleep } from '../core/timing.js';
import type { SpanRecord } from '../core/span-record.js';
import type { SpanRecordExporter } from './export-outcome.js';

export interface RefusedSpan {
  span: SpanRecord;
  reason: string;
  status?: number;
}

export interface DeliveryResult {
  delivered: SpanRecord[];
  refused: RefusedSpan[];
  /** Spans the collector acknowledged but reported as rejected (OTLP partial success). */
  partiallyRejected: number;
  partialMessages: string[];
  attempts: number;
}

/** The longest wait between two attempts at one batch (before a Retry-After floor). */
export const DEFAULT_EXPORT_RETRY_CAP_MS = 30_000;

export interface DeliveryOptions {
  /** Attempts per request before giving up on a retryable failure; Infinity keeps trying (the outbox does). */
  maxAttempts: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  onRetry?: (info: { reason: string; delayMs: number; attempt: number; spans: number }) => void;
}

export class DeliveryAbandoned extends Error {
  constructor(
    readonly reason: string,
    readonly partial: DeliveryResult,
  ) {
    super(`the collector kept failing: ${reason}`);
    this.name = 'DeliveryAbandoned';
  }
}

/** `work`'s value, or null as soon as `signal` aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T | null> {
  if (!signal) return work;
  if (signal.aborted) return Promise.resolve(null);
  return new Promise<T | null>((resolve, reject) => {
    const onAbort = (): void => resolve(null);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Delivers `spans`; resolves once each span was accepted or refused, throws DeliveryAbandoned after maxAttempts. */
export async function deliver(
  exporter: SpanRecordExporter,
  spans: readonly SpanRecord[],
  options: DeliveryOptions,
): Promise<DeliveryResult> {
  const result: DeliveryResult = { delivered: [], refused: [], partiallyRejected: 0, partialMessages: [], attempts: 0 };
  if (spans.length > 0) await deliverBatch(exporter, spans, options, result);
  return result;
}

async function deliverBatch(
  exporter: SpanRecordExporter,
  batch: readonly SpanRecord[],
  options: DeliveryOptions,
  result: DeliveryResult,
): Promise<void> {
  const base = options.baseDelayMs ?? 1000;
  const cap = options.maxDelayMs ?? DEFAULT_EXPORT_RETRY_CAP_MS;
  const random = options.random ?? Math.random;
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt += 1) {
    if (options.signal?.aborted) throw new DeliveryAbandoned('stopped while the collector was failing', result);
    result.attempts += 1;
    const outcome = await untilAborted(exporter.export(batch), options.signal);
    // Stopped with this export unanswered: the spans stay in the outbox. The collector may still
    // take it, so the next start can send this batch a second time (identical, same ids).
    if (outcome === null) throw new DeliveryAbandoned('stopped with an export unanswered', result);
    if (outcome.kind === 'accepted') {
      result.delivered.push(...batch);
      if (outcome.rejectedSpans > 0) {
        result.partiallyRejected += outcome.rejectedSpans;
        if (outcome.message) result.partialMessages.push(outcome.message);
      }
      return;
    }
    if (outcome.kind === 'refused') {
      if (batch.length === 1) {
        result.refused.push({
          span: batch[0] as SpanRecord,
          reason: outcome.reason,
          ...(outcome.status !== undefined ? { status: outcome.status } : {}),
        });
        return;
      }
      const middle = Math.ceil(batch.length / 2);
      await deliverBatch(exporter, batch.slice(0, middle), options, result);
      await deliverBatch(exporter, batch.slice(middle), options, result);
      return;
    }
    if (attempt >= options.maxAttempts) throw new DeliveryAbandoned(outcome.reason, result);
    // Full jitter; the collector's Retry-After is a floor, bounded so a bad header cannot park us for hours.
    const backoff = fullJitterDelay(attempt, { baseMs: base, capMs: cap, random });
    const delayMs = Math.min(Math.max(backoff, outcome.retryAfterMs ?? 0), 5 * 60_000);
    options.onRetry?.({ reason: outcome.reason, delayMs, attempt, spans: batch.length });
    await wait(delayMs, options.signal);
  }
}
