// A long collector outage while runs keep going: the bridge keeps polling at its usual cost,
// reads nothing again from the API (the spans wait in the outbox, not in memory), keeps its
// memory flat while the outbox grows by thousands of spans, does not take --exit-when-idle
// while spans are unacknowledged, and once the collector is back sends every span exactly once
// and exits 0.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WATCH_V8_FLAGS } from '../../bin/v8-flags.mjs';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { exitWithin, rssBytes, sleep, startBridge, startScriptedRun, writeConfigFile } from '../support/bridge-process.js';
import type { CliProcess } from '../support/cli.js';
import { expectExactly } from '../support/expected-spans.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';
import { expectedSpans, fetchTruth } from '../support/world.js';

const SPEED = 20;
/** Collector up, for a baseline of request rate and memory. */
const BEFORE_MS = 25_000;
/** 90 s of wall time (30 minutes of the simulator's clock); the bridge's timers run on wall time. */
const OUTAGE_MS = 90_000;
/** New 260-step runs keep starting for this share of the outage, then everything finishes while the collector is still down. */
const LOAD_SHARE = 0.55;
const HUGE_EVERY_MS = 2_000;
const MB = 1024 * 1024;

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
let bridge: CliProcess | undefined;
const timers: NodeJS.Timeout[] = [];

afterEach(async () => {
  for (const t of timers.splice(0)) clearInterval(t);
  bridge?.child.kill('SIGKILL');
  await sim?.shutdown();
  await rx?.close();
  bridge = sim = rx = undefined;
});

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor(s.length / 2)]!;
};

/** `/threads/T/runs/R` and `/threads/T/runs/R/steps`: the run id, else null. */
function runOfPath(path: string): string | null {
  return /\/threads\/[^/]+\/runs\/([^/]+)/.exec(path)?.[1] ?? null;
}

