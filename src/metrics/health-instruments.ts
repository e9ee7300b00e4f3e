// The bridge's own health as OpenTelemetry instruments: API requests and throttling, polls,
// exports, the outbox, what is tracked, and the lag from a step's end to its span's
// acknowledgement. These are the running process's numbers (they restart at zero, as any
// process metric does); what describes runs comes from the state store instead.
import { ValueType, type BatchObservableResult, type Counter, type Histogram, type Meter } from '@opentelemetry/api';
import { nanosToSeconds, type SpanRecord } from '../core/span-record.js';
import {
  LABEL_METHOD,
  LABEL_OBJECT,
  LABEL_OUTCOME,
  LABEL_PRIORITY,
  LABEL_REASON,
  LABEL_ROUTE,
  LABEL_STATE,
} from '../semconv/attributes.js';
import type { AttemptFinishEvent } from '../scheduler/request-budget.js';
import type { DrainStats } from '../sink/outbox-drain.js';
import type { UnitCounts } from '../state/types.js';
import type { WebhookCounts } from '../webhooks/counters.js';
import { METRICS, type MetricSpec } from './catalog.js';

/** What the instruments read from the request budget. */
export interface BudgetSource {
  stats(): { throttledCount: number; pausedUntil: number | null; queued: Record<string, number> };
  on(event: 'attemptFinish', listener: (e: AttemptFinishEvent) => void): unknown;
}

/** What they read from the outbox drain (its `stats`). */
export interface DrainSource {
  readonly stats: DrainStats;
}

/** What they read from the watcher. */
export interface WatcherSource {
  readonly counters: {
    polls: number;
    transientErrors: number;
    outboxFullRefusals: number;
    lastPollAt: number | null;
  };
  /** Units the API said are gone, by object (`run`, `thread`, ...). */
  deletions(): Record<string, number>;
}

/** What they read from the webhook intake, when a watch has one. */
export interface WebhookSource {
  counts(): WebhookCounts;
}

export interface StateSource {
  outboxDepth(): number;
  deadLetterCount(): number;
  /** Tracked units of one kind of one source. */
  countUnits(source: string, kind: string): UnitCounts;
  readonly outboxCap: number;
  readonly closed: boolean;
}

export interface HealthInstruments {
  /** Records the lag of each acknowledged step span that is news (the drain's onAcknowledged). */
  recordAcknowledged(spans: readonly SpanRecord[], nowMs?: number): void;
  attachDrain(drain: DrainSource): void;
  attachWatcher(watcher: WatcherSource): void;
  /** The webhook intake: its series appear only in a watch that has one. */
  attachWebhooks(webhooks: WebhookSource): void;
}

function options(spec: MetricSpec, valueType = ValueType.INT) {
  return {
    description: spec.description,
    unit: spec.unit,
    valueType,
    ...(spec.buckets ? { advice: { explicitBucketBoundaries: [...spec.buckets] } } : {}),
  };
}

