// Stopping with the collector down or hanging: the whole stop (last exports and the last metrics
// push to that same collector) fits the stop budget, well inside a supervisor's 10 s grace, exits
// 0 and says how many spans stay in the outbox; a restart with the collector back sends them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { exitWithin, startBridge, writeConfigFile, type BridgeTarget } from '../support/bridge-process.js';
import { freePort, waitFor, type CliProcess } from '../support/cli.js';
import { expectExactly } from '../support/expected-spans.js';
import { jsonLines } from '../support/launcher.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';
import { expectedSpans, fetchTruth, threadIdsOf } from '../support/world.js';

/** What a timer may lag on a loaded machine; the budget itself is the bridge's. */
const SLACK_MS = 1_500;

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
const bridges: CliProcess[] = [];

afterEach(async () => {
  for (const b of bridges.splice(0)) b.child.kill('SIGKILL');
  await sim?.shutdown();
  await rx?.close();
  sim = rx = undefined;
});

async function target(otlpUrl: string): Promise<BridgeTarget> {
  sim = await startSimulator({ seed: 71, clock: { speed: 100 }, world: { threads: 3, backfillRuns: 9, liveRuns: 0 } });
  const dir = mkdtempSync(join(tmpdir(), 'aob-stop-'));
  return {
    sim,
    otlpUrl,
    threads: threadIdsOf(await fetchTruth(sim)),
    statePath: join(dir, 'state.sqlite'),
    configPath: writeConfigFile(dir, {}),
  };
}

interface Stopped {
  exported: number;
  left: number;
  tookMs: number;
  msg: string;
}

/** SIGTERM, then the exit code, the time to exit and the bridge's last line. */
async function stopAndRead(proc: CliProcess): Promise<{ code: number | null; elapsedMs: number; stopped: Stopped }> {
  const sentAt = Date.now();
  proc.child.kill('SIGTERM');
  const exit = await exitWithin(proc, 60_000, 'after SIGTERM');
  const elapsedMs = Date.now() - sentAt;
  const stopped = jsonLines(exit.stderr).find((l) => l.msg.startsWith('stopped:')) as unknown as Stopped | undefined;
  expect(stopped, exit.stderr.slice(-2000)).toBeDefined();
  console.log(
    `[stop] code=${exit.code} stopTookMs=${stopped!.tookMs} signalToExitMs=${elapsedMs} exported=${stopped!.exported} left=${stopped!.left}`,
  );
  return { code: exit.code, elapsedMs, stopped: stopped! };
}

describe('the stop budget', () => {
  it('collector down (nothing listening, for traces and the metrics push): stops in 5 s, exit 0, the spans stay and go out at the next start', async () => {
    const port = await freePort();
    const t = await target(`http://127.0.0.1:${port}`);
    const bridge = startBridge(t, { extra: ['--rpm', '6000'] });
    bridges.push(bridge);
    await waitFor(
      () => jsonLines(bridge.stderr()).some((l) => l.msg.startsWith(`cannot export to http://127.0.0.1:${port}/v1/traces`)),
      'the first failed export',
      30_000,
    );
    // Metrics are pushed to the same collector (OTEL_EXPORTER_OTLP_ENDPOINT), so the stop pushes them too.
    expect(jsonLines(bridge.stderr()).find((l) => l.msg === 'watching')?.metricsTo).toBe(
      `http://127.0.0.1:${port}/v1/metrics (http/protobuf)`,
    );

    const { code, elapsedMs, stopped } = await stopAndRead(bridge);
    expect(code).toBe(0);
    expect(stopped.left).toBeGreaterThan(0);
    expect(stopped.msg).toMatch(
      /^stopped: exported 0 spans while stopping; \d+ spans left in the outbox of .*, exported at the next start on it$/,
    );
    expect(stopped.tookMs).toBeLessThanOrEqual(5_000 + SLACK_MS);
    expect(elapsedMs).toBeLessThan(10_000);

    rx = await startOtlpReceiver({ port });
    const restart = startBridge(t, { exitWhenIdle: true, extra: ['--rpm', '6000'] });
    bridges.push(restart);
    expect((await exitWithin(restart, 60_000, 'restart with the collector back')).code).toBe(0);
    expectExactly(rx.spans(), expectedSpans(await fetchTruth(t.sim), { baseURL: t.sim.url }));
  });

  it('collector hanging (takes the connection, never answers): an unanswered export and metrics push are abandoned at --stop-timeout', async () => {
    rx = await startOtlpReceiver();
    rx.setFaults({ delayMs: 120_000, signal: 'all' });
    const t = await target(rx.url);
    const bridge = startBridge(t, { extra: ['--rpm', '6000', '--stop-timeout', '2000'] });
    bridges.push(bridge);
    const r = rx;
    await waitFor(() => r.requests().some((q) => q.signal === 'traces' && q.pending), 'an export held by the collector', 30_000);

    const { code, elapsedMs, stopped } = await stopAndRead(bridge);
    expect(code).toBe(0);
    expect(stopped.left).toBeGreaterThan(0);
    expect(stopped.tookMs).toBeLessThanOrEqual(2_000 + SLACK_MS);
    expect(elapsedMs).toBeLessThan(2_000 + 5_000);
    // The stop pushed the metrics too, to the same hanging collector, inside the same budget.
    expect(r.requests().some((q) => q.signal === 'metrics')).toBe(true);
  });
});
