// The world's clock: whole Unix seconds that run `speed` times faster than the wall clock and can
// be pushed forward by hand, so a demo is lively and a test can freeze time (speed 0) and step it.

export interface ClockOptions {
  /**
   * World time at start, in Unix seconds. Default: the wall clock's current second, so the
   * world's spans land at the time a trace backend searches by default. Pin it for a world
   * that is the same on every start (the seed fixes everything else).
   */
  startEpoch?: number;
  /** Virtual seconds per real second; 0 freezes the clock (advance it by hand). */
  speed?: number;
  /** Wall clock in ms, injectable for tests. */
  wallClockMs?: () => number;
}

export interface Clock {
  /** Current world time in whole Unix seconds. */
  now(): number;
  advance(seconds: number): number;
  readonly startEpoch: number;
  readonly speed: number;
}

export const DEFAULT_SPEED = 20;

export function createClock(options: ClockOptions = {}): Clock {
  const wall = options.wallClockMs ?? Date.now;
  const startedMs = wall();
  const startEpoch = options.startEpoch ?? Math.floor(startedMs / 1000);
  const speed = options.speed ?? DEFAULT_SPEED;
  if (!Number.isInteger(startEpoch) || startEpoch < 0) throw new RangeError('clock.startEpoch must be a non-negative integer');
  if (!Number.isFinite(speed) || speed < 0) throw new RangeError('clock.speed must be a finite number >= 0');
  let advanced = 0;
  const now = (): number => startEpoch + advanced + Math.floor(((wall() - startedMs) * speed) / 1000);
  return {
    now,
    advance(seconds: number): number {
      if (!Number.isInteger(seconds) || seconds < 0) throw new RangeError('advanceSeconds must be a non-negative integer');
      advanced += seconds;
      return now();
    },
    startEpoch,
    speed,
  };
}
