// `watch --foundry-agent` as a real process under faults: a collector down from the start (every
// trace waits in the outbox, --exit-when-idle waits for it, and each arrives once when the collector
// returns), and hostile responses (an item type no SDK knows, a function call with 1 MB of
// arguments, a response with hundreds of items): the known parts exact, exit 0.
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { exitWithin, sleep } from '../support/bridge-process.js';
import { startCli, waitFor, type CliProcess } from '../support/cli.js';
import {
  expectedTraces,
  expectExactTraces,
  foundry,
  foundryEnv,
  responsesTruth,
  sinceWithin,
  stateFile,
  watchArgs,
} from '../support/foundry-world.js';
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

describe('watch --foundry-agent under faults', () => {
  it('a collector down from the start: nothing is lost, --exit-when-idle waits, each trace arrives once when it returns', async () => {
    sim = await foundry(41, 0);
    rx = await startOtlpReceiver();
    const truth = await responsesTruth(sim);
    const since = sinceWithin(truth);
    const expected = expectedTraces(truth, since);
    expect(expected.length).toBeGreaterThanOrEqual(6);
    await rx.down();
    bridge = startCli(watchArgs(stateFile(), since, ['--exit-when-idle']), foundryEnv(sim, rx));
    // Every list read, every trace committed: still the bridge stays, its spans unacknowledged.
    const s = sim;
    await waitFor(() => s.requestLog().some((r) => !r.control && r.path.endsWith('/openai/v1/responses')), 'the first list');
    await sleep(4_000);
    expect(bridge.child.exitCode, 'exited while spans were unacknowledged').toBeNull();
    expect(rx.spans()).toEqual([]);
    await rx.up();
    const result = await exitWithin(bridge, 60_000, 'after the collector came back');
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    expectExactTraces(rx.spans(), expected);
    expect(rx.duplicates()).toEqual([]);
  }, 120_000);

  it('hostile responses (an unknown item type, 1 MB of arguments, hundreds of items): traced exactly, exit 0', async () => {
    sim = await foundry(42, 0);
    rx = await startOtlpReceiver();
    const before = await responsesTruth(sim);
    const agent = before.responses.find((r) => r.agent?.name === 'support-triage')?.agent;
    expect(agent).toBeDefined();
    const scripted: string[] = [];
    for (const kind of ['unknown_item', 'large_arguments', 'huge']) {
      const res = await fetch(`${sim.origin}/_sim/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind, agent: `${agent!.name}:${agent!.version}`, background: false }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
      scripted.push(((await res.json()) as { response_id: string }).response_id);
    }
    const s = sim;
    await waitFor(async () => (await responsesTruth(s)).allFinished, 'the scripted responses to end', 60_000);
    const truth = await responsesTruth(sim);
    const since = before.now;
    const expected = expectedTraces(truth, since);
    expect(expected.map((e) => e.responseId)).toEqual(expect.arrayContaining(scripted));
    bridge = startCli(watchArgs(stateFile(), since, ['--exit-when-idle']), foundryEnv(sim, rx));
    const result = await bridge.exited;
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    expectExactTraces(rx.spans(), expected);
    // Content capture is off: the megabyte of arguments never leaves the bridge.
    expect(rx.spans().every((sp) => JSON.stringify(sp.attributes).length < 100_000)).toBe(true);
  }, 120_000);
});
