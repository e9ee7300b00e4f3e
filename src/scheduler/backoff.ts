// Exponential backoff with "full jitter": a uniform draw in [0, min(cap, base * 2^(n-1))).
// Full jitter spreads clients that failed together, which matters most after a shared 429.

/** A source of numbers in [0, 1); injectable so tests can pin the jitter. */
export type RandomSource = () => number;

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  random: RandomSource;
}

/** Delay before retry number `retry` (1 for the first retry). */
export function fullJitterDelay(retry: number, options: BackoffOptions): number {
  const exponent = Math.max(0, retry - 1);
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** exponent);
  const draw = Math.min(Math.max(options.random(), 0), 1);
  return Math.floor(draw * ceiling);
}
