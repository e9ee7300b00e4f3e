// Throughput baseline for published Agents API traces: the bare OpenTelemetry SDK (sdk-trace 3.x
// TracerProvider + BatchSpanProcessor + the OTLP/HTTP protobuf exporter) exporting the same spans
// the bridge forwarded, read from a file of OTLP JSON trace requests (one per line, as the traces
// list's `otlp` fields): same trace and span ids (an IdGenerator hands out the published ones),
// parents, names, kinds, times to the nanosecond, attributes, events, links and status, to the
// same receiver. One resource (the first trace's) for every span: a provider has one.
// Usage: node baseline-agents-sdk.mjs FILE.jsonl (OTEL_EXPORTER_OTLP_ENDPOINT names the receiver).
// Prints {"spans", "workMs"} on stdout.
import { readFileSync } from 'node:fs';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

const started = performance.now();
const file = process.argv[2];
const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
if (!file || !endpoint) {
  process.stderr.write('usage: OTEL_EXPORTER_OTLP_ENDPOINT=... node baseline-agents-sdk.mjs FILE.jsonl\n');
  process.exit(2);
}

const requests = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l));

function value(v) {
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('arrayValue' in v) return (v.arrayValue.values ?? []).map(value);
  // kvlist and bytes have no SDK attribute type: kept as JSON text.
  return JSON.stringify(v);
}
const attrs = (list) => Object.fromEntries((list ?? []).map((kv) => [kv.key, value(kv.value)]));
const NS = 1_000_000_000n;
const hr = (nanos) => {
  const n = BigInt(nanos);
  return [Number(n / NS), Number(n % NS)];
};

const total = requests.reduce(
  (n, r) => n + r.resourceSpans.reduce((m, rs) => m + rs.scopeSpans.reduce((k, ss) => k + ss.spans.length, 0), 0),
  0,
);
let ids = { traceId: '', spanId: '' };
const idGenerator = { generateTraceId: () => ids.traceId, generateSpanId: () => ids.spanId };
const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` });
// Batches of 512, one export in flight, as the bridge sends (see baseline-sdk.mjs).
const BATCH = 512;
const processor = new BatchSpanProcessor({
  exporter,
  maxQueueSize: Math.max(total, 2 * BATCH),
  maxExportBatchSize: BATCH,
  scheduledDelayMillis: 200,
});
const provider = new TracerProvider({
  resource: resourceFromAttributes(attrs(requests[0]?.resourceSpans[0]?.resource.attributes)),
  spanProcessors: [processor],
  idGenerator,
  spanLimits: { attributeValueLengthLimit: 8192, attributeCountLimit: 128 },
});

let built = 0;
let flushedAt = 0;
for (const request of requests) {
  for (const rs of request.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      const tracer = provider.getTracer(ss.scope?.name ?? 'agents', ss.scope?.version);
      for (const s of ss.spans) {
        ids = { traceId: s.traceId, spanId: s.spanId };
        const parent = s.parentSpanId
          ? trace.setSpanContext(ROOT_CONTEXT, {
              traceId: s.traceId,
              spanId: s.parentSpanId,
              traceFlags: TraceFlags.SAMPLED,
              isRemote: true,
            })
          : ROOT_CONTEXT;
        const span = tracer.startSpan(
          s.name,
          {
            // OTLP counts kinds from 1 (INTERNAL), the API from 0.
            kind: Math.max(0, s.kind - 1),
            startTime: hr(s.startTimeUnixNano),
            attributes: attrs(s.attributes),
            links: (s.links ?? []).map((l) => ({
              context: { traceId: l.traceId, spanId: l.spanId, traceFlags: TraceFlags.SAMPLED },
              attributes: attrs(l.attributes),
            })),
          },
          parent,
        );
        for (const e of s.events ?? []) span.addEvent(e.name, attrs(e.attributes), hr(e.timeUnixNano));
        if (s.status?.code) span.setStatus({ code: s.status.code, message: s.status.message });
        span.end(hr(s.endTimeUnixNano ?? s.startTimeUnixNano));
        built += 1;
      }
    }
  }
  if (built - flushedAt >= BATCH) {
    await provider.forceFlush();
    flushedAt = built;
  }
}
await provider.forceFlush();
await provider.shutdown();
process.stdout.write(`${JSON.stringify({ spans: built, workMs: performance.now() - started })}\n`);
