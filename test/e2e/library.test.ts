// One trace across the boundary: an app (its own process, its own OpenTelemetry SDK) wraps its
// openai client with traceRuns, creates a run inside its request span and executes the function
// tools the run asks for; the bridge (`watch`, another process) hears of the run on its control
// route, when it is created and again when its tool outputs are submitted, and traces it. The
// collector ends up with a single trace: the app's request span, the run span as its child, the
// steps and tool calls under it, and the app's tool-execution spans linked to the bridge's
// tool-call spans by exact span id.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, World, type RunningSimulator, type WorldSpec } from '../../src/simulator/index.js';
import { writeConfigFile } from '../support/bridge-process.js';
import { runApp } from '../support/app-process.js';
import { runCli, startCli, waitFor, type CliProcess } from '../support/cli.js';
import { expectExactly } from '../support/expected-spans.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver/index.js';
import { expectedSpans, fetchTruth } from '../support/world.js';

const APP = fileURLToPath(new URL('../fixtures/library-app.mjs', import.meta.url));
const WORLD: WorldSpec = { threads: 1, backfillRuns: 0, liveRuns: 0 };

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
let bridge: CliProcess | undefined;

afterEach(async () => {
  bridge?.child.kill('SIGKILL');
  await sim?.shutdown();
  await rx?.close();
  bridge = sim = rx = undefined;
});

/**
 * A seed whose first client-created run (on a thread the client creates just before) waits for
 * function tool outputs: found by replaying those two calls on a throwaway copy of the world.
 */
function seedWithToolRun(startEpoch: number): number {
  const clock = { now: () => startEpoch, advance: () => startEpoch, startEpoch, speed: 0 };
  for (let seed = 1; seed < 500; seed += 1) {
    const world = new World(seed, clock, WORLD);
    const run = world.createRun(startEpoch, world.createThread(startEpoch), world.assistants[0]!);
    if ('plan' in run && run.plan.kind === 'requires_action') return seed;
  }
  throw new Error('no seed gives a requires_action run');
}

interface AppResult {
  threadId: string;
  runId: string;
  status: string;
  metadata: Record<string, string>;
  traceId: string;
  requestSpanId: string;
  toolSpans: { callId: string; spanId: string }[];
  registration: { registered: number; failed: number; pending: number; lastError: string | null };
}

const service = (s: ReceivedSpan): unknown => s.resource['service.name'];

