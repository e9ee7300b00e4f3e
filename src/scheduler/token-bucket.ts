// Paces request starts: tokens arrive at `ratePerMs` and at most `capacity` are kept, so after a
// quiet spell `capacity` starts may go back to back, then one every 1 / ratePerMs.
//
// While something else holds every start (a full sliding window, a pause), the bucket keeps and
// earns at most one token. Otherwise the wait for a full window would refill it, the burst it then
// let through would fill the next window early, and every window would echo one burst and one
// stall: the very pattern pacing is there to remove.
export class TokenBucket {
  readonly ratePerMs: number;
  readonly capacity: number;

  #tokens: number;
  #refilledAt: number;
  #heldUntil = Number.NEGATIVE_INFINITY;

  /** Starts with `initial` tokens (default: full). */
  constructor(ratePerMs: number, capacity: number, now: number, initial: number = capacity) {
    if (!(ratePerMs > 0 && Number.isFinite(ratePerMs))) throw new RangeError(`ratePerMs must be > 0, got ${ratePerMs}`);
    if (!(capacity >= 1 && Number.isFinite(capacity))) throw new RangeError(`capacity must be >= 1, got ${capacity}`);
    this.ratePerMs = ratePerMs;
    this.capacity = capacity;
    if (!(initial >= 0 && initial <= capacity)) throw new RangeError(`initial must be in [0, capacity], got ${initial}`);
    this.#tokens = initial;
    this.#refilledAt = now;
  }

  /** Tokens available at `now` (fractions included). */
  available(now: number): number {
    this.#refill(now);
    return this.#tokens;
  }

  /** Spends the token of a start made at `now`. */
  take(now: number): void {
    this.#refill(now);
    this.#tokens -= 1;
  }

  /** When the next start may go (epoch ms), or null when a token is there for it now. */
  nextAt(now: number): number | null {
    this.#refill(now);
    if (this.#tokens >= 1) return null;
    return now + Math.ceil((1 - this.#tokens) / this.ratePerMs);
  }

  /** Something else holds every start until `until`: no burst saved up for when it lets go. */
  hold(now: number, until: number): void {
    this.#refill(now);
    this.#tokens = Math.min(this.#tokens, 1);
    this.#heldUntil = Math.max(this.#heldUntil, until);
  }

  #refill(now: number): void {
    if (this.#heldUntil > this.#refilledAt) this.#earn(Math.min(this.#heldUntil, now), 1);
    this.#earn(now, this.capacity);
  }

  // Never takes tokens away. A clock that steps back moves the mark back too, so the bucket
  // does not stall until the clock catches up (at worst it earns that stretch twice, capped).
  #earn(until: number, cap: number): void {
    const earned = this.#tokens + Math.max(0, until - this.#refilledAt) * this.ratePerMs;
    this.#tokens = Math.max(this.#tokens, Math.min(cap, earned));
    this.#refilledAt = until;
  }
}
