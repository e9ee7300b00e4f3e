// Span times come from the API's whole seconds, never from the bridge's clock.
import type { RunPayload, StepPayload } from '../payloads.js';
import { STATUS } from '../statuses.js';

// Largest whole second whose nanoseconds fit OTLP's fixed64 timestamps.
const MAX_OTLP_SECONDS = 18_446_744_073;

/** A timestamp the sink can export as [seconds, 0], else null: the parser lets fractions, negatives and Infinity through. */
export function seconds(v: number | null | undefined): number | null {
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
  /** True when nothing said when the object ended: the span ends where it starts. */
  endUnknown: boolean;
}

function clampTimes(start: number, end: number, startFromFirstSeen: boolean, endUnknown = false): SpanTimes {
  return end < start
    ? { start, end: start, clamped: true, startFromFirstSeen, endUnknown }
    : { start, end, clamped: false, startFromFirstSeen, endUnknown };
}

/** The time a step finished: the first of its terminal timestamps. */
export const stepEndSeconds = (step: StepPayload): number | null =>
  earliest(step.completed_at, step.failed_at, step.cancelled_at, step.expired_at);

/**
 * When a run ended, the one rule the run span and the run duration metric share: the first of
 * its own end times; for an expired run, the later of its last step's end and the deadline it
 * expired at (the `expires_at` seen while it was pending, else the one its payload still
 * carries: OpenAI clears it once a run ends); else the latest step end. Null when nothing says.
 */
export function runEndSeconds(run: RunPayload, latestStepEnd: number | null, seenExpiresAt: number | null | undefined): number | null {
  const own = earliest(run.completed_at, run.failed_at, run.cancelled_at);
  if (own !== null) return own;
  const lastStep = seconds(latestStepEnd);
  if (run.status === STATUS.expired) {
    const deadline = seconds(seenExpiresAt) ?? seconds(run.expires_at);
    if (deadline !== null) return lastStep === null ? deadline : Math.max(deadline, lastStep);
  }
  return lastStep;
}

export function runTimes(run: RunPayload, latestStepEnd: number | null, firstSeen: number, seenExpiresAt: number | null = null): SpanTimes {
  const created = seconds(run.created_at);
  const start = created ?? firstSeen;
  const end = runEndSeconds(run, latestStepEnd, seenExpiresAt);
  return clampTimes(start, end ?? start, created === null, end === null);
}

export function stepTimes(step: StepPayload, run: RunPayload, firstSeen: number): SpanTimes {
  const created = seconds(step.created_at);
  const fromRun = seconds(run.created_at);
  const start = created ?? fromRun ?? firstSeen;
  // A step mapped without an end is one a finished run left unfinished.
  const end = stepEndSeconds(step);
  return clampTimes(start, end ?? start, created === null && fromRun === null, end === null);
}
