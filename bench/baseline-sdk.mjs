// Throughput baseline: the bare OpenTelemetry SDK (sdk-trace 3.x TracerProvider + BatchSpanProcessor
// + the OTLP/HTTP protobuf exporter) building and exporting the same spans as the bridge maps
// from the same backlog file: same names, kinds, explicit whole-second times, parent/child
// structure and attributes, to the same receiver. Usage: node baseline-sdk.mjs FILE.jsonl
// (OTEL_EXPORTER_OTLP_ENDPOINT names the receiver). Prints {"spans", "workMs"} on stdout.
import { readFileSync } from 'node:fs';
import { context, trace, SpanKind } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

const started = performance.now();
const file = process.argv[2];
const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
if (!file || !endpoint) {
  process.stderr.write('usage: OTEL_EXPORTER_OTLP_ENDPOINT=... node baseline-sdk.mjs FILE.jsonl\n');
  process.exit(2);
}

const lines = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '');
const items = lines.map((l) => JSON.parse(l));
const names = new Map(items.filter((i) => i.object === 'assistant').map((a) => [a.id, a.name]));
const runs = items.filter((i) => i.object === 'thread.run');
const total = runs.reduce((n, r) => n + 1 + r.steps.reduce((m, s) => m + 1 + (s.step_details?.tool_calls?.length ?? 0), 0), 0);

const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` });
// Batches of 512, as the bridge sends. The exporter refuses more than a bounded number of
// concurrent exports and the processor drops what overflows its queue, so a program building
// spans faster than they export must wait: flush every batch's worth (one export in flight,
// as the bridge has), with a queue large enough that nothing is ever dropped.
const BATCH = 512;
const processor = new BatchSpanProcessor({
  exporter,
  maxQueueSize: Math.max(total, 2 * BATCH),
  maxExportBatchSize: BATCH,
  scheduledDelayMillis: 200,
});
const provider = new TracerProvider({
  resource: resourceFromAttributes({
    'service.name': 'openai-assistants',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'opentelemetry',
  }),
  spanProcessors: [processor],
  spanLimits: { attributeValueLengthLimit: 8192, attributeCountLimit: 128 },
});
const tracer = provider.getTracer('assistants-otel-bridge', '0.1.0');
const common = (run) => ({
  'gen_ai.provider.name': 'openai',
  'gen_ai.conversation.id': run.thread_id,
  'gen_ai.request.model': run.model,
  'server.address': 'api.openai.com',
  'server.port': 443,
  'gen_ai.agent.id': run.assistant_id,
});
const sec = (s) => [s, 0];
const endOf = (o) => o.completed_at ?? o.failed_at ?? o.cancelled_at ?? o.expired_at ?? o.created_at;

let built = 0;
let flushedAt = 0;
for (const run of runs) {
  const runSpan = tracer.startSpan(
    `invoke_agent ${names.get(run.assistant_id) ?? ''}`.trim(),
    {
      kind: SpanKind.CLIENT,
      startTime: sec(run.created_at),
      attributes: {
        'gen_ai.operation.name': 'invoke_agent',
        ...common(run),
        'gen_ai.agent.name': names.get(run.assistant_id),
        'openai.run.id': run.id,
        'openai.run.status': run.status,
        'gen_ai.usage.input_tokens': run.usage.prompt_tokens,
        'gen_ai.usage.output_tokens': run.usage.completion_tokens,
      },
    },
    context.active(),
  );
  const runCtx = trace.setSpan(context.active(), runSpan);
  for (const step of run.steps) {
    const stepSpan = tracer.startSpan(
      `chat ${run.model}`,
      {
        kind: SpanKind.CLIENT,
        startTime: sec(step.created_at),
        attributes: {
          'gen_ai.operation.name': 'chat',
          ...common(run),
          'openai.run.id': run.id,
          'openai.run_step.id': step.id,
          'openai.run_step.type': step.type,
          'openai.run_step.status': step.status,
          'gen_ai.usage.input_tokens': step.usage.prompt_tokens,
          'gen_ai.usage.output_tokens': step.usage.completion_tokens,
        },
      },
      runCtx,
    );
    const stepCtx = trace.setSpan(runCtx, stepSpan);
    for (const call of step.step_details.tool_calls) {
      tracer
        .startSpan(
          `execute_tool ${call.function.name}`,
          {
            kind: SpanKind.INTERNAL,
            startTime: sec(step.created_at),
            attributes: {
              'gen_ai.operation.name': 'execute_tool',
              'gen_ai.tool.name': call.function.name,
              'gen_ai.tool.call.id': call.id,
              'gen_ai.tool.type': 'function',
            },
          },
          stepCtx,
        )
        .end(sec(endOf(step)));
      built += 1;
    }
    stepSpan.end(sec(endOf(step)));
    built += 1;
  }
  runSpan.end(sec(endOf(run)));
  built += 1;
  if (built - flushedAt >= BATCH) {
    await provider.forceFlush();
    flushedAt = built;
  }
}
await provider.forceFlush();
await provider.shutdown();
process.stdout.write(`${JSON.stringify({ spans: built, workMs: performance.now() - started })}\n`);
