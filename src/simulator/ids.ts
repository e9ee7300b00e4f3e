// Object ids: a zero-padded creation counter then seeded random characters, so ids sort in
// creation order (cursors stay simple) while looking like the API's (`run_abc123...`).
import { createPrng, deriveSeed } from './prng.js';

export type IdPrefix = 'thread' | 'run' | 'step' | 'call' | 'asst' | 'msg';

export interface IdFactory<P extends string = IdPrefix> {
  next(prefix: P): string;
  /** How many ids were handed out; also the creation sequence of the last one. */
  readonly count: number;
}

/** `salt` keeps another world's ids (the Agents API's) from sharing suffixes with these. */
export function createIdFactory<P extends string = IdPrefix>(seed: number, salt = 0x1d5): IdFactory<P> {
  let count = 0;
  return {
    next(prefix: P): string {
      count += 1;
      // The suffix depends only on (seed, counter), never on what else was drawn before.
      const suffix = createPrng(deriveSeed(seed, salt, count)).alnum(18);
      return `${prefix}_${count.toString(36).padStart(6, '0')}${suffix}`;
    },
    get count() {
      return count;
    },
  };
}
