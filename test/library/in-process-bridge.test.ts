// traceRuns and traceResponses with a bridge in the same process: `register` hands the run or the
// response straight to the watcher, and its spans join the app's trace.
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/cli/logger.js';
import { startWatch, type WatchHandle } from '../../src/cli/watch-command.js';
import { assistantsWatch } from '../../src/sources/assistants/registration.js';
import { RunLedgerView } from '../../src/sources/assistants/run-ledger.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { flushRegistrations, traceRuns } from '../../src/library/trace-runs.js';
import { traceResponses } from '../../src/library/trace-responses.js';
import { responseSpanId } from '../../src/sources/responses/ids.js';
import { responsesWatch } from '../../src/sources/responses/registration.js';
import { responseRef } from '../../src/sources/responses/watch.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { waitFor } from '../support/cli.js';
import { expectExactly } from '../support/expected-spans.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';
import { expectedSpans, fetchTruth } from '../support/world.js';
import { APP_SPAN, APP_TRACE, inAppSpan, installContextManager } from './helpers.js';

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
let bridge: WatchHandle | undefined;
let uninstall: (() => void) | undefined;

afterEach(async () => {
  await bridge?.shutdown('test over');
  await bridge?.done;
  await sim?.shutdown();
  await rx?.close();
  uninstall?.();
  bridge = sim = rx = uninstall = undefined;
});

/** The simulator, a receiver and a bridge in this process watching the simulator, exporting to the receiver. */
async function startAll(simulator: SimulatorOptions): Promise<{ sim: RunningSimulator; rx: OtlpReceiver; handle: WatchHandle }> {
  uninstall = installContextManager();
  const s = (sim = await startSimulator(simulator));
  const r = (rx = await startOtlpReceiver());
  const config = resolveConfig({
    flags: {
      traces: { endpointBase: r.url },
      watch: { statePath: ':memory:', listen: null, activeIntervalMs: 100, maxWaitIntervalMs: 500 },
      log: { level: 'silent' },
    },
    env: { OPENAI_BASE_URL: s.url, OPENAI_API_KEY: s.apiKey },
  });
  const handle = (bridge = startWatch(config, createLogger(config.log)));
  return { sim: s, rx: r, handle };
}

describe('traceRuns and traceResponses with an in-process bridge', () => {
  it('registers through the watcher and the run joins the app’s trace under the app’s span', async () => {
    const { sim, rx, handle } = await startAll({ seed: 3, clock: { speed: 20 }, world: { threads: 1, backfillRuns: 0, liveRuns: 0 } });
    const client = traceRuns(new OpenAI({ baseURL: sim.url, apiKey: sim.apiKey, maxRetries: 0 }), {
      register: (threadId, runId) => void assistantsWatch(handle.watcher.source('assistants')).addRun(threadId, runId, 'library'),
    });

    const thread = await client.beta.threads.create();
    let run = await inAppSpan(() =>
      client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: sim.world.assistants[0]!.id }, { pollIntervalMs: 20 }),
    );
    while (run.status === 'requires_action') {
      const tool_outputs = run.required_action!.submit_tool_outputs.tool_calls.map((c) => ({ tool_call_id: c.id, output: '{}' }));
      run = await client.beta.threads.runs.submitToolOutputsAndPoll(run.id, { thread_id: thread.id, tool_outputs }, { pollIntervalMs: 20 });
    }
    await flushRegistrations(client);
    expect(new RunLedgerView(handle.state).getRun(run.id)).toMatchObject({ threadId: thread.id, origin: 'library' });

    const expected = expectedSpans(await fetchTruth(sim), { baseURL: sim.url });
    await waitFor(() => rx.spans().length >= expected.length, 'the run to be exported');
    expectExactly(rx.spans(), expected);
    const runSpan = rx.spans().find((s) => s.name.startsWith('invoke_agent'))!;
    expect([runSpan.traceId, runSpan.parentSpanId]).toEqual([APP_TRACE, APP_SPAN]);
  });

  it('traceResponses registers through the responses watch and the response joins the app’s trace under the app’s span', async () => {
    const { sim, rx, handle } = await startAll({
      seed: 3,
      clock: { speed: 20 },
      world: { threads: 1, backfillRuns: 0, liveRuns: 0 },
      responses: { world: { backfillResponses: 0, liveResponses: 0 } },
    });
    const client = traceResponses(new OpenAI({ baseURL: sim.responsesUrl, apiKey: sim.apiKey, maxRetries: 0 }), {
      register: (id) => void responsesWatch(handle.watcher.source('responses')).addResponse(id, 'library'),
    });

    const response = await inAppSpan(() => client.responses.create({ model: 'gpt-4.1-mini', input: 'hi', background: true }));
    await flushRegistrations(client);
    expect(handle.state.getUnit(responseRef(response.id))).toMatchObject({ origin: 'library', removed: false });
    const rootId = responseSpanId(response.id);
    await waitFor(() => rx.spans().some((s) => s.spanId === rootId), 'the response to be exported');
    const root = rx.spans().find((s) => s.spanId === rootId)!;
    expect([root.traceId, root.parentSpanId, root.attributes['gen_ai.response.id']]).toEqual([APP_TRACE, APP_SPAN, response.id]);
  });
});
