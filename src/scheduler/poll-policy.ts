// When to look at a run or a thread again. Pure: no clock, no I/O; callers add the delay to
// their own "now". Polls are the main spend of the request budget, so a run that moves is
// polled fast, a run that waits is polled ever more rarely, and a finished run not at all.

export interface PollPolicyOptions {
  /** Delay after a poll that saw a change, and the first delay of a run. Default 2 000 ms. */
  activeIntervalMs?: number;
  /** Growth of the delay per unchanged poll. Default 2. */
  backoffFactor?: number;
  /** Longest delay for a waiting run (`queued`, `requires_action`). Default 60 000 ms. */
  waitingMaxMs?: number;
  /**
   * Longest delay for an unchanged run in any other non-terminal status (`in_progress`,
   * `cancelling`, and statuses a service adds). Default 15 000 ms: such a run is working and
   * its steps are worth seeing soon.
   */
  inProgressMaxMs?: number;
  /** Delay between thread discovery passes after one that found a new run. Default 10 000 ms. */
  discoveryIntervalMs?: number;
  /** Longest delay between discovery passes while nothing new appears. Default 60 000 ms. */
  discoveryMaxMs?: number;
}

/**
 * How a unit's source reads what the last look saw: finished (no more looks), waiting on someone
 * (queued, or for the client's tool outputs: it may wait long, so looks back off to the longest
 * wait), or working (looks back off only to the in-progress cap).
 */
export type UnitPace = 'terminal' | 'waiting' | 'working';

export interface RunPollInput {
  /** What the last look saw, as the unit's source reads its status. */
  pace: UnitPace;
  /** Whether the last poll saw anything new (status, steps, usage) since the one before. */
  changed: boolean;
  /** The delay used before the last poll; undefined for a run seen for the first time. */
  previousDelayMs?: number | undefined;
}

export interface DiscoveryInput {
  /** Whether the last pass over the thread found a run not seen before. */
  foundNew: boolean;
  /**
   * Whether the last pass was the first to find every run on the thread finished. A thread runs
   * one run at a time, so a follow-up run can only start now: discovery starts over at its base
   * pace instead of the back-off it grew to while the run worked.
   */
  settled?: boolean;
  /** The delay used before the last pass; undefined for the first pass. */
  previousDelayMs?: number | undefined;
}

export class PollPolicy {
  readonly activeIntervalMs: number;
  readonly backoffFactor: number;
  readonly waitingMaxMs: number;
  readonly inProgressMaxMs: number;
  readonly discoveryIntervalMs: number;
  readonly discoveryMaxMs: number;

  /**
   * The policy every source polls by, from the watch settings: a unit at work every active
   * interval (a finished item is exported within about one), waiting units backing off to the
   * longest wait, discovery at its own pace.
   */
  static fromWatch(watch: { activeIntervalMs: number; maxWaitIntervalMs: number; discoveryIntervalMs: number }): PollPolicy {
    return new PollPolicy({
      activeIntervalMs: watch.activeIntervalMs,
      waitingMaxMs: Math.max(watch.maxWaitIntervalMs, watch.activeIntervalMs),
      inProgressMaxMs: watch.activeIntervalMs,
      discoveryIntervalMs: watch.discoveryIntervalMs,
      discoveryMaxMs: Math.max(watch.maxWaitIntervalMs, watch.discoveryIntervalMs),
    });
  }

  constructor(options: PollPolicyOptions = {}) {
    this.activeIntervalMs = positive('activeIntervalMs', options.activeIntervalMs ?? 2_000);
    this.backoffFactor = options.backoffFactor ?? 2;
    if (!(this.backoffFactor >= 1)) throw new RangeError(`backoffFactor must be >= 1, got ${this.backoffFactor}`);
    this.waitingMaxMs = atLeast('waitingMaxMs', options.waitingMaxMs ?? 60_000, this.activeIntervalMs);
    this.inProgressMaxMs = atLeast('inProgressMaxMs', options.inProgressMaxMs ?? 15_000, this.activeIntervalMs);
    this.discoveryIntervalMs = positive('discoveryIntervalMs', options.discoveryIntervalMs ?? 10_000);
    this.discoveryMaxMs = atLeast('discoveryMaxMs', options.discoveryMaxMs ?? 60_000, this.discoveryIntervalMs);
  }

  /** Delay before the next poll of a run, or null once it is terminal. */
  nextRunDelay(input: RunPollInput): number | null {
    const group = input.pace;
    if (group === 'terminal') return null;
    if (input.changed || input.previousDelayMs === undefined) return this.activeIntervalMs;
    const max = group === 'waiting' ? this.waitingMaxMs : this.inProgressMaxMs;
    return this.#grow(input.previousDelayMs, this.activeIntervalMs, max);
  }

  /** Delay before the next discovery pass over a thread (its `runs.list`). */
  nextDiscoveryDelay(input: DiscoveryInput): number {
    if (input.foundNew || input.settled === true || input.previousDelayMs === undefined) return this.discoveryIntervalMs;
    return this.#grow(input.previousDelayMs, this.discoveryIntervalMs, this.discoveryMaxMs);
  }

  // From a status change to a slower one (in_progress -> queued) the delay keeps growing from
  // where it was; from a slower to a faster cap it drops to that cap at once.
  #grow(previous: number, min: number, max: number): number {
    const base = Number.isFinite(previous) && previous > 0 ? previous : min;
    return Math.min(max, Math.max(min, base * this.backoffFactor));
  }
}

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be a number > 0, got ${value}`);
  return value;
}

function atLeast(name: string, value: number, min: number): number {
  if (!(Number.isFinite(value) && value >= min)) throw new RangeError(`${name} must be >= ${min}, got ${value}`);
  return value;
}
