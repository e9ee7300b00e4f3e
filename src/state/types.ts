import type { MetricObservation } from '../core/observation.js';
import type { SpanRecord } from '../core/span-record.js';
import type { ORIGINS } from './schema.js';
import type { WebhookLedgerBounds } from './webhook-ledger.js';

/** Where a tracked unit came from. */
export type Origin = (typeof ORIGINS)[number];

/** A unit of work a source tracks, named within its source by kind and id. */
export interface UnitRef {
  source: string;
  kind: string;
  id: string;
}

export interface TrackedUnit extends UnitRef {
  /** The id of the unit this one belongs to, when the source says so. */
  parent: string | null;
  origin: Origin;
  /** Epoch milliseconds (the store's clock) when first tracked. */
  addedAt: number;
  /** Last status seen, or null before the first poll. */
  status: string | null;
  /** Finished and its last spans committed: no more polling. */
  terminal: boolean;
  /** Untracked; kept so tracking it again resumes without sending anything twice. */
  removed: boolean;
  /** The source's own JSON value: where polling resumes. Null until first set. */
  cursor: unknown;
  /** The source's own JSON value, set once: the context the unit's spans are mapped with. */
  frozen: unknown;
  /** The unit's own key (its id) was emitted: the span of the unit itself is committed. */
  selfEmitted: boolean;
}

export interface NewUnit {
  kind: string;
  id: string;
  parent?: string | null;
  origin: Origin;
}

export interface UnitCommit {
  source: string;
  unit: { kind: string; id: string };
  /**
   * Spans newly terminal, each of this unit; a span whose key was emitted by an earlier commit is
   * skipped. Plain JSON values, not changed after the call: the drain may export these very objects.
   */
  spans: SpanRecord[];
  /** What the commit adds to the metric totals. */
  observations?: MetricObservation[];
  /** Keys emitted with no span of theirs in this commit (objects that need none). */
  emittedKeys?: string[];
  /** The new cursor from the stored one (null when none), read inside the commit's transaction; undefined leaves it. */
  cursor?: (stored: unknown) => unknown;
  /** Last status seen; undefined leaves it, null clears it. */
  status?: string | null;
  /** Sticky: true sets it, false or undefined leaves it. */
  terminal?: boolean;
  /** Stored when the unit has none yet (first write wins). */
  frozen?: unknown;
  /** Top-level fields set in the stored frozen value (a JSON merge patch), the one part of it that may follow the unit. */
  frozenFields?: Record<string, unknown>;
  /**
   * Units of the same source this look handed over (found by it, to be followed on their own),
   * tracked in the commit's transaction so a crash never keeps the cursor that passed them and
   * loses them. A unit tracked already is left as it is; a new one starts with `cursor` and `frozen`.
   */
  track?: readonly HandedOverUnit[];
}

export interface HandedOverUnit extends NewUnit {
  cursor?: unknown;
  frozen?: unknown;
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

export interface CommitResult {
  /** Spans added to the outbox. */
  enqueued: number;
  /** Spans skipped because their key was emitted before, or repeated in the commit. */
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

export interface UnitCounts {
  /** Units tracked, finished ones included (untracked ones excluded). */
  tracked: number;
  /** Tracked units not yet terminal. */
  active: number;
}

export interface StateStoreOptions {
  /** Most spans the outbox holds before commits are refused (back-pressure). */
  outboxCap?: number;
  /** Clock for the store's own timestamps (epoch ms). */
  now?: () => number;
  /** Most committed spans kept in memory for the drain until acknowledged (0: always read them back from the file). */
  freshSpanCapacity?: number;
  /** Bounds of the webhook replay ledger (default: a week, 200,000 deliveries). */
  webhookLedger?: Partial<WebhookLedgerBounds>;
}
