// What a request goes through, whatever carried it (HTTP or gRPC): faults, decoding,
// the strict checks, recording. The transports only read the body and send the outcome.
import { setTimeout as sleep } from 'node:timers/promises';
import { BadRequest, decodeMetricsRequest, decodeTraceRequest } from './decode.js';
import { FaultSwitch, type Faults } from './faults.js';
import { type Arrival, countMetrics, countSpans, metricsOf, spansOf } from './normalize.js';
import { Recorder } from './recorder.js';
import { grpcCodeFor, type PartialSuccess } from './responses.js';
import type { DuplicateSpan, Encoding, ReceivedMetric, ReceivedRequest, ReceivedSpan, Signal } from './types.js';
import { firstMetricsProblem, firstTraceProblem } from './validate.js';

/** The inspection and fault API both receivers share. */
export interface ReceiverApi {
  /** Accepted spans in arrival order; a re-sent span appears once per arrival. */
  spans(): ReceivedSpan[];
  metrics(): ReceivedMetric[];
  /** Every request, accepted or refused, in arrival order. */
  requests(): ReceivedRequest[];
  /** Spans (traceId + spanId) that arrived more than once. */
  duplicates(): DuplicateSpan[];
  /** Forgets all spans, metrics and requests (including what requests still in flight would record). */
  reset(): void;
  /** Resolves with all spans once at least `count` are recorded; rejects after `timeoutMs` (default 10 s) saying what did arrive. */
  waitForSpans(count: number, timeoutMs?: number): Promise<ReceivedSpan[]>;
  /** Resolves once `count` requests have been answered (or dropped), whatever the outcome. */
  waitForRequests(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  /** Resolves with every recorded metric of that name once one has arrived. */
  waitForMetric(name: string, timeoutMs?: number): Promise<ReceivedMetric[]>;
  /** Resolves once no request is still being processed (e.g. inside a delay). */
  settled(timeoutMs?: number): Promise<void>;
  /** Replaces the active faults. */
  setFaults(faults: Faults): void;
  clearFaults(): void;
  /** Stops listening and drops open connections: clients now get "connection refused". */
  down(): Promise<void>;
  /** Listens again, on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export interface Incoming {
  signal: Signal;
  encoding: Encoding | null;
  contentType: string;
  /** The body, decompressed; throws BadRequest when it cannot be. */
  payload: () => Uint8Array;
  clientGone: () => boolean;
}

export type Outcome =
  | { kind: 'ok'; partial: PartialSuccess | null }
  | { kind: 'refuse'; status: number; message: string; retryAfterSeconds?: number }
  | { kind: 'reset' }
  | { kind: 'hang' }
  | { kind: 'gone' };

export abstract class ReceiverCore {
  protected readonly recorder = new Recorder();
  protected readonly faultSwitch = new FaultSwitch();
  private readonly closing = new AbortController();

  protected constructor(
    private readonly transport: 'http' | 'grpc',
    private readonly keepBodies = false,
  ) {}

  spans(): ReceivedSpan[] {
    return this.recorder.spans();
  }
  metrics(): ReceivedMetric[] {
    return this.recorder.metrics();
  }
  requests(): ReceivedRequest[] {
    return this.recorder.requests();
  }
  duplicates(): DuplicateSpan[] {
    return this.recorder.duplicates();
  }
  reset(): void {
    this.recorder.reset();
  }
  waitForSpans(count: number, timeoutMs?: number): Promise<ReceivedSpan[]> {
    return this.recorder.waitForSpans(count, timeoutMs);
  }
  waitForRequests(count: number, timeoutMs?: number): Promise<ReceivedRequest[]> {
    return this.recorder.waitForRequests(count, timeoutMs);
  }
  waitForMetric(name: string, timeoutMs?: number): Promise<ReceivedMetric[]> {
    return this.recorder.waitForMetric(name, timeoutMs);
  }
  settled(timeoutMs?: number): Promise<void> {
    return this.recorder.settled(timeoutMs);
  }
  setFaults(faults: Faults): void {
    this.faultSwitch.set(faults);
  }
  clearFaults(): void {
    this.faultSwitch.clear();
  }

  /** Ends pending delays; the transport closes its connections. */
  protected stopDelays(): void {
    this.closing.abort();
  }

