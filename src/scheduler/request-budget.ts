// One budget of API requests shared by every HTTP attempt the bridge makes, retries included.
//
// A p-queue in strict (sliding window) mode hands out slots: no window of `windowMs` ever sees
// more than the effective limit of starts. Fixed windows would let a burst at the end of one
// window and the start of the next reach twice the limit. Each slot is a task that finishes at
// once; the request itself runs outside the queue, so the queue limits starts, not concurrency.
//
// The window alone hands a whole window's allowance out at once and then idles until it slides
// (measured at 6,000 rpm: ~5,400 requests in 30 s, then 30 s of none). So starts are also paced
// by a token bucket refilled at the window's rate, effectiveLimit / windowMs, with a burst of a
// twentieth of the allowance by default: ~3 s of requests at once after a quiet spell, then an
// even stream. The window still guarantees the limit; pacing only decides when within it.
//
// On top of both, one gate holds every start: pacing closes it until the next token is due, a 429
// closes it for as long as the server asks (or for a backoff), `pause()` closes it for others,
// and a nearly spent server quota (`x-ratelimit-remaining-requests`) closes it briefly after each
// start to spread what is left.
import { EventEmitter } from 'node:events';
import PQueue from 'p-queue';
import { ShutdownError } from '../core/errors.js';
import { fullJitterDelay, type RandomSource } from '../core/timing.js';
import { PRIORITIES, PRIORITY_RANK, type Priority } from './priorities.js';
import { readRequestQuota, serverRequestedWait, type HeaderReader, type ThrottleSource } from './rate-limit-headers.js';
import { TokenBucket } from './token-bucket.js';

const DEFAULT_MARGIN_FRACTION = 0.1;
const DEFAULT_WINDOW_MS = 60_000;
/**
 * The window `watch` counts over. The server counts requests when they arrive, we count them when
 * they start: a burst that met a slow connection and the next one that did not can land closer
 * than 60 s apart. A window 2 s longer than the server's absorbs that spread (measured: up to
 * ~30 ms locally).
 */
export const WATCH_WINDOW_MS = 62_000;
const DEFAULT_THROTTLE_BACKOFF_BASE_MS = 1_000;
const DEFAULT_THROTTLE_BACKOFF_CAP_MS = 60_000;
const DEFAULT_MAX_PAUSE_MS = 10 * 60_000;
const DEFAULT_LOW_REMAINING_FRACTION = 0.05;
const DEFAULT_BURST_FRACTION = 1 / 20;

const STATS_SPAN_MS = 60_000;

export interface RequestBudgetOptions {
  /** Requests allowed per window (per minute with the default window). */
  rpm: number;
  /** Share of `rpm` kept in reserve; see `effectiveLimit()`. Default 0.1. */
  marginFraction?: number;
  /** Length of the sliding window. Default 60 000 ms; shorter in tests. */
  windowMs?: number;
  /** Backoff after a 429 that names no wait: full jitter from this base... Default 1 000 ms. */
  throttleBackoffBaseMs?: number;
  /** ...up to this ceiling. Default 60 000 ms. */
  throttleBackoffCapMs?: number;
  /** Longest pause a server header can impose, against absurd Retry-After dates. Default 10 min. */
  maxPauseMs?: number;
  /**
   * Slow down once `x-ratelimit-remaining-requests` is at or below this share of
   * `x-ratelimit-limit-requests` (at least 1 request). Default 0.05.
   */
  lowRemainingFraction?: number;
  /**
   * Share of the window's allowance (`effectiveLimit`) that may start back to back after a quiet
   * spell; beyond it starts are paced at effectiveLimit / windowMs. In (0, 1], at least 1
   * request. Default 1/20. Larger answers a burst of work sooner but, when the work outlasts a
   * window, leaves a longer stall (about burstFraction x windowMs) once the window fills: at 1/6
   * every active run of the scale benchmark waited ~10 s more for its look once a minute in.
   */
  burstFraction?: number;
  /**
   * Start with the burst in hand. Default false: the budget starts with one start in hand and
   * earns the burst at the paced rate, because a new process cannot know what the one before it
   * spent in the last window (a restart after a busy minute), and because a start-up burst is
   * paid back by a stall of about burstFraction x windowMs once the first window fills.
   */
  startWithBurst?: boolean;
  /** Jitter source, in [0, 1). Default Math.random. */
  random?: RandomSource;
}

