// Looks at tracked units, whatever their source: each key has a due time and a class (0 the most
// urgent), at most `maxConcurrent` looks run at once and never two at one key, and a failed look
// is tried again on a capped exponential backoff. The keys are opaque: what a look at one does,
// and what a failure means for the unit behind it, is the caller's.
import { BridgeError, meaningOf, type ErrorMeaning } from '../core/errors.js';
import { within } from '../core/lifecycle.js';
import { exponentialDelay, type BackoffOptions } from '../core/timing.js';
import { ClassDueQueue } from './class-due-queue.js';

/** A look popped while one at the same key is under way is put back this much later. */
const IN_FLIGHT_RETRY_MS = 50;
/** The loop wakes at least this often, even with nothing due. */
const MAX_SLEEP_MS = 1000;
/** Growth of the retry delay stops at 2^16 times the base, whatever the cap. */
const MAX_DOUBLINGS = 17;

/**
 * The classes every source uses, most urgent first: work under way (something may end any
 * second), then waiting units and finished backlog, then looking for new units.
 */
export const LOOK_CLASS = { active: 0, routine: 1, discovery: 2 } as const;
export type LookClass = (typeof LOOK_CLASS)[keyof typeof LOOK_CLASS];
export const LOOK_CLASSES = 3;

export interface LookFailure {
  /** What the error means (fatal and shutdown errors never get here). */
  readonly meaning: ErrorMeaning;
  /** Failures in a row at this key, this one included. */
  readonly failures: number;
  /** When to look again on the backoff. */
  readonly retryMs: number;
}

export interface LookSchedulerOptions {
  /** Number of look classes, 0 (most urgent) to classes - 1. */
  classes: number;
  /** One look at the unit behind `key`. A rejection is a failed look. */
  look: (key: string) => Promise<void>;
  /**
   * A look failed (not fatally, not cut short by the stop): the class to look again in after
   * `failure.retryMs`, or null to let the key go (its unit is gone or no longer tracked).
   */
  onFailure: (key: string, error: unknown, failure: LookFailure) => number | null;
  /** A look met an error after which nothing will work: the loop has stopped. */
  onFatal?: (error: BridgeError) => void;
  /** The retry backoff of failed looks. */
  retry: BackoffOptions;
  /** Default 8. */
  maxConcurrent?: number;
  /** Once the stop begins, how long looks under way may go on before `onGraceOver`. Default: the whole stop budget. */
  graceMs?: () => number;
  /** The grace for looks under way is over (abort their requests). */
  onGraceOver?: () => void;
}

export interface LookSchedulerSnapshot {
  inFlight: string[];
  queued: number;
  nextDueInMs: number | null;
}

export class LookScheduler {
  readonly #queue: ClassDueQueue<string>;
  readonly #inFlight = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #options: LookSchedulerOptions;
  readonly #maxConcurrent: number;
  #stopping = false;
  #wake: (() => void) | null = null;
  #loopDone: Promise<void> | null = null;
  #stopped: Promise<void> | null = null;

  constructor(options: LookSchedulerOptions) {
    this.#options = options;
    this.#queue = new ClassDueQueue<string>({ classes: options.classes });
    this.#maxConcurrent = options.maxConcurrent ?? 8;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** Starts the loop; once. */
  start(): void {
    if (this.#stopping) return;
    this.#loopDone ??= this.#loop();
  }

  /** Looks at `key` in `delayMs` in class `cls` (moving it there if it was due otherwise). Ignored once stopping. */
  schedule(key: string, delayMs: number, cls: number): void {
    if (this.#stopping) return;
    this.#queue.schedule(key, Date.now() + delayMs, key, cls);
    this.#wake?.();
  }

  /**
   * Makes the look at `key` happen within `delayMs`, never later than it was due, in the most
   * urgent of `cls` and the class it was due in.
   */
  hasten(key: string, delayMs: number, cls: number): void {
    const due = this.#queue.dueAtOf(key);
    const current = this.#queue.classOf(key);
    if (due === undefined || due > Date.now() + delayMs) this.schedule(key, delayMs, current === undefined ? cls : Math.min(current, cls));
    else if (current !== undefined && cls < current) this.#queue.schedule(key, due, key, cls);
  }

  /** Forgets the key's next look (a look under way goes on). */
  remove(key: string): void {
    this.#queue.remove(key);
  }

  isInFlight(key: string): boolean {
    return this.#inFlight.has(key);
  }

  isScheduled(key: string): boolean {
    return this.#queue.has(key);
  }

  /** No look under way. */
  isIdle(): boolean {
    return this.#inFlight.size === 0;
  }

  snapshot(): LookSchedulerSnapshot {
    const next = this.#queue.nextDueAt();
    return { inFlight: [...this.#inFlight], queued: this.#queue.size, nextDueInMs: next === undefined ? null : next - Date.now() };
  }

  /**
   * No new looks; looks under way may finish within the grace (and the budget), then
   * `onGraceOver` cuts them off, and what is left of the budget is given to them to wind down.
   */
  shutdown(budgetMs: number = Number.POSITIVE_INFINITY): Promise<void> {
    this.#stopped ??= (async () => {
      const deadline = Date.now() + budgetMs;
      this.#stop();
      const looks = this.#loopDone ?? Promise.resolve();
      await within(looks, Math.min(this.#options.graceMs?.() ?? budgetMs, budgetMs));
      this.#options.onGraceOver?.();
      await within(looks, Math.max(0, deadline - Date.now()));
    })();
    return this.#stopped;
  }

  #stop(): void {
    this.#stopping = true;
    this.#wake?.();
  }

  async #loop(): Promise<void> {
    const running = new Set<Promise<void>>();
    while (!this.#stopping) {
      while (running.size < this.#maxConcurrent) {
        const entry = this.#queue.popDue(Date.now());
        if (!entry) break;
        if (this.#inFlight.has(entry.key)) {
          this.#queue.schedule(entry.key, Date.now() + IN_FLIGHT_RETRY_MS, entry.key, entry.cls);
          break;
        }
        this.#inFlight.add(entry.key);
        const look = this.#lookAt(entry.key).finally(() => {
          this.#inFlight.delete(entry.key);
          running.delete(look);
          this.#wake?.();
        });
        running.add(look);
      }
      const wait = this.#queue.delayUntilNext(Date.now()) ?? MAX_SLEEP_MS;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, running.size >= this.#maxConcurrent ? MAX_SLEEP_MS : Math.max(0, Math.min(wait, MAX_SLEEP_MS)));
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
    await Promise.allSettled([...running]);
  }

  async #lookAt(key: string): Promise<void> {
    try {
      await this.#options.look(key);
      this.#failures.delete(key);
    } catch (error) {
      this.#failed(key, error);
    }
  }

  #failed(key: string, error: unknown): void {
    const meaning = meaningOf(error);
    if (meaning === 'fatal' && error instanceof BridgeError) {
      this.#stop();
      this.#options.onFatal?.(error);
      return;
    }
    // A look cut short by the stop (its requests aborted, the state closing) is no failure.
    if (this.#stopping || meaning === 'shutdown') return;
    const failures = (this.#failures.get(key) ?? 0) + 1;
    const retryMs = exponentialDelay(Math.min(failures, MAX_DOUBLINGS), this.#options.retry);
    const cls = this.#options.onFailure(key, error, { meaning, failures, retryMs });
    if (cls === null) return;
    this.#failures.set(key, failures);
    this.schedule(key, retryMs, cls);
  }
}
