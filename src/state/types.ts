import type { FrozenContext } from '../mapping/frozen-context.js';
import type { MetricObservation } from '../core/observation.js';
import type { SpanRecord } from '../core/span-record.js';
import type { ORIGINS } from './schema.js';

/** Where a tracked run or thread came from. */
export type Origin = (typeof ORIGINS)[number];

export interface TrackedRun {
  threadId: string;
  runId: string;
  origin: Origin;
  /** Epoch milliseconds (the store's clock) when first tracked. */
  addedAt: number;
  /** Last run status seen, or null before the first poll. */
  status: string | null;
  /** The run is finished and its last spans are committed: no more polling. */
  terminal: boolean;
  runSpanEmitted: boolean;
  /** The last step (in `order=asc` list order) such that it and every step before it is emitted. */
  cursorStepId: string | null;
  /** Latest end, in seconds, among emitted steps: the run span's end when the run has no end time. */
  latestStepEnd: number | null;
  /** A step emitted so far reported token usage (then the run's own usage is never counted). */
  stepUsageSeen: boolean;
  /** Null until the run is first seen and its context frozen. */
  frozenContext: FrozenContext | null;
  /** Untracked; kept so re-adding it resumes without sending a step twice. */
  removed: boolean;
}

export interface TrackedThread {
  threadId: string;
  origin: Origin;
  addedAt: number;
  /** Runs cursor: the last run id discovered on this thread, or null. */
  lastRunId: string | null;
}

export interface MetricDelta {
  name: string;
  labels: Record<string, string>;
  delta: number;
}

export interface MetricTotal {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ProgressCommit {
  runId: string;
  /** Last seen run status; undefined leaves it, null clears it. */
  status?: string | null;
  /**
   * Spans newly terminal; one already in the outbox is skipped. Plain JSON values (as mapping
   * makes them), not changed after the call: the drain may export these very objects.
   */
  spans: SpanRecord[];
  /** Steps whose spans are among `spans` (or need none). */
  emittedStepIds?: string[];
  /** New cursor; undefined leaves it. */
  cursorStepId?: string | null;
  /** Merged with the stored value by max; null or undefined leaves it. */
  latestStepEnd?: number | null;
  /** Sticky: true sets it, false or undefined leaves it. */
  runSpanEmitted?: boolean;
  /** Sticky: true sets it, false or undefined leaves it. */
  terminal?: boolean;
  /** Sticky: true sets it, false or undefined leaves it. */
  stepUsageSeen?: boolean;
  /** What the commit adds to the metric totals. */
  observations?: MetricObservation[];
  /**
   * The context the spans were mapped with, stored when the run has none yet (first write wins),
   * in the same transaction as the spans.
   */
  frozenContext?: FrozenContext;
  /**
   * The run's `expires_at` seen now while it is pending: recorded in its frozen context (the one
   * field of it that follows the run), as where the run ends should it expire.
   */
  expiresAt?: number | null;
}

export interface CommitResult {
  /** Spans added to the outbox. */
  enqueued: number;
  /** Spans skipped because the same (traceId, spanId) is still waiting in the outbox. */
  alreadyPresent: number;
}

export interface OutboxItem {
  seq: number;
  span: SpanRecord;
}

export interface DeadLetterRequest {
  seq: number;
  reason: string;
  /** HTTP or gRPC status of the refusal, when there was one. */
  status?: number;
}

export interface StateStats {
  /** Tracked runs, finished ones included (untracked ones excluded). */
  trackedRuns: number;
  /** Tracked runs not yet terminal. */
  activeRuns: number;
  trackedThreads: number;
  outboxDepth: number;
  deadLetters: number;
}

export interface StateStoreOptions {
  /** Most spans the outbox holds before commits are refused (back-pressure). */
  outboxCap?: number;
  /** Clock for the store's own timestamps (epoch ms). */
  now?: () => number;
  /** Most committed spans kept in memory for the drain until acknowledged (0: always read them back from the file). */
  freshSpanCapacity?: number;
}