describe('library: one trace from the app through the bridge', () => {
  it('puts the app’s request, the run, its steps and tool calls in one trace, with the tool-execution spans linked', async () => {
    const startEpoch = Math.floor(Date.now() / 1000);
    sim = await startSimulator({ seed: seedWithToolRun(startEpoch), clock: { speed: 2, startEpoch }, world: WORLD });
    rx = await startOtlpReceiver();
    const dir = mkdtempSync(join(tmpdir(), 'aob-library-'));
    const state = join(dir, 'state.sqlite');
    // Waiting runs are polled at most once a second, so the end of the run is seen promptly.
    const config = writeConfigFile(dir, { watch: { max_wait_interval_ms: 1000, discovery_interval_ms: 1000 } });
    bridge = startCli(
      [
        'watch',
        '--state',
        state,
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
      {
        OPENAI_API_KEY: sim.apiKey,
        OPENAI_BASE_URL: sim.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
      },
    );
    let bridgeUrl = '';
    await waitFor(() => {
      const line = bridge!
        .stderr()
        .split('\n')
        .find((l) => l.includes('control address listening'));
      if (line) bridgeUrl = `http://${(JSON.parse(line) as { address: string }).address}`;
      return bridgeUrl !== '';
    }, 'the bridge to listen');

    const app = await runApp(APP, {
      OPENAI_BASE_URL: sim.url,
      OPENAI_API_KEY: sim.apiKey,
      ASSISTANT_ID: sim.world.assistants[0]!.id,
      BRIDGE_URL: bridgeUrl,
      OTLP_URL: rx.url,
    });
    expect(app.code, app.stderr).toBe(0);
    const result = JSON.parse(app.stdout.trim()) as AppResult;
    expect(result.status).toBe('completed');
    // Once when the run was created, again when the app submitted its tool outputs (the run waits once).
    expect(result.registration).toEqual({ registered: 2, failed: 0, pending: 0, lastError: null });
    expect(result.metadata.traceparent).toBe(`00-${result.traceId}-${result.requestSpanId}-01`);
    expect(result.toolSpans.length).toBeGreaterThanOrEqual(1);

    // The bridge tracks the run because the app told it to: it was given nothing else to watch.
    const tracked = (await (await fetch(`${bridgeUrl}/v1/runs`)).json()) as { runs: { run_id: string; origin: string }[] };
    expect(tracked.runs.map((r) => [r.run_id, r.origin])).toEqual([[result.runId, 'control']]);

    const truth = await fetchTruth(sim);
    const expected = expectedSpans(truth, { baseURL: sim.url });
    await waitFor(
      () => rx!.spans().filter((s) => service(s) === 'openai-assistants').length >= expected.length,
      'the bridge to export the run',
      30_000,
    );
    bridge.child.kill('SIGTERM');
    expect((await bridge.exited).code).toBe(0);

    const spans = rx.spans();
    const bridged = spans.filter((s) => service(s) === 'openai-assistants');
    const appSpans = spans.filter((s) => service(s) === 'library-e2e-app');
    expect(bridged.length + appSpans.length).toBe(spans.length);
    // Exactly the run as the bridge maps it from its traceparent: run, steps, tool calls.
    expectExactly(bridged, expected);

    // One trace.
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([result.traceId]));
    const request = appSpans.find((s) => s.spanId === result.requestSpanId)!;
    expect(request).toMatchObject({ name: 'POST /chat', parentSpanId: '' });
    const runSpan = bridged.find((s) => s.name.startsWith('invoke_agent'))!;
    expect(runSpan.parentSpanId).toBe(request.spanId);
    expect(runSpan.attributes['openai.run.id']).toBe(result.runId);
    const steps = bridged.filter((s) => s.name.startsWith('chat'));
    expect(steps.length).toBeGreaterThanOrEqual(2);
    for (const step of steps) expect(step.parentSpanId).toBe(runSpan.spanId);
    const stepIds = new Set(steps.map((s) => s.spanId));
    const toolCalls = bridged.filter((s) => s.name.startsWith('execute_tool'));
    for (const tool of toolCalls) expect(stepIds.has(tool.parentSpanId)).toBe(true);

    // Each function the app executed: its span sits under the request and links to the bridge's span of that call.
    for (const { callId, spanId } of result.toolSpans) {
      const executed = appSpans.find((s) => s.spanId === spanId)!;
      expect(executed.parentSpanId).toBe(request.spanId);
      const bridgeTool = toolCalls.find((s) => s.attributes['gen_ai.tool.call.id'] === callId)!;
      expect(bridgeTool, `the bridge's span of ${callId}`).toBeDefined();
      expect(executed.links).toHaveLength(1);
      expect(executed.links[0]).toMatchObject({ traceId: result.traceId, spanId: bridgeTool.spanId });
      expect(executed.links[0]!.attributes).toEqual({ 'gen_ai.tool.call.id': callId, 'openai.run.id': result.runId });
    }

    // trace-id finds the app's trace from the state file, and the UI link to it.
    const traceId = await runCli(['trace-id', result.runId, '--state', state, '--ui-url', 'http://localhost:16686/trace/{trace_id}']);
    expect(traceId.code, traceId.stderr).toBe(0);
    expect(traceId.stdout).toBe(`${result.traceId}\nhttp://localhost:16686/trace/${result.traceId}\n`);
  });
});
