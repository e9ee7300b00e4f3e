// The bridge's durable memory, one facade over the modules that each keep one concern of the
// file: the tracking registry (units.ts), each unit's progress (progress.ts), the outbox and dead
// letters (outbox.ts), metric totals and meta (totals.ts). They share one connection and run
// inside this facade's transactions: every write is one transaction, so spans and the cursor
// that covers them land together or not at all. The store knows units of sources, not what a
// source calls them.
//
// Durability per transaction (the file is in WAL mode): registrations the user was told about
// (tracked units, untracking, meta) commit at synchronous=FULL, on disk when the call returns.
// Units a source discovered on its own, progress (commits, cursors), acks and dead letters,
// nearly every write, commit at NORMAL: the WAL is written but synced only by the next FULL
// commit or checkpoint. A killed process loses none of them; a power loss can roll back the
// latest ones, and since the WAL replays in order a commit and its cursor roll back together:
// the unit is read again from its API and nothing is lost, at worst spans already exported are
// sent again (as after the ack-before-delete crash).
import fs from 'node:fs';
import nodePath from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { ShutdownError } from '../core/errors.js';
import { isNanos, type SpanRecord } from '../core/span-record.js';
import { STORED } from '../metrics/catalog.js';
import { OutboxFullError, StateError, classifySqliteError, errorText } from './errors.js';
import { acquireLock, type HeldLock } from './lock.js';
import { DEFAULT_FRESH_SPAN_CAPACITY, FreshSpans } from './fresh-spans.js';
import { isMemoryPath, openDatabase } from './open-database.js';
import { Outbox } from './outbox.js';
import { Progress } from './progress.js';
import { Totals } from './totals.js';
import { assertOrigin, Units } from './units.js';
import { WebhookLedger } from './webhook-ledger.js';
import type {
  CommitResult,
  DeadLetterRequest,
  MetricTotal,
  NewUnit,
  OutboxItem,
  StateStoreOptions,
  TrackedUnit,
  UnitCommit,
  UnitCounts,
  UnitRef,
} from './types.js';

/**
 * Enough for hours of a collector outage at thousands of tracked units; about 1-2 kB of disk per span.
 * Reaching it applies back-pressure (see commit), never drops.
 */
const DEFAULT_OUTBOX_CAP = 1_000_000;

/** synchronous= for one transaction; see the top of this file. */
export type Durability = 'full' | 'normal';

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

/**
 * Opens (creating when missing, along with its folder) the state file at `path`, or an in-memory
 * store for ':memory:'. Throws StateError when the file is in use, damaged, foreign or newer.
 */
