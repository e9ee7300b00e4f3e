// The copy of a run the watch loop holds between looks: only the fields the bridge reads (the
// mapping, the run metrics, the loop's status checks), in one fixed shape. A run as the API
// lists it also carries its assistant's tool definitions, tool resources and truncation
// settings, which no span or metric uses, and a response format whose JSON schema only its type
// matters to a span; parsed through the passthrough schema it is an object in
// dictionary mode. Measured at 10,000 tracked runs (bench scale phase): 2.7 kB per held run,
// 26 MB of a 63 MB live heap, against about 0.4 kB for this shape (0.46 kB since it also holds
// the request settings: 4 in-object fields, the format's type a shared constant).
//
// Step payloads are not reduced: their unknown tool types and fields reach the spans.
import type { RunPayload } from './payloads.js';

export interface HeldRunOptions {
  /** Keep `instructions` (read only when content capture is on; a system prompt can be many kB). */
  keepInstructions: boolean;
}

const FORMAT_TYPES = ['auto', 'text', 'json_object', 'json_schema'] as const;

/**
 * What a span reads of `response_format`: its type, held as the type's name (which the mapping
 * reads as it reads `auto`), without the JSON schema it may carry; the documented names are
 * shared constants rather than a string per run.
 */
function responseFormatType(format: unknown): unknown {
  const type = typeof format === 'object' && format !== null && !Array.isArray(format) ? (format as { type?: unknown }).type : format;
  if (typeof type !== 'string') return undefined;
  return FORMAT_TYPES.find((known) => known === type) ?? type;
}

export function heldRun(run: RunPayload, options: HeldRunOptions): RunPayload {
  // One object literal, every key always present: all held runs share one hidden class with
  // in-object fields, whatever the service sent.
  return {
    id: run.id,
    thread_id: run.thread_id,
    assistant_id: run.assistant_id,
    agent_id: run.agent_id,
    status: run.status,
    model: run.model,
    instructions: options.keepInstructions ? run.instructions : undefined,
    created_at: run.created_at,
    started_at: run.started_at,
    expires_at: run.expires_at,
    completed_at: run.completed_at,
    failed_at: run.failed_at,
    cancelled_at: run.cancelled_at,
    last_error: run.last_error,
    incomplete_details: run.incomplete_details,
    usage: run.usage,
    metadata: run.metadata,
    temperature: run.temperature,
    top_p: run.top_p,
    max_completion_tokens: run.max_completion_tokens,
    response_format: responseFormatType(run.response_format),
  };
}
