// `watch --agent-session` as a real process against the simulator's Agents API and the strict
// receiver: every span of every published root turn trace arrives exactly once, as published
// (ids, parents, times to the nanosecond), the root turn whose trace never appeared or could not
// be read gets one synthetic `invoke_agent` span, content is removed by default, and the bridge
// exits 0 once every turn settled (`--exit-when-idle`). A SIGKILL and an immediate restart on the
// same state file lose nothing and send nothing twice.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { agentsTruth, expectExactlyOnce, finishedWorld, readable, roots, spanKey, watchArgs } from '../support/agents-world.js';
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

describe('watch --agent-session', () => {
  it('forwards every published span of the sessions once, stands in for unreadable traces, removes content, and exits when idle', async () => {
    const world = await finishedWorld(21);
    sim = world.sim;
    rx = await startOtlpReceiver();
    expect(roots(world.truth).length).toBeGreaterThanOrEqual(10);
    expect(roots(world.truth).some((t) => !readable(t, world.truth.now))).toBe(true);

    const state = join(mkdtempSync(join(tmpdir(), 'aob-agents-')), 'state.sqlite');
    bridge = startCli(watchArgs(world.sessions, state, ['--exit-when-idle']), {
      OPENAI_API_KEY: sim.apiKey,
      OPENAI_BASE_URL: sim.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
    });
    const result = await bridge.exited;
    expect(result.code, result.stderr).toBe(0);
    const truth = await agentsTruth(sim);
    expectExactlyOnce(rx.spans(), truth, world.truth.now);
    // Published times reach the receiver to the nanosecond; content attributes do not (capture is off).
    const contentKeys = rx
      .spans()
      .flatMap((s) =>
        Object.keys(s.attributes).filter((k) => /^gen_ai\.(input|output)\.messages$|^gen_ai\.tool\.call\.(arguments|result)$/.test(k)),
      );
    expect(contentKeys).toEqual([]);
    expect(rx.spans().some((s) => !s.startTimeUnixNano.endsWith('000000000'))).toBe(true);
    expect(result.stdout + result.stderr).toMatch(/idle/);
    // The sessions given count as something to watch (info is logged at the default level).
    expect(result.stderr).toMatch(/"msg":"watching/);
    expect(result.stderr).not.toMatch(/nothing given to watch/);
  });

  it('after a SIGKILL and an immediate restart on the same state file, nothing is lost and nothing sent twice', async () => {
    const world = await finishedWorld(22);
    sim = world.sim;
    rx = await startOtlpReceiver();
    const state = join(mkdtempSync(join(tmpdir(), 'aob-agents-')), 'state.sqlite');
    const env = { OPENAI_API_KEY: sim.apiKey, OPENAI_BASE_URL: sim.url, OTEL_EXPORTER_OTLP_ENDPOINT: rx.url };
    bridge = startCli(watchArgs(world.sessions, state), env);
    await waitFor(() => rx!.spans().length > 0, 'the first spans');
    bridge.child.kill('SIGKILL');
    await bridge.exited;
    bridge = startCli(watchArgs(world.sessions, state, ['--exit-when-idle']), env);
    const result = await bridge.exited;
    expect(result.code, result.stderr).toBe(0);
    const truth = await agentsTruth(sim);
    // A span acknowledged by the receiver but not yet deleted from the outbox when the process died
    // goes out again: the one window the outbox documents. Everything else arrives exactly once.
    const unique = new Map(rx.spans().map((s) => [spanKey(s), s]));
    expectExactlyOnce([...unique.values()], truth, world.truth.now);
  });
});
