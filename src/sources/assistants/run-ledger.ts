// The Assistants view of the state store: runs and threads as units of the 'assistants' source,
// and a run's progress (step cursor, latest step end, usage flag) as its unit's cursor. The
// watcher, control routes, library and CLI speak runs and threads; the store speaks units.
import type { MetricObservation } from '../../core/observation.js';
import type { SpanRecord } from '../../core/span-record.js';
import type { FrozenContext } from './mapping/frozen-context.js';
import { readFrozen } from '../../state/read-only.js';
import { registerObservedMetrics } from '../../metrics/stored-totals.js';
import { openStateStore, StateStore } from '../../state/store.js';
import { ASSISTANTS_OBSERVED_METRICS } from './run-totals.js';
import type { CommitResult, Origin, StateStoreOptions, TrackedUnit } from '../../state/types.js';

export const ASSISTANTS = 'assistants';

// The run totals a ledger's commits carry are stored wherever it is opened (a tool, a second process).
registerObservedMetrics([{ metrics: ASSISTANTS_OBSERVED_METRICS }]);
const RUN = 'run';
const THREAD = 'thread';

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
  /** The run's own span is committed (its key, the run id, was emitted). */
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

export interface ProgressCommit {
  runId: string;
  /** Last seen run status; undefined leaves it, null clears it. */
  status?: string | null;
  /**
   * Spans newly terminal; one whose key (its step, or the run for the run span) was emitted before
   * is skipped. Plain JSON values (as mapping makes them), not changed after the call: the drain
   * may export these very objects.
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

export interface StateStats {
  /** Tracked runs, finished ones included (untracked ones excluded). */
  trackedRuns: number;
  /** Tracked runs not yet terminal. */
  activeRuns: number;
  trackedThreads: number;
  outboxDepth: number;
  deadLetters: number;
}

/** A run's cursor as its unit stores it. */
interface RunCursor {
  stepId: string | null;
  latestStepEnd: number | null;
  stepUsageSeen: boolean;
}

/** Opens the state file (see openStateStore) with the Assistants view over it. */
export function openRunLedger(path: string, options: StateStoreOptions = {}): RunLedger {
  return openStateStore(path, options, (...args) => new RunLedger(...args));
}

/** The run's frozen context in a state file a running bridge may hold, null when the file does not know the run (or not yet). */
export function readFrozenContext(path: string, runId: string): FrozenContext | null {
  return readFrozen(path, { source: ASSISTANTS, kind: RUN, id: runId }) as FrozenContext | null;
}

/**
 * The Assistants view of a state file: runs (parent: their thread) and threads as units of the
 * `assistants` source, a run's cursor (the last step emitted, the latest step end, whether step
 * usage was seen) and its frozen context. Over any StateStore: the watch's, or a RunLedger's own.
 */
export class RunLedgerView {
  readonly store: StateStore;

  constructor(store: StateStore) {
    this.store = store;
  }

  /** True when the run is new, or was untracked and is tracked again (keeping its cursor). */
  trackRun(threadId: string, runId: string, origin: Origin): boolean {
    return this.trackRuns([{ threadId, runId, origin }]) > 0;
  }

  /**
   * trackRun for many runs in one transaction (a config file, a thread pass); returns how many were
   * new or re-activated. Runs a thread pass discovered (origin `thread`) commit at NORMAL: rolled
   * back by a power loss with everything after them, the next pass lists them again.
   */
  trackRuns(runs: readonly { threadId: string; runId: string; origin: Origin }[]): number {
    return this.store.trackUnits(
      ASSISTANTS,
      runs.map((r) => ({ kind: RUN, id: r.runId, parent: r.threadId, origin: r.origin })),
      runs.every((r) => r.origin === 'thread') ? 'normal' : 'full',
    );
  }

  trackThread(threadId: string, origin: Origin): boolean {
    return this.store.trackUnits(ASSISTANTS, [{ kind: THREAD, id: threadId, origin }]) > 0;
  }

