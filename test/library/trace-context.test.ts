// The active span as W3C trace context, without relying on a registered propagator.
import { INVALID_SPAN_CONTEXT, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';
import { activeTraceCarrier, formatTraceparent } from '../../src/library/trace-context.js';
import { parseTraceparent } from '../../src/mapping/ids.js';
import { APP_SPAN, APP_TRACE } from './helpers.js';

describe('activeTraceCarrier', () => {
  it('formats the active span as a version 00 traceparent the bridge parses back to the same ids', () => {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: APP_TRACE, spanId: APP_SPAN, traceFlags: 1 });
    const carrier = activeTraceCarrier(ctx);
    expect(carrier).toEqual({ traceparent: `00-${APP_TRACE}-${APP_SPAN}-01` });
    expect(parseTraceparent(carrier!.traceparent)).toEqual({ traceId: APP_TRACE, spanId: APP_SPAN, traceFlags: 1 });
  });

  it('keeps the unsampled flag and the trace state', () => {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: APP_TRACE,
      spanId: APP_SPAN,
      traceFlags: 0,
      traceState: new TraceState('a=1,b=2'),
    });
    expect(activeTraceCarrier(ctx)).toEqual({ traceparent: `00-${APP_TRACE}-${APP_SPAN}-00`, tracestate: 'a=1,b=2' });
  });

  it('is null without a span or with an invalid one', () => {
    expect(activeTraceCarrier(ROOT_CONTEXT)).toBeNull();
    expect(activeTraceCarrier(trace.setSpanContext(ROOT_CONTEXT, INVALID_SPAN_CONTEXT))).toBeNull();
  });

  it('pads flags to two hex digits', () => {
    expect(formatTraceparent({ traceId: APP_TRACE, spanId: APP_SPAN, traceFlags: 0x0a })).toBe(`00-${APP_TRACE}-${APP_SPAN}-0a`);
  });
});
