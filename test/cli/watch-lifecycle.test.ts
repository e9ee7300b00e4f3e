// `watch` states its parts once, in start order, and stops them in reverse: the control server
// first (no change lands while the rest winds down), then the polls, the drain, the last metrics
// push, the request budget, the exporter, and the state file last. After the stop every part is
// down; a part added later (the status line) is stopped first.
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/cli/logger.js';
import { startWatch, type WatchHandle } from '../../src/cli/watch-command.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { ShutdownError } from '../../src/core/errors.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { waitFor } from '../support/cli.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';
import { expectedSpans, fetchTruth, threadIdsOf } from '../support/world.js';

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
let bridge: WatchHandle | undefined;

afterEach(async () => {
  await bridge?.shutdown('test over');
  await bridge?.done;
  await sim?.shutdown();
  await rx?.close();
  bridge = sim = rx = undefined;
});

describe('watch lifecycle', () => {
  it('starts its parts in the stated order, stops them in reverse, and leaves none running', async () => {
    sim = await startSimulator({ seed: 11, clock: { speed: 50 }, world: { threads: 2, backfillRuns: 4, liveRuns: 0 } });
    rx = await startOtlpReceiver();
    const truth = await fetchTruth(sim);
    const config = resolveConfig({
      flags: {
        traces: { endpointBase: rx.url },
        watch: { statePath: ':memory:', listen: '127.0.0.1:0', threads: threadIdsOf(truth), activeIntervalMs: 100, stopTimeoutMs: 2_000 },
        log: { level: 'silent' },
      },
      env: { OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: sim.apiKey },
    });
    const handle = (bridge = startWatch(config, createLogger(config.log)));
    const stops: string[] = [];
    handle.lifecycle.add({
      name: 'status line',
      part: { start: () => undefined, shutdown: async () => void stops.push(`status line (state open: ${!handle.state.closed})`) },
    });
    expect(handle.lifecycle.order).toEqual([
      'state store',
      'exporter',
      'request budget',
      'metrics',
      'outbox drain',
      'polls',
      'control server',
      'status line',
    ]);

    const control = await handle.control;
    expect(control).not.toBeNull();
    expect((await fetch(`${control!.url}/healthz`)).status).toBe(200);
    const expected = expectedSpans(truth, { baseURL: sim.url }).length;
    // Acknowledged, not just received: the receiver has a batch a moment before the drain has its answer.
    await waitFor(
      () => rx!.spans().length === expected && handle.drain.stats.exported === expected,
      'every span to be exported and acknowledged',
    );

    await handle.shutdown('test');
    expect(await handle.done).toBe(0);
    expect(stops).toEqual(['status line (state open: true)']);
    expect(handle.drain.stopReport()).toEqual({ exported: 0, left: 0 });
    expect(handle.state.closed).toBe(true);
    await expect(fetch(`${control!.url}/healthz`)).rejects.toThrow();
    await expect(handle.budget.acquire('discovery')).rejects.toBeInstanceOf(ShutdownError);
    // A second stop is the same stop.
    await handle.shutdown('again');
    expect(await handle.done).toBe(0);
  });
});
