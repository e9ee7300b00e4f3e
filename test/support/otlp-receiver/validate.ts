// The strict checks: the first problem in a request, worded for a test failure, or null.
// Stricter than the collector on purpose (all-zero ids, zero start times, empty names):
// whatever the bridge sends must survive the pickiest backend.
import type { WireKeyValue, WireMetricsRequest, WireSpan, WireTraceRequest } from './wire.js';

export function firstTraceProblem(request: WireTraceRequest): string | null {
  for (const [i, rs] of (request.resourceSpans ?? []).entries()) {
    const resourceProblem = attributeProblem(rs.resource?.attributes, `resourceSpans[${i}].resource`);
    if (resourceProblem) return resourceProblem;
    for (const [j, ss] of (rs.scopeSpans ?? []).entries()) {
      const scopeProblem = attributeProblem(ss.scope?.attributes, `resourceSpans[${i}].scopeSpans[${j}].scope`);
      if (scopeProblem) return scopeProblem;
      for (const [k, span] of (ss.spans ?? []).entries()) {
        const problem = spanProblem(span);
        if (problem) return `resourceSpans[${i}].scopeSpans[${j}].spans[${k}] (name ${JSON.stringify(span.name ?? '')}): ${problem}`;
      }
    }
  }
  return null;
}

export function firstMetricsProblem(request: WireMetricsRequest): string | null {
  for (const [i, rm] of (request.resourceMetrics ?? []).entries()) {
    const resourceProblem = attributeProblem(rm.resource?.attributes, `resourceMetrics[${i}].resource`);
    if (resourceProblem) return resourceProblem;
    for (const [j, sm] of (rm.scopeMetrics ?? []).entries()) {
      for (const [k, metric] of (sm.metrics ?? []).entries()) {
        const at = `resourceMetrics[${i}].scopeMetrics[${j}].metrics[${k}]`;
        if (!metric.name) return `${at}: metric name is empty`;
        const points = metric.sum?.dataPoints ?? metric.gauge?.dataPoints ?? metric.histogram?.dataPoints ?? [];
        for (const [p, point] of points.entries()) {
          const problem = attributeProblem(point.attributes, `${at} (${metric.name}).dataPoints[${p}]`);
          if (problem) return problem;
        }
      }
    }
  }
  return null;
}

function spanProblem(span: WireSpan): string | null {
  return (
    idProblem('traceId', span.traceId, 16) ??
    idProblem('spanId', span.spanId, 8) ??
    (span.parentSpanId?.length ? lengthProblem('parentSpanId', span.parentSpanId, 8) : null) ??
    (span.name ? null : 'name is empty') ??
    rangeProblem('kind', span.kind ?? 0, 5) ??
    timeProblem(span) ??
    rangeProblem('status.code', span.status?.code ?? 0, 2) ??
    attributeProblem(span.attributes, 'attributes') ??
    eventOrLinkProblem(span)
  );
}

function eventOrLinkProblem(span: WireSpan): string | null {
  for (const [e, event] of (span.events ?? []).entries()) {
    const problem = attributeProblem(event.attributes, `events[${e}] (${event.name ?? ''})`);
    if (problem) return problem;
  }
  for (const [l, link] of (span.links ?? []).entries()) {
    const problem =
      idProblem(`links[${l}].traceId`, link.traceId, 16) ??
      idProblem(`links[${l}].spanId`, link.spanId, 8) ??
      attributeProblem(link.attributes, `links[${l}]`);
    if (problem) return problem;
  }
  return null;
}

function idProblem(field: string, id: Uint8Array | undefined, size: number): string | null {
  const bytes = id ?? new Uint8Array();
  return lengthProblem(field, bytes, size) ?? (bytes.every((b) => b === 0) ? `${field} is all zeros` : null);
}

function lengthProblem(field: string, id: Uint8Array, size: number): string | null {
  return id.length === size ? null : `${field} must be ${size} bytes, got ${id.length}`;
}

function rangeProblem(field: string, value: number, max: number): string | null {
  return value >= 0 && value <= max ? null : `${field} ${value} is outside 0..${max}`;
}

function timeProblem(span: WireSpan): string | null {
  const start = BigInt(span.startTimeUnixNano ?? '0');
  const end = BigInt(span.endTimeUnixNano ?? '0');
  if (start === 0n) return 'startTimeUnixNano is 0';
  if (end < start) return `endTimeUnixNano ${end} is before startTimeUnixNano ${start}`;
  return null;
}

function attributeProblem(attributes: WireKeyValue[] | undefined, where: string): string | null {
  for (const [n, kv] of (attributes ?? []).entries()) {
    if (!kv.key) return `${where}: attribute [${n}] has an empty key`;
    if (!kv.value || Object.keys(kv.value).length === 0) return `${where}: attribute ${JSON.stringify(kv.key)} has no value`;
  }
  return null;
}
