// The watch loop, whatever the sources: one look scheduler for every source's units (one budget
// of concurrent looks, classes shared, so a backfill of one source never starves another's live
// work), each look routed to the source that owns its key. Failed looks are counted and logged
// here, once per unit per minute; what a failure means for the unit is the source's to say.
import type { Logger } from 'pino';
import type { BridgeConfig } from '../config/types.js';
import { BridgeError } from '../core/errors.js';
import type { SourceContext, SourceLooks, SourceRegistration, WatchingSource } from '../core/source.js';
import { LOOK_CLASSES, LookScheduler, type LookClass, type LookFailure } from '../scheduler/look-scheduler.js';
import type { StateStore } from '../state/store.js';

/** One line per unit per minute: a long outage must not flood the log. */
const WARN_EVERY_MS = 60_000;

export interface WatcherCounters {
  polls: number;
  transientErrors: number;
  outboxFullRefusals: number;
  lastPollAt: number | null;
  lastError: string | null;
}

export interface WatcherOptions {
  config: BridgeConfig;
  store: StateStore;
  /** The registered sources; each with a `watch` is at work in this one. */
  sources: readonly SourceRegistration[];
  /** Every API request through this (the budgeted fetch). */
  fetch: typeof fetch;
  log: Logger;
  /** New spans were committed to the outbox. */
  onCommitted: () => void;
  /** The first successful look (for /readyz). */
  onFirstPoll?: () => void;
  /** A look met an error after which nothing will work (credentials refused, say): the loop has stopped; stop the bridge. */
  onFatal?: (error: BridgeError) => void;
  /** Once the stop begins, how long looks under way may go on before `cutOff` aborts their requests. Default: the whole stop budget. */
  pollGraceMs?: () => number;
  /** Aborted when the grace for looks under way is over (their requests' signal). */
  cutOff?: AbortController;
  maxConcurrentTasks?: number;
  nowSeconds?: () => number;
}

export class Watcher {
  readonly counters: WatcherCounters = { polls: 0, transientErrors: 0, outboxFullRefusals: 0, lastPollAt: null, lastError: null };
  readonly #looks: LookScheduler;
  readonly #watching = new Map<string, WatchingSource>();
  readonly #warnedAt = new Map<string, number>();
  readonly #options: WatcherOptions;
  #started = false;
  #firstPollReported = false;

