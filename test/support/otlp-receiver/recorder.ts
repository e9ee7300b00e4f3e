// Everything a receiver saw, and the waits tests use to observe it without sleeping.
import type { DuplicateSpan, ReceivedMetric, ReceivedRequest, ReceivedSpan } from './types.js';

export type RequestStart = Pick<ReceivedRequest, 'path' | 'signal' | 'contentType' | 'contentEncoding' | 'encoding'>;

const DEFAULT_WAIT_MS = 10_000;

export class Recorder {
  private spanList: ReceivedSpan[] = [];
  private metricList: ReceivedMetric[] = [];
  private requestList: ReceivedRequest[] = [];
  // Requests that arrived before the last reset() must not leak into the fresh log.
  private current = new WeakSet<ReceivedRequest>();
  private listeners = new Set<() => void>();

  begin(start: RequestStart): ReceivedRequest {
    const entry: ReceivedRequest = {
      id: this.requestList.length,
      at: Date.now(),
      ...start,
      spanCount: 0,
      metricCount: 0,
      status: null,
      faults: [],
      error: null,
      pending: true,
    };
    this.requestList.push(entry);
    this.current.add(entry);
    this.changed();
    return entry;
  }

  finish(entry: ReceivedRequest, outcome: { status: number | null; error?: string | null; grpcCode?: number }): void {
    Object.assign(entry, { error: null, ...outcome, pending: false });
    this.changed();
  }

  recordSpans(entry: ReceivedRequest, spans: ReceivedSpan[]): void {
    if (!this.current.has(entry)) return;
    this.spanList.push(...spans);
    this.changed();
  }

  recordMetrics(entry: ReceivedRequest, metrics: ReceivedMetric[]): void {
    if (!this.current.has(entry)) return;
    this.metricList.push(...metrics);
    this.changed();
  }

  /** Accepted spans, in arrival order (a re-sent span appears once per arrival). */
  spans(): ReceivedSpan[] {
    return [...this.spanList];
  }

  metrics(): ReceivedMetric[] {
    return [...this.metricList];
  }

  /** Every request, accepted or not, in arrival order. */
  requests(): ReceivedRequest[] {
    return this.requestList.map((entry) => ({ ...entry, faults: [...entry.faults] }));
  }

  duplicates(): DuplicateSpan[] {
    const byKey = new Map<string, DuplicateSpan>();
    for (const span of this.spanList) {
      const key = `${span.traceId}/${span.spanId}`;
      const seen = byKey.get(key);
      if (seen) {
        seen.count += 1;
        seen.requestIds.push(span.requestId);
      } else {
        byKey.set(key, { traceId: span.traceId, spanId: span.spanId, name: span.name, count: 1, requestIds: [span.requestId] });
      }
    }
    return [...byKey.values()].filter((d) => d.count > 1);
  }

  /** Forgets everything, including what requests still in flight would record. */
  reset(): void {
    this.spanList = [];
    this.metricList = [];
    this.requestList = [];
    this.current = new WeakSet();
  }

  waitForSpans(count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<ReceivedSpan[]> {
    return this.until(
      () => (this.spanList.length >= count ? this.spans() : undefined),
      timeoutMs,
      () => `waited ${timeoutMs} ms for ${count} spans; ${this.spanList.length} arrived. ${this.summary()}`,
    );
  }

  waitForRequests(count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<ReceivedRequest[]> {
    return this.until(
      () => (this.requestList.filter((r) => !r.pending).length >= count ? this.requests() : undefined),
      timeoutMs,
      () => `waited ${timeoutMs} ms for ${count} finished requests. ${this.summary()}`,
    );
  }

  /** Resolves with every recorded metric of that name once one has arrived. */
  waitForMetric(name: string, timeoutMs = DEFAULT_WAIT_MS): Promise<ReceivedMetric[]> {
    return this.until(
      () => {
        const found = this.metricList.filter((m) => m.name === name);
        return found.length > 0 ? found : undefined;
      },
      timeoutMs,
      () =>
        `waited ${timeoutMs} ms for metric ${JSON.stringify(name)}; got ${JSON.stringify([...new Set(this.metricList.map((m) => m.name))])}. ${this.summary()}`,
    );
  }

  /** Resolves once no request is still being processed. */
  settled(timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    return this.until(
      () => (this.requestList.some((r) => r.pending) ? undefined : true),
      timeoutMs,
      () => `waited ${timeoutMs} ms for pending requests to finish. ${this.summary()}`,
    ).then(() => undefined);
  }

  private until<T>(ready: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
    const now = ready();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const check = (): void => {
        const value = ready();
        if (value === undefined) return;
        done();
        resolve(value);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(describe()));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
    });
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private summary(): string {
    const statuses = new Map<string, number>();
    for (const r of this.requestList) {
      const key = r.pending ? 'pending' : r.status === null ? 'no answer' : String(r.status);
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
    }
    const counts = [...statuses].map(([status, n]) => `${status} x${n}`).join(', ');
    const lastError = this.requestList.findLast((r) => r.error !== null)?.error;
    return `Requests: ${this.requestList.length}${counts ? ` (${counts})` : ''}${lastError ? `; last refusal: ${lastError}` : ''}.`;
  }
}
