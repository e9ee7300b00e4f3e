// A supervisor's restart loop (systemd Restart=always, a container runtime): the bridge's whole
// process group is killed with SIGKILL while it works and started again at once on the same
// state file, before anyone reaped the dead. Twenty times, each start must come back (the
// kernel dropped the dead bridge's lock; a pid that still exists decides nothing), and at the end
// the receiver must hold every span: none missing, re-sent ones identical.
//
// Started as on a machine whose node is 20: `node bin/assistants-otel-bridge.mjs watch`, the bin
// a launcher and the bridge its child, both in the group.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { sleep, startScriptedRun, writeConfigFile } from '../support/bridge-process.js';
import { waitFor } from '../support/cli.js';
import { expectNothingLost, outcomeLine } from '../support/delivery-audit.js';
import { bridgeOf, groupMembers, killGroup, startInGroup, type GroupProcess } from '../support/launcher.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';
import { expectedSpans, fetchTruth } from '../support/world.js';

const ROUNDS = 20;

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
const groups: GroupProcess[] = [];

afterEach(async () => {
  for (const g of groups.splice(0)) killGroup(g.pgid);
  await sim?.shutdown();
  await rx?.close();
  sim = rx = undefined;
});

describe('restart right after SIGKILL of the process group', () => {
  it(`comes back every time (${ROUNDS} rounds) and loses nothing`, async () => {
    // A finished backlog and a 260-step run going on while the kills happen.
    sim = await startSimulator({ seed: 515, clock: { speed: 6 }, world: { threads: 6, backfillRuns: 24, liveRuns: 0 } });
    rx = await startOtlpReceiver();
    const threads = sim.world.threads().map((t) => t.id);
    expect(await startScriptedRun(sim, threads, 'huge')).not.toBeNull();
    const dir = mkdtempSync(join(tmpdir(), 'aob-restart-'));
    const statePath = join(dir, 'state.sqlite');
    const configPath = writeConfigFile(dir, { watch: { export_batch_size: 20, discovery_interval_ms: 500, max_wait_interval_ms: 2000 } });
    const env = { OPENAI_API_KEY: sim.apiKey, OPENAI_BASE_URL: sim.url, OTEL_EXPORTER_OTLP_ENDPOINT: rx.url };
    const args = (idle: boolean): string[] => [
      'watch',
      ...threads.flatMap((t) => ['--thread', t]),
      ...[
        '--state',
        statePath,
        '--config',
        configPath,
        '--listen',
        'off',
        '--log-format',
        'json',
        '--rpm',
        '6000',
        '--active-interval',
        '200',
      ],
      ...(idle ? ['--exit-when-idle'] : []),
    ];
    const start = (idle = false): GroupProcess => {
      const g = startInGroup(args(idle), env);
      groups.push(g);
      return g;
    };

    let previousBridge: number | null = null;
    const killedBridges: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const g = start();
      const s = sim;
      // Came back: it holds the state file ('watching' comes after the lock) and polls the API
      // after that (a request logged before could be the killed one's, still in flight).
      await waitFor(
        () => {
          if (g.child.exitCode !== null)
            throw new Error(`round ${round}: the bridge exited (${g.child.exitCode}):\n${g.stderr().slice(-2000)}`);
          const watching = g.logs().find((l) => l.msg === 'watching');
          return watching !== undefined && s.requestLog().some((e) => !e.control && e.time >= Number(watching.time));
        },
        `round ${round}: the restarted bridge watching and polling`,
        30_000,
      );
      const bridge = bridgeOf(g.pgid);
      expect(
        bridge,
        `round ${round}: the bridge under the launcher; group: ${JSON.stringify(groupMembers(g.pgid))}; log:\n${g.stderr().slice(-1500)}`,
      ).toBeDefined();
      if (previousBridge !== null) {
        // It found the killed bridge's owner file and took over, rather than waiting for it.
        expect(g.logs().some((l) => l.msg.includes('stopped without releasing it') && l.msg.includes(`pid ${previousBridge}`))).toBe(true);
      }
      await sleep(Math.floor(Math.random() * 400));
      killGroup(g.pgid);
      killedBridges.push(bridge!.pid);
      previousBridge = bridge!.pid;
      // No wait for the exit: the next start races the kernel tearing this one down.
    }
    const last = start(true);
    const exit = await Promise.race([last.exited, sleep(90_000).then(() => null)]);
    expect(exit, `the last start did not finish:\n${last.stderr().slice(-2000)}`).not.toBeNull();
    expect(exit!.code, last.stderr().slice(-2000)).toBe(0);

    const truth = await fetchTruth(sim);
    expect(truth.allFinished).toBe(true);
    const audit = expectNothingLost(rx.spans(), expectedSpans(truth, { baseURL: sim.url }));
    console.log(outcomeLine('SIGKILL of the group and an immediate restart', audit, { rounds: ROUNDS }));
    // Every killed group is gone: no bridge survived its launcher's group.
    for (const g of groups) expect(groupMembers(g.pgid)).toEqual([]);
  }, 480_000);
});
