// The app's active span as W3C trace context, read from @opentelemetry/api's active context.
// Formatted here rather than through the global propagator: the bridge reads exactly the W3C
// `traceparent`, whatever propagators (B3, Jaeger, none) the app has registered.
import { context as otelContext, isSpanContextValid, trace, type Context, type SpanContext } from '@opentelemetry/api';

/** What goes into a run's metadata so the bridge can parent the run under the app's span. */
export interface TraceCarrier {
  traceparent: string;
  /** Only when the span context carries a non-empty trace state. */
  tracestate?: string;
}

/** `00-{trace id}-{span id}-{flags}`, the W3C Trace Context version 00 form. */
export function formatTraceparent(spanContext: SpanContext): string {
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/** The active span's trace context, or null when no valid span is active in `ctx`. */
export function activeTraceCarrier(ctx: Context = otelContext.active()): TraceCarrier | null {
  const spanContext = trace.getSpanContext(ctx);
  if (!spanContext || !isSpanContextValid(spanContext)) return null;
  const tracestate = spanContext.traceState?.serialize();
  return { traceparent: formatTraceparent(spanContext), ...(tracestate ? { tracestate } : {}) };
}