  protected async process(entry: ReceivedRequest, incoming: Incoming): Promise<Outcome> {
    const faults = this.faultSwitch.forRequest(incoming.signal);
    if (faults?.reset) {
      entry.faults.push('reset');
      return this.conclude(entry, { kind: 'reset' });
    }
    if (faults?.delayMs) {
      entry.faults.push('delay');
      const waited = await sleep(faults.delayMs, true, { signal: this.closing.signal }).catch(() => false);
      if (!waited || incoming.clientGone()) return this.conclude(entry, { kind: 'gone' }, 'the client went away during the delay');
    }
    if (faults?.status !== undefined) {
      entry.faults.push('status');
      const message = `fault injected: HTTP ${faults.status}`;
      return this.conclude(entry, { kind: 'refuse', status: faults.status, message, retryAfterSeconds: faults.retryAfterSeconds });
    }
    if (!incoming.encoding) {
      const message = `unsupported Content-Type ${JSON.stringify(incoming.contentType)}: use application/x-protobuf or application/json`;
      return this.conclude(entry, { kind: 'refuse', status: 415, message });
    }
    const arrival: Arrival = { receivedAt: Date.now(), requestId: entry.id, encoding: incoming.encoding };
    try {
      const body = incoming.payload();
      if (this.keepBodies) entry.body = body;
      return incoming.signal === 'traces'
        ? this.acceptTraces(entry, body, arrival, faults)
        : this.acceptMetrics(entry, body, arrival, faults);
    } catch (error) {
      if (!(error instanceof BadRequest)) throw error;
      return this.conclude(entry, { kind: 'refuse', status: 400, message: error.message });
    }
  }

  private acceptTraces(entry: ReceivedRequest, body: Uint8Array, arrival: Arrival, faults: Faults | null): Outcome {
    const request = decodeTraceRequest(body, arrival.encoding);
    entry.spanCount = countSpans(request);
    const problem = firstTraceProblem(request);
    if (problem) return this.conclude(entry, { kind: 'refuse', status: 400, message: problem });
    const spans = spansOf(request, arrival);
    const culprit = faults?.rejectSpansWhere ? spans.find(faults.rejectSpansWhere) : undefined;
    if (faults && culprit) {
      this.faultSwitch.matched(faults);
      entry.faults.push('reject-span');
      const message = `span ${JSON.stringify(culprit.name)} (spanId ${culprit.spanId}) refused by the rejectSpansWhere fault`;
      return this.conclude(entry, { kind: 'refuse', status: 400, message });
    }
    let partial: PartialSuccess | null = null;
    if (faults?.partialSuccess) {
      entry.faults.push('partial-success');
      const rejected = Math.min(faults.partialSuccess.rejectedSpans, spans.length);
      partial = { rejected, errorMessage: faults.partialSuccess.errorMessage ?? `${rejected} spans rejected by the partialSuccess fault` };
    }
    this.recorder.recordSpans(entry, spans.slice(0, spans.length - (partial?.rejected ?? 0)));
    return this.acknowledge(entry, faults, partial);
  }

  private acceptMetrics(entry: ReceivedRequest, body: Uint8Array, arrival: Arrival, faults: Faults | null): Outcome {
    const request = decodeMetricsRequest(body, arrival.encoding);
    entry.metricCount = countMetrics(request);
    const problem = firstMetricsProblem(request);
    if (problem) return this.conclude(entry, { kind: 'refuse', status: 400, message: problem });
    this.recorder.recordMetrics(entry, metricsOf(request, arrival));
    return this.acknowledge(entry, faults, null);
  }

  private acknowledge(entry: ReceivedRequest, faults: Faults | null, partial: PartialSuccess | null): Outcome {
    if (faults?.acceptThenHang) {
      entry.faults.push('accept-then-hang');
      return this.conclude(entry, { kind: 'hang' });
    }
    return this.conclude(entry, { kind: 'ok', partial });
  }

  private conclude(entry: ReceivedRequest, outcome: Outcome, note?: string): Outcome {
    const status = outcome.kind === 'ok' ? 200 : outcome.kind === 'refuse' ? outcome.status : null;
    const error = outcome.kind === 'refuse' ? outcome.message : (note ?? null);
    const grpc = this.transport === 'grpc' && status !== null ? { grpcCode: grpcCodeFor(status) } : {};
    this.recorder.finish(entry, { status, error, ...grpc });
    return outcome;
  }
}
