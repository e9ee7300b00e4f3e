// The bridge on a machine whose node is 20, started the ways a person or a supervisor starts it:
// `node bin/assistants-otel-bridge.mjs watch` (a launcher; the bridge is its child under Node 24)
// and `npx assistants-otel-bridge watch`, with that node first on PATH. Whatever goes away or is
// signalled, the bridge stops once, gracefully (exports what it can within its stop budget, says
// what stays in the outbox, exits 0), and nothing is lost: a restart sends the rest.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { sleep } from '../support/bridge-process.js';
import { waitFor } from '../support/cli.js';
import { expectNothingLost } from '../support/delivery-audit.js';
import {
  BIN,
  bridgeOf,
  isRunning,
  killGroup,
  olderNode,
  olderNodeEnv,
  startInGroup,
  type GroupProcess,
  type LogLine,
} from '../support/launcher.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';
import { shellQuote, TmuxPane } from '../support/tmux.js';
import { expectedSpans, fetchTruth, threadIdsOf } from '../support/world.js';

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
const groups: GroupProcess[] = [];
let pane: TmuxPane | undefined;

afterEach(async () => {
  pane?.close();
  for (const g of groups.splice(0)) killGroup(g.pgid);
  await sim?.shutdown();
  await rx?.close();
  pane = sim = rx = undefined;
});

interface World {
  sim: RunningSimulator;
  rx: OtlpReceiver;
  env: Record<string, string>;
  statePath: string;
  /** `watch` on every thread of the world, on the state file. */
  args: (...extra: string[]) => string[];
}

/** A finished world and a collector that holds every export unanswered (until clearFaults). */
async function world(seed: number): Promise<World> {
  sim = await startSimulator({ seed, clock: { speed: 100 }, world: { threads: 4, backfillRuns: 16, liveRuns: 0 } });
  rx = await startOtlpReceiver();
  rx.setFaults({ delayMs: 120_000 });
  const threads = threadIdsOf(await fetchTruth(sim));
  const statePath = join(mkdtempSync(join(tmpdir(), 'aob-launcher-')), 'state.sqlite');
  return {
    sim,
    rx,
    statePath,
    env: { OPENAI_API_KEY: sim.apiKey, OPENAI_BASE_URL: sim.url, OTEL_EXPORTER_OTLP_ENDPOINT: rx.url },
    args: (...extra) => [
      'watch',
      ...threads.flatMap((t) => ['--thread', t]),
      '--state',
      statePath,
      '--listen',
      'off',
      '--rpm',
      '6000',
      ...extra,
    ],
  };
}

function start(w: World, via: 'node' | 'npx' = 'node', ...extra: string[]): GroupProcess {
  const g = startInGroup(w.args('--log-format', 'json', ...extra), w.env, via);
  groups.push(g);
  return g;
}

/** The collector of `world` holds every export: once one is held, the outbox has spans and a stop has work to give up on. */
async function exportHeld(w: World, g: { stderr: () => string }): Promise<void> {
  await waitFor(
    () => w.rx.requests().some((q) => q.signal === 'traces' && q.pending),
    `an export held by the collector; log:\n${g.stderr().slice(-1500)}`,
    60_000,
  );
}

const stopping = (logs: LogLine[]): LogLine[] => logs.filter((l) => l.msg.startsWith('stopping:'));
const stopped = (logs: LogLine[]): LogLine[] => logs.filter((l) => l.msg.startsWith('stopped:'));

/** Restarts on the state file with the collector answering and checks every span arrived. */
async function expectRestartSendsTheRest(w: World): Promise<void> {
  w.rx.clearFaults();
  const g = start(w, 'node', '--exit-when-idle');
  const exit = await Promise.race([g.exited, sleep(90_000).then(() => null)]);
  expect(exit, `the restart did not finish:\n${g.stderr().slice(-2000)}`).not.toBeNull();
  expect(exit!.code, g.stderr().slice(-2000)).toBe(0);
  const truth = await fetchTruth(w.sim);
  expectNothingLost(w.rx.spans(), expectedSpans(truth, { baseURL: w.sim.url }));
}