export function registerHealthInstruments(
  meter: Meter,
  state: StateSource,
  budget: BudgetSource | null,
  startedAtMs: number,
): HealthInstruments {
  let drain: DrainSource | null = null;
  let watcher: WatcherSource | null = null;
  let webhooks: WebhookSource | null = null;

  const requests: Counter = meter.createCounter(METRICS.apiRequests.name, options(METRICS.apiRequests));
  budget?.on('attemptFinish', (e) => requests.add(1, { [LABEL_ROUTE]: e.route, [LABEL_METHOD]: e.method, [LABEL_OUTCOME]: e.outcome }));
  const lag: Histogram = meter.createHistogram(METRICS.exportLag.name, options(METRICS.exportLag, ValueType.DOUBLE));

  const throttles = meter.createObservableCounter(METRICS.apiThrottles.name, options(METRICS.apiThrottles));
  const paused = meter.createObservableGauge(METRICS.apiPaused.name, options(METRICS.apiPaused));
  const queued = meter.createObservableGauge(METRICS.apiQueued.name, options(METRICS.apiQueued));
  const polls = meter.createObservableCounter(METRICS.polls.name, options(METRICS.polls));
  const lastPoll = meter.createObservableGauge(METRICS.lastPoll.name, options(METRICS.lastPoll, ValueType.DOUBLE));
  const deletions = meter.createObservableCounter(METRICS.upstreamDeletions.name, options(METRICS.upstreamDeletions));
  const attempts = meter.createObservableCounter(METRICS.exportAttempts.name, options(METRICS.exportAttempts));
  const failures = meter.createObservableCounter(METRICS.exportFailures.name, options(METRICS.exportFailures));
  const spans = meter.createObservableCounter(METRICS.exportSpans.name, options(METRICS.exportSpans));
  const lastExport = meter.createObservableGauge(METRICS.lastExport.name, options(METRICS.lastExport, ValueType.DOUBLE));
  const depth = meter.createObservableGauge(METRICS.outboxDepth.name, options(METRICS.outboxDepth));
  const capacity = meter.createObservableGauge(METRICS.outboxCapacity.name, options(METRICS.outboxCapacity));
  const deadLetters = meter.createObservableGauge(METRICS.deadLetters.name, options(METRICS.deadLetters));
  const runs = meter.createObservableGauge(METRICS.trackedRuns.name, options(METRICS.trackedRuns));
  const threads = meter.createObservableGauge(METRICS.trackedThreads.name, options(METRICS.trackedThreads));
  const webhookInstruments = {
    received: meter.createObservableCounter(METRICS.webhooksReceived.name, options(METRICS.webhooksReceived)),
    verified: meter.createObservableCounter(METRICS.webhooksVerified.name, options(METRICS.webhooksVerified)),
    rejected: meter.createObservableCounter(METRICS.webhooksRejected.name, options(METRICS.webhooksRejected)),
    handled: meter.createObservableCounter(METRICS.webhooksHandled.name, options(METRICS.webhooksHandled)),
    lastVerified: meter.createObservableGauge(METRICS.webhooksLastVerified.name, options(METRICS.webhooksLastVerified, ValueType.DOUBLE)),
  };

  const seconds = (ms: number | null): number => (ms ?? startedAtMs) / 1000;

  meter.addBatchObservableCallback(
    (r) => {
      if (budget) {
        const s = budget.stats();
        r.observe(throttles, s.throttledCount);
        r.observe(paused, s.pausedUntil !== null ? 1 : 0);
        for (const [priority, n] of Object.entries(s.queued)) r.observe(queued, n, { [LABEL_PRIORITY]: priority });
      }
      observeWatcher(r);
      observeDrain(r);
      observeWebhooks(r);
      // The state file is closed last at shutdown; a collection after that reports nothing from it.
      if (!state.closed) {
        r.observe(depth, state.outboxDepth());
        r.observe(capacity, state.outboxCap);
        r.observe(deadLetters, state.deadLetterCount());
        // The tracked-runs and tracked-threads gauges are the Assistants source's units (their names predate other sources).
        const tracked = state.countUnits('assistants', 'run');
        r.observe(runs, tracked.active, { [LABEL_STATE]: 'active' });
        r.observe(runs, tracked.tracked - tracked.active, { [LABEL_STATE]: 'finished' });
        r.observe(threads, state.countUnits('assistants', 'thread').tracked);
      }
    },
    [
      throttles,
      paused,
      queued,
      polls,
      lastPoll,
      deletions,
      attempts,
      failures,
      spans,
      lastExport,
      depth,
      capacity,
      deadLetters,
      runs,
      threads,
      ...Object.values(webhookInstruments),
    ],
  );

  function observeWatcher(r: BatchResult): void {
    const c = watcher?.counters;
    r.observe(lastPoll, seconds(c?.lastPollAt ?? null));
    r.observe(polls, c?.polls ?? 0, { [LABEL_OUTCOME]: 'ok' });
    r.observe(polls, c?.transientErrors ?? 0, { [LABEL_OUTCOME]: 'transient_error' });
    r.observe(polls, c?.outboxFullRefusals ?? 0, { [LABEL_OUTCOME]: 'outbox_full' });
    // Run and thread always, at 0 until one is deleted (as before other sources existed); others once they happen.
    const deleted = { run: 0, thread: 0, ...watcher?.deletions() };
    for (const [object, n] of Object.entries(deleted)) r.observe(deletions, n, { [LABEL_OBJECT]: object });
  }

  function observeDrain(r: BatchResult): void {
    const s = drain?.stats;
    r.observe(lastExport, seconds(s?.lastExportAt ?? null));
    r.observe(attempts, s?.exportAttempts ?? 0);
    r.observe(failures, s?.exportFailures ?? 0);
    r.observe(spans, s?.exported ?? 0, { [LABEL_OUTCOME]: 'exported' });
    r.observe(spans, s?.partiallyRejected ?? 0, { [LABEL_OUTCOME]: 'partially_rejected' });
    r.observe(spans, s?.deadLettered ?? 0, { [LABEL_OUTCOME]: 'dead_lettered' });
  }

  function observeWebhooks(r: BatchResult): void {
    if (!webhooks) return;
    const c = webhooks.counts();
    const w = webhookInstruments;
    r.observe(w.received, c.received);
    r.observe(w.verified, c.verified);
    r.observe(w.rejected, c.rejected.badSignature, { [LABEL_REASON]: 'bad_signature' });
    r.observe(w.rejected, c.rejected.stale, { [LABEL_REASON]: 'stale' });
    r.observe(w.rejected, c.rejected.malformed, { [LABEL_REASON]: 'malformed' });
    r.observe(w.rejected, c.rejected.tooLarge, { [LABEL_REASON]: 'too_large' });
    r.observe(w.handled, c.accepted, { [LABEL_OUTCOME]: 'accepted' });
    r.observe(w.handled, c.replayed, { [LABEL_OUTCOME]: 'replayed' });
    r.observe(w.handled, c.unclaimed, { [LABEL_OUTCOME]: 'unclaimed' });
    r.observe(w.handled, c.inFlightDuplicates, { [LABEL_OUTCOME]: 'in_flight_duplicate' });
    r.observe(w.handled, c.errors, { [LABEL_OUTCOME]: 'error' });
    r.observe(w.lastVerified, seconds(c.lastVerifiedAtMs));
  }

  return {
    recordAcknowledged(acknowledged, nowMs = Date.now()) {
      for (const span of acknowledged) {
        // History's lag is its age, not the bridge's delay: months of it would bury the real lag.
        if (!span.lagSample || span.history) continue;
        lag.record(Math.max(0, nowMs / 1000 - nanosToSeconds(span.end)));
      }
    },
    attachDrain(d) {
      drain = d;
    },
    attachWatcher(w) {
      watcher = w;
    },
    attachWebhooks(w) {
      webhooks = w;
    },
  };
}

type BatchResult = BatchObservableResult;
