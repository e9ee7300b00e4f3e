import type { Part } from '../core/lifecycle.js';
import type { SpanRecord } from '../core/span-record.js';

/** What the collector said about one export request. */
export type ExportOutcome =
  /** Acknowledged; `rejectedSpans` > 0 is OTLP partial success (the collector dropped those). */
  | { kind: 'accepted'; rejectedSpans: number; message?: string }
  /** Try again later (429, 502-504, network, timeout); `retryAfterMs` when the collector said when. */
  | { kind: 'retryable'; reason: string; retryAfterMs?: number }
  /** Will never be accepted as sent (400, 413, other 4xx/5xx): isolate and dead-letter. */
  | { kind: 'refused'; reason: string; status?: number };

/**
 * A narrow exporter, in the spirit of sdk-trace's SpanExporter, but with the collector's answer
 * kept. `start` may connect ahead of the first export; `shutdown` closes what it holds.
 */
export interface SpanRecordExporter extends Part {
  export(spans: readonly SpanRecord[]): Promise<ExportOutcome>;
  /** Where spans go, for logs; never includes headers. */
  readonly target: string;
}