  constructor(options: WatcherOptions) {
    this.#options = options;
    const w = options.config.watch;
    this.#looks = new LookScheduler({
      classes: LOOK_CLASSES,
      look: (key) => this.#look(key),
      onFailure: (key, error, failure) => this.#onFailure(key, error, failure),
      ...(options.onFatal ? { onFatal: options.onFatal } : {}),
      retry: { baseMs: w.activeIntervalMs, capMs: w.maxWaitIntervalMs },
      ...(options.maxConcurrentTasks === undefined ? {} : { maxConcurrent: options.maxConcurrentTasks }),
      ...(options.pollGraceMs ? { graceMs: options.pollGraceMs } : {}),
      onGraceOver: () => options.cutOff?.abort(),
    });
    const nowSeconds = options.nowSeconds ?? ((): number => Math.floor(Date.now() / 1000));
    for (const registration of options.sources) {
      if (!registration.watch) continue;
      const ctx: SourceContext = {
        config: options.config,
        settings: options.config.sources[registration.name],
        log: options.log,
        fetch: options.fetch,
        looks: this.#looksOf(registration.name),
        store: options.store,
        onCommitted: options.onCommitted,
        nowSeconds,
      };
      this.#watching.set(registration.name, registration.watch(ctx));
    }
  }

  /** The named source at work here, if it is registered with a watch. */
  source(name: string): WatchingSource | undefined {
    return this.#watching.get(name);
  }

  get sources(): ReadonlyMap<string, WatchingSource> {
    return this.#watching;
  }

  /** Loads what each source tracks and starts looking; once. */
  start(): void {
    if (this.#started || this.#looks.stopping) return;
    this.#started = true;
    for (const watching of this.#watching.values()) watching.start();
    this.#looks.start();
  }

  /** No look under way and every source idle (see WatchingSource.isIdle). */
  isIdle(): boolean {
    if (!this.#looks.isIdle()) return false;
    for (const watching of this.#watching.values()) if (!watching.isIdle()) return false;
    return true;
  }

  /** Tracked units by source and kind, for the start line. */
  summary(): Record<string, number> {
    return Object.assign({}, ...[...this.#watching.values()].map((w) => w.summary())) as Record<string, number>;
  }

  /** The units of work every source traces: tracked, and unfinished. */
  progress(): { tracked: number; active: number } {
    let tracked = 0;
    let active = 0;
    for (const w of this.#watching.values()) {
      const p = w.progress();
      tracked += p.tracked;
      active += p.active;
    }
    return { tracked, active };
  }

  /** Units the API said are gone since the start, by object. */
  deletions(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const w of this.#watching.values()) for (const [object, n] of Object.entries(w.deletions())) out[object] = (out[object] ?? 0) + n;
    return out;
  }

  /** What the loop holds, for debug logs. */
  snapshot(): Record<string, unknown> {
    const { inFlight, queued, nextDueInMs } = this.#looks.snapshot();
    const sources = Object.fromEntries([...this.#watching].map(([name, w]) => [name, w.snapshot?.() ?? w.summary()]));
    return { inFlight, queued, nextDueInMs, ...sources };
  }

  /**
   * No new looks; looks under way may finish within the grace (and the budget), then their
   * requests are cut off, and what is left of the budget is given to them to wind down.
   */
  shutdown(budgetMs?: number): Promise<void> {
    return this.#looks.shutdown(budgetMs);
  }

  /** A source's share of the scheduler: its keys, prefixed with its name so sources never collide. */
  #looksOf(name: string): SourceLooks {
    const looks = this.#looks;
    const full = (key: string): string => `${name}/${key}`;
    return {
      schedule: (key, delayMs, cls) => looks.schedule(full(key), delayMs, cls),
      hasten: (key, delayMs, cls) => looks.hasten(full(key), delayMs, cls),
      remove: (key) => looks.remove(full(key)),
      isInFlight: (key) => looks.isInFlight(full(key)),
    };
  }

  #split(key: string): { watching: WatchingSource; own: string } {
    const slash = key.indexOf('/');
    const watching = this.#watching.get(key.slice(0, slash));
    if (!watching) throw new TypeError(`no source at work owns the look ${key}`);
    return { watching, own: key.slice(slash + 1) };
  }

  async #look(key: string): Promise<void> {
    const { watching, own } = this.#split(key);
    await watching.look(own);
    this.counters.polls += 1;
    this.counters.lastPollAt = Date.now();
    if (!this.#firstPollReported) {
      this.#firstPollReported = true;
      this.#options.onFirstPoll?.();
    }
  }

  /** A failed look: the source says what it means for its unit; the rest is counted and logged here. */
  #onFailure(key: string, error: unknown, failure: LookFailure): LookClass | null {
    const { watching, own } = this.#split(key);
    const retryIn = watching.onLookFailure(own, error, failure);
    if (failure.meaning === 'gone' && retryIn === null) return null;
    const message = error instanceof Error ? error.message : String(error);
    this.counters.lastError = message;
    if (failure.meaning === 'backpressure') this.counters.outboxFullRefusals += 1;
    else this.counters.transientErrors += 1;
    // An API out of reach is said once for all units, at its own pace (the watch command's reachability log).
    const fields = { ...watching.describe(own), reason: message };
    const last = this.#warnedAt.get(key) ?? 0;
    if (error instanceof BridgeError && error.reportedElsewhere) this.#options.log.debug(fields, 'poll failed; will try again');
    else if (Date.now() - last > WARN_EVERY_MS) {
      this.#warnedAt.set(key, Date.now());
      this.#options.log.warn(fields, 'poll failed; will try again');
    }
    return retryIn;
  }
}
