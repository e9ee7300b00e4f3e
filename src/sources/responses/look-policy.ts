// When to look again at a Foundry agent's list or at one unfinished response. Pure: no clock, no
// I/O; a look says what it saw as a tagged pace, and the caller adds the delay to its own "now".
// The pace comes from the shared poll policy, so the watch intervals a user sets apply here as they
// do to runs: an agent's list is a discovery (fast again after it showed something new, backing
// off while it shows nothing), an unfinished response a live run (fast while it moves, backing off
// while it waits; a queued one waits longer, as a queued run does).
import type { WatchConfig } from '../../config/types.js';
import { PollPolicy } from '../../scheduler/poll-policy.js';
import { isListedToEnd, type AgentCursor } from './agent-cursor.js';

export type AgentPace =
  /** The look stopped at its page limit: the rest of the list waits, and is read at once. */
  | { kind: 'more' }
  /** The list was read to its end; `foundNew`: it showed a response not seen before. */
  | { kind: 'listed'; foundNew: boolean };

export type ResponsePace =
  /** Finished and committed, or deleted: no more looks. */
  | { kind: 'ended' }
  | { kind: 'gone' }
  /** Not finished; `queued`: it has not started; `changed`: its status or output moved since the last look. */
  | { kind: 'running'; queued: boolean; changed: boolean };

/** The shared poll policy with the watch settings, made as the runs' one is. */
export function responsesPollPolicy(
  watch: Pick<WatchConfig, 'activeIntervalMs' | 'maxWaitIntervalMs' | 'discoveryIntervalMs'>,
): PollPolicy {
  return PollPolicy.fromWatch(watch);
}

/** Milliseconds until the next look at the agent's list. `previousDelayMs`: the delay before the look that saw `pace`. */
export function nextAgentLookMs(pace: AgentPace, previousDelayMs: number | undefined, policy: PollPolicy): number {
  if (pace.kind === 'more') return 0;
  return policy.nextDiscoveryDelay({ foundNew: pace.foundNew, previousDelayMs });
}

/** Milliseconds until the next look at an unfinished response, or null for none. */
export function nextResponseLookMs(pace: ResponsePace, previousDelayMs: number | undefined, policy: PollPolicy): number | null {
  if (pace.kind !== 'running') return null;
  // Not finished here means not finished there: a queued response waits, any other works.
  return (
    policy.nextRunDelay({ pace: pace.queued ? 'waiting' : 'working', changed: pace.changed, previousDelayMs }) ?? policy.activeIntervalMs
  );
}

/**
 * For --exit-when-idle, with the outbox drained (the core's part): every tracked Foundry agent has
 * had its list read to the end since it was added, and every response found unfinished has ended
 * or is gone (such a response is a unit of its own, terminal once its look commits it).
 */
export const isAgentIdle = (cursor: AgentCursor | null): boolean => isListedToEnd(cursor);
