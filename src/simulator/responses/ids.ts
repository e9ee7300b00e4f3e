// Ids as the Responses API spells them (`resp_` and 48 hex digits, `msg_...`, `conv_...`): a
// creation counter then seeded hex, so the same seed gives the same ids and they never collide.
import { createPrng, deriveSeed } from '../prng.js';

export interface HexIdFactory {
  next(prefix: string): string;
  /** How many ids were handed out; also the creation sequence of the last one. */
  readonly count: number;
}

export function createHexIdFactory(seed: number, stream: number): HexIdFactory {
  let count = 0;
  return {
    next(prefix: string): string {
      count += 1;
      return `${prefix}_${count.toString(16).padStart(8, '0')}${createPrng(deriveSeed(seed, stream, count)).hex(40)}`;
    },
    get count() {
      return count;
    },
  };
}
