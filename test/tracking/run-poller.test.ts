// The run poller with a fake source and an in-memory state file: what one look asks the API,
// what it commits, and how it schedules the next look (nothing once the run is traced, its steps
// while a step is under way, the thread's list for a run whose thread is tracked, one shared list
// for runs of one thread tracked one by one).
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/cli/logger.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { LOOK_CLASSES, LookScheduler } from '../../src/scheduler/look-scheduler.js';
import { PollPolicy } from '../../src/scheduler/poll-policy.js';
import type { RunPayload, StepPayload } from '../../src/sources/assistants/payloads.js';
import { openRunLedger, type RunLedger } from '../../src/sources/assistants/run-ledger.js';
import { RunContextResolver } from '../../src/sources/assistants/run-context.js';
import { newRunTask } from '../../src/sources/assistants/run-next-look.js';
import { RunPoller, runKey } from '../../src/sources/assistants/run-poller.js';
import { RunTable } from '../../src/sources/assistants/run-table.js';
import { T0, run, step } from '../mapping/fixtures.js';

let state: RunLedger | undefined;

afterEach(async () => {
  await state?.shutdown();
  state = undefined;
});

function setup(api: { runs: RunPayload[]; steps: StepPayload[] }) {
  const config = resolveConfig({ flags: {}, env: { OPENAI_API_KEY: 'sk-test' } });
  const log = createLogger({ level: 'silent', format: 'json' });
  state = openRunLedger(':memory:');
  const requests: string[] = [];
  const source = {
    retrieveRun: (_threadId: string, runId: string) => {
      requests.push(`retrieve ${runId}`);
      const found = api.runs.find((r) => r.id === runId);
      return found ? Promise.resolve(found) : Promise.reject(new Error('404'));
    },
    listRecentRuns: (threadId: string) => {
      requests.push(`recent ${threadId}`);
      return Promise.resolve({ items: api.runs, skipped: 0, requests: 1 });
    },
    listSteps: (_threadId: string, runId: string, after: string | null) => {
      requests.push(`steps ${runId} after ${after}`);
      return Promise.resolve({ items: api.steps.filter((s) => s.run_id === runId), skipped: 0, requests: 1 });
    },
    assistantInfo: () => Promise.resolve({ name: 'Helper', description: null }),
  };
  const looks = new LookScheduler({
    classes: LOOK_CLASSES,
    look: () => Promise.resolve(),
    onFailure: () => null,
    retry: { baseMs: 1, capMs: 1 },
  });
  const runs = new RunTable();
  const threadPasses: { threadId: string; delayMs: number }[] = [];
  const events = { committed: 0, finished: 0 };
  const store = state;
  const poller = new RunPoller({
    config,
    state: store,
    source,
    log,
    runs,
    looks,
    policy: new PollPolicy({ activeIntervalMs: config.watch.activeIntervalMs }),
    contexts: new RunContextResolver({ source, config, log, recordedContext: (id) => store.getRun(id)?.frozenContext ?? null }),
    requestThreadPass: (threadId, delayMs) => threadPasses.push({ threadId, delayMs }),
    onCommitted: () => (events.committed += 1),
    onFinished: () => (events.finished += 1),
  });
  const track = (runId: string, viaThread = false) => {
    store.trackRun('thread_1', runId, 'cli');
    runs.set(runId, newRunTask('thread_1', viaThread));
  };
  return { poller, looks, runs, requests, threadPasses, events, track, store, config };
}

describe('the run poller', () => {
  it('traces a finished run in one look and lets it go', async () => {
    const t = setup({ runs: [run()], steps: [step()] });
    t.track('run_abc');
    await t.poller.look('run_abc');
    expect(t.requests).toEqual(['retrieve run_abc', 'steps run_abc after null']);
    expect(t.events).toEqual({ committed: 1, finished: 1 });
    expect(t.store.outboxDepth()).toBeGreaterThan(0);
    expect(t.store.getRun('run_abc')?.terminal).toBe(true);
    expect(t.runs.has('run_abc')).toBe(false);
    expect(t.looks.isScheduled(runKey('run_abc'))).toBe(false);
  });

  it('watches the steps of a working run with a step under way, one active interval later', async () => {
    const working = run({ status: 'in_progress', completed_at: null, usage: null });
    const t = setup({ runs: [working], steps: [step({ status: 'in_progress', completed_at: null, usage: null })] });
    t.track('run_abc');
    await t.poller.look('run_abc');
    expect(t.events.finished).toBe(0);
    expect(t.runs.get('run_abc')).toMatchObject({ nextProbe: 'steps', lastStatus: 'in_progress' });
    expect(t.looks.isScheduled(runKey('run_abc'))).toBe(true);
    // Due one active interval after the look (less the real time the test has taken since: a loaded machine is slow).
    const dueIn = t.looks.snapshot().nextDueInMs;
    expect(dueIn).toBeLessThanOrEqual(t.config.watch.activeIntervalMs);
    expect(dueIn).toBeGreaterThan(t.config.watch.activeIntervalMs / 2);
    await t.poller.look('run_abc');
    // The next look lists the steps only: the status in hand stands until the steps stop moving.
    expect(t.requests.slice(2)).toEqual(['steps run_abc after null']);
  });

  it('asks the thread list for the status of a run whose thread is tracked, with no request of its own', async () => {
    const t = setup({ runs: [run()], steps: [] });
    t.track('run_abc', true);
    await t.poller.look('run_abc');
    expect(t.requests).toEqual([]);
    expect(t.threadPasses).toEqual([{ threadId: 'thread_1', delayMs: 0 }]);
    expect(t.runs.get('run_abc')?.awaitingStatus).toBe(true);
  });

  it('shares one list of the thread newest runs between runs tracked one by one, handing the sibling its news', async () => {
    const other = run({ id: 'run_def', created_at: T0 + 20, completed_at: T0 + 29 });
    const t = setup({ runs: [run(), other], steps: [step(), step({ id: 'step_2', run_id: 'run_def' })] });
    t.track('run_abc');
    t.track('run_def');
    await t.poller.look('run_abc');
    expect(t.requests).toEqual(['recent thread_1', 'steps run_abc after null']);
    expect(t.runs.get('run_def')).toMatchObject({ fresh: true, lastRun: other });
    expect(t.looks.isScheduled(runKey('run_def'))).toBe(true);
    await t.poller.look('run_def');
    expect(t.requests.slice(2)).toEqual(['steps run_def after null']);
    expect(t.events.finished).toBe(2);
    expect(t.looks.isScheduled(runKey('run_abc'))).toBe(false);
  });
});
