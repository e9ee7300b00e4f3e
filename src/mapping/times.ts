// Span times come from the API's whole seconds, never from the bridge's clock.
import type { RunPayload, StepPayload } from '../source/payloads.js';

// Largest whole second whose nanoseconds fit OTLP's fixed64 timestamps.
const MAX_OTLP_SECONDS = 18_446_744_073;

/** A timestamp the sink can export as [seconds, 0], else null: the parser lets fractions, negatives and Infinity through. */
function seconds(v: number | null | undefined): number | null {
  return typeof v === 'number' && v >= 0 && v <= MAX_OTLP_SECONDS ? Math.floor(v) : null;
}

function earliest(...values: (number | null | undefined)[]): number | null {
  let best: number | null = null;
  for (const raw of values) {
    const v = seconds(raw);
    if (v !== null && (best === null || v < best)) best = v;
  }
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
  const created = seconds(run.created_at);
  const start = created ?? firstSeen;
  // A run that ended with no step and no timestamp (an expired one, say) ends where it started.
  const end = earliest(run.completed_at, run.failed_at, run.cancelled_at) ?? latestStepEnd ?? start;
  return clampTimes(start, end, created === null);
}

export function stepTimes(step: StepPayload, run: RunPayload, firstSeen: number): SpanTimes {
  const created = seconds(step.created_at);
  const fromRun = seconds(run.created_at);
  const start = created ?? fromRun ?? firstSeen;
  return clampTimes(start, stepEndSeconds(step) ?? start, created === null && fromRun === null);
}
