// Every long-lived part keeps the one lifecycle: shutdown is safe before start and twice, and a
// part shut down before it started does not start afterwards.
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/cli/logger.js';
import { StatusLine } from '../../src/cli/status-line.js';
import { DEFAULTS } from '../../src/config/defaults.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { ControlServer } from '../../src/control/server.js';
import type { Part } from '../../src/core/lifecycle.js';
import { BridgeMetrics } from '../../src/metrics/bridge-metrics.js';
import { RequestBudget } from '../../src/scheduler/request-budget.js';
import { createSimulator, startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { ConsoleExporter } from '../../src/sink/console-exporter.js';
import { OutboxDrain } from '../../src/sink/outbox-drain.js';
import { ASSISTANTS_SOURCE, assistantsWatch } from '../../src/sources/assistants/registration.js';
import { openRunLedger, type RunLedger } from '../../src/sources/assistants/run-ledger.js';
import { Watcher } from '../../src/tracking/watcher.js';
import { span } from '../state/helpers.js';

const log = createLogger({ level: 'silent', format: 'json' });
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function state(): RunLedger {
  const s = openRunLedger(':memory:');
  cleanup.push(() => s.shutdown());
  return s;
}

/** Shuts `part` down twice before any start, then starts it. */
async function shutDownFirst(part: Part): Promise<void> {
  await part.shutdown(0);
  await part.shutdown(0);
  await part.start();
}

describe('shutdown before start, and twice', () => {
  it('the state store closes once and refuses afterwards', async () => {
    const s = openRunLedger(':memory:');
    await shutDownFirst(s);
    expect(s.closed).toBe(true);
    expect(() => s.outboxDepth()).toThrow(/closed/);
  });

  it('the request budget', async () => {
    const budget = new RequestBudget({ rpm: 60 });
    await shutDownFirst(budget);
    await expect(budget.acquire('discovery')).rejects.toThrow(/closed/);
  });

  it('the outbox drain never exports once shut down', async () => {
    const s = state();
    s.trackRun('thread_1', 'run_1', 'cli');
    s.commitProgress({ runId: 'run_1', spans: [span('run_1', 1)] });
    const lines: string[] = [];
    const drain = new OutboxDrain(s, new ConsoleExporter({}, (line) => lines.push(line)), { batchSize: 10, log });
    await shutDownFirst(drain);
    drain.notify();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lines).toEqual([]);
    expect(drain.stopReport()).toEqual({ exported: 0, left: 1 });
  });

  it('the watcher never polls once shut down', async () => {
    const sim = await simulator();
    const config = resolveConfig({ flags: {}, env: { OPENAI_API_KEY: sim.apiKey, OPENAI_BASE_URL: sim.url } });
    const watcher = new Watcher({ config, store: state(), sources: [ASSISTANTS_SOURCE], fetch, log, onCommitted: () => undefined });
    assistantsWatch(watcher.source('assistants')).addThread(sim.world.threads()[0]!.id, 'cli');
    await shutDownFirst(watcher);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.requestLog()).toEqual([]);
  });

  it('the control server never listens once shut down', async () => {
    const s = state();
    const server = new ControlServer({ listen: '127.0.0.1:0', routes: [], state: s, log, token: null, readiness: () => ({ ready: true }) });
    await shutDownFirst(server);
    expect(() => server.address).toThrow(/not listening/);
  });

  it('the bridge metrics and the exporters', async () => {
    const metrics = new BridgeMetrics({ config: DEFAULTS, otlp: null, state: state() });
    await shutDownFirst(metrics);
    await shutDownFirst(new ConsoleExporter({}, () => undefined));
  });

  it('the status line draws nothing once shut down', async () => {
    const written: string[] = [];
    const line = new StatusLine({ write: (t: string) => written.push(t), isTTY: true, columns: 80 });
    await line.shutdown();
    await line.shutdown();
    line.start(() => ({
      tracked: 1,
      active: 0,
      finished: 1,
      spansExported: 0,
      outboxDepth: 0,
      requests: 0,
      requestLimit: 54,
      lastError: null,
    }));
    expect(written).toEqual([]);
  });

  it('the simulator never listens once shut down; started, it stops its mounts and the server once', async () => {
    const unstarted = createSimulator({ seed: 1, world: { threads: 1, backfillRuns: 1, liveRuns: 0 } });
    await shutDownFirst(unstarted);
    expect(() => unstarted.url).toThrow(/not listening/);

    const sim = await startSimulator({ seed: 1, world: { threads: 1, backfillRuns: 1, liveRuns: 0 } });
    const url = sim.url;
    await Promise.all([sim.shutdown(), sim.shutdown()]);
    await expect(fetch(`${url}/threads/x/runs`)).rejects.toThrow();
  });
});

async function simulator(): Promise<RunningSimulator> {
  const sim = await startSimulator({ seed: 3, clock: { speed: 0 }, world: { threads: 1, backfillRuns: 1, liveRuns: 0 } });
  cleanup.push(() => sim.shutdown());
  return sim;
}
