// Where an expired run ends, against a service that clears a run's deadline once it has ended
// (as OpenAI's runs do): the bridge that saw the run pending ends its span at the deadline it
// saw then, recorded in the run's frozen context; a bridge that only ever saw it expired ends it
// at its last step's end, the one time left that says when it stopped. (A run with no step and
// no deadline seen is flagged end_unknown: test/mapping/times.test.ts.)
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TERMINAL_RUN_STATUSES } from '../../src/sources/assistants/statuses.js';
import { readFrozenContext } from '../../src/sources/assistants/run-ledger.js';
import { openaiDialect, startSimulator, type Dialect, type RunningSimulator } from '../../src/simulator/index.js';
import { startCli, waitFor, type CliProcess } from '../support/cli.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
let bridge: CliProcess | undefined;

afterEach(async () => {
  bridge?.child.kill('SIGKILL');
  await sim?.shutdown();
  await rx?.close();
  bridge = sim = rx = undefined;
});

/** The OpenAI dialect, but a finished run no longer says when it would have expired. */
const clearsDeadlines: Dialect = {
  ...openaiDialect,
  present: (kind, body) => (kind === 'run' && TERMINAL_RUN_STATUSES.has(String(body.status)) ? { ...body, expires_at: null } : body),
};

async function control(s: RunningSimulator, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${s.origin}/_sim${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.ok, await response.clone().text()).toBe(true);
  return (await response.json()) as Record<string, unknown>;
}

/** The deadline in the run's frozen context; null until there is one (or while the bridge is writing). */
function recordedDeadline(statePath: string, runId: string): number | null {
  if (!existsSync(statePath)) return null;
  try {
    return readFrozenContext(statePath, runId)?.expiresAt ?? null;
  } catch {
    return null;
  }
}

function watch(s: RunningSimulator, r: OtlpReceiver, thread: string, state: string): CliProcess {
  return startCli(
    [
      'watch',
      '--thread',
      thread,
      '--state',
      state,
      '--listen',
      'off',
      '--log-format',
      'json',
      '--rpm',
      '3000',
      '--active-interval',
      '200',
      '--exit-when-idle',
    ],
    {
      OPENAI_API_KEY: s.apiKey,
      OPENAI_BASE_URL: s.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: r.url,
    },
  );
}

describe('an expired run', () => {
  it('ends at the deadline seen while it was pending, else at its last step end', async () => {
    sim = await startSimulator({
      dialect: clearsDeadlines,
      seed: 5,
      clock: { speed: 0 },
      world: { threads: 1, backfillRuns: 0, liveRuns: 0 },
    });
    rx = await startOtlpReceiver();
    const seen = (await control(sim, '/runs', { kind: 'expired' })) as { thread_id: string; run_id: string };
    const unseen = (await control(sim, '/runs', { kind: 'expired' })) as { thread_id: string; run_id: string };
    const deadline = sim.world.findRun(seen.run_id)!.timeline.expiresAt;
    const created = sim.world.findRun(seen.run_id)!.timeline.createdAt;
    expect(deadline - created).toBe(600);

    // The first bridge watches one run's thread while the run waits for tool outputs.
    const stateDir = mkdtempSync(join(tmpdir(), 'aob-run-end-'));
    const firstState = join(stateDir, 'first.sqlite');
    bridge = watch(sim, rx, seen.thread_id, firstState);
    await waitFor(() => recordedDeadline(firstState, seen.run_id) === deadline, 'the bridge to record the pending deadline', 20_000);

    // Both runs expire; the first bridge sees its run end and exits once its spans are out.
    await control(sim, '/clock', { advanceSeconds: 601 });
    const first = await bridge.exited;
    expect(first.code, first.stderr).toBe(0);

    // A second bridge meets the other run only once it has expired, its deadline gone.
    bridge = watch(sim, rx, unseen.thread_id, join(stateDir, 'second.sqlite'));
    const second = await bridge.exited;
    expect(second.code, second.stderr).toBe(0);

    const runSpan = (runId: string) =>
      rx!.spans().find((s) => s.name.startsWith('invoke_agent') && s.attributes['openai.run.id'] === runId)!;
    const seenSpan = runSpan(seen.run_id);
    expect(seenSpan.attributes['openai.run.status']).toBe('expired');
    expect([seenSpan.startTimeUnixNano, seenSpan.endTimeUnixNano]).toEqual([`${created}000000000`, `${deadline}000000000`]);
    expect(seenSpan.attributes).not.toHaveProperty('assistants_bridge.end_unknown');
    // Its step expired at the deadline too, and the function call it waited on was never answered.
    const tool = rx.spans().find((s) => s.name.startsWith('execute_tool') && s.traceId === seenSpan.traceId)!;
    expect(tool.status.code).toBe(2);
    expect(tool.attributes).toMatchObject({ 'error.type': 'expired', 'assistants_bridge.tool_call.unanswered': true });

    const unseenSpan = runSpan(unseen.run_id);
    const unseenCreated = sim.world.findRun(unseen.run_id)!.timeline.createdAt;
    expect(unseenSpan.attributes['openai.run.status']).toBe('expired');
    const unseenStepEnd = sim.world.findRun(unseen.run_id)!.timeline.steps.at(-1)!.endAt;
    expect([unseenSpan.startTimeUnixNano, unseenSpan.endTimeUnixNano]).toEqual([`${unseenCreated}000000000`, `${unseenStepEnd}000000000`]);
    expect(unseenSpan.attributes).not.toHaveProperty('assistants_bridge.end_unknown');
  }, 60_000);
});
