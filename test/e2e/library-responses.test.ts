// One trace across the boundary, with the Responses API: an app (its own process, its own
// OpenTelemetry SDK) wraps its openai client with traceResponses and, inside its request span,
// creates background responses on the simulator's OpenAI dialect (one asking for a function, the
// continuation with the function's output, one it cancels), executing the function in a span
// linked to the bridge's span of that call. The bridge (`watch --provider openai`, another
// process, told of nothing else: no webhooks, no list) hears of each response on its control
// route and traces it. Every response the app created is traced once, in the app's trace under
// its request span, and the ids the app registered are what GET /v1/responses lists.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { responseItemSpanId, responseSpanId } from '../../src/sources/responses/ids.js';
import { writeConfigFile } from '../support/bridge-process.js';
import { runApp } from '../support/app-process.js';
import { controlUrl, startCli, waitFor, type CliProcess } from '../support/cli.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver/index.js';

const APP = fileURLToPath(new URL('../fixtures/library-responses-app.mjs', import.meta.url));
const APP_SERVICE = 'library-responses-e2e-app';

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
let bridge: CliProcess | undefined;

afterEach(async () => {
  bridge?.child.kill('SIGKILL');
  await sim?.shutdown();
  await rx?.close();
  bridge = sim = rx = undefined;
});

interface AppResult {
  traceId: string;
  requestSpanId: string;
  responses: { id: string; status: string; metadata: Record<string, string> }[];
  toolSpans: { responseId: string; callId: string; spanId: string }[];
  registration: { registered: number; failed: number; pending: number; lastError: string | null };
}

const service = (s: ReceivedSpan): unknown => s.resource['service.name'];
const isRoot = (s: ReceivedSpan): boolean => s.name.startsWith('chat ') || s.name.startsWith('invoke_agent ');