describe('node bin/assistants-otel-bridge.mjs watch on Node 20 (a launcher and the bridge)', () => {
  it('the launcher killed with SIGKILL: the bridge notices, stops gracefully within its budget and releases the state file', async () => {
    const w = await world(61);
    const g = start(w);
    await exportHeld(w, g);
    const bridge = bridgeOf(g.pgid)!;
    expect(bridge.ppid).toBe(g.child.pid);

    process.kill(g.child.pid!, 'SIGKILL');
    // The bridge still writes to the pipes it shares with the dead launcher: they close as it exits,
    // a moment before the kernel marks it a zombie, so its end is awaited rather than sampled.
    await waitFor(() => !isRunning(bridge.pid), `the bridge to exit after its launcher; its log:\n${g.stderr().slice(-1500)}`, 30_000);
    const logs = g.logs();
    expect(stopping(logs)).toEqual([expect.objectContaining({ reason: 'the launcher exited', pid: bridge.pid })]);
    const [last] = stopped(logs);
    expect(last, g.stderr().slice(-1500)).toBeDefined();
    expect(last!.left).toBeGreaterThan(0);
    expect(last!.msg).toContain(`${String(last!.left)} spans left in the outbox`);
    expect(last!.tookMs).toBeLessThanOrEqual(5_000 + 1_000);

    await expectRestartSendsTheRest(w);
  });

  it.each([
    ['SIGINT to the launcher alone (kill -INT <pid>)', 'launcher', 'SIGINT'],
    ['SIGTERM to the whole group (a supervisor stopping the service)', 'group', 'SIGTERM'],
    ['SIGINT to the whole group (what a terminal does on Ctrl-C)', 'group', 'SIGINT'],
  ] as const)('%s: one graceful stop, exit 0', async (_name, target, signal) => {
    const w = await world(62);
    const g = start(w);
    await exportHeld(w, g);
    process.kill(target === 'launcher' ? g.child.pid! : -g.pgid, signal);
    const exit = await Promise.race([g.exited, sleep(30_000).then(() => null)]);
    expect(exit, g.stderr().slice(-1500)).toEqual({ code: 0, signal: null });
    const logs = g.logs();
    expect(stopping(logs)).toEqual([expect.objectContaining({ reason: `${signal} received` })]);
    expect(stopped(logs)).toHaveLength(1);
    expect(logs.filter((l) => l.msg.includes('again: exiting now'))).toEqual([]);
  });

  it('Ctrl-C on a terminal: one graceful stop that says what it exported and what stays in the outbox, exit 0; nothing lost', async () => {
    const w = await world(63);
    pane = TmuxPane.command([olderNode(), BIN, ...w.args()], { env: { PATH: olderNodeEnv().PATH, ...w.env } });
    await exportHeld(w, { stderr: () => pane!.lines({ history: true }).join('\n') });
    pane.sendKeys('C-c');
    await waitFor(() => pane!.exitCode() !== null, 'watch to exit after Ctrl-C', 30_000);
    const lines = pane.lines({ history: true });
    expect(pane.exitCode(), lines.join('\n')).toBe(0);
    expect(lines.filter((l) => / info {2}stopping: no new polls/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /SIGINT received/.test(l))).toHaveLength(1);
    expect(
      lines.some((l) =>
        / warn {2}stopped: exported \d+ spans while stopping; \d+ spans left in the outbox of .*, exported at the next start on it/.test(l),
      ),
    ).toBe(true);
    expect(lines.some((l) => /again: exiting now/.test(l))).toBe(false);

    await expectRestartSendsTheRest(w);
  });

  it('a second Ctrl-C later exits at once (130), saying what stays in the outbox', async () => {
    const w = await world(64);
    pane = TmuxPane.command([olderNode(), BIN, ...w.args('--stop-timeout', '60000')], { env: { PATH: olderNodeEnv().PATH, ...w.env } });
    await exportHeld(w, { stderr: () => pane!.lines({ history: true }).join('\n') });
    pane.sendKeys('C-c');
    await waitFor(() => pane!.lines({ history: true }).some((l) => /stopping: no new polls/.test(l)), 'the graceful stop to begin');
    await sleep(1_500);
    expect(pane.exitCode(), 'the stop waits for the collector, up to its 60 s budget').toBeNull();
    pane.sendKeys('C-c');
    await waitFor(() => pane!.exitCode() !== null, 'watch to exit after the second Ctrl-C', 10_000);
    const lines = pane.lines({ history: true });
    expect(pane.exitCode(), lines.join('\n')).toBe(130);
    expect(lines.some((l) => /SIGINT again: exiting now; \d+ spans stay in the outbox for the next start/.test(l))).toBe(true);
  });
});

describe('npx assistants-otel-bridge watch on Node 20 (npm, its shell, the launcher and the bridge)', () => {
  it('SIGTERM to npx (npm hands it to its shell only): the bridge stops gracefully anyway, nothing is left running', async () => {
    const w = await world(65);
    const g = start(w, 'npx');
    await exportHeld(w, g);
    const bridge = bridgeOf(g.pgid)!;
    expect(bridge).toBeDefined();
    process.kill(g.child.pid!, 'SIGTERM');
    await waitFor(() => !isRunning(bridge.pid), `the bridge to stop; its log:\n${g.stderr().slice(-1500)}`, 30_000);
    const logs = g.logs();
    expect(stopping(logs)).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/^the process that started the launcher \(pid \d+\) exited$/) }),
    ]);
    expect(stopped(logs)).toHaveLength(1);

    await expectRestartSendsTheRest(w);
  });

  it('Ctrl-C on a terminal: one graceful stop of the bridge', async () => {
    const w = await world(66);
    // npm dies of the SIGINT (its shell holds it until the command ends, then dies of it) and so
    // would the pane's shell: a trap keeps this one, to read the screen afterwards.
    const npx = ['npx', '--yes', 'assistants-otel-bridge', ...w.args()].map(shellQuote).join(' ');
    pane = TmuxPane.command(['bash', '-c', `trap : INT; ${npx}; echo EXIT=$?; sleep 600`], {
      env: { PATH: olderNodeEnv().PATH, ...w.env },
    });
    await exportHeld(w, { stderr: () => pane!.lines({ history: true }).join('\n') });
    pane.sendKeys('C-c');
    await waitFor(() => pane!.exitCode() !== null, 'npx to exit after Ctrl-C', 30_000);
    const lines = pane.lines({ history: true });
    expect(
      lines.filter((l) => / info {2}stopping: no new polls/.test(l)),
      lines.join('\n'),
    ).toHaveLength(1);
    expect(
      lines.some((l) => / stopped: exported \d+ spans while stopping; \d+ spans left in the outbox/.test(l)),
      lines.join('\n'),
    ).toBe(true);
    expect(lines.some((l) => /again: exiting now/.test(l))).toBe(false);
  });
});
