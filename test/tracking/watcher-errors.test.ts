// The watch loop asks each error what it means: a fatal one stops the loop and reaches the
// owner through onFatal (once per look that met it, nothing polled); a 404 of the thread list
// is fatal, not a unit gone; a deleted run is untracked.
import { afterEach, describe, expect, it } from 'vitest';
import { settingFlag } from '../../src/cli/options.js';
import { createLogger } from '../../src/cli/logger.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { BridgeError } from '../../src/core/errors.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { ASSISTANTS_SOURCE, assistantsWatch } from '../../src/sources/assistants/registration.js';
import type { AssistantsWatch } from '../../src/sources/assistants/watch.js';
import { AuthFailure, ThreadListUnavailable } from '../../src/api/errors.js';
import { openRunLedger, type RunLedger } from '../../src/sources/assistants/run-ledger.js';
import { Watcher } from '../../src/tracking/watcher.js';
import { waitFor } from '../support/cli.js';

let sim: RunningSimulator | undefined;
let state: RunLedger | undefined;
let watcher: Watcher | undefined;
let assistants: AssistantsWatch | undefined;

afterEach(async () => {
  await watcher?.shutdown();
  await state?.shutdown();
  await sim?.shutdown();
  sim = state = watcher = undefined;
});

async function watch(options: { apiKey?: string; allThreads?: boolean } = {}): Promise<{ fatal: BridgeError[]; threadId: string }> {
  sim = await startSimulator({ seed: 9, clock: { speed: 0 }, world: { threads: 1, backfillRuns: 2, liveRuns: 0 } });
  const config = resolveConfig({ flags: {}, env: { OPENAI_API_KEY: options.apiKey ?? sim.apiKey, OPENAI_BASE_URL: sim.url } });
  config.watch = {
    ...config.watch,
    activeIntervalMs: 50,
    maxWaitIntervalMs: 200,
    discoveryIntervalMs: 100,
    allThreads: options.allThreads === true,
  };
  state = openRunLedger(':memory:');
  const fatal: BridgeError[] = [];
  watcher = new Watcher({
    config,
    store: state,
    sources: [ASSISTANTS_SOURCE],
    fetch,
    log: createLogger({ level: 'silent', format: 'json' }),
    onCommitted: () => undefined,
    onFatal: (error) => fatal.push(error),
  });
  const threadId = sim.world.threads()[0]!.id;
  assistants = assistantsWatch(watcher.source('assistants'));
  if (options.allThreads !== true) assistants.addThread(threadId, 'cli');
  watcher.start();
  return { fatal, threadId };
}

describe('the watch loop and errors', () => {
  it('hands a refused key to onFatal and stops polling', async () => {
    const { fatal } = await watch({ apiKey: 'sk-wrong' });
    await waitFor(() => fatal.length > 0, 'the fatal error');
    expect(fatal[0]).toBeInstanceOf(AuthFailure);
    expect(fatal[0]!.exitCode).toBe(2);
    // The loop has ended: its shutdown has no look to wait for, and nothing more is asked.
    await watcher!.shutdown(0);
    const asked = sim!.requestLog().length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sim!.requestLog().length).toBe(asked);
    expect(fatal.every((e) => e instanceof AuthFailure)).toBe(true);
  });

  it('takes a 404 of GET /threads for a service without a thread list, not for a thread gone', async () => {
    const { fatal } = await watch({ allThreads: true });
    await waitFor(() => fatal.length > 0, 'the fatal error');
    expect(fatal[0]).toBeInstanceOf(ThreadListUnavailable);
    expect(fatal[0]!.lineFor(settingFlag)).toBe(
      '--all-threads: this service does not list threads (GET /threads answered 404); track threads with --thread or the control routes instead',
    );
    expect(state!.listThreads()).toEqual([]);
  });

  it('untracks a run the API says is gone and keeps polling the rest', async () => {
    const { fatal, threadId } = await watch();
    await waitFor(() => watcher!.counters.polls > 0, 'a first poll');
    // Tracked by id, then deleted upstream: the next look finds it gone.
    assistants!.addRun(threadId, 'run_deleted_upstream', 'cli');
    await waitFor(() => assistants!.counters.runsDeleted === 1, 'the run to be untracked');
    expect(state!.getRun('run_deleted_upstream')?.removed ?? true).toBe(true);
    expect(fatal).toEqual([]);
  });
});
