// The delivery guarantee with the bridge as a real process: SIGKILL at chosen moments (a poll in
// flight, an export in flight, the collector's acknowledgement not yet acted on, random ones),
// then `watch --exit-when-idle` again on the same state file. Nothing may be missing; a span
// may arrive twice only when the kill fell between the collector's acknowledgement and the
// outbox delete, and then only that one batch, identical.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import {
  exitWithin,
  sigkill,
  sleep,
  startBridge,
  startScriptedRun,
  waitForFirstApiRequest,
  writeConfigFile,
  type BridgeTarget,
} from '../support/bridge-process.js';
import { waitFor, type CliProcess } from '../support/cli.js';
import { expectExactly } from '../support/expected-spans.js';
import { auditDelivery, expectNothingLost, outcomeLine, spanKey, spanKeysOfRequest, traceRequests } from '../support/delivery-audit.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';
import { expectedSpans, fetchTruth } from '../support/world.js';

/** Small batches, so a world is many export requests and a kill lands between them. */
const BATCH = 20;
const BRIDGE_FLAGS = ['--rpm', '6000', '--active-interval', '200'];

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
const bridges: CliProcess[] = [];

afterEach(async () => {
  for (const b of bridges.splice(0)) b.child.kill('SIGKILL');
  await sim?.shutdown();
  await rx?.close();
  sim = rx = undefined;
});

/**
 * A finished world (a 260-step run among 32) and one more 260-step run going on while the bridge
 * works (130 s of the simulator's clock), so a kill also lands while a run is only partly in the
 * outbox. About 1,000 spans: 50 batches.
 */
async function world(seed: number, speed = 20): Promise<BridgeTarget & { sim: RunningSimulator; rx: OtlpReceiver }> {
  sim = await startSimulator({ seed, clock: { speed }, world: { threads: 8, backfillRuns: 32, liveRuns: 0 } });
  rx = await startOtlpReceiver();
  const threads = sim.world.threads().map((th) => th.id);
  expect(await startScriptedRun(sim, threads, 'huge')).not.toBeNull();
  const dir = mkdtempSync(join(tmpdir(), 'aob-crash-'));
  const configPath = writeConfigFile(dir, { watch: { export_batch_size: BATCH, discovery_interval_ms: 500, max_wait_interval_ms: 2000 } });
  return { sim, rx, otlpUrl: rx.url, threads, statePath: join(dir, 'state.sqlite'), configPath };
}

function start(target: BridgeTarget, exitWhenIdle: boolean): CliProcess {
  const proc = startBridge(target, { exitWhenIdle, extra: BRIDGE_FLAGS });
  bridges.push(proc);
  return proc;
}

/** Restarts on the same state file with --exit-when-idle and waits for exit 0. */
async function finish(target: BridgeTarget): Promise<void> {
  const proc = start(target, true);
  const exit = await exitWithin(proc, 60_000, 'restart after the kill');
  expect(exit.code, exit.stderr.slice(-2000)).toBe(0);
}

async function expectedNow(target: { sim: RunningSimulator }) {
  const truth = await fetchTruth(target.sim);
  expect(truth.allFinished).toBe(true);
  return expectedSpans(truth, { baseURL: target.sim.url });
}

/** API requests the simulator has not answered yet that arrived at least `minAgeMs` ago. */
function outstandingPolls(s: RunningSimulator, minAgeMs: number): number {
  const now = Date.now();
  return s.requestLog().filter((e) => !e.control && e.status === null && now - e.time >= minAgeMs).length;
}

/** The export request the receiver is holding in its delay, if it arrived within [minAge, maxAge] ms. */
function heldExport(r: OtlpReceiver, minAgeMs: number, maxAgeMs: number): number | null {
  const now = Date.now();
  const held = traceRequests(r.requests()).find(
    (q) => q.pending && q.faults.includes('delay') && now - q.at >= minAgeMs && now - q.at <= maxAgeMs,
  );
  return held ? held.id : null;
}

