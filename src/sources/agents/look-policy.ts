// When to look at a session again. Pure: no clock, no I/O; the look says what it saw as a tagged
// pace, and the caller adds the delay to its own "now". The pace comes from the shared poll
// policy, so the watch intervals a user sets apply to sessions as they do to runs: a session with
// a turn at work is looked at like a working run, one waiting on its app or a queue like a
// waiting run, an idle one like a thread looked at for new runs. A finished turn waits for its
// trace at the active interval for a while after it ends (EAGER_TRACE_SECONDS), then like a
// waiting run (fast again whenever a look finds something new), never past the moment it
// settles, so it settles on time.
import { PollPolicy } from '../../scheduler/poll-policy.js';
import type { WatchConfig } from '../../config/types.js';

export type SessionPace =
  /** Deleted: no more looks. */
  | { kind: 'gone' }
  /** Every turn settled: only a new turn can come. */
  | { kind: 'idle'; changed: boolean }
  /** A turn has not finished; `waiting`: every unfinished one is queued or waits for its app. */
  | { kind: 'running'; waiting: boolean; changed: boolean }
  /**
   * Every turn finished, some not settled; the first of those settles at `settleAtSeconds` (Unix
   * seconds). `awaitingTrace`: a root turn ended less than EAGER_TRACE_SECONDS ago, when its trace
   * (or its later parts) usually appear: it is looked for every active interval.
   */
  | { kind: 'settling'; settleAtSeconds: number; nowSeconds: number; changed: boolean; awaitingTrace: boolean };

/**
 * For this long after a root turn ends, its trace is looked for at the active interval (so it and
 * its later parts are forwarded within about one of their publication); then on the waiting
 * back-off until it settles. Traces usually publish within seconds; a trace that never comes
 * costs at most this long of fast looks.
 */
export const EAGER_TRACE_SECONDS = 120;

/** The shared poll policy with the watch settings, as the runs' one is made. */
export function sessionPollPolicy(watch: Pick<WatchConfig, 'activeIntervalMs' | 'maxWaitIntervalMs' | 'discoveryIntervalMs'>): PollPolicy {
  return PollPolicy.fromWatch(watch);
}

/**
 * Milliseconds until the next look at the session, or null for none. `previousDelayMs` is the
 * delay before the look that saw `pace` (undefined for a first look): unchanged looks back off.
 */
export function nextSessionLookMs(pace: SessionPace, previousDelayMs: number | undefined, policy: PollPolicy): number | null {
  switch (pace.kind) {
    case 'gone':
      return null;
    case 'idle':
      return policy.nextDiscoveryDelay({ foundNew: pace.changed, previousDelayMs });
    case 'running':
      return runLike(policy, pace.waiting, pace.changed, previousDelayMs);
    case 'settling': {
      const paced = runLike(policy, !pace.awaitingTrace, pace.changed, previousDelayMs);
      const untilSettled = Math.ceil((pace.settleAtSeconds - pace.nowSeconds) * 1000);
      // Settling is due already only when a look could not settle it; it is retried at the fast pace.
      return Math.min(paced, untilSettled > 0 ? untilSettled : policy.activeIntervalMs);
    }
  }
}

/** The run pace: a working run's, or a waiting run's when `slow`. */
function runLike(policy: PollPolicy, slow: boolean, changed: boolean, previousDelayMs: number | undefined): number {
  return policy.nextRunDelay({ pace: slow ? 'waiting' : 'working', changed, previousDelayMs }) ?? policy.activeIntervalMs;
}
