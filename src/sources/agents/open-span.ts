// A published span without an end waits: a later read of the trace may end it. One still without
// an end when its turn settles goes out with the turn's end, marked as such (and, should the
// turn's end, in whole seconds, fall before the span's start, at its start, marked too).
import { compareNanos, type Nanos, type SpanRecord } from '../../core/span-record.js';
import { ATTR_BRIDGE_END_CLAMPED, ATTR_BRIDGE_END_UNKNOWN } from '../../semconv/attributes.js';
import type { PublishedSpan } from './otlp-json.js';

export type EndedSpan = Omit<PublishedSpan, 'end'> & { end: SpanRecord['end'] };

export const hasEnded = (span: PublishedSpan): span is EndedSpan => span.end !== null;

/** The span ended at `turnEnd` (null: the turn shows no time, so at its own start). */
export function closeOpenSpan(span: PublishedSpan, turnEnd: Nanos | null): EndedSpan {
  const clamped = turnEnd !== null && compareNanos(turnEnd, span.start) < 0;
  const end = turnEnd === null || clamped ? span.start : turnEnd;
  return {
    ...span,
    end,
    attributes: { ...span.attributes, [ATTR_BRIDGE_END_UNKNOWN]: true, ...(clamped ? { [ATTR_BRIDGE_END_CLAMPED]: true } : {}) },
  };
}
