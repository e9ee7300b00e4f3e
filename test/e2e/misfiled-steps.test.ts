// A service that lists a step under a run while the step names another run or thread: the
// bridge says so in its log, once per look, and still maps the step under the run it was
// listed under (the run it asked about), so no span is lost or moved to another trace.
import { afterEach, describe, expect, it } from 'vitest';
import { openaiDialect, startSimulator, type Dialect, type RunningSimulator } from '../../src/simulator/index.js';
import { startCli, type CliProcess } from '../support/cli.js';
import { expectExactly } from '../support/expected-spans.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';
import { expectedSpans, fetchTruth, threadIdsOf } from '../support/world.js';

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
let bridge: CliProcess | undefined;

afterEach(async () => {
  bridge?.child.kill('SIGKILL');
  await sim?.shutdown();
  await rx?.close();
  bridge = sim = rx = undefined;
});

/** Every message step claims another run, every tool step another thread. */
const misfiling: Dialect = {
  ...openaiDialect,
  present: (kind, body) => {
    if (kind !== 'step') return body;
    return body.type === 'message_creation' ? { ...body, run_id: 'run_elsewhere' } : { ...body, thread_id: 'thread_elsewhere' };
  },
};

describe('steps that name another run or thread', () => {
  it('are logged and mapped under the run they were listed under', async () => {
    sim = await startSimulator({ dialect: misfiling, seed: 11, clock: { speed: 0 }, world: { threads: 2, backfillRuns: 6, liveRuns: 0 } });
    rx = await startOtlpReceiver();
    const truth = await fetchTruth(sim);
    bridge = startCli(
      [
        'watch',
        ...threadIdsOf(truth).flatMap((t) => ['--thread', t]),
        '--state',
        ':memory:',
        '--listen',
        'off',
        '--log-format',
        'json',
        '--rpm',
        '3000',
        '--exit-when-idle',
      ],
      {
        OPENAI_API_KEY: sim.apiKey,
        OPENAI_BASE_URL: sim.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
      },
    );
    const exit = await bridge.exited;
    expect(exit.code, exit.stderr).toBe(0);

    expectExactly(rx.spans(), expectedSpans(truth, { baseURL: sim.url }));
    // Every step span sits in its run's trace, under its run span, with the run's thread.
    const runSpans = new Map(
      rx
        .spans()
        .filter((s) => s.name.startsWith('invoke_agent'))
        .map((s) => [s.attributes['openai.run.id'], s]),
    );
    for (const step of rx.spans().filter((s) => s.name.startsWith('chat'))) {
      const parent = runSpans.get(step.attributes['openai.run.id'])!;
      expect([step.traceId, step.parentSpanId]).toEqual([parent.traceId, parent.spanId]);
      expect(step.attributes['gen_ai.conversation.id']).toBe(parent.attributes['gen_ai.conversation.id']);
    }
    const warnings = exit.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; runId?: string; stepRunId?: string; stepThreadId?: string })
      .filter((entry) => entry.msg?.startsWith('steps listed under a run name another run or thread'));
    const runsWithSteps = truth.runs.filter((r) => r.steps.length > 0).map((r) => r.runId);
    expect(new Set(warnings.map((w) => w.runId))).toEqual(new Set(runsWithSteps));
    expect(warnings.every((w) => w.stepRunId === 'run_elsewhere' || w.stepThreadId === 'thread_elsewhere')).toBe(true);
  }, 60_000);
});
