// Span times come from the API's whole seconds, never from the bridge's clock.
import type { RunPayload, StepPayload } from '../source/payloads.js';

function earliest(...values: (number | null | undefined)[]): number | null {
  let best: number | null = null;
  for (const v of values) if (typeof v === 'number' && (best === null || v < best)) best = v;
  return best;
}

export interface SpanTimes {
  start: number;
  end: number;
  /** True when the end preceded the start and was clamped to it. */
  clamped: boolean;
  /** True when the payload had no usable start and the first-seen time stood in. */
  startFromFirstSeen: boolean;
}

function clampTimes(start: number, end: number, startFromFirstSeen: boolean): SpanTimes {
  return end < start
    ? { start, end: start, clamped: true, startFromFirstSeen }
    : { start, end, clamped: false, startFromFirstSeen };
}

/** The time a step finished: the first of its terminal timestamps. */
export const stepEndSeconds = (step: StepPayload): number | null =>
  earliest(step.completed_at, step.failed_at, step.cancelled_at, step.expired_at);

export function runTimes(run: RunPayload, latestStepEnd: number | null, firstSeen: number): SpanTimes {
  const created = run.created_at ?? null;
  const start = created ?? firstSeen;
  // A run that ended with no step and no timestamp (an expired one, say) ends where it started.
  const end = earliest(run.completed_at, run.failed_at, run.cancelled_at) ?? latestStepEnd ?? start;
  return clampTimes(start, end, created === null);
}

export function stepTimes(step: StepPayload, run: RunPayload, firstSeen: number): SpanTimes {
  const created = step.created_at ?? null;
  const start = created ?? run.created_at ?? firstSeen;
  return clampTimes(start, stepEndSeconds(step) ?? start, created === null);
}
