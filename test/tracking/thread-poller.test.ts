// The thread poller with a fake run list and an in-memory state file: a pass tracks the runs it
// finds, hands each watched run its fresh copy, sends a run waiting for the list that is not in
// it to a retrieve, moves the cursor past finished runs, and paces itself as discovery.
import { afterEach, describe, expect, it } from 'vitest';
import { LOOK_CLASSES, LookScheduler } from '../../src/scheduler/look-scheduler.js';
import { PollPolicy } from '../../src/scheduler/poll-policy.js';
import type { RunPayload } from '../../src/sources/assistants/payloads.js';
import { openRunLedger, type RunLedger } from '../../src/sources/assistants/run-ledger.js';
import { newRunTask } from '../../src/sources/assistants/run-next-look.js';
import { runKey } from '../../src/sources/assistants/run-poller.js';
import { RunTable } from '../../src/sources/assistants/run-table.js';
import { ThreadPoller, threadKey } from '../../src/sources/assistants/thread-poller.js';
import { run } from '../mapping/fixtures.js';

let state: RunLedger | undefined;

afterEach(async () => {
  await state?.shutdown();
  state = undefined;
});

function setup(listed: RunPayload[]) {
  state = openRunLedger(':memory:');
  const calls: { after: string | null; priority: string }[] = [];
  const looks = new LookScheduler({
    classes: LOOK_CLASSES,
    look: () => Promise.resolve(),
    onFailure: () => null,
    retry: { baseMs: 1, capMs: 1 },
  });
  const runs = new RunTable();
  const poller = new ThreadPoller({
    state,
    source: {
      listRuns: (_threadId, after, priority) => {
        calls.push({ after, priority: priority ?? 'discovery' });
        return Promise.resolve({ items: listed, skipped: 0, requests: 1 });
      },
    },
    runs,
    looks,
    policy: new PollPolicy({ activeIntervalMs: 100, discoveryIntervalMs: 1_000, discoveryMaxMs: 4_000 }),
  });
  state.trackThread('thread_1', 'cli');
  poller.threads.set('thread_1', { lastRunId: null, delayMs: undefined, passes: 0, clean: false, order: [] });
  return { poller, looks, runs, calls, store: state, listed };
}

describe('the thread poller', () => {
  it('tracks the runs a pass finds and hands each its fresh copy, to be looked at now', async () => {
    const working = run({ id: 'run_b', status: 'in_progress', completed_at: null });
    const t = setup([working, run({ id: 'run_a' })]);
    await t.poller.look('thread_1');
    expect(t.calls).toEqual([{ after: null, priority: 'discovery' }]);
    expect(t.store.getRun('run_a')?.origin).toBe('thread');
    expect(t.runs.get('run_b')).toMatchObject({ viaThread: true, fresh: true, lastRun: working });
    expect(t.looks.isScheduled(runKey('run_a'))).toBe(true);
    expect(t.looks.isScheduled(runKey('run_b'))).toBe(true);
    expect(t.poller.threads.get('thread_1')).toMatchObject({ passes: 1, clean: false, order: ['run_b', 'run_a'], delayMs: 1_000 });
    expect(t.looks.isScheduled(threadKey('thread_1'))).toBe(true);
  });

  it('lists in the finishing class when a run waits for it, and sends a waiting run missing from the list to a retrieve', async () => {
    const t = setup([]);
    t.store.trackRun('thread_1', 'run_gone', 'cli');
    t.runs.set('run_gone', { ...newRunTask('thread_1', true), awaitingStatus: true });
    await t.poller.look('thread_1');
    expect(t.calls).toEqual([{ after: null, priority: 'finishing' }]);
    expect(t.runs.get('run_gone')).toMatchObject({ awaitingStatus: false, retrieveNext: true });
    expect(t.looks.isScheduled(runKey('run_gone'))).toBe(true);
  });

  it('moves its cursor past runs finished since the last pass, and backs off until a pass settles', async () => {
    const t = setup([
      run({ id: 'run_b', status: 'in_progress', completed_at: null }),
      run({ id: 'run_a', status: 'queued', completed_at: null }),
    ]);
    await t.poller.look('thread_1');
    t.store.commitProgress({
      runId: 'run_b',
      status: 'completed',
      spans: [],
      emittedStepIds: [],
      cursorStepId: null,
      latestStepEnd: null,
      runSpanEmitted: true,
      terminal: true,
      stepUsageSeen: false,
      observations: [],
    });
    await t.poller.look('thread_1');
    expect(t.calls.map((c) => c.after)).toEqual([null, 'run_b']);
    expect(t.poller.threads.get('thread_1')).toMatchObject({ lastRunId: 'run_b', delayMs: 2_000, passes: 2 });
    t.listed.splice(0, 2, run({ id: 'run_a' }));
    await t.poller.look('thread_1');
    // The first pass to find every run finished starts the pace over.
    expect(t.poller.threads.get('thread_1')).toMatchObject({ clean: true, delayMs: 1_000 });
  });
});
