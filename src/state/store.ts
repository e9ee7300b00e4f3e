// The bridge's durable memory: what is tracked, each run's cursor and frozen context, metric
// totals, and the outbox of spans waiting for the collector. Every write is one transaction, so
// spans and the cursor that covers them land together or not at all.
//
// Durability per transaction (the file is in WAL mode): registrations the user was told about
// (tracked runs and threads, untracking, meta) commit at synchronous=FULL, on disk when the call
// returns. Runs discovered by a thread pass, progress (commits, frozen contexts, thread cursors),
// acks and dead letters, nearly every write, commit at NORMAL: the WAL is written but synced
// only by the next FULL commit or checkpoint. A killed process loses none of them; a power loss
// can roll back the latest ones, and since the WAL replays in order a commit and its cursor roll
// back together: the run is read again from the API and nothing is lost, at worst spans already
// exported are sent again (as after the ack-before-delete crash).
import fs from 'node:fs';
import nodePath from 'node:path';
import type { DatabaseSync, SQLOutputValue, StatementSync } from 'node:sqlite';
import { ShutdownError } from '../core/errors.js';
import type { FrozenContext } from '../mapping/frozen-context.js';
import { isNanos, type SpanRecord } from '../core/span-record.js';
import { STORED } from '../metrics/catalog.js';
import { storedDeltas } from '../metrics/stored-totals.js';
import { OutboxFullError, StateError, classifySqliteError, errorText } from './errors.js';
import { acquireLock, type HeldLock } from './lock.js';
import { DEFAULT_FRESH_SPAN_CAPACITY, FreshSpans, rowOfSeq } from './fresh-spans.js';
import { sumDeltas } from './metric-deltas.js';
import { isMemoryPath, openDatabase } from './open-database.js';
import { readRecords, RECORD_FORMAT } from './record-format.js';
import { ORIGINS, OUTBOX_ROW_SLOTS } from './schema.js';
import type {
  CommitResult,
  DeadLetterRequest,
  MetricTotal,
  Origin,
  OutboxItem,
  ProgressCommit,
  StateStats,
  StateStoreOptions,
  TrackedRun,
  TrackedThread,
} from './types.js';

/**
 * Enough for hours of a collector outage at thousands of runs; about 1-2 kB of disk per span.
 * Reaching it applies back-pressure (see commitProgress), never drops.
 */
const DEFAULT_OUTBOX_CAP = 1_000_000;

type Row = Record<string, SQLOutputValue>;

/** synchronous= for one transaction; see the top of this file. */
type Durability = 'full' | 'normal';

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

/**
 * Opens (creating when missing, along with its folder) the state file at `path`, or an in-memory
 * store for ':memory:'. Throws StateError when the file is in use, damaged, foreign or newer.
 */
export function openStateStore(path: string, options: StateStoreOptions = {}): StateStore {
  const clock = options.now ?? Date.now;
  // Timestamps are INTEGER columns of STRICT tables: a fractional clock must not fail every write.
  const now = (): number => Math.floor(clock());
  const outboxCap = options.outboxCap ?? DEFAULT_OUTBOX_CAP;
  if (!Number.isInteger(outboxCap) || outboxCap < 1) throw new RangeError(`outboxCap must be a positive integer, got ${outboxCap}`);
  const fresh = new FreshSpans(options.freshSpanCapacity ?? DEFAULT_FRESH_SPAN_CAPACITY);

  const memory = isMemoryPath(path);
  if (!memory) ensureFolder(path);
  const lock = memory ? null : acquireLock(path, now);
  try {
    const { db, created, journalMode } = openDatabase(path);
    const warnings = lock?.previous ? [describeTakeover(path, lock)] : [];
    if (!memory && journalMode !== 'wal') {
      warnings.push(
        `state file ${path} could not use WAL (journal_mode is ${journalMode}; the filesystem may not support it): commits stay safe but are slower`,
      );
    }
    try {
      return new StateStore(path, db, lock, { outboxCap, now, created, warnings, fresh });
    } catch (error) {
      db.close();
      throw classifySqliteError(error, path);
    }
  } catch (error) {
    lock?.release();
    throw error;
  }
}