describe('crash safety: SIGKILL and restart on the same state file', () => {
  it('killed while polls are in flight: nothing missing, no duplicate', async () => {
    const t = await world(101);
    const bridge = start(t, false);
    await t.rx.waitForSpans(4 * BATCH, 30_000);
    // Slow API: polls stay in flight for 400 ms. Slow collector: the one export in flight is held
    // unanswered, so the kill cannot fall in an acknowledgement window by chance (the drain sends
    // a batch only after deleting the previous one, so a held export means none is open).
    t.sim.setFaults({ latencyMs: 400 });
    t.rx.setFaults({ delayMs: 1500 });
    let outstanding = 0;
    await waitFor(
      () => {
        outstanding = outstandingPolls(t.sim, 30);
        // Checked and killed in the same tick: the receiver (this process) cannot answer in between.
        if (outstanding === 0 || heldExport(t.rx, 0, 1000) === null) return false;
        bridge.child.kill('SIGKILL');
        return true;
      },
      'a poll and an export in flight at once',
      30_000,
    );
    await bridge.exited;
    const before = t.rx.spans().length;
    await t.rx.settled(5000);
    expect(t.rx.spans().length, 'the held export must not be recorded once its client died').toBe(before);
    t.sim.setFaults({});
    t.rx.clearFaults();

    await finish(t);
    const expected = await expectedNow(t);
    const audit = auditDelivery(t.rx.spans(), expected);
    console.log(outcomeLine('kill mid-poll', audit, { pollsInFlightAtKill: outstanding, receivedBeforeKill: before }));
    expectExactly(t.rx.spans(), expected);
  });

  it('killed while an export is in flight and unanswered: nothing missing, no duplicate', async () => {
    const t = await world(202);
    const bridge = start(t, false);
    await t.rx.waitForSpans(4 * BATCH, 30_000);
    t.rx.setFaults({ delayMs: 3000 });
    let held: number | null = null;
    await waitFor(
      () => {
        held = heldExport(t.rx, 200, 1500);
        if (held === null) return false;
        bridge.child.kill('SIGKILL');
        return true;
      },
      'an export held by the collector',
      30_000,
    );
    await bridge.exited;
    await t.rx.settled(5000);
    // The collector never got to it: its client was gone when the delay ended.
    const request = t.rx.requests()[held!]!;
    expect(request.status).toBeNull();
    expect(spanKeysOfRequest(t.rx.spans(), held!)).toEqual([]);
    const before = t.rx.spans().length;
    t.rx.clearFaults();

    await finish(t);
    const expected = await expectedNow(t);
    const audit = auditDelivery(t.rx.spans(), expected);
    console.log(outcomeLine('kill mid-export', audit, { receivedBeforeKill: before }));
    expectExactly(t.rx.spans(), expected);
  });

  it('killed after the collector acknowledged but before the outbox delete: that one batch again, identical, nothing else', async () => {
    const t = await world(303);
    const bridge = start(t, false);
    await t.rx.waitForSpans(4 * BATCH, 30_000);
    // Records the next batch and never answers: the bridge waits for an acknowledgement the
    // collector has in fact given, which is the window a crash re-sends.
    t.rx.setFaults({ acceptThenHang: true, count: 1 });
    let hung: number | null = null;
    await waitFor(
      () => {
        hung = traceRequests(t.rx.requests()).find((q) => q.faults.includes('accept-then-hang'))?.id ?? null;
        if (hung === null) return false;
        bridge.child.kill('SIGKILL');
        return true;
      },
      'a batch recorded but not answered',
      30_000,
    );
    await bridge.exited;
    const hungBatch = spanKeysOfRequest(t.rx.spans(), hung!);
    expect(hungBatch.length).toBeGreaterThan(0);
    expect(hungBatch.length).toBeLessThanOrEqual(BATCH);
    const lastBeforeRestart = t.rx.requests().length - 1;

    await finish(t);
    const expected = await expectedNow(t);
    const audit = expectNothingLost(t.rx.spans(), expected);
    console.log(outcomeLine('kill after ack, before delete', audit, { batchInWindow: hungBatch.length }));
    // The duplicates are exactly that batch, each span twice, and they are the first thing the
    // restarted bridge sent (the batch is still the oldest in the outbox).
    expect([...audit.duplicatesByFirstRequest.keys()]).toEqual([hung]);
    expect(new Set(audit.duplicatesByFirstRequest.get(hung!))).toEqual(new Set(hungBatch));
    expect(audit.extraCopies).toBe(hungBatch.length);
    const firstAfter = traceRequests(t.rx.requests()).find((q) => q.id > lastBeforeRestart)!;
    expect(spanKeysOfRequest(t.rx.spans(), firstAfter.id)).toEqual(expect.arrayContaining(hungBatch));
  });

  it('killed at random moments five times: nothing missing, duplicates only from the acknowledgement window, at most one batch per kill', async () => {
    // Slower clock: the live run lasts 16 s, so the world cannot be done before the fifth kill.
    const t = await world(404, 8);
    const kills: { offsetMs: number; lastRequest: number | null }[] = [];
    for (let k = 0; k < 5; k += 1) {
      const firstRequestBefore = t.rx.requests().length;
      const apiBefore = t.sim.requestLog().length;
      const bridge = start(t, true);
      // Offsets count from the bridge's first API request, not from process start, so each
      // kill lands while it works whatever the machine's start-up time.
      await waitForFirstApiRequest(t.sim, bridge, apiBefore, 20_000);
      const offsetMs = 100 + Math.floor(Math.random() * 700);
      const ended = await Promise.race([sleep(offsetMs).then(() => false), bridge.exited.then(() => true)]);
      expect(ended, `incarnation ${k} finished before its kill at ${offsetMs} ms; the world is too small`).toBe(false);
      await sigkill(bridge);
      // A request written just before the kill may still reach the receiver.
      await sleep(100);
      await t.rx.settled(5000);
      const mine = traceRequests(t.rx.requests()).filter((q) => q.id >= firstRequestBefore);
      kills.push({ offsetMs, lastRequest: mine.at(-1)?.id ?? null });
    }
    await finish(t);
    const expected = await expectedNow(t);
    const audit = expectNothingLost(t.rx.spans(), expected);
    console.log(
      outcomeLine('random kills', audit, {
        kills: kills.length,
        offsetsMs: kills.map((k) => k.offsetMs).join('/'),
        batchesResent: audit.duplicatesByFirstRequest.size,
      }),
    );
    // Each duplicated batch was the last request of a killed bridge, and the next bridge's first
    // request re-sent it; every span came at most twice.
    const lastOfKilled = new Set(kills.map((k) => k.lastRequest));
    const sent = traceRequests(t.rx.requests());
    for (const [request, keys] of audit.duplicatesByFirstRequest) {
      expect(lastOfKilled.has(request), `request ${request} duplicated but it was not the last one before a kill`).toBe(true);
      expect(keys.length).toBeLessThanOrEqual(BATCH);
      const resentIn = sent.find((q) => q.id > request);
      expect(resentIn).toBeDefined();
      expect(spanKeysOfRequest(t.rx.spans(), resentIn!.id)).toEqual(expect.arrayContaining(keys));
    }
    expect(audit.duplicatesByFirstRequest.size).toBeLessThanOrEqual(kills.length);
    expect(audit.extraCopies).toBe(audit.duplicated);
    expect(new Set(t.rx.spans().map(spanKey)).size).toBe(expected.length);
  });
});
