// Adds the trace context to a run's (or a response's) metadata within the API's limits, never
// overwriting what the user set and never changing the user's objects.
import { activeTraceCarrier, type TraceCarrier } from './trace-context.js';

/** The metadata limits of the Assistants and Responses APIs: 16 pairs, keys up to 64 characters, values up to 512. */
export const METADATA_LIMITS = { maxKeys: 16, maxKeyLength: 64, maxValueLength: 512 } as const;

type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `params` with `metadata.traceparent` (and `metadata.tracestate` when there is one and it fits)
 * added; `params` itself, untouched, when there is nothing to add, the user set `traceparent`
 * already, or adding it would pass the limits. A copy otherwise: the caller's object may be
 * reused for the next run.
 */
export function withTraceMetadata<P>(params: P, carrier: TraceCarrier | null): P {
  if (carrier === null || !isObj(params)) return params;
  const existing: unknown = params.metadata;
  if (existing !== undefined && existing !== null && !isObj(existing)) return params;
  const metadata: Obj = isObj(existing) ? existing : {};
  if (Object.hasOwn(metadata, 'traceparent')) return params;
  const keys = Object.keys(metadata).length;
  if (keys + 1 > METADATA_LIMITS.maxKeys || carrier.traceparent.length > METADATA_LIMITS.maxValueLength) return params;
  const added: Obj = { traceparent: carrier.traceparent };
  const state = carrier.tracestate;
  if (
    state &&
    !Object.hasOwn(metadata, 'tracestate') &&
    keys + 2 <= METADATA_LIMITS.maxKeys &&
    state.length <= METADATA_LIMITS.maxValueLength
  ) {
    added.tracestate = state;
  }
  return { ...params, metadata: { ...metadata, ...added } };
}

/**
 * `args` with the request body at `index` carrying the active span's trace context
 * (withTraceMetadata); `args` itself when there is nothing to add.
 */
export function withTraceArgument(args: unknown[], index: number): unknown[] {
  if (args.length <= index) return args;
  const body = withTraceMetadata(args[index], activeTraceCarrier());
  if (body === args[index]) return args;
  const copy = [...args];
  copy[index] = body;
  return copy;
}