function ensureFolder(path: string): void {
  const folder = nodePath.dirname(nodePath.resolve(path));
  try {
    fs.mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw new StateError('io', `cannot create folder ${folder} for state file ${path} (${errorText(error)})`, {
      cause: error,
      way: { remedy: 'create it', then: 'another-file' },
    });
  }
}

function describeTakeover(path: string, lock: HeldLock): string {
  const was = lock.previous;
  const holder =
    was === 'unreadable' || was === null
      ? 'its owner file was unreadable'
      : `pid ${was.pid} on host ${was.hostname}, since ${was.startedAt}`;
  return `took over state file ${path} from a bridge that stopped without releasing it (${holder})`;
}

interface StoreInit {
  outboxCap: number;
  now: () => number;
  created: boolean;
  warnings: string[];
  fresh: FreshSpans;
}

export class StateStore {
  readonly path: string;
  readonly outboxCap: number;
  /** The file had no schema and was created by this open. */
  readonly created: boolean;
  /** One-line notes worth logging at start, such as a state file taken over from a killed bridge. */
  readonly warnings: readonly string[];

  readonly #db: DatabaseSync;
  readonly #lock: HeldLock | null;
  readonly #now: () => number;
  readonly #sql: ReturnType<typeof prepareStatements>;
  /** Rows in the outbox; only this process writes the file (the lock), so it is kept here rather than counted per commit. */
  #depth: number;
  readonly #fresh: FreshSpans;
  /** The connection's synchronous setting; openDatabase leaves it FULL. */
  #synchronous: Durability = 'full';
  #closed = false;

  constructor(path: string, db: DatabaseSync, lock: HeldLock | null, init: StoreInit) {
    this.path = path;
    this.#db = db;
    this.#lock = lock;
    this.outboxCap = init.outboxCap;
    this.#now = init.now;
    this.created = init.created;
    this.warnings = init.warnings;
    this.#sql = prepareStatements(db);
    this.#depth = num(this.#sql.outboxDepth.get()?.n);
    this.#fresh = init.fresh;
  }

  // ---- tracking ----

  /** True when the run is new, or was untracked and is tracked again (keeping its cursor). */
  trackRun(threadId: string, runId: string, origin: Origin): boolean {
    assertOrigin(origin);
    return this.#write('full', () => Number(this.#sql.trackRun.run(runId, threadId, origin, this.#now()).changes) > 0);
  }