  /** Stops polling the run; its row stays (marked removed) so tracking it again sends no step twice. */
  untrackRun(runId: string): boolean {
    return this.store.untrackUnit({ source: ASSISTANTS, kind: RUN, id: runId });
  }

  /** Stops discovering runs on the thread; runs already tracked from it stay tracked. */
  untrackThread(threadId: string): boolean {
    return this.store.forgetUnit({ source: ASSISTANTS, kind: THREAD, id: threadId });
  }

  /** Any known run, removed ones included. */
  getRun(runId: string): TrackedRun | undefined {
    const unit = this.store.getUnit({ source: ASSISTANTS, kind: RUN, id: runId });
    return unit ? toRun(unit) : undefined;
  }

  /** Tracked runs in the order they were added; `active: true` only unfinished ones, `false` only finished ones. */
  listRuns(filter: { active?: boolean } = {}): TrackedRun[] {
    return this.store.listUnits(ASSISTANTS, RUN, filter).map(toRun);
  }

  listThreads(): TrackedThread[] {
    return this.store.listUnits(ASSISTANTS, THREAD).map(toThread);
  }

  /** Runs cursor of a thread; false when the thread is not tracked. */
  setThreadCursor(threadId: string, lastRunId: string | null): boolean {
    return this.store.setCursor({ source: ASSISTANTS, kind: THREAD, id: threadId }, { lastRunId });
  }

  /**
   * Commits one step of a run's progress in one transaction (see StateStore.commit): spans into
   * the outbox, steps marked emitted, cursor, status and flags, metric totals. A step span is
   * skipped (with its tool calls) when its step was emitted, the run span when the run's was.
   */
  commitProgress(p: ProgressCommit): CommitResult {
    for (const span of p.spans) {
      if (span.unit !== p.runId)
        throw new TypeError(`span ${span.spanId} belongs to run ${span.unit}, not to the committed run ${p.runId}`);
    }
    const end = p.latestStepEnd;
    if (end !== undefined && end !== null && !Number.isFinite(end)) {
      throw new TypeError(`latest step end of run ${p.runId} must be a number of seconds, got ${JSON.stringify(end)}`);
    }
    const moves = p.cursorStepId !== undefined || (end !== undefined && end !== null) || p.stepUsageSeen === true;
    const emittedKeys = [...(p.emittedStepIds ?? []), ...(p.runSpanEmitted ? [p.runId] : [])];
    return this.store.commit({
      source: ASSISTANTS,
      unit: { kind: RUN, id: p.runId },
      spans: p.spans,
      ...(p.observations ? { observations: p.observations } : {}),
      ...(emittedKeys.length > 0 ? { emittedKeys } : {}),
      ...(moves ? { cursor: (stored: unknown) => nextCursor(runCursor(stored), p) } : {}),
      ...(p.status !== undefined ? { status: p.status } : {}),
      ...(p.terminal ? { terminal: true } : {}),
      ...(p.frozenContext ? { frozen: p.frozenContext } : {}),
      ...(p.expiresAt !== undefined && p.expiresAt !== null ? { frozenFields: { expiresAt: p.expiresAt } } : {}),
    });
  }

  /**
   * Which of `stepIds` were emitted: one key lookup per step listed, so a look costs the same
   * whatever the run's history (a 260-step run does not read 260 rows per look).
   */
  emittedAmong(runId: string, stepIds: Iterable<string>): Set<string> {
    return this.store.emittedKeys(ASSISTANTS, runId, stepIds);
  }

  stats(): StateStats {
    const runs = this.store.countUnits(ASSISTANTS, RUN);
    return {
      trackedRuns: runs.tracked,
      activeRuns: runs.active,
      trackedThreads: this.store.countUnits(ASSISTANTS, THREAD).tracked,
      outboxDepth: this.store.outboxDepth(),
      deadLetters: this.store.deadLetterCount(),
    };
  }
}

