// Object ids: a zero-padded creation counter then seeded random characters, so ids sort in
// creation order (cursors stay simple) while looking like the API's (`run_abc123...`).
import { createPrng, deriveSeed } from './prng.js';

export type IdPrefix = 'thread' | 'run' | 'step' | 'call' | 'asst' | 'msg';

export interface IdFactory {
  next(prefix: IdPrefix): string;
  /** How many ids were handed out; also the creation sequence of the last one. */
  readonly count: number;
}

export function createIdFactory(seed: number): IdFactory {
  let count = 0;
  return {
    next(prefix: IdPrefix): string {
      count += 1;
      // The suffix depends only on (seed, counter), never on what else was drawn before.
      const suffix = createPrng(deriveSeed(seed, 0x1d5, count)).alnum(18);
      return `${prefix}_${count.toString(36).padStart(6, '0')}${suffix}`;
    },
    get count() {
      return count;
    },
  };
}
