// Waiting and backing off, for every loop that retries: API requests, the budget after a 429,
// OTLP exports, failed looks.

/** Resolves after `ms`, or as soon as `signal` aborts (never rejects: the caller checks the signal). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A source of numbers in [0, 1); injectable so tests can pin the jitter. */
export type RandomSource = () => number;

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

/** The capped exponential delay before retry number `retry` (1 for the first): min(cap, base * 2^(retry-1)). */
export function exponentialDelay(retry: number, options: BackoffOptions): number {
  return Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, retry - 1));
}

/**
 * "Full jitter": a uniform draw in [0, exponentialDelay(retry)). It spreads clients that failed
 * together, which matters most after a shared 429.
 */
export function fullJitterDelay(retry: number, options: BackoffOptions & { random: RandomSource }): number {
  const draw = Math.min(Math.max(options.random(), 0), 1);
  return Math.floor(draw * exponentialDelay(retry, options));
}
