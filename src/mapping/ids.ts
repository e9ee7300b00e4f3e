// Deterministic IDs: the same run always gives the same trace and span IDs, so a re-export
// after a crash is an identical duplicate (which Tempo drops) and never a second trace.
import { hash } from 'node:crypto';

const NAMESPACE = 'assistants-otel-bridge';

/** `bytes` bytes of SHA-256 over the namespaced parts, as hex; never all zeros. Each source names its own parts. */
export function hashHex(bytes: number, ...parts: string[]): string {
  // The one-shot hash: half the cost of createHash().update().digest() for inputs this short.
  const hex = hash('sha256', [NAMESPACE, ...parts].join('\u0000'), 'hex').slice(0, bytes * 2);
  // An all-zero ID is invalid in W3C trace context; vanishingly unlikely, but never emit one.
  return /^0+$/.test(hex) ? `${hex.slice(0, -1)}1` : hex;
}

export const traceIdForRun = (runId: string): string => hashHex(16, 'trace', runId);
export const runSpanId = (runId: string): string => hashHex(8, 'span', 'run', runId);
export const stepSpanId = (runId: string, stepId: string): string => hashHex(8, 'span', 'step', runId, stepId);
/**
 * A tool call with an id: from the run and the call id alone, because the app that executed the
 * call knows just those (`required_action.submit_tool_outputs.tool_calls[].id`), never the step
 * id, and links its span to this one (see `toolCallLink`). Call ids are unique in the API; one
 * repeated in another step of the same run would share the span id.
 */
export const toolCallSpanId = (runId: string, toolCallId: string): string => hashHex(8, 'span', 'tool_call', runId, toolCallId);
/**
 * A tool call without an id, or a repeat of an id already used in its step: by its step and a
 * positional key (`#2`, `call_1#2`), in a namespace apart from `toolCallSpanId`'s.
 */
export const toolSpanId = (runId: string, stepId: string, toolKey: string): string => hashHex(8, 'span', 'tool', runId, stepId, toolKey);

export interface ParentContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** Parses a W3C `traceparent`; null when it is not valid per the Trace Context spec. */
export function parseTraceparent(value: unknown): ParentContext | null {
  if (typeof value !== 'string') return null;
  const match = TRACEPARENT.exec(value.trim());
  if (!match) return null;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff') return null;
  // Version 00 has exactly four fields; later versions may append more.
  if (version === '00' && rest !== undefined) return null;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return null;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) & 0xff };
}
