// An app that asks the Responses API a question inside its own request span, in the background,
// and executes the function the model asks for. With traceResponses, the bridge traces each
// response under the request span, so one trace holds the request, the responses, their tool
// calls, and the app's function executions (linked to the bridge's tool-call spans).
//
// Environment: OPENAI_API_KEY, OPENAI_BASE_URL; MODEL (default gpt-4.1-mini);
// ASSISTANTS_OTEL_BRIDGE_URL (default http://127.0.0.1:9464, the bridge's --listen address);
// OTEL_EXPORTER_OTLP_ENDPOINT (else the app's spans are printed to stdout).
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BatchSpanProcessor, ConsoleSpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { flushRegistrations, registrationStats, responseToolCallLink, traceResponses } from 'assistants-otel-bridge';

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
  resource: resourceFromAttributes({ 'service.name': 'weather-app' }),
  spanProcessors: [new BatchSpanProcessor({ exporter })],
});
trace.setGlobalTracerProvider(provider);
const tracer = trace.getTracer('weather-app');

// --- the one line for the bridge ---------------------------------------------------------------
// Responses created through this client carry the active span's traceparent in their metadata and
// are registered with the bridge (POST /v1/responses on its listen address). A bridge that is not
// running costs a warning, never a failed call.
const client = traceResponses(new OpenAI(), { logger: console });

// --- the app -------------------------------------------------------------------------------------
const MODEL = process.env.MODEL ?? 'gpt-4.1-mini';
const tools = [
  {
    type: 'function',
    name: 'get_weather',
    description: 'The weather in a city now.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
    strict: true,
  },
];
const functions = { get_weather: ({ city }) => ({ city, temperature: 21, conditions: 'sunny' }) };
const execute = (name, args) => JSON.stringify(functions[name]?.(JSON.parse(args || '{}')) ?? { error: `no function ${name}` });

/** A background response, polled until it ends. */
async function answer(params) {
  let response = await client.responses.create({ model: MODEL, tools, background: true, ...params });
  while (response.status === 'queued' || response.status === 'in_progress') {
    await sleep(500);
    response = await client.responses.retrieve(response.id);
  }
  return response;
}

await tracer.startActiveSpan('POST /weather', { kind: SpanKind.SERVER }, async (request) => {
  try {
    let response = await answer({ input: 'What is the weather in Oslo?' });
    const ids = [response.id];
    for (;;) {
      const calls = response.output.filter((item) => item.type === 'function_call');
      if (calls.length === 0) break;
      const input = calls.map((call) =>
        // The link points at the bridge's span of this very function call, in the same trace.
        tracer.startActiveSpan(`execute_tool ${call.name}`, { links: [responseToolCallLink(response, call.call_id)] }, (span) => {
          const output = execute(call.name, call.arguments);
          span.end();
          return { type: 'function_call_output', call_id: call.call_id, output };
        }),
      );
      response = await answer({ input, previous_response_id: response.id });
      ids.push(response.id);
    }
    const { traceId, spanId } = request.spanContext();
    console.error(`responses ${ids.join(', ')}: ${response.status}; trace ${traceId}`);
    console.log(JSON.stringify({ responseIds: ids, status: response.status, traceId, requestSpanId: spanId }));
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
if (failed > 0) console.error(`bridge registration failed ${failed} time(s): ${lastError}`);
else console.error(`registered responses with the bridge ${registered} time(s)`);