/**
 * The limit actually enforced: `floor(rpm * (1 - marginFraction))`, and, when `rpm >= 10`, at
 * most `rpm - 1`, so the margin is never rounded away; never below 1. With the default 10 %:
 * 60 -> 54, 10 -> 9, 5 -> 4, 1 -> 1. The margin absorbs requests our clock and the server's
 * count in different windows, and other clients sharing the key.
 */
export function effectiveLimit(rpm: number, marginFraction: number = DEFAULT_MARGIN_FRACTION): number {
  if (!Number.isFinite(rpm) || rpm < 1) throw new RangeError(`rpm must be a number >= 1, got ${rpm}`);
  if (!(marginFraction >= 0 && marginFraction < 1)) {
    throw new RangeError(`marginFraction must be in [0, 1), got ${marginFraction}`);
  }
  let limit = Math.floor(rpm * (1 - marginFraction));
  if (rpm >= 10) limit = Math.min(limit, Math.floor(rpm) - 1);
  return Math.max(1, limit);
}

export interface SlotOptions {
  /** Route template for events and metrics, never a path with ids. Default `other`. */
  route?: string;
  method?: string;
  /** 1 for the first attempt of a request, 2 for its first retry, ... */
  attempt?: number;
  /** Aborting it while the slot is awaited gives up the wait (the promise rejects). */
  signal?: AbortSignal;
}

export type AttemptOutcome = 'ok' | '1xx' | '3xx' | '4xx' | '5xx' | 'network_error' | 'timeout' | 'aborted';

export interface AttemptStartEvent {
  route: string;
  method: string;
  priority: Priority;
  attempt: number;
  /** Epoch ms when the slot was granted. */
  at: number;
}

export interface AttemptFinishEvent {
  route: string;
  method: string;
  priority: Priority;
  attempt: number;
  outcome: AttemptOutcome;
  /** HTTP status when a response arrived. */
  status?: number;
  durationMs: number;
}

export interface ThrottleEvent {
  /** How long the whole budget pauses. */
  ms: number;
  source: ThrottleSource;
  /** Epoch ms when starts resume. */
  until: number;
  route?: string;
}

export interface RequestBudgetEvents {
  attemptStart: [AttemptStartEvent];
  attemptFinish: [AttemptFinishEvent];
  throttle: [ThrottleEvent];
}

export interface RequestBudgetStats {
  rpm: number;
  effectiveLimit: number;
  windowMs: number;
  /** Slots granted in the last 60 s. */
  startedLastMinute: number;
  totalAttempts: number;
  throttledCount: number;
  /** Epoch ms until which starts are paused (429, `pause()`, spent quota); null when not paused. */
  pausedUntil: number | null;
  /** Gap kept between starts while the server's quota is nearly spent; null otherwise. */
  slowdown: { spacingMs: number; until: number } | null;
  /** Requests waiting for a slot, by priority. */
  queued: Record<Priority, number>;
  /** Spacing of paced starts, the burst allowed after a quiet spell, and what is left of it now. */
  pacing: { intervalMs: number; burst: number; tokens: number };
}

export class RequestBudget extends EventEmitter<RequestBudgetEvents> {
  readonly rpm: number;
  readonly effectiveLimit: number;
  readonly windowMs: number;

  readonly #queue: PQueue;
  readonly #random: RandomSource;
  readonly #throttleBackoff: { baseMs: number; capMs: number };
  readonly #maxPauseMs: number;
  readonly #lowRemainingFraction: number;
  readonly #bucket: TokenBucket;

  /** Start times, oldest first, of the last minute or the last window, whichever is longer. */
  #starts: number[] = [];
  /** Index of the first start of the last 60 s. */
  #minuteHead = 0;
  /** Index of the first start still inside the sliding window. */
  #windowHead = 0;
  #totalAttempts = 0;
  #throttledCount = 0;
  #consecutiveThrottles = 0;

  #gateUntil = 0;
  #gateTimer: NodeJS.Timeout | undefined;
  #pausedUntil = 0;
  #slowdown: { spacingMs: number; until: number } | null = null;
  #closed = false;

