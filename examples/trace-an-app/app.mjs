// An app that creates an assistant run inside its own request span and executes the function
// tools the run asks for. With traceRuns, the bridge traces the run under the request span, so
// one trace holds the request, the run, its steps and tool calls, and the app's tool executions
// (linked to the bridge's tool-call spans).
//
// Environment: OPENAI_API_KEY, OPENAI_BASE_URL; ASSISTANT_ID (default: the first assistant);
// ASSISTANTS_OTEL_BRIDGE_URL (default http://127.0.0.1:9464, the bridge's --listen address);
// OTEL_EXPORTER_OTLP_ENDPOINT (else the app's spans are printed to stdout).
import { AsyncLocalStorage } from 'node:async_hooks';
import OpenAI from 'openai';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BatchSpanProcessor, ConsoleSpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { flushRegistrations, registrationStats, toolCallLink, traceRuns } from 'assistants-otel-bridge';

// --- your usual OpenTelemetry setup -------------------------------------------------------------
// A real app gets async context from @opentelemetry/sdk-node or @opentelemetry/context-async-hooks;
// these few lines do the same here without another dependency.
class AsyncContextManager {
  #storage = new AsyncLocalStorage();
  active() {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }
  with(ctx, fn, thisArg, ...args) {
    return this.#storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind(_ctx, target) {
    return target;
  }
  enable() {
    return this;
  }
  disable() {
    this.#storage.disable();
    return this;
  }
}
context.setGlobalContextManager(new AsyncContextManager());
const exporter = process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? new OTLPTraceExporter() : new ConsoleSpanExporter();
const provider = new TracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'support-app' }),
  spanProcessors: [new BatchSpanProcessor({ exporter })],
});
trace.setGlobalTracerProvider(provider);
const tracer = trace.getTracer('support-app');

// --- the one line for the bridge ---------------------------------------------------------------
// Runs created through this client carry the active span's traceparent in their metadata and are
// registered with the bridge (POST /v1/runs on its listen address). A bridge that is not running
// costs a warning, never a failed call.
const client = traceRuns(new OpenAI(), { logger: console });

// --- the app -------------------------------------------------------------------------------------
const functions = {
  get_weather: ({ city }) => ({ city, temperature: 21, conditions: 'sunny' }),
  get_order_status: ({ order_id }) => ({ order_id, status: 'shipped' }),
};
const execute = (name, args) => JSON.stringify(functions[name]?.(JSON.parse(args || '{}')) ?? { error: `no function ${name}` });

const assistantId = process.env.ASSISTANT_ID ?? (await client.beta.assistants.list({ limit: 1 })).data[0]?.id;
if (!assistantId) throw new Error('no assistant: set ASSISTANT_ID');

await tracer.startActiveSpan('POST /support/chat', { kind: SpanKind.SERVER }, async (request) => {
  try {
    const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: 'Where is my order A-1042?' }] });
    let run = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistantId }, { pollIntervalMs: 500 });
    while (run.status === 'requires_action') {
      const tool_outputs = run.required_action.submit_tool_outputs.tool_calls.map((call) =>
        // The link points at the bridge's span of this very tool call, in the same trace.
        tracer.startActiveSpan(`execute_tool ${call.function.name}`, { links: [toolCallLink(run, call.id)] }, (span) => {
          const output = execute(call.function.name, call.function.arguments);
          span.end();
          return { tool_call_id: call.id, output };
        }),
      );
      run = await client.beta.threads.runs.submitToolOutputsAndPoll(
        run.id,
        { thread_id: thread.id, tool_outputs },
        { pollIntervalMs: 500 },
      );
    }
    console.error(`run ${run.id} on ${thread.id}: ${run.status}; trace ${request.spanContext().traceId}`);
    const { traceId, spanId } = request.spanContext();
    console.log(JSON.stringify({ runId: run.id, threadId: thread.id, status: run.status, traceId, requestSpanId: spanId }));
  } catch (error) {
    request.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
    throw error;
  } finally {
    request.end();
  }
});

// Short-lived process: let the registrations and the span export finish before exiting.
await flushRegistrations(client);
await provider.shutdown();
const { registered, failed, lastError } = registrationStats(client);
if (failed > 0) console.error(`bridge registration failed for ${failed} run(s): ${lastError}`);
else console.error(`registered ${registered} run(s) with the bridge`);