  /**
   * trackRun for many runs in one transaction (a config file, a thread pass); returns how many were
   * new or re-activated. Runs a thread pass discovered (origin `thread`) commit at NORMAL: rolled
   * back by a power loss with everything after them, the next pass lists them again.
   */
  trackRuns(runs: readonly { threadId: string; runId: string; origin: Origin }[]): number {
    for (const r of runs) assertOrigin(r.origin);
    if (runs.length === 0) return 0;
    const now = this.#now();
    return this.#write(runs.every((r) => r.origin === 'thread') ? 'normal' : 'full', () => {
      let added = 0;
      for (const r of runs) added += Number(this.#sql.trackRun.run(r.runId, r.threadId, r.origin, now).changes);
      return added;
    });
  }

  trackThread(threadId: string, origin: Origin): boolean {
    assertOrigin(origin);
    return this.#write('full', () => Number(this.#sql.trackThread.run(threadId, origin, this.#now()).changes) > 0);
  }

  /** Stops polling the run; its row stays (marked removed) so tracking it again sends no step twice. */
  untrackRun(runId: string): boolean {
    return this.#write('full', () => Number(this.#sql.untrackRun.run(runId).changes) > 0);
  }

  /** Stops discovering runs on the thread; runs already tracked from it stay tracked. */
  untrackThread(threadId: string): boolean {
    return this.#write('full', () => Number(this.#sql.untrackThread.run(threadId).changes) > 0);
  }

  /** Any known run, removed ones included. */
  getRun(runId: string): TrackedRun | undefined {
    this.#assertOpen();
    const row = this.#sql.getRun.get(runId) as unknown as RunRow | undefined;
    return row ? toRun(row) : undefined;
  }

  /** Tracked runs in the order they were added; `active: true` only unfinished ones, `false` only finished ones. */
  listRuns(filter: { active?: boolean } = {}): TrackedRun[] {
    this.#assertOpen();
    const stmt = filter.active === undefined ? this.#sql.listRuns : filter.active ? this.#sql.listActiveRuns : this.#sql.listFinishedRuns;
    return (stmt.all() as unknown as RunRow[]).map(toRun);
  }

  listThreads(): TrackedThread[] {
    this.#assertOpen();
    return this.#sql.listThreads.all().map(toThread);
  }

  /** Runs cursor of a thread; false when the thread is not tracked. */
  setThreadCursor(threadId: string, lastRunId: string | null): boolean {
    return this.#write('normal', () => Number(this.#sql.setThreadCursor.run(lastRunId, threadId).changes) > 0);
  }

  // ---- progress ----

  /**
   * Commits one step of a run's progress in one transaction: spans into the outbox (one row), steps
   * marked emitted, cursor, status and flags, metric totals.
   *
   * Each object enters the outbox once: a step span is skipped (with its tool calls) when its step
   * is already marked emitted, the run span when the run's span was already committed, and a span
   * repeated within the commit is kept once. This holds after the first copy was acknowledged too.
   *
   * Outbox cap policy, back-pressure: when the new spans would take the outbox past its cap, the
   * whole commit is rolled back and OutboxFullError thrown. The caller keeps its cursor where it
   * was and retries later, by which time the sink has drained rows, so nothing is ever dropped;
   * the refusal is counted in the metric totals. An empty outbox accepts any commit, so a single
   * commit larger than the cap cannot stall forever.
   */
  commitProgress(p: ProgressCommit): CommitResult {
    for (const span of p.spans) assertSpan(span, p.runId);
    let added: OutboxItem[];
    try {
      added = this.#write('normal', () => this.#applyProgress(p));
    } catch (error) {
      if (error instanceof OutboxFullError) this.#write('normal', () => this.#sql.addMetric.run(STORED.refusedCommits, '{}', 1));
      throw error;
    }
    // Only now that the rows are committed may the drain see them.
    this.#fresh.addCommitted(added);
    this.#depth += added.length;
    return { enqueued: added.length, alreadyPresent: p.spans.length - added.length };
  }

  /** Returns the spans it enqueued with their addresses. */
  #applyProgress(p: ProgressCommit): OutboxItem[] {
    const sql = this.#sql;
    const now = this.#now();
    const fresh = this.#firstCommits(p);
    if (fresh.spans.length > 0 && this.#depth > 0 && this.#depth + fresh.spans.length > this.outboxCap) {
      throw new OutboxFullError(this.#depth, this.outboxCap, fresh.spans.length);
    }
    const added: OutboxItem[] = [];
    for (let first = 0; first < fresh.spans.length; first += OUTBOX_ROW_SLOTS) {
      const rowSpans = fresh.spans.slice(first, first + OUTBOX_ROW_SLOTS);
      const row = Number(
        sql.enqueue.run(p.runId, now, rowSpans.length, rowSpans.length, JSON.stringify(rowSpans), RECORD_FORMAT).lastInsertRowid,
      );
      rowSpans.forEach((span, i) => added.push({ seq: row * OUTBOX_ROW_SLOTS + i, span }));
    }
    for (const stepId of p.emittedStepIds ?? []) sql.markEmitted.run(p.runId, stepId);
    const updated = sql.updateRun.run({
      runId: p.runId,
      setStatus: p.status === undefined ? 0 : 1,
      status: p.status ?? null,
      setCursor: p.cursorStepId === undefined ? 0 : 1,
      cursor: p.cursorStepId ?? null,
      latestStepEnd: p.latestStepEnd ?? null,
      runSpanEmitted: p.runSpanEmitted || fresh.runSpan ? 1 : 0,
      terminal: p.terminal ? 1 : 0,
      stepUsageSeen: p.stepUsageSeen ? 1 : 0,
      frozenContext: p.frozenContext ? JSON.stringify(p.frozenContext) : null,
      expiresAt: p.expiresAt ?? null,
    });
    if (Number(updated.changes) === 0) throw new Error(`cannot commit progress of run ${p.runId}: it is not tracked`);
    if (p.observations) for (const m of sumDeltas(storedDeltas(p.observations))) sql.addMetric.run(m.name, m.labels, m.delta);
    return added;
  }

  /**
   * The commit's spans whose object was not committed before, by the spans' dedupe keys, marking
   * those keys emitted (inside the caller's transaction): spans keyed by the run itself go in when
   * the run has no span committed yet, any other key when it is new. Every span of a key shares
   * its fate (a step's tool calls go with the step).
   */
  #firstCommits(p: ProgressCommit): { spans: SpanRecord[]; runSpan: boolean } {
    const sql = this.#sql;
    let runSpan = false;
    const seen = new Set<string>();
    const fresh = new Map<string, boolean>();
    const spans: SpanRecord[] = [];
    for (const span of p.spans) {
      const id = `${span.traceId}/${span.spanId}`;
      if (seen.has(id)) continue;
      seen.add(id);
      let isNew = fresh.get(span.key);
      if (isNew === undefined) {
        if (span.key === p.runId) {
          isNew = num(sql.runSpanEmitted.get(p.runId)?.[0]) !== 1;
          runSpan = isNew;
        } else {
          isNew = Number(sql.markEmitted.run(p.runId, span.key).changes) > 0;
        }
        fresh.set(span.key, isNew);
      }
      if (isNew) spans.push(span);
    }
    return { spans, runSpan };
  }

  /**
   * Which of `stepIds` were emitted: one key lookup per step listed, so a look costs the same
   * whatever the run's history (a 260-step run does not read 260 rows per look).
   */
  emittedAmong(runId: string, stepIds: Iterable<string>): Set<string> {
    this.#assertOpen();
    const asked = [...stepIds];
    const ids = new Set<string>();
    if (asked.length === 0) return ids;
    // One statement for the whole list: a call per step cost more than the lookups themselves.
    for (const [stepId] of this.#sql.emittedAmong.all(runId, JSON.stringify(asked)) as unknown as [SQLOutputValue][]) ids.add(str(stepId));
    return ids;
  }

  // ---- outbox ----

  /**
   * The oldest spans waiting for export: up to `limit`, ending at a row's end unless the first
   * row alone is larger (a run's commit is acknowledged whole, one row delete). Spans this process
   * committed come from memory (the objects given to commitProgress), the rest from the file.
   */
  outboxBatch(limit: number): OutboxItem[] {
    this.#assertOpen();
    if (!Number.isInteger(limit) || limit < 1) return [];
    // Every span waiting is held in memory (the usual case once rows of an earlier process are
    // gone): the oldest held are the oldest waiting, no need to ask the file.
    if (this.#fresh.size > 0 && this.#fresh.size === this.#depth) return endAtRow(this.#fresh.oldest(limit + 1), limit);
    const items: OutboxItem[] = [];
    // Every row holds at least one waiting span: `limit` rows are always enough.
    for (const [seqValue, waitingValue] of this.#sql.outboxRows.all(limit) as unknown as [SQLOutputValue, SQLOutputValue][]) {
      const row = num(seqValue);
      if (items.length > 0 && items.length + num(waitingValue) > limit) break;
      for (const [seq, span] of this.#fresh.row(row) ?? this.#readRow(row)) {
        if (items.length >= limit) break;
        items.push({ seq, span });
      }
      if (items.length >= limit) break;
    }
    return items;
  }

  /** A row's spans still waiting, by address, parsed from the file (and upgraded when an earlier version wrote them). */
  #readRow(row: number): Map<number, SpanRecord> {
    const [text, format] = (this.#sql.outboxRow.get(row) ?? []) as unknown as [SQLOutputValue, SQLOutputValue];
    const entries = readRecords(JSON.parse(str(text)) as unknown[], num(format));
    const spans = new Map<number, SpanRecord>();
    entries.forEach((span, i) => {
      if (span) spans.set(row * OUTBOX_ROW_SLOTS + i, span);
    });
    return spans;
  }

  outboxDepth(): number {
    this.#assertOpen();
    return this.#depth;
  }

  /** Deletes exported spans; unknown seqs are ignored. */
  ack(seqs: readonly number[]): void {
    const valid = seqs.filter((s) => Number.isSafeInteger(s) && s >= 0);
    if (valid.length === 0) return;
    const removed = this.#write('normal', () => this.#remove(valid));
    this.#depth -= removed;
    this.#fresh.forget(valid);
  }

  /**
   * Takes spans out of their rows (inside the caller's transaction); returns how many were waiting.
   * A row whose every waiting span goes is deleted (consecutive rows in one DELETE), else its
   * entries for them become null.
   */
  #remove(seqs: readonly number[]): number {
    const sql = this.#sql;
    const byRow = new Map<number, Set<number>>();
    for (const seq of seqs) {
      const row = rowOfSeq(seq);
      let set = byRow.get(row);
      if (!set) byRow.set(row, (set = new Set()));
      set.add(seq);
    }
    let removed = 0;
    const whole: number[] = [];
    for (const [row, gone] of byRow) {
      const counts = sql.rowCounts.get(row) as unknown as [SQLOutputValue, SQLOutputValue] | undefined;
      if (counts === undefined) continue;
      const [size, waiting] = [num(counts[0]), num(counts[1])];
      const held = this.#fresh.row(row);
      // Every span still waiting goes: known from memory, or from the counts when none went before.
      const all = held
        ? held.size === waiting && [...held.keys()].every((seq) => gone.has(seq))
        : waiting === size && gone.size === size && [...gone].every((seq) => seq - row * OUTBOX_ROW_SLOTS < size);
      if (all) {
        whole.push(row);
        removed += waiting;
        continue;
      }
      // Entries are only nulled here, whatever their record format: the row keeps it.
      const entries = JSON.parse(str(sql.outboxRow.get(row)?.[0])) as unknown[];
      let left = 0;
      entries.forEach((span, i) => {
        if (span === null) return;
        if (gone.has(row * OUTBOX_ROW_SLOTS + i)) {
          entries[i] = null;
          removed += 1;
        } else {
          left += 1;
        }
      });
      if (left === 0) whole.push(row);
      else sql.updateRow.run(left, JSON.stringify(entries), row);
    }
    whole.sort((a, b) => a - b);
    for (let first = 0; first < whole.length;) {
      let last = first;
      while (last + 1 < whole.length && (whole[last + 1] as number) === (whole[last] as number) + 1) last += 1;
      sql.deleteRows.run(whole[first] as number, whole[last] as number);
      first = last + 1;
    }
    return removed;
  }

  /** Moves spans the collector refuses out of the outbox, keeping them for inspection. */
  deadLetter(items: DeadLetterRequest[]): void {
    if (items.length === 0) return;
    const now = this.#now();
    const seqs = items.map((i) => i.seq).filter((s) => Number.isSafeInteger(s) && s >= 0);
    const removed = this.#write('normal', () => {
      const rows = new Map<number, { enqueuedAt: number; spans: ReadonlyMap<number, SpanRecord> }>();
      for (const item of items) {
        if (!Number.isSafeInteger(item.seq) || item.seq < 0) continue;
        const row = rowOfSeq(item.seq);
        let found = rows.get(row);
        if (!found) {
          const enqueuedAt = this.#sql.rowEnqueuedAt.get(row)?.[0];
          if (enqueuedAt === undefined) continue;
          found = { enqueuedAt: num(enqueuedAt), spans: this.#fresh.row(row) ?? this.#readRow(row) };
          rows.set(row, found);
        }
        const span = found.spans.get(item.seq);
        if (!span) continue;
        this.#sql.insertDeadLetter.run(
          item.seq,
          span.traceId,
          span.spanId,
          span.unit,
          found.enqueuedAt,
          JSON.stringify(span),
          RECORD_FORMAT,
          item.reason,
          item.status ?? null,
          now,
        );
      }
      return this.#remove(seqs);
    });
    this.#depth -= removed;
    this.#fresh.forget(seqs);
  }

  // ---- metrics, meta, stats ----

  metricTotals(): MetricTotal[] {
    this.#assertOpen();
    return this.#sql.metricTotals.all().map((row) => ({
      name: str(row.name),
      labels: JSON.parse(str(row.labels)) as Record<string, string>,
      value: num(row.value),
    }));
  }

  getMeta(key: string): string | undefined {
    this.#assertOpen();
    const row = this.#sql.getMeta.get(key);
    return row ? str(row.value) : undefined;
  }

  setMeta(key: string, value: string): void {
    this.#write('full', () => this.#sql.setMeta.run(key, value));
  }

  stats(): StateStats {
    this.#assertOpen();
    const runs = this.#sql.runCounts.get();
    return {
      trackedRuns: num(runs?.tracked),
      activeRuns: num(runs?.active),
      trackedThreads: num(this.#sql.threadCount.get()?.n),
      outboxDepth: this.#depth,
      deadLetters: num(this.#sql.deadLetterCount.get()?.n),
    };
  }

  /** Open from `openStateStore`: nothing to start. */
  start(): void {}

  /**
   * Closes the file and releases the lock, at once (a new store may open the file as soon as this
   * returns); later calls throw a ShutdownError.
   */
  shutdown(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#fresh.clear();
    try {
      try {
        this.#db.close();
      } finally {
        this.#lock?.release();
      }
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  #assertOpen(): void {
    if (this.#closed) throw new ShutdownError(`state store ${this.path} is closed`);
  }

  /** Runs `fn` in one IMMEDIATE transaction committed at `durability`; any throw rolls all of it back. */
  #write<T>(durability: Durability, fn: () => T): T {
    this.#assertOpen();
    const sql = this.#sql;
    try {
      // The setting applies to the connection's next commits; it cannot change inside a transaction.
      if (this.#synchronous !== durability) {
        (durability === 'full' ? sql.synchronousFull : sql.synchronousNormal).run();
        this.#synchronous = durability;
      }
      sql.begin.run();
    } catch (error) {
      throw classifySqliteError(error, this.path);
    }
    try {
      const result = fn();
      sql.commit.run();
      return result;
    } catch (error) {
      // A failed COMMIT may already have rolled back on its own.
      if (this.#db.isTransaction) sql.rollback.run();
      throw classifySqliteError(error, this.path);
    }
  }
}

function prepareStatements(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  // Rows as arrays: node:sqlite builds an object per row several times slower, which shows at 10,000 runs.
  const runs = (sql: string): StatementSync => {
    const stmt = db.prepare(sql);
    stmt.setReturnArrays(true);
    return stmt;
  };
  return {
    synchronousFull: p('PRAGMA synchronous = FULL'),
    synchronousNormal: p('PRAGMA synchronous = NORMAL'),
    begin: p('BEGIN IMMEDIATE'),
    commit: p('COMMIT'),
    rollback: p('ROLLBACK'),
    trackRun: p(
      `INSERT INTO tracked_runs (run_id, thread_id, origin, added_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (run_id) DO UPDATE SET removed = 0, origin = excluded.origin WHERE removed = 1`,
    ),
    trackThread: p('INSERT OR IGNORE INTO tracked_threads (thread_id, origin, added_at) VALUES (?, ?, ?)'),
    untrackRun: p('UPDATE tracked_runs SET removed = 1 WHERE run_id = ? AND removed = 0'),
    untrackThread: p('DELETE FROM tracked_threads WHERE thread_id = ?'),
    getRun: runs(`SELECT ${RUN_COLUMNS} FROM tracked_runs WHERE run_id = ?`),
    listRuns: runs(`SELECT ${RUN_COLUMNS} FROM tracked_runs WHERE removed = 0 ORDER BY rowid`),
    listActiveRuns: runs(`SELECT ${RUN_COLUMNS} FROM tracked_runs WHERE removed = 0 AND terminal = 0 ORDER BY rowid`),
    listFinishedRuns: runs(`SELECT ${RUN_COLUMNS} FROM tracked_runs WHERE removed = 0 AND terminal = 1 ORDER BY rowid`),
    listThreads: p('SELECT thread_id, origin, added_at, last_run_id FROM tracked_threads ORDER BY rowid'),
    setThreadCursor: p('UPDATE tracked_threads SET last_run_id = ? WHERE thread_id = ?'),
    enqueue: p('INSERT INTO outbox (run_id, enqueued_at, size, waiting, spans, format) VALUES (?, ?, ?, ?, ?, ?)'),
    runSpanEmitted: runs('SELECT run_span_emitted FROM tracked_runs WHERE run_id = ?'),
    markEmitted: p('INSERT OR IGNORE INTO emitted_steps (run_id, step_id) VALUES (?, ?)'),
    updateRun: p(
      `UPDATE tracked_runs SET
         status = CASE WHEN :setStatus THEN :status ELSE status END,
         cursor_step_id = CASE WHEN :setCursor THEN :cursor ELSE cursor_step_id END,
         latest_step_end = CASE
           WHEN :latestStepEnd IS NULL THEN latest_step_end
           WHEN latest_step_end IS NULL OR :latestStepEnd > latest_step_end THEN :latestStepEnd
           ELSE latest_step_end END,
         run_span_emitted = MAX(run_span_emitted, :runSpanEmitted),
         terminal = MAX(terminal, :terminal),
         step_usage_seen = MAX(step_usage_seen, :stepUsageSeen),
         -- First write wins: every commit of a run maps with one context;
         -- only the deadline seen while the run is pending is kept up to date in it.
         frozen_context = CASE
           WHEN :expiresAt IS NULL THEN COALESCE(frozen_context, :frozenContext)
           ELSE json_set(COALESCE(frozen_context, :frozenContext), '$.expiresAt', :expiresAt) END
       WHERE run_id = :runId`,
    ),
    addMetric: p(
      `INSERT INTO metric_totals (name, labels, value) VALUES (?, ?, ?)
       ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value`,
    ),
    emittedAmong: runs('SELECT step_id FROM emitted_steps WHERE run_id = ? AND step_id IN (SELECT value FROM json_each(?))'),
    outboxRows: runs('SELECT seq, waiting FROM outbox ORDER BY seq LIMIT ?'),
    outboxRow: runs('SELECT spans, format FROM outbox WHERE seq = ?'),
    rowCounts: runs('SELECT size, waiting FROM outbox WHERE seq = ?'),
    rowEnqueuedAt: runs('SELECT enqueued_at FROM outbox WHERE seq = ?'),
    outboxDepth: p('SELECT coalesce(sum(waiting), 0) AS n FROM outbox'),
    updateRow: p('UPDATE outbox SET waiting = ?, spans = ? WHERE seq = ?'),
    deleteRows: p('DELETE FROM outbox WHERE seq BETWEEN ? AND ?'),
    insertDeadLetter: p(
      `INSERT OR REPLACE INTO dead_letters (seq, trace_id, span_id, run_id, enqueued_at, span, format, reason, status_code, dead_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    deadLetterCount: p('SELECT count(*) AS n FROM dead_letters'),
    metricTotals: p('SELECT name, labels, value FROM metric_totals ORDER BY name, labels'),
    getMeta: p('SELECT value FROM meta WHERE key = ?'),
    setMeta: p('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    runCounts: p('SELECT count(*) AS tracked, count(*) FILTER (WHERE terminal = 0) AS active FROM tracked_runs WHERE removed = 0'),
    threadCount: p('SELECT count(*) AS n FROM tracked_threads'),
  };
}

function assertOrigin(origin: string): asserts origin is Origin {
  if (!(ORIGINS as readonly string[]).includes(origin)) {
    throw new TypeError(`unknown origin ${JSON.stringify(origin)}; expected one of ${ORIGINS.join(', ')}`);
  }
}

function assertSpan(span: SpanRecord, runId: string): void {
  if (!TRACE_ID.test(span.traceId) || !SPAN_ID.test(span.spanId)) {
    throw new TypeError(`span ${JSON.stringify(span.name)} of run ${runId} has malformed ids (${span.traceId}/${span.spanId})`);
  }
  if (!isNanos(span.start) || !isNanos(span.end)) {
    throw new TypeError(`span ${span.spanId} of run ${runId} has times that are not nanosecond strings (${span.start}, ${span.end})`);
  }
  if (span.unit !== runId) throw new TypeError(`span ${span.spanId} belongs to run ${span.unit}, not to the committed run ${runId}`);
  if (typeof span.key !== 'string') throw new TypeError(`span ${span.spanId} of run ${runId} has no dedupe key`);
}

/** Columns of a run row, in the order RunRow reads them. */
const RUN_COLUMNS =
  'run_id, thread_id, origin, added_at, status, terminal, run_span_emitted, cursor_step_id, latest_step_end, frozen_context, removed, step_usage_seen';
type RunRow = [
  runId: SQLOutputValue,
  threadId: SQLOutputValue,
  origin: SQLOutputValue,
  addedAt: SQLOutputValue,
  status: SQLOutputValue,
  terminal: SQLOutputValue,
  runSpanEmitted: SQLOutputValue,
  cursorStepId: SQLOutputValue,
  latestStepEnd: SQLOutputValue,
  frozenContext: SQLOutputValue,
  removed: SQLOutputValue,
  stepUsageSeen: SQLOutputValue,
];

function toRun(row: RunRow): TrackedRun {
  const [runId, threadId, origin, addedAt, status, terminal, runSpanEmitted, cursorStepId, latestStepEnd, frozen, removed, stepUsageSeen] =
    row;
  return {
    threadId: str(threadId),
    runId: str(runId),
    origin: str(origin) as Origin,
    addedAt: num(addedAt),
    status: optStr(status),
    terminal: terminal === 1,
    runSpanEmitted: runSpanEmitted === 1,
    cursorStepId: optStr(cursorStepId),
    latestStepEnd: latestStepEnd === null ? null : num(latestStepEnd),
    stepUsageSeen: stepUsageSeen === 1,
    frozenContext: frozen === null ? null : (JSON.parse(str(frozen)) as FrozenContext),
    removed: removed === 1,
  };
}

function toThread(row: Row): TrackedThread {
  return {
    threadId: str(row.thread_id),
    origin: str(row.origin) as Origin,
    addedAt: num(row.added_at),
    lastRunId: optStr(row.last_run_id),
  };
}

function str(value: SQLOutputValue | undefined): string {
  return typeof value === 'string' ? value : String(value ?? '');
}

function optStr(value: SQLOutputValue | undefined): string | null {
  return value === null || value === undefined ? null : str(value);
}

function num(value: SQLOutputValue | undefined): number {
  return typeof value === 'number' ? value : Number(value ?? 0);
}

/** `items` (up to limit + 1, oldest first) cut to `limit`, back to a row's start when the row goes on past it (unless it is the first row). */
function endAtRow(items: OutboxItem[], limit: number): OutboxItem[] {
  if (items.length <= limit) return items;
  const lastRow = rowOfSeq((items[limit - 1] as OutboxItem).seq);
  if (rowOfSeq((items[limit] as OutboxItem).seq) !== lastRow || rowOfSeq((items[0] as OutboxItem).seq) === lastRow)
    return items.slice(0, limit);
  let cut = limit - 1;
  while (cut > 0 && rowOfSeq((items[cut - 1] as OutboxItem).seq) === lastRow) cut -= 1;
  return items.slice(0, cut);
}