/** A state file opened with the Assistants view built in (tests, benchmarks and tools open it so). */
export class RunLedger extends StateStore {
  readonly #view = new RunLedgerView(this);
  trackRun = (threadId: string, runId: string, origin: Origin): boolean => this.#view.trackRun(threadId, runId, origin);
  trackRuns = (runs: readonly { threadId: string; runId: string; origin: Origin }[]): number => this.#view.trackRuns(runs);
  trackThread = (threadId: string, origin: Origin): boolean => this.#view.trackThread(threadId, origin);
  untrackRun = (runId: string): boolean => this.#view.untrackRun(runId);
  untrackThread = (threadId: string): boolean => this.#view.untrackThread(threadId);
  getRun = (runId: string): TrackedRun | undefined => this.#view.getRun(runId);
  listRuns = (filter: { active?: boolean } = {}): TrackedRun[] => this.#view.listRuns(filter);
  listThreads = (): TrackedThread[] => this.#view.listThreads();
  setThreadCursor = (threadId: string, lastRunId: string | null): boolean => this.#view.setThreadCursor(threadId, lastRunId);
  commitProgress = (p: ProgressCommit): CommitResult => this.#view.commitProgress(p);
  emittedAmong = (runId: string, stepIds: Iterable<string>): Set<string> => this.#view.emittedAmong(runId, stepIds);
  stats = (): StateStats => this.#view.stats();
}

function nextCursor(stored: RunCursor, p: ProgressCommit): RunCursor {
  const end = p.latestStepEnd ?? null;
  return {
    stepId: p.cursorStepId === undefined ? stored.stepId : p.cursorStepId,
    latestStepEnd: end === null || (stored.latestStepEnd !== null && stored.latestStepEnd >= end) ? stored.latestStepEnd : end,
    stepUsageSeen: stored.stepUsageSeen || p.stepUsageSeen === true,
  };
}

/** The stored cursor, read defensively: a run never committed has none. */
function runCursor(value: unknown): RunCursor {
  const c = isRecord(value) ? value : {};
  return {
    stepId: typeof c.stepId === 'string' ? c.stepId : null,
    latestStepEnd: typeof c.latestStepEnd === 'number' ? c.latestStepEnd : null,
    stepUsageSeen: c.stepUsageSeen === true,
  };
}

function toRun(unit: TrackedUnit): TrackedRun {
  const cursor = runCursor(unit.cursor);
  return {
    threadId: unit.parent ?? '',
    runId: unit.id,
    origin: unit.origin,
    addedAt: unit.addedAt,
    status: unit.status,
    terminal: unit.terminal,
    runSpanEmitted: unit.selfEmitted,
    cursorStepId: cursor.stepId,
    latestStepEnd: cursor.latestStepEnd,
    stepUsageSeen: cursor.stepUsageSeen,
    frozenContext: isRecord(unit.frozen) ? (unit.frozen as unknown as FrozenContext) : null,
    removed: unit.removed,
  };
}

function toThread(unit: TrackedUnit): TrackedThread {
  const cursor = isRecord(unit.cursor) ? unit.cursor : {};
  return {
    threadId: unit.id,
    origin: unit.origin,
    addedAt: unit.addedAt,
    lastRunId: typeof cursor.lastRunId === 'string' ? cursor.lastRunId : null,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What the Assistants units read and write of the state file: a RunLedger, or a view over the watch's store. */
export type AssistantsLedger = Pick<
  RunLedgerView,
  | 'trackRun'
  | 'trackRuns'
  | 'trackThread'
  | 'untrackRun'
  | 'untrackThread'
  | 'getRun'
  | 'listRuns'
  | 'listThreads'
  | 'setThreadCursor'
  | 'commitProgress'
  | 'emittedAmong'
  | 'stats'
>;