export function openStateStore(path: string, options?: StateStoreOptions): StateStore;
/** The same, making the store with `make`: a view of a source over the store (a subclass) opens its file this way. */
export function openStateStore<T extends StateStore>(path: string, options: StateStoreOptions, make: StoreMaker<T>): T;
export function openStateStore(path: string, options: StateStoreOptions = {}, make: StoreMaker<StateStore> = makeStore): StateStore {
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
      return make(path, db, lock, { outboxCap, now, created, warnings, fresh, webhookLedger: options.webhookLedger });
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

export type StoreMaker<T extends StateStore> = (path: string, db: DatabaseSync, lock: HeldLock | null, init: StoreInit) => T;

const makeStore: StoreMaker<StateStore> = (...args) => new StateStore(...args);

export interface StoreInit {
  outboxCap: number;
  now: () => number;
  created: boolean;
  warnings: string[];
  fresh: FreshSpans;
  webhookLedger?: StateStoreOptions['webhookLedger'];
}

export class StateStore {
  readonly path: string;
  readonly outboxCap: number;
  /** The file had no schema and was created by this open. */
  readonly created: boolean;
  /** One-line notes worth logging at start, such as a state file taken over from a killed bridge. */
  readonly warnings: readonly string[];
  /** Ids of webhook deliveries already accepted (the webhook intake's replay ledger). */
  readonly webhookLedger: WebhookLedger;

  readonly #db: DatabaseSync;
  readonly #lock: HeldLock | null;
  readonly #now: () => number;
  readonly #tx: {
    synchronousFull: StatementSync;
    synchronousNormal: StatementSync;
    begin: StatementSync;
    commit: StatementSync;
    rollback: StatementSync;
  };
  readonly #units: Units;
  readonly #progress: Progress;
  readonly #outbox: Outbox;
  readonly #totals: Totals;
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
    this.#tx = {
      synchronousFull: db.prepare('PRAGMA synchronous = FULL'),
      synchronousNormal: db.prepare('PRAGMA synchronous = NORMAL'),
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
    };
    this.#units = new Units(db);
    this.#progress = new Progress(db);
    this.#outbox = new Outbox(db, init.fresh);
    this.#totals = new Totals(db);
    this.webhookLedger = new WebhookLedger(
      db,
      {
        // Rolled back by a power loss at worst: the delivery is then accepted again, which handlers keep harmless.
        write: (fn) => this.#write('normal', fn),
        read: (fn) => {
          this.#assertOpen();
          return fn();
        },
      },
      init.webhookLedger,
    );
  }

  // ---- tracking ----

  /**
   * Tracks units of a source in one transaction; returns how many were new or tracked again (an
   * untracked unit resumes with its progress). `durability` 'normal' is for units the source
   * found on its own: rolled back by a power loss with everything after them, it finds them again.
   */
  trackUnits(source: string, units: readonly NewUnit[], durability: Durability = 'full'): number {
    for (const u of units) assertOrigin(u.origin);
    if (units.length === 0) return 0;
    const now = this.#now();
    return this.#write(durability, () => this.#units.track(source, units, now));
  }

  /** Stops polling the unit; its row stays (marked removed) so tracking it again sends nothing twice. */
  untrackUnit(ref: UnitRef): boolean {
    return this.#write('full', () => this.#units.untrack(ref));
  }

  /** Deletes the unit and its cursor: tracking it again starts afresh. */
  forgetUnit(ref: UnitRef): boolean {
    return this.#write('full', () => this.#units.forget(ref));
  }

  /** Any known unit, removed ones included. */
  getUnit(ref: UnitRef): TrackedUnit | undefined {
    this.#assertOpen();
    return this.#units.get(ref);
  }

  /** Tracked units of a kind in the order they were added; `active: true` only unfinished ones, `false` only finished ones. */
  listUnits(source: string, kind: string, filter: { active?: boolean } = {}): TrackedUnit[] {
    this.#assertOpen();
    return this.#units.list(source, kind, filter.active);
  }

  countUnits(source: string, kind: string): UnitCounts {
    this.#assertOpen();
    return this.#units.count(source, kind);
  }

  /** Replaces the unit's cursor outside a commit of spans; false when the unit is not tracked. */
  setCursor(ref: UnitRef, cursor: unknown): boolean {
    return this.#write('normal', () => this.#progress.update(ref, { cursor: JSON.stringify(cursor) }));
  }

  // ---- progress ----

  /**
   * Commits one stretch of a unit's progress in one transaction: spans into the outbox (one row),
   * their keys marked emitted, cursor, status and flags, frozen context, metric totals.
   *
   * "Already emitted" is decided by the spans' dedupe keys only: a span whose key an earlier commit
   * emitted for the unit is skipped, every span of a key new in this commit goes in (an object's
   * child spans share its key and go with it), and a span repeated within the commit is kept once. This holds
   * after the first copy was acknowledged too.
   *
   * Outbox cap policy, back-pressure: when the new spans would take the outbox past its cap, the
   * whole commit is rolled back and OutboxFullError thrown. The caller keeps its cursor where it
   * was and retries later, by which time the sink has drained rows, so nothing is ever dropped;
   * the refusal is counted in the metric totals. An empty outbox accepts any commit, so a single
   * commit larger than the cap cannot stall forever.
   */
  commit(c: UnitCommit): CommitResult {
    for (const span of c.spans) assertSpan(span, c.unit.id);
    for (const u of c.track ?? []) assertOrigin(u.origin);
    let added: OutboxItem[];
    try {
      added = this.#write('normal', () => this.#apply(c));
    } catch (error) {
      if (error instanceof OutboxFullError) this.#write('normal', () => this.#totals.count(STORED.refusedCommits, 1));
      throw error;
    }
    // Only now that the rows are committed may the drain see them.
    this.#outbox.committed(added, [], 0);
    return { enqueued: added.length, alreadyPresent: c.spans.length - added.length };
  }

  /** Returns the spans it enqueued with their addresses. */
  #apply(c: UnitCommit): OutboxItem[] {
    const ref = { source: c.source, kind: c.unit.kind, id: c.unit.id };
    const spans = this.#firstCommits(c);
    const depth = this.#outbox.depth;
    if (spans.length > 0 && depth > 0 && depth + spans.length > this.outboxCap)
      throw new OutboxFullError(depth, this.outboxCap, spans.length);
    const added = this.#outbox.enqueue(ref.id, spans, this.#now());
    for (const key of c.emittedKeys ?? []) this.#progress.markEmitted(ref.source, ref.id, key);
    let cursor: string | undefined;
    if (c.cursor) {
      const stored = this.#progress.cursor(ref);
      if (stored !== undefined) cursor = JSON.stringify(c.cursor(stored));
    }
    const updated = this.#progress.update(ref, {
      status: c.status,
      terminal: c.terminal,
      cursor,
      frozen: c.frozen,
      frozenFields: c.frozenFields,
    });
    if (!updated) throw new Error(`cannot commit progress of ${ref.kind} ${ref.id}: it is not tracked`);
    if (c.observations) this.#totals.observe(c.observations);
    for (const u of c.track ?? []) {
      if (this.#units.track(ref.source, [u], this.#now()) === 0) continue;
      const cursor = u.cursor === undefined ? undefined : JSON.stringify(u.cursor);
      this.#progress.update({ source: ref.source, kind: u.kind, id: u.id }, { cursor, frozen: u.frozen });
    }
    return added;
  }

  /**
   * The commit's spans whose key was not emitted before, marking those keys emitted (inside the
   * caller's transaction). Every span of a key shares its fate.
   */
  #firstCommits(c: UnitCommit): SpanRecord[] {
    const seen = new Set<string>();
    const fresh = new Map<string, boolean>();
    const spans: SpanRecord[] = [];
    for (const span of c.spans) {
      const id = `${span.traceId}/${span.spanId}`;
      if (seen.has(id)) continue;
      seen.add(id);
      let isNew = fresh.get(span.key);
      if (isNew === undefined) {
        isNew = this.#progress.markEmitted(c.source, c.unit.id, span.key);
        fresh.set(span.key, isNew);
      }
      if (isNew) spans.push(span);
    }
    return spans;
  }

  /**
   * Which of `keys` were emitted for the unit: one statement, one key lookup per key asked, so a
   * look costs the same whatever the unit's history.
   */
  emittedKeys(source: string, unit: string, keys: Iterable<string>): Set<string> {
    this.#assertOpen();
    return this.#progress.emittedAmong(source, unit, [...keys]);
  }

  // ---- outbox ----

  /**
   * The oldest spans waiting for export: up to `limit`, ending at a row's end unless the first
   * row alone is larger (a commit is acknowledged whole, one row delete).
   */
  outboxBatch(limit: number): OutboxItem[] {
    this.#assertOpen();
    return this.#outbox.batch(limit);
  }

  outboxDepth(): number {
    this.#assertOpen();
    return this.#outbox.depth;
  }

  /** Deletes exported spans; unknown seqs are ignored. */
  ack(seqs: readonly number[]): void {
    const valid = seqs.filter((s) => Number.isSafeInteger(s) && s >= 0);
    if (valid.length === 0) return;
    const removed = this.#write('normal', () => this.#outbox.remove(valid));
    this.#outbox.committed([], valid, removed);
  }

  /** Moves spans the collector refuses out of the outbox, keeping them for inspection. */
  deadLetter(items: DeadLetterRequest[]): void {
    if (items.length === 0) return;
    const now = this.#now();
    const seqs = items.map((i) => i.seq).filter((s) => Number.isSafeInteger(s) && s >= 0);
    const removed = this.#write('normal', () => this.#outbox.deadLetter(items, seqs, now));
    this.#outbox.committed([], seqs, removed);
  }

  deadLetterCount(): number {
    this.#assertOpen();
    return this.#outbox.deadLetterCount();
  }

  // ---- metrics, meta ----

  metricTotals(): MetricTotal[] {
    this.#assertOpen();
    return this.#totals.all();
  }

  getMeta(key: string): string | undefined {
    this.#assertOpen();
    return this.#totals.getMeta(key);
  }

  setMeta(key: string, value: string): void {
    this.#write('full', () => this.#totals.setMeta(key, value));
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
    this.#outbox.fresh.clear();
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
    const tx = this.#tx;
    try {
      // The setting applies to the connection's next commits; it cannot change inside a transaction.
      if (this.#synchronous !== durability) {
        (durability === 'full' ? tx.synchronousFull : tx.synchronousNormal).run();
        this.#synchronous = durability;
      }
      tx.begin.run();
    } catch (error) {
      throw classifySqliteError(error, this.path);
    }
    try {
      const result = fn();
      tx.commit.run();
      return result;
    } catch (error) {
      // A failed COMMIT may already have rolled back on its own.
      if (this.#db.isTransaction) tx.rollback.run();
      throw classifySqliteError(error, this.path);
    }
  }
}

function assertSpan(span: SpanRecord, unit: string): void {
  if (!TRACE_ID.test(span.traceId) || !SPAN_ID.test(span.spanId)) {
    throw new TypeError(`span ${JSON.stringify(span.name)} of ${unit} has malformed ids (${span.traceId}/${span.spanId})`);
  }
  if (!isNanos(span.start) || !isNanos(span.end)) {
    throw new TypeError(`span ${span.spanId} of ${unit} has times that are not nanosecond strings (${span.start}, ${span.end})`);
  }
  if (span.unit !== unit) throw new TypeError(`span ${span.spanId} belongs to ${span.unit}, not to the committed unit ${unit}`);
  if (typeof span.key !== 'string') throw new TypeError(`span ${span.spanId} of ${unit} has no dedupe key`);
}
