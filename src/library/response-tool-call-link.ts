// Links from the app's spans to the spans the bridge will export for a response: the ids are
// deterministic (src/sources/responses/ids.ts), so the app computes them without asking the bridge.
import type { Link, SpanContext } from '@opentelemetry/api';
import { ATTR_GEN_AI_RESPONSE_ID, ATTR_GEN_AI_TOOL_CALL_ID } from '../semconv/attributes.js';
import { responseItemSpanId, responseSpanId, traceIdForResponse } from '../sources/responses/ids.js';
import { linkedTrace } from './tool-call-link.js';

/** A response as the SDK returns it; only its id and metadata are read. */
export interface ResponseLike {
  id: string;
  metadata?: unknown;
}

const idOf = (response: string | ResponseLike): string => (typeof response === 'string' ? response : response.id);

function traceOf(response: string | ResponseLike, traceparentOrTraceId: string | undefined): { traceId: string; traceFlags: number } {
  const id = idOf(response);
  // A response object says itself which trace it joined: the traceparent traceResponses put in its metadata.
  const metadata = typeof response === 'string' ? undefined : response.metadata;
  return linkedTrace(metadata, traceparentOrTraceId, () => traceIdForResponse(id), 'responseToolCallLink');
}

/** The span context of the bridge's root span of a response (`chat {model}` or `invoke_agent {agent}`). */
export function responseSpanContext(response: string | ResponseLike, traceparentOrTraceId?: string): SpanContext {
  const { traceId, traceFlags } = traceOf(response, traceparentOrTraceId);
  return { traceId, spanId: responseSpanId(idOf(response)), traceFlags, isRemote: true };
}

/**
 * The span context of the bridge's `execute_tool` span for one tool call of a response: `callId`
 * is the output item's `call_id` (a function call's, what the app answers with its
 * `function_call_output`). The trace is the one given (a traceparent or trace id), else the
 * response's `metadata.traceparent` when `response` is a response object, else the trace the
 * bridge derives from the response id (a response that joined no app trace).
 */
export function responseToolCallSpanContext(response: string | ResponseLike, callId: string, traceparentOrTraceId?: string): SpanContext {
  const { traceId, traceFlags } = traceOf(response, traceparentOrTraceId);
  return { traceId, spanId: responseItemSpanId(idOf(response), callId), traceFlags, isRemote: true };
}

/**
 * A link to the bridge's span of a function call, for the app's span that executes the function:
 *
 *   for (const item of response.output)
 *     if (item.type === 'function_call')
 *       tracer.startActiveSpan(`execute_tool ${item.name}`, { links: [responseToolCallLink(response, item.call_id)] }, ...)
 */
export function responseToolCallLink(response: string | ResponseLike, callId: string, traceparentOrTraceId?: string): Link {
  return {
    context: responseToolCallSpanContext(response, callId, traceparentOrTraceId),
    attributes: { [ATTR_GEN_AI_TOOL_CALL_ID]: callId, [ATTR_GEN_AI_RESPONSE_ID]: idOf(response) },
  };
}