describe('collector outage', () => {
  it('keeps polling at normal cost, re-reads nothing, keeps memory flat, holds --exit-when-idle until acknowledged, then delivers everything exactly once', async () => {
    sim = await startSimulator({
      seed: 21,
      clock: { speed: SPEED },
      world: { threads: 8, backfillRuns: 12, liveRuns: 12, liveWindowSeconds: Math.round(((BEFORE_MS + OUTAGE_MS * 0.3) / 1000) * SPEED) },
    });
    rx = await startOtlpReceiver();
    const s = sim;
    const r = rx;
    // Every thread, including those whose first run is still to come.
    const threads = s.world.threads().map((t) => t.id);

    // A steady load: a 260-step run (about 520 spans, 6.5 s) every 2 s, round robin over the threads.
    let loadOn = true;
    let next = 0;
    const huge = new Map<string, number>();
    const startHuge = async (): Promise<void> => {
      if (!loadOn) return;
      const startedAt = Date.now();
      const run = await startScriptedRun(s, threads, 'huge', next++);
      if (run) huge.set(run.runId, startedAt);
    };
    await startHuge();
    timers.push(setInterval(() => void startHuge(), HUGE_EVERY_MS));

    // When each run finished, on the wall clock (the simulator's clock runs SPEED times faster).
    const finishedAt = new Map<string, number>();
    timers.push(
      setInterval(() => {
        const now = s.world.now();
        s.world.sync(now);
        for (const run of s.world.runs()) if (now >= run.timeline.endAt && !finishedAt.has(run.id)) finishedAt.set(run.id, Date.now());
      }, 250),
    );

    const bridgeStartAt = Date.now();
    const dir = mkdtempSync(join(tmpdir(), 'aob-outage-'));
    const configPath = writeConfigFile(dir, { watch: { discovery_interval_ms: 1000, max_wait_interval_ms: 5000 } });
    // V8 grows its young generation once under load (up to ~35 MB of RSS, measured), at a moment
    // set by the allocation rate, not by the outbox; a fixed young generation keeps that out of
    // the RSS measured here. What the bridge keeps lives in the old generation, collected as the
    // bin has `watch` collect it (WATCH_V8_FLAGS): with V8's default growth, garbage from a
    // loaded machine's slower collections showed as up to 26 MB of "growth" here.
    const proc = startBridge(
      { sim: s, otlpUrl: r.url, threads, statePath: join(dir, 'state.sqlite'), configPath },
      {
        exitWhenIdle: true,
        extra: ['--rpm', '6000', '--active-interval', '500'],
        nodeArgs: ['--max-semi-space-size=2', ...WATCH_V8_FLAGS.filter((f) => !f.startsWith('--max-semi-space-size'))],
      },
    );
    bridge = proc;
    const pid = proc.child.pid!;
    const rss: { at: number; bytes: number }[] = [];
    timers.push(
      setInterval(() => {
        const bytes = rssBytes(pid);
        if (bytes !== null) rss.push({ at: Date.now(), bytes });
      }, 1000),
    );

    await sleep(BEFORE_MS);
    expect(proc.child.exitCode, 'the bridge exited before the outage').toBeNull();
    const downAt = Date.now();
    await r.down();
    const ackedBeforeOutage = new Set(
      r
        .spans()
        .filter((sp) => sp.name.startsWith('invoke_agent'))
        .map((sp) => sp.attributes['openai.run.id']),
    );
    const spansBeforeOutage = r.spans().length;

    await sleep(OUTAGE_MS * LOAD_SHARE);
    loadOn = false;
    const loadEndAt = Date.now();
    await sleep(OUTAGE_MS * (1 - LOAD_SHARE));

    // Every run is over, the watcher has nothing left to poll, yet the bridge stays: its spans are not acknowledged.
    const truth = await fetchTruth(s);
    expect(truth.allFinished).toBe(true);
    const upAt = Date.now();
    expect(proc.child.exitCode, 'exited while spans were unacknowledged').toBeNull();
    expect(Math.max(...finishedAt.values())).toBeLessThan(upAt - 15_000);
    const api = s.requestLog().filter((e) => !e.control);
    const lastStretch = api.filter((e) => e.time >= upAt - 10_000);
    expect(lastStretch.length).toBeGreaterThan(0);
    expect(
      lastStretch.filter((e) => runOfPath(e.path) !== null).map((e) => e.path),
      'run polls while idle',
    ).toEqual([]);

    await r.up();
    const exit = await exitWithin(proc, 60_000, 'after the collector came back');
    const exitedAt = Date.now();
    expect(exit.code, exit.stderr.slice(-2000)).toBe(0);
    expect(exit.stderr).toContain('idle: every tracked run finished and its spans were acknowledged');
    for (const t of timers.splice(0)) clearInterval(t);

    // Everything arrives exactly once.
    const expected = expectedSpans(truth, { baseURL: s.url });
    expectExactly(r.spans(), expected);
    const heldInOutbox = r.spans().filter((sp) => sp.receivedAt >= upAt).length;
    expect(heldInOutbox).toBeGreaterThan(2000);

    // Polling went on at its usual cost: requests per second while runs were going on, before and during the outage.
    const rate = (from: number, to: number): number => api.filter((e) => e.time >= from && e.time < to).length / ((to - from) / 1000);
    const before = rate(downAt - 15_000, downAt);
    const during = rate(downAt + 5_000, loadEndAt);
    expect(during).toBeGreaterThan(before * 0.5);
    expect(during).toBeLessThan(before * 2);

    // Nothing was read again: no request about a run once it had been finished for 10 s (for a
    // run that waited for tool outputs, 10 s past the waiting back-off: the look that sees its
    // wait end may come that late), none at all about a run whose spans were acknowledged before
    // the outage, none after the collector returned, and each run's steps were listed forward
    // only (the cursor never went back).
    const waited = new Set(
      s.world
        .runs()
        .filter((run) => run.timeline.action !== null)
        .map((run) => run.id),
    );
    const late = api.filter((e) => {
      const run = runOfPath(e.path);
      const end = run ? finishedAt.get(run) : undefined;
      const grace = run && waited.has(run) ? 60_000 + 10_000 : 10_000;
      return end !== undefined && e.time > Math.max(end, bridgeStartAt) + grace;
    });
    expect(late.map((e) => `${e.method} ${e.path}?${e.query}`)).toEqual([]);
    expect(ackedBeforeOutage.size).toBeGreaterThan(10);
    const afterAcked = api.filter((e) => e.time >= downAt && ackedBeforeOutage.has(runOfPath(e.path) ?? ''));
    expect(afterAcked.map((e) => e.path)).toEqual([]);
    expect(api.filter((e) => e.time >= upAt && runOfPath(e.path) !== null).map((e) => e.path)).toEqual([]);
    // Steps lists per 260-step run cost the same while the collector was down.
    const stepListsOf = (run: string): number => api.filter((e) => e.path.endsWith(`/runs/${run}/steps`)).length;
    const meanStepLists = (from: number, to: number): number => {
      const runs = [...huge].filter(([, at]) => at >= from && at < to).map(([id]) => stepListsOf(id));
      expect(runs.length).toBeGreaterThan(3);
      return runs.reduce((a, b) => a + b, 0) / runs.length;
    };
    const stepListsBefore = meanStepLists(bridgeStartAt + 5_000, downAt - 8_000);
    const stepListsDuring = meanStepLists(downAt + 2_000, loadEndAt - 8_000);
    expect(stepListsDuring).toBeGreaterThan(stepListsBefore * 0.5);
    expect(stepListsDuring).toBeLessThan(stepListsBefore * 1.5 + 1);
    const stepIndex = new Map<string, number>();
    for (const run of s.world.runs()) run.stepIds.forEach((id, i) => stepIndex.set(id, i));
    const cursor = new Map<string, number>();
    let stepLists = 0;
    for (const e of api) {
      const run = runOfPath(e.path);
      if (!run || !e.path.endsWith('/steps')) continue;
      stepLists += 1;
      const after = new URLSearchParams(e.query).get('after');
      const at = after === null ? -1 : stepIndex.get(after)!;
      expect(at, `steps of ${run} listed from before its cursor`).toBeGreaterThanOrEqual(cursor.get(run) ?? -1);
      cursor.set(run, at);
    }

    // Memory stays flat while the outbox grows: no per-span growth.
    const baseline = median(rss.filter((x) => x.at >= downAt - 10_000 && x.at < downAt).map((x) => x.bytes));
    const outage = rss.filter((x) => x.at >= downAt && x.at < upAt);
    const third = Math.floor(outage.length / 3);
    const firstThird = median(outage.slice(0, third).map((x) => x.bytes));
    const lastThird = median(outage.slice(-third).map((x) => x.bytes));
    const peak = Math.max(...outage.map((x) => x.bytes));
    console.log(
      `[collector outage] outage=${Math.round((upAt - downAt) / 1000)}s runs=${truth.runs.length} huge=${huge.size} spans=${expected.length} ` +
        `ackedBefore=${spansBeforeOutage} heldInOutbox=${heldInOutbox} received=${r.spans().length} duplicates=${r.duplicates().length} ` +
        `apiReqPerSec before=${before.toFixed(1)} during=${during.toFixed(1)} stepListsPerHugeRun before=${stepListsBefore.toFixed(1)} during=${stepListsDuring.toFixed(1)} stepLists=${stepLists} ` +
        `rssMB baseline=${(baseline / MB).toFixed(1)} firstThird=${(firstThird / MB).toFixed(1)} lastThird=${(lastThird / MB).toFixed(1)} peak=${(peak / MB).toFixed(1)} ` +
        `drainAndExitS=${((exitedAt - upAt) / 1000).toFixed(1)}`,
    );
    expect(outage.length).toBeGreaterThan(60);
    expect(peak - baseline).toBeLessThan(50 * MB);
    expect(lastThird - firstThird).toBeLessThan(25 * MB);
  }, 200_000);
});
