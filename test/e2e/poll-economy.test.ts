// How `watch` spends requests, as a real process against the simulator: runs tracked one by one
// on a shared thread get their status from one list of the thread rather than a retrieve each,
// and a run re-registered while it waits (what the library does after submitting tool outputs)
// is looked at at once, its steps first, instead of at the end of its waiting back-off.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { startCli, waitFor, type CliProcess } from '../support/cli.js';
import { expectExactly } from '../support/expected-spans.js';
import { listenAddressOf } from '../support/metrics-scrape.js';
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

function tempState(): string {
  return join(mkdtempSync(join(tmpdir(), 'aob-economy-')), 'state.sqlite');
}

function apiRequests(s: RunningSimulator) {
  return s.requestLog().filter((e) => !e.control);
}

describe('watch: requests', () => {
  it('lists a shared thread once for the status of all its runs tracked one by one', async () => {
    sim = await startSimulator({ seed: 5, clock: { speed: 60 }, world: { threads: 4, backfillRuns: 40, liveRuns: 0 } });
    rx = await startOtlpReceiver();
    const truth = await fetchTruth(sim);
    expect(truth.runs.length).toBe(40);
    const runArgs = truth.runs.flatMap((r) => ['--run', `${r.threadId}/${r.runId}`]);
    bridge = startCli(
      ['watch', ...runArgs, '--state', tempState(), '--listen', 'off', '--log-format', 'json', '--rpm', '100000', '--exit-when-idle'],
      {
        OPENAI_API_KEY: sim.apiKey,
        OPENAI_BASE_URL: sim.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
      },
    );
    const exit = await bridge.exited;
    expect(exit.code, exit.stderr).toBe(0);
    expectExactly(rx.spans(), expectedSpans(truth, { baseURL: sim.url }));
    const log = apiRequests(sim).filter((e) => e.method === 'GET');
    // No run was retrieved on its own; each thread was listed once (its 10 runs fit one page).
    expect(log.filter((e) => /\/runs\/[^/]+$/.test(e.path))).toEqual([]);
    const lists = log.filter((e) => /\/threads\/[^/]+\/runs$/.test(e.path));
    expect(lists.map((e) => e.path).sort()).toEqual(
      threadIdsOf(truth)
        .map((t) => `/v1/threads/${t}/runs`)
        .sort(),
    );
    // One steps list per run (a page per 100 steps).
    expect(log.filter((e) => /\/steps$/.test(e.path))).toHaveLength(
      truth.runs.reduce((n, r) => n + Math.max(1, Math.ceil(r.steps.length / 100)), 0),
    );
  });

  it('looks at a waiting run at once when it is registered again, steps first', async () => {
    sim = await startSimulator({ seed: 9, clock: { speed: 1 }, world: { threads: 1, backfillRuns: 0, liveRuns: 0 } });
    rx = await startOtlpReceiver();
    // `expired` runs wait for tool outputs that only the client can submit.
    const started = await fetch(`${sim.origin}/_sim/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'expired' }),
    });
    expect(started.status).toBe(200);
    const { thread_id: threadId, run_id: runId } = (await started.json()) as { thread_id: string; run_id: string };
    bridge = startCli(
      [
        'watch',
        '--thread',
        threadId,
        '--state',
        tempState(),
        '--listen',
        '127.0.0.1:0',
        '--log-format',
        'json',
        '--rpm',
        '3000',
        '--active-interval',
        '200',
      ],
      { OPENAI_API_KEY: sim.apiKey, OPENAI_BASE_URL: sim.url, OTEL_EXPORTER_OTLP_ENDPOINT: rx.url },
    );
    const control = `http://${await listenAddressOf(bridge)}`;
    const threadList = `/v1/threads/${threadId}/runs`;
    const looks = (): number => apiRequests(sim!).filter((e) => e.method === 'GET' && e.path === threadList).length;
    let run: { status?: string; required_action?: { submit_tool_outputs?: { tool_calls?: { id: string }[] } } } = {};
    await waitFor(async () => {
      run = (await (
        await fetch(`${sim!.url}/threads/${threadId}/runs/${runId}`, {
          headers: { authorization: `Bearer ${sim!.apiKey}`, 'OpenAI-Beta': 'assistants=v2' },
        })
      ).json()) as typeof run;
      return run.status === 'requires_action';
    }, 'the run to wait for tool outputs');
    // Let the waiting back-off grow (200, 400, ... ms between looks), then act right after a look,
    // when the next one is seconds away.
    await waitFor(() => looks() >= 6, 'the bridge to back off from the waiting run', 60_000);
    const seen = looks();
    await waitFor(() => looks() > seen, 'the next look at the waiting run', 60_000);
    const calls = run.required_action?.submit_tool_outputs?.tool_calls ?? [];
    expect(calls.length).toBeGreaterThan(0);
    const submitted = await fetch(`${sim.url}/threads/${threadId}/runs/${runId}/submit_tool_outputs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.apiKey}`, 'OpenAI-Beta': 'assistants=v2', 'content-type': 'application/json' },
      body: JSON.stringify({ tool_outputs: calls.map((c) => ({ tool_call_id: c.id, output: 'done' })) }),
    });
    expect(submitted.status).toBe(200);
    const before = apiRequests(sim).length;
    const nudge = await fetch(`${control}/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ thread_id: threadId, run_id: runId }),
    });
    expect(nudge.status).toBe(200);
    // The tool-calls step that the submit ended gets its span.
    await waitFor(
      () => rx!.spans().some((s) => s.name.startsWith('chat') && s.attributes['openai.run.id'] === runId),
      'the span of the step the submit ended',
      60_000,
    );
    const next = apiRequests(sim)
      .slice(before)
      .find((e) => e.path.includes(runId) || e.path === threadList);
    expect(next?.path).toBe(`/v1/threads/${threadId}/runs/${runId}/steps`);
  }, 120_000);
});
