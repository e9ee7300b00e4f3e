// The link from a response to the one it continues (`previous_response_id`): to that response's
// root span, in the trace it joined when the bridge recorded one, else in its own computed trace.
import type { SpanLinkRecord } from '../../core/span-record.js';
import { parseTraceparent } from '../../mapping/ids.js';
import { truncate } from '../../mapping/limits.js';
import { ATTR_GEN_AI_RESPONSE_ID } from '../../semconv/attributes.js';
import type { ResponseContext } from './context.js';
import { responseSpanId, traceIdForResponse } from './ids.js';

/** What the bridge knows of a response it links to: the app trace that response joined, if any. */
export type LinkedResponseContext = Pick<ResponseContext, 'traceparent' | 'tracestate'>;

/**
 * Responses a link may point at, by id: those the bridge tracks (their recorded context), and
 * those it could read that joined no app trace. A response missing here gets no link: its span
 * may not exist anywhere.
 */
export type LinkedResponses = ReadonlyMap<string, LinkedResponseContext>;

export const NO_LINKED_RESPONSES: LinkedResponses = new Map();

const SAMPLED = 1;

/**
 * The link to `responseId`'s root span, or null when the bridge knows nothing of that response.
 * The id it names comes from a payload: cut to `maxValueLength`, as span attributes are.
 */
export function responseSpanLink(responseId: string, linked: LinkedResponses, maxValueLength: number): SpanLinkRecord | null {
  const recorded = linked.get(responseId);
  if (!recorded) return null;
  const parent = parseTraceparent(recorded.traceparent);
  const base = { spanId: responseSpanId(responseId), attributes: { [ATTR_GEN_AI_RESPONSE_ID]: truncate(responseId, maxValueLength) } };
  if (!parent) return { traceId: traceIdForResponse(responseId), traceFlags: SAMPLED, ...base };
  return {
    traceId: parent.traceId,
    traceFlags: parent.traceFlags,
    ...(recorded.tracestate ? { traceState: recorded.tracestate } : {}),
    ...base,
  };
}
