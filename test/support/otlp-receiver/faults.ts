// Collector misbehaviour a test can switch on while a receiver runs.
import type { ReceivedSpan, Signal } from './types.js';

export interface Faults {
  /** Answer with this HTTP status (e.g. 400, 429, 500, 503) without recording anything. */
  status?: number;
  /** With `status`: the Retry-After header (gRPC: RetryInfo in the status details). */
  retryAfterSeconds?: number;
  /**
   * Hold the request this long before processing it. If the client gave up meanwhile
   * (its timeout), nothing is recorded: the collector never got to it.
   */
  delayMs?: number;
  /** Reset the connection without answering (HTTP only). */
  reset?: boolean;
  /** Accept, but report the last `rejectedSpans` spans of the request as rejected and do not record them (traces only). */
  partialSuccess?: { rejectedSpans: number; errorMessage?: string };
  /** Refuse (400) any request holding a span this returns true for, so a client must split the batch to isolate it (traces only). */
  rejectSpansWhere?: (span: ReceivedSpan) => boolean;
  /** Record the spans, then never answer: the window in which a crash re-sends an acknowledged batch. */
  acceptThenHang?: boolean;
  /** Apply to this many requests, then clear. Default: until clearFaults(). */
  count?: number;
  /** Which requests are affected. Default 'traces', so periodic metric exports do not use up `count`. */
  signal?: Signal | 'all';
}

export class FaultSwitch {
  private active: Faults | null = null;
  private remaining = Number.POSITIVE_INFINITY;

  set(faults: Faults): void {
    checkFaults(faults);
    this.active = { ...faults };
    this.remaining = faults.count ?? Number.POSITIVE_INFINITY;
  }

  clear(): void {
    this.active = null;
  }

  /** The faults for a request of this signal. Faults that act on every request are counted here. */
  forRequest(signal: Signal): Faults | null {
    const faults = this.active;
    if (!faults || (faults.signal !== 'all' && (faults.signal ?? 'traces') !== signal)) return null;
    if (!isConditional(faults)) this.spend(faults);
    return faults;
  }

  /** Counts a conditional fault (rejectSpansWhere alone) once it actually matched. */
  matched(faults: Faults): void {
    if (isConditional(faults)) this.spend(faults);
  }

  private spend(faults: Faults): void {
    if (this.active !== faults) return;
    this.remaining -= 1;
    if (this.remaining <= 0) this.active = null;
  }
}

function isConditional(f: Faults): boolean {
  return f.status === undefined && !f.delayMs && !f.reset && !f.partialSuccess && !f.acceptThenHang;
}

function checkFaults(f: Faults): void {
  const wholeAtLeast = (value: number | undefined, min: number): boolean =>
    value === undefined || (Number.isInteger(value) && value >= min);
  if (f.status !== undefined && !(Number.isInteger(f.status) && f.status >= 400 && f.status <= 599)) {
    throw new RangeError(`faults.status must be an HTTP error status (400..599), got ${f.status}`);
  }
  if (!wholeAtLeast(f.count, 1)) throw new RangeError(`faults.count must be a whole number >= 1, got ${f.count}`);
  if (!wholeAtLeast(f.partialSuccess?.rejectedSpans, 0)) {
    throw new RangeError(`faults.partialSuccess.rejectedSpans must be a whole number >= 0`);
  }
  if (f.retryAfterSeconds !== undefined && !(f.retryAfterSeconds >= 0)) throw new RangeError('faults.retryAfterSeconds must be >= 0');
  if (f.delayMs !== undefined && !(f.delayMs >= 0)) throw new RangeError('faults.delayMs must be >= 0');
}