describe('library: responses in the app’s trace', () => {
  it('traces every response the app created once, under the app’s request span, with the function’s span linked', async () => {
    sim = await startSimulator({
      dialect: 'openai',
      seed: 23,
      clock: { speed: 4 },
      world: { threads: 1, backfillRuns: 0, liveRuns: 0 },
      responses: { world: { backfillResponses: 0, liveResponses: 0 } },
    });
    // The app's first response asks for a function.
    const scripted = await fetch(`${sim.origin}/_sim/responses/next`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'function_call' }),
    });
    expect(scripted.status).toBe(200);
    rx = await startOtlpReceiver();
    const dir = mkdtempSync(join(tmpdir(), 'aob-library-responses-'));
    // Unfinished responses are looked at at least once a second, so their ends are seen promptly.
    const config = writeConfigFile(dir, { watch: { max_wait_interval_ms: 1000 } });
    bridge = startCli(
      [
        'watch',
        '--provider',
        'openai',
        '--state',
        join(dir, 'state.sqlite'),
        '--config',
        config,
        '--listen',
        '127.0.0.1:0',
        '--log-format',
        'json',
        '--active-interval',
        '200',
        '--rpm',
        '6000',
      ],
      { OPENAI_API_KEY: sim.apiKey, OPENAI_BASE_URL: sim.url, OTEL_EXPORTER_OTLP_ENDPOINT: rx.url },
    );
    const bridgeUrl = await controlUrl(bridge);

    const app = await runApp(APP, {
      OPENAI_BASE_URL: sim.responsesUrl,
      OPENAI_API_KEY: sim.apiKey,
      BRIDGE_URL: bridgeUrl,
      OTLP_URL: rx.url,
    });
    expect(app.code, app.stderr).toBe(0);
    const result = JSON.parse(app.stdout.trim()) as AppResult;
    const ids = result.responses.map((r) => r.id);
    expect(new Set(ids).size).toBe(3);
    // What the app saw last of each: ended (the third, cancelled at once, unless it had ended already).
    expect(result.responses[0]!.status).toBe('completed');
    for (const r of result.responses) expect(['completed', 'failed', 'incomplete', 'cancelled']).toContain(r.status);
    for (const r of result.responses) expect(r.metadata.traceparent).toBe(`00-${result.traceId}-${result.requestSpanId}-01`);
    expect(result.toolSpans.length).toBeGreaterThanOrEqual(1);
    // Each response once when created and once when the app saw it ended; nothing failed.
    expect(result.registration).toMatchObject({ failed: 0, pending: 0, lastError: null });
    expect(result.registration.registered).toBeGreaterThanOrEqual(ids.length);
    expect(result.registration.registered).toBeLessThanOrEqual(2 * ids.length);

    // The bridge tracks exactly what the app registered: it was given nothing else to watch.
    const tracked = (await (await fetch(`${bridgeUrl}/v1/responses`)).json()) as { responses: { response_id: string; origin: string }[] };
    expect(tracked.responses.map((r) => [r.response_id, r.origin]).sort()).toEqual(ids.map((id) => [id, 'control']).sort());

    await waitFor(
      () => rx!.spans().filter((s) => service(s) !== APP_SERVICE && isRoot(s)).length >= ids.length,
      'every response traced',
      30_000,
    );
    await waitFor(async () => {
      const list = (await (await fetch(`${bridgeUrl}/v1/responses`)).json()) as { responses: { terminal: boolean }[] };
      return list.responses.every((r) => r.terminal);
    }, 'every response to be done with');
    bridge.child.kill('SIGTERM');
    expect((await bridge.exited).code).toBe(0);

    const spans = rx.spans();
    const keys = spans.map((s) => `${s.traceId}/${s.spanId}`);
    expect(new Set(keys).size, 'a span arrived twice').toBe(keys.length);
    const appSpans = spans.filter((s) => service(s) === APP_SERVICE);
    const bridged = spans.filter((s) => service(s) !== APP_SERVICE);
    // One trace.
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([result.traceId]));
    const request = appSpans.find((s) => s.spanId === result.requestSpanId)!;
    expect(request).toMatchObject({ name: 'POST /ask', parentSpanId: '' });

    // One root per response, the bridge's ids, under the app's request span.
    const roots = bridged.filter(isRoot);
    expect(roots.map((s) => s.attributes['gen_ai.response.id']).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const root = roots.find((s) => s.attributes['gen_ai.response.id'] === id)!;
      expect([root.spanId, root.parentSpanId], id).toEqual([responseSpanId(id), request.spanId]);
    }
    for (const r of result.responses)
      expect(roots.find((s) => s.attributes['gen_ai.response.id'] === r.id)!.attributes['openai.response.status'], r.id).toBe(r.status);
    // The continuation names the response it continues.
    const continuation = roots.find((s) => s.attributes['gen_ai.response.id'] === ids[1])!;
    expect(continuation.attributes['gen_ai.request.previous_response.id']).toBe(ids[0]);
    // ... and links to its root span, in the app's trace that response joined (the bridge tracks it).
    expect(continuation.links.map((l) => [l.traceId, l.spanId])).toEqual([[result.traceId, responseSpanId(ids[0]!)]]);
    // Every other span of the bridge is a tool call under its response's root.
    const rootIds = new Set(roots.map((s) => s.spanId));
    for (const s of bridged.filter((b) => !isRoot(b))) {
      expect(s.name.startsWith('execute_tool'), s.name).toBe(true);
      expect(rootIds.has(s.parentSpanId)).toBe(true);
    }

    // Each function the app executed: its span sits under the request and links to the bridge's span of that call.
    for (const { responseId, callId, spanId } of result.toolSpans) {
      const executed = appSpans.find((s) => s.spanId === spanId)!;
      expect(executed.parentSpanId).toBe(request.spanId);
      const bridgeTool = bridged.find(
        (s) => s.attributes['gen_ai.tool.call.id'] === callId && s.parentSpanId === responseSpanId(responseId),
      )!;
      expect(bridgeTool, `the bridge's span of ${callId}`).toBeDefined();
      expect(bridgeTool.spanId).toBe(responseItemSpanId(responseId, callId));
      expect(executed.links).toHaveLength(1);
      expect(executed.links[0]).toMatchObject({ traceId: result.traceId, spanId: bridgeTool.spanId });
      expect(executed.links[0]!.attributes).toEqual({ 'gen_ai.tool.call.id': callId, 'gen_ai.response.id': responseId });
    }
  }, 120_000);
});