  constructor(options: RequestBudgetOptions) {
    super();
    this.rpm = options.rpm;
    this.effectiveLimit = effectiveLimit(options.rpm, options.marginFraction ?? DEFAULT_MARGIN_FRACTION);
    this.windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
    if (!(this.windowMs > 0)) throw new RangeError(`windowMs must be > 0, got ${this.windowMs}`);
    this.#random = options.random ?? Math.random;
    this.#throttleBackoff = {
      baseMs: options.throttleBackoffBaseMs ?? DEFAULT_THROTTLE_BACKOFF_BASE_MS,
      capMs: options.throttleBackoffCapMs ?? DEFAULT_THROTTLE_BACKOFF_CAP_MS,
    };
    this.#maxPauseMs = options.maxPauseMs ?? DEFAULT_MAX_PAUSE_MS;
    this.#lowRemainingFraction = options.lowRemainingFraction ?? DEFAULT_LOW_REMAINING_FRACTION;
    const burstFraction = options.burstFraction ?? DEFAULT_BURST_FRACTION;
    if (!(burstFraction > 0 && burstFraction <= 1)) {
      throw new RangeError(`burstFraction must be in (0, 1], got ${burstFraction}`);
    }
    this.#bucket = new TokenBucket(
      this.effectiveLimit / this.windowMs,
      Math.max(1, Math.floor(this.effectiveLimit * burstFraction)),
      Date.now(),
      options.startWithBurst === true ? undefined : 1,
    );
    this.#queue = new PQueue({
      strict: true,
      interval: this.windowMs,
      intervalCap: this.effectiveLimit,
    });
  }

  /** Resolves when a slot is granted; the caller starts its attempt right then. */
  acquire(priority: Priority, options: SlotOptions = {}): Promise<void> {
    if (this.#closed) return Promise.reject(new ShutdownError('RequestBudget is closed'));
    return this.#queue.add(() => this.#onSlot(priority, options), {
      priority: PRIORITY_RANK[priority],
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** Waits for a slot, then runs `fn` (one attempt; it is not retried here). */
  async schedule<T>(fn: () => T | PromiseLike<T>, options: SlotOptions & { priority: Priority }): Promise<T> {
    await this.acquire(options.priority, options);
    return fn();
  }

  /** Reports how an attempt ended, for the `attemptFinish` listeners. */
  reportOutcome(event: AttemptFinishEvent): void {
    this.#emitSafely('attemptFinish', event);
  }

  /**
   * Reads what a response says about the server's budget. A 429 pauses every start for the
   * wait the headers name, else for a jittered backoff that grows with consecutive 429s; the
   * pause is returned. A nearly spent quota slows starts down. Any other status resets the
   * 429 backoff.
   */
  observeResponse(status: number, headers: HeaderReader, route?: string): ThrottleEvent | null {
    if (this.#closed) return null;
    const now = Date.now();
    this.#observeQuota(headers, now);
    if (status !== 429) {
      this.#consecutiveThrottles = 0;
      return null;
    }
    this.#throttledCount += 1;
    this.#consecutiveThrottles += 1;
    const wait = serverRequestedWait(headers, now);
    const ms = Math.ceil(
      wait !== null
        ? Math.min(wait.ms, this.#maxPauseMs)
        : fullJitterDelay(this.#consecutiveThrottles, { ...this.#throttleBackoff, random: this.#random }),
    );
    const until = this.pause(ms);
    const event: ThrottleEvent = {
      ms,
      source: wait?.source ?? 'backoff',
      until,
      ...(route !== undefined ? { route } : {}),
    };
    this.#emitSafely('throttle', event);
    return event;
  }

  /** Holds every start for at least `ms` from now; returns when starts resume (epoch ms). */
  pause(ms: number): number {
    if (this.#closed) return this.#pausedUntil;
    const now = Date.now();
    const until = now + Math.max(0, ms);
    this.#pausedUntil = Math.max(this.#pausedUntil, until);
    // Resume at the paced rate: a burst right after a 429 would likely earn the next one.
    this.#bucket.hold(now, until);
    this.#holdUntil(until);
    return this.#pausedUntil;
  }

  stats(): RequestBudgetStats {
    const now = Date.now();
    this.#forgetOldStarts(now);
    const queued = {} as Record<Priority, number>;
    for (const priority of PRIORITIES) {
      queued[priority] = this.#queue.sizeBy({ priority: PRIORITY_RANK[priority] });
    }
    return {
      rpm: this.rpm,
      effectiveLimit: this.effectiveLimit,
      windowMs: this.windowMs,
      startedLastMinute: this.#starts.length - this.#minuteHead,
      totalAttempts: this.#totalAttempts,
      throttledCount: this.#throttledCount,
      pausedUntil: this.#pausedUntil > now ? this.#pausedUntil : null,
      slowdown: this.#slowdown !== null && this.#slowdown.until > now ? { ...this.#slowdown } : null,
      queued,
      pacing: {
        intervalMs: this.windowMs / this.effectiveLimit,
        burst: this.#bucket.capacity,
        tokens: Math.max(0, Math.floor(this.#bucket.available(now))),
      },
    };
  }

  /** Grants slots from construction: nothing to start. */
  start(): void {}

  /** Stops the timers and rejects every waiting request, at once, so the process can exit. */
  shutdown(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    clearTimeout(this.#gateTimer);
    this.#gateTimer = undefined;
    this.#queue.pause();
    this.#queue.clear();
    return Promise.resolve();
  }

  // Runs synchronously inside p-queue's start loop, so a gate closed here holds the next start.
  #onSlot(priority: Priority, options: SlotOptions): void {
    const now = Date.now();
    this.#totalAttempts += 1;
    this.#starts.push(now);
    this.#forgetOldStarts(now);
    this.#bucket.take(now);
    // A full window holds the next start until its oldest counted start slides out.
    const inWindow = this.#starts.length - this.#windowHead;
    if (inWindow >= this.effectiveLimit) {
      this.#bucket.hold(now, (this.#starts[this.#starts.length - this.effectiveLimit] ?? now) + this.windowMs);
    }
    if (this.#slowdown !== null) {
      if (this.#slowdown.until > now) {
        this.#bucket.hold(now, now + this.#slowdown.spacingMs);
        this.#holdUntil(now + this.#slowdown.spacingMs);
      } else {
        this.#slowdown = null;
      }
    }
    const nextAt = this.#bucket.nextAt(now);
    if (nextAt !== null) this.#holdUntil(nextAt);
    this.#emitSafely('attemptStart', {
      route: options.route ?? 'other',
      method: options.method ?? 'GET',
      priority,
      attempt: options.attempt ?? 1,
      at: now,
    });
  }

  // Spreads the requests the server still allows over the time until its quota resets, once
  // few are left; without a reset time, over one of our windows. None left: hold until reset.
  #observeQuota(headers: HeaderReader, now: number): void {
    const quota = readRequestQuota(headers);
    if (quota === null) return;
    const threshold = Math.max(1, Math.ceil((quota.limit ?? 0) * this.#lowRemainingFraction));
    if (quota.remaining > threshold) {
      this.#slowdown = null;
      return;
    }
    const resetMs = Math.min(quota.resetMs ?? this.windowMs, this.#maxPauseMs);
    if (quota.remaining === 0) {
      this.pause(Math.ceil(resetMs));
      return;
    }
    this.#slowdown = { spacingMs: Math.ceil(resetMs / quota.remaining), until: now + resetMs };
  }

  #holdUntil(until: number): void {
    if (until <= this.#gateUntil) return;
    this.#gateUntil = until;
    this.#queue.pause();
    clearTimeout(this.#gateTimer);
    this.#gateTimer = setTimeout(() => this.#reopen(), Math.max(0, until - Date.now()));
  }

  #reopen(): void {
    this.#gateTimer = undefined;
    if (this.#closed) return;
    const left = this.#gateUntil - Date.now();
    if (left > 0) {
      this.#gateTimer = setTimeout(() => this.#reopen(), left);
      return;
    }
    this.#queue.start();
  }

  // The minute counts starts at or after now - 60 s; the window, like p-queue's, those less than
  // windowMs old.
  #forgetOldStarts(now: number): void {
    const starts = this.#starts;
    while (this.#minuteHead < starts.length && (starts[this.#minuteHead] ?? 0) < now - STATS_SPAN_MS) this.#minuteHead += 1;
    while (this.#windowHead < starts.length && (starts[this.#windowHead] ?? 0) <= now - this.windowMs) this.#windowHead += 1;
    const head = Math.min(this.#minuteHead, this.#windowHead);
    if (head > 1_024 && head * 2 > starts.length) {
      this.#starts = starts.slice(head);
      this.#minuteHead -= head;
      this.#windowHead -= head;
    }
  }

  // A failing listener (metrics, logs) must never fail or stall a request.
  #emitSafely<K extends keyof RequestBudgetEvents>(name: K, ...args: RequestBudgetEvents[K]): void {
    try {
      (this.emit as (event: K, ...rest: RequestBudgetEvents[K]) => boolean)(name, ...args);
    } catch (error) {
      process.emitWarning(`RequestBudget ${name} listener failed: ${String(error)}`);
    }
  }
}
