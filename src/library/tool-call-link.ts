// Links from the app's spans to the spans the bridge will export for a run: the ids are
// deterministic, so the app computes them without asking the bridge.
import { TraceFlags, type Link, type SpanContext } from '@opentelemetry/api';
import { parseTraceparent, toolCallSpanId, traceIdForRun } from '../mapping/ids.js';
import { ATTR_GEN_AI_TOOL_CALL_ID } from '../semconv/attributes.js';
import { ATTR_OPENAI_RUN_ID } from '../sources/assistants/attributes.js';

/** A run as the SDK returns it; only its id and metadata are read. */
export interface RunLike {
  id: string;
  metadata?: unknown;
}

const TRACE_ID = /^[0-9a-f]{32}$/;

/**
 * The trace the bridge puts a run or response in: the one given (a traceparent or a trace id), else
 * the object's `metadata.traceparent` (what traceRuns / traceResponses wrote), else `derived()`.
 */
export function linkedTrace(
  metadata: unknown,
  traceparentOrTraceId: string | undefined,
  derived: () => string,
  caller: string,
): { traceId: string; traceFlags: number } {
  if (traceparentOrTraceId !== undefined) {
    const parent = parseTraceparent(traceparentOrTraceId);
    if (parent) return { traceId: parent.traceId, traceFlags: parent.traceFlags };
    const id = traceparentOrTraceId.trim().toLowerCase();
    if (TRACE_ID.test(id) && !/^0+$/.test(id)) return { traceId: id, traceFlags: TraceFlags.SAMPLED };
    throw new TypeError(`${caller}: expected a W3C traceparent or a 32-hex trace id, got '${traceparentOrTraceId.slice(0, 80)}'`);
  }
  const fromMetadata =
    typeof metadata === 'object' && metadata !== null ? parseTraceparent((metadata as Record<string, unknown>).traceparent) : null;
  if (fromMetadata) return { traceId: fromMetadata.traceId, traceFlags: fromMetadata.traceFlags };
  return { traceId: derived(), traceFlags: TraceFlags.SAMPLED };
}

function traceOf(run: string | RunLike, traceparentOrTraceId: string | undefined): { traceId: string; traceFlags: number } {
  const runId = typeof run === 'string' ? run : run.id;
  // A run object says itself which trace it joined: the traceparent traceRuns put in its metadata.
  return linkedTrace(typeof run === 'string' ? undefined : run.metadata, traceparentOrTraceId, () => traceIdForRun(runId), 'toolCallLink');
}

/**
 * The span context of the bridge's `execute_tool` span for one tool call. The trace is the one
 * given (a traceparent or trace id), else the run's `metadata.traceparent` when `run` is a run
 * object, else the trace the bridge derives from the run id (a run that joined no app trace).
 */
export function toolCallSpanContext(run: string | RunLike, toolCallId: string, traceparentOrTraceId?: string): SpanContext {
  const runId = typeof run === 'string' ? run : run.id;
  const { traceId, traceFlags } = traceOf(run, traceparentOrTraceId);
  return { traceId, spanId: toolCallSpanId(runId, toolCallId), traceFlags, isRemote: true };
}

/**
 * A link to the bridge's span of a tool call, for the app's span that executes the function:
 *
 *   for (const call of run.required_action.submit_tool_outputs.tool_calls)
 *     tracer.startActiveSpan(`execute_tool ${call.function.name}`, { links: [toolCallLink(run, call.id)] }, ...)
 */
export function toolCallLink(run: string | RunLike, toolCallId: string, traceparentOrTraceId?: string): Link {
  const runId = typeof run === 'string' ? run : run.id;
  return {
    context: toolCallSpanContext(run, toolCallId, traceparentOrTraceId),
    attributes: { [ATTR_GEN_AI_TOOL_CALL_ID]: toolCallId, [ATTR_OPENAI_RUN_ID]: runId },
  };
}
