import nodePath from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openRunLedger, type RunLedger } from '../../src/sources/assistants/run-ledger.js';
import { deadLetters, emittedStepIds } from '../support/state-file.js';
import { context, span, spans, tempDir } from './helpers.js';

const open: RunLedger[] = [];
afterEach(() => {
  for (const s of open.splice(0)) void s.shutdown();
});

function newStore(start = 1_000): { store: RunLedger; tick: (ms?: number) => void } {
  let t = start;
  const store = openRunLedger(nodePath.join(tempDir(), 'state.sqlite'), { now: () => t });
  open.push(store);
  return { store, tick: (ms = 1) => void (t += ms) };
}

describe('tracking runs', () => {
  it('adds a run once and reports whether it was new', () => {
    const { store } = newStore();
    expect(store.trackRun('thread_1', 'run_1', 'cli')).toBe(true);
    expect(store.trackRun('thread_1', 'run_1', 'control')).toBe(false);
    expect(store.getRun('run_1')).toEqual({
      threadId: 'thread_1',
      runId: 'run_1',
      origin: 'cli',
      addedAt: 1_000,
      status: null,
      terminal: false,
      runSpanEmitted: false,
      cursorStepId: null,
      latestStepEnd: null,
      stepUsageSeen: false,
      frozenContext: null,
      removed: false,
    });
    expect(store.getRun('run_unknown')).toBeUndefined();
  });

  it('tracks many runs in one call, counting the new and re-activated ones', () => {
    const { store } = newStore();
    store.trackRun('thread_1', 'run_1', 'cli');
    store.trackRun('thread_1', 'run_2', 'cli');
    store.untrackRun('run_2');
    const added = store.trackRuns([
      { threadId: 'thread_1', runId: 'run_1', origin: 'config' },
      { threadId: 'thread_1', runId: 'run_2', origin: 'config' },
      { threadId: 'thread_2', runId: 'run_3', origin: 'config' },
    ]);
    expect(added).toBe(2);
    expect(store.listRuns().map((r) => [r.runId, r.origin])).toEqual([
      ['run_1', 'cli'],
      ['run_2', 'config'],
      ['run_3', 'config'],
    ]);
    expect(store.trackRuns([])).toBe(0);
    expect(() => store.trackRuns([{ threadId: 't', runId: 'run_4', origin: 'nowhere' as 'cli' }])).toThrow(TypeError);
    expect(store.getRun('run_4')).toBeUndefined();
  });

  it('refuses an unknown origin', () => {
    const { store } = newStore();
    expect(() => store.trackRun('t', 'r', 'somewhere' as 'cli')).toThrow(TypeError);
    expect(store.getRun('r')).toBeUndefined();
  });

  it('untracks a run but keeps its progress, and re-adding it resumes from there', () => {
    const { store } = newStore();
    store.trackRun('thread_1', 'run_1', 'cli');
    store.commitProgress({
      runId: 'run_1',
      spans: [span('run_1', 1)],
      emittedStepIds: ['step_1'],
      cursorStepId: 'step_1',
      frozenContext: context(),
    });

    expect(store.untrackRun('run_1')).toBe(true);
    expect(store.untrackRun('run_1')).toBe(false);
    expect(store.untrackRun('run_never')).toBe(false);
    expect(store.getRun('run_1')?.removed).toBe(true);
    expect(store.listRuns()).toEqual([]);
    expect(store.stats().trackedRuns).toBe(0);

    expect(store.trackRun('thread_1', 'run_1', 'control')).toBe(true);
    const back = store.getRun('run_1');
    expect(back).toMatchObject({ removed: false, origin: 'control', cursorStepId: 'step_1', frozenContext: context() });
    expect(emittedStepIds(store.path, 'run_1')).toEqual(new Set(['step_1']));
  });

  it('lists runs in the order they were added, filtered by activity', () => {
    const { store, tick } = newStore();
    for (const id of ['run_c', 'run_a', 'run_b', 'run_d']) {
      store.trackRun('thread_1', id, 'config');
      tick();
    }
    store.commitProgress({ runId: 'run_a', spans: [], terminal: true, status: 'completed' });
    store.untrackRun('run_d');

    expect(store.listRuns().map((r) => r.runId)).toEqual(['run_c', 'run_a', 'run_b']);
    expect(store.listRuns({ active: true }).map((r) => r.runId)).toEqual(['run_c', 'run_b']);
    expect(store.listRuns({ active: false }).map((r) => r.runId)).toEqual(['run_a']);
    expect(store.listRuns().map((r) => r.addedAt)).toEqual([1_000, 1_001, 1_002]);
  });
});

describe('tracking threads', () => {
  it('adds, lists, moves the runs cursor and removes threads', () => {
    const { store, tick } = newStore();
    expect(store.trackThread('thread_b', 'cli')).toBe(true);
    tick();
    expect(store.trackThread('thread_a', 'control')).toBe(true);
    expect(store.trackThread('thread_a', 'cli')).toBe(false);

    expect(store.setThreadCursor('thread_a', 'run_9')).toBe(true);
    expect(store.setThreadCursor('thread_unknown', 'run_9')).toBe(false);
    expect(store.listThreads()).toEqual([
      { threadId: 'thread_b', origin: 'cli', addedAt: 1_000, lastRunId: null },
      { threadId: 'thread_a', origin: 'control', addedAt: 1_001, lastRunId: 'run_9' },
    ]);

    expect(store.untrackThread('thread_b')).toBe(true);
    expect(store.untrackThread('thread_b')).toBe(false);
    expect(store.listThreads().map((t) => t.threadId)).toEqual(['thread_a']);
  });

  it('keeps runs tracked from a thread when the thread is untracked', () => {
    const { store } = newStore();
    store.trackThread('thread_1', 'cli');
    store.trackRun('thread_1', 'run_1', 'thread');
    store.untrackThread('thread_1');
    expect(store.getRun('run_1')).toMatchObject({ origin: 'thread', removed: false });
  });
});

describe('frozen context', () => {
  it('keeps the first context recorded', () => {
    const { store } = newStore();
    store.trackRun('thread_1', 'run_1', 'cli');
    const first = context({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    store.commitProgress({ runId: 'run_1', spans: [], frozenContext: first });
    store.commitProgress({ runId: 'run_1', spans: [], frozenContext: context({ agentName: 'Renamed', captureContent: true }) });
    expect(store.getRun('run_1')?.frozenContext).toEqual(first);
  });

  it('refuses to freeze the context of an untracked run', () => {
    const { store } = newStore();
    expect(() => store.commitProgress({ runId: 'run_x', spans: [], frozenContext: context() })).toThrow(/not tracked/);
    expect(store.getRun('run_x')).toBeUndefined();
  });
});

describe('commitProgress', () => {
  it('enqueues spans and moves the run forward', () => {
    const { store } = newStore();
    store.trackRun('thread_1', 'run_1', 'cli');
    const result = store.commitProgress({
      runId: 'run_1',
      status: 'in_progress',
      spans: spans('run_1', 1, 3),
      emittedStepIds: ['step_1', 'step_2', 'step_3'],
      cursorStepId: 'step_3',
      latestStepEnd: 1_700_000_004,
      observations: [{ name: 'gen_ai.client.token.usage', labels: { type: 'input', model: 'm' }, value: 30, history: false }],
    });
    expect(result).toEqual({ enqueued: 3, alreadyPresent: 0 });
    expect(store.getRun('run_1')).toMatchObject({
      status: 'in_progress',
      cursorStepId: 'step_3',
      latestStepEnd: 1_700_000_004,
      terminal: false,
      runSpanEmitted: false,
    });
    expect(emittedStepIds(store.path, 'run_1')).toEqual(new Set(['step_1', 'step_2', 'step_3']));
    expect(store.outboxDepth()).toBe(3);
    // A histogram sample: one in the bucket it falls in, and its value in the sum.
    const labels = { model: 'm', type: 'input', 'assistants_bridge.history': 'false' };
    expect(store.metricTotals()).toEqual([
      { name: 'gen_ai.client.token.usage#bucket', labels: { ...labels, le: '64' }, value: 1 },
      { name: 'gen_ai.client.token.usage#sum', labels, value: 30 },
    ]);
  });

  it('leaves fields it is not given, keeps latestStepEnd at its maximum and the flags sticky', () => {
    const { store } = newStore();
    store.trackRun('thread_1', 'run_1', 'cli');
    store.commitProgress({ runId: 'run_1', spans: [], status: 'in_progress', cursorStepId: 'step_2', latestStepEnd: 50 });
    store.commitProgress({ runId: 'run_1', spans: [], latestStepEnd: 40 });
    expect(store.getRun('run_1')).toMatchObject({ status: 'in_progress', cursorStepId: 'step_2', latestStepEnd: 50 });

    expect(store.getRun('run_1')?.stepUsageSeen).toBe(false);

    store.commitProgress({
      runId: 'run_1',
      spans: [span('run_1', 0, { key: 'run_1', parent: null })],
      status: 'completed',
      runSpanEmitted: true,
      terminal: true,
      stepUsageSeen: true,
    });
    store.commitProgress({
      runId: 'run_1',
      spans: [],
      runSpanEmitted: false,
      terminal: false,
      stepUsageSeen: false,
      status: null,
      cursorStepId: null,
    });
    expect(store.getRun('run_1')).toMatchObject({
      status: null,
      cursorStepId: null,
      latestStepEnd: 50,
      terminal: true,
      runSpanEmitted: true,
      stepUsageSeen: true,
    });
  });

  it('adds metric observations to totals whatever the order of their labels, history apart', () => {
    const { store } = newStore();
    store.trackRun('thread_1', 'run_1', 'cli');
    store.commitProgress({
      runId: 'run_1',
      spans: [],
      observations: [
        { name: 'assistants.runs', labels: { status: 'completed', model: 'a' }, value: 1, history: false },
        { name: 'assistants.runs', labels: { model: 'a', status: 'completed' }, value: 2, history: false },
        { name: 'assistants.runs', labels: { model: 'a', status: 'completed' }, value: 5, history: true },
        { name: 'assistants.runs', labels: { model: 'b', status: 'completed' }, value: 0.5, history: false },
        { name: 'assistants.steps', labels: {}, value: 4, history: false },
      ],
    });
    const news = { 'assistants_bridge.history': 'false' };
    expect(store.metricTotals()).toEqual([
      { name: 'assistants.runs', labels: { ...news, model: 'a', status: 'completed' }, value: 3 },
      { name: 'assistants.runs', labels: { ...news, model: 'b', status: 'completed' }, value: 0.5 },
      { name: 'assistants.runs', labels: { 'assistants_bridge.history': 'true', model: 'a', status: 'completed' }, value: 5 },
      { name: 'assistants.steps', labels: news, value: 4 },
    ]);
  });

  it('refuses spans with malformed ids or of another run before writing anything', () => {
    const { store } = newStore();
    store.trackRun('thread_1', 'run_1', 'cli');
    expect(() => store.commitProgress({ runId: 'run_1', spans: [span('run_1', 1), span('run_1', 2, { traceId: 'XYZ' })] })).toThrow(
      TypeError,
    );
    expect(() => store.commitProgress({ runId: 'run_1', spans: [span('run_2', 1)] })).toThrow(/belongs to run run_2/);
    expect(store.outboxDepth()).toBe(0);
  });
});

describe('outbox', () => {
  it('hands out the oldest spans first, in batches', () => {
    const { store } = newStore();
    store.trackRun('thread_1', 'run_1', 'cli');
    store.commitProgress({ runId: 'run_1', spans: spans('run_1', 10, 3) });
    store.commitProgress({ runId: 'run_1', spans: spans('run_1', 1, 2) });

    const first = store.outboxBatch(2);
    expect(first.map((i) => i.span.spanId)).toEqual([span('run_1', 10).spanId, span('run_1', 11).spanId]);
    expect(first[0]?.span).toEqual(span('run_1', 10));
    expect(first[0]!.seq).toBeLessThan(first[1]!.seq);
    expect(store.outboxBatch(100).map((i) => i.span.spanId)).toEqual([10, 11, 12, 1, 2].map((n) => span('run_1', n).spanId));
    expect(store.outboxBatch(0)).toEqual([]);
  });

  it('deletes acknowledged rows and ignores unknown seqs', () => {
    const { store } = newStore();
    store.trackRun('thread_1', 'run_1', 'cli');
    store.commitProgress({ runId: 'run_1', spans: spans('run_1', 1, 4) });
    const batch = store.outboxBatch(3);
    store.ack([...batch.map((i) => i.seq), 999_999]);
    expect(store.outboxDepth()).toBe(1);
    expect(store.outboxBatch(10).map((i) => i.span.spanId)).toEqual([span('run_1', 4).spanId]);
    store.ack([]);
    expect(store.outboxDepth()).toBe(1);
  });

  it('moves refused spans to dead letters with reason and status', () => {
    let t = 5_000;
    const store = openRunLedger(nodePath.join(tempDir(), 'state.sqlite'), { now: () => t });
    open.push(store);
    store.trackRun('thread_1', 'run_1', 'cli');
    store.commitProgress({ runId: 'run_1', spans: spans('run_1', 1, 3) });
    const [a, b, c] = store.outboxBatch(3);
    t = 6_000;
    store.deadLetter([{ seq: a!.seq, reason: 'attribute too long', status: 400 }]);
    t = 7_000;
    store.deadLetter([
      { seq: c!.seq, reason: 'refused' },
      { seq: 424_242, reason: 'gone' },
    ]);

    expect(store.outboxDepth()).toBe(1);
    expect(store.outboxBatch(10).map((i) => i.seq)).toEqual([b!.seq]);
    expect(store.stats().deadLetters).toBe(2);
    expect(deadLetters(store.path)).toEqual([
      { seq: c!.seq, span: c!.span, reason: 'refused', status: null, enqueuedAt: 5_000, deadAt: 7_000 },
      { seq: a!.seq, span: a!.span, reason: 'attribute too long', status: 400, enqueuedAt: 5_000, deadAt: 6_000 },
    ]);
  });
});

describe('meta and stats', () => {
  it('stores and replaces meta values', () => {
    const { store } = newStore();
    expect(store.getMeta('threads.cursor')).toBeUndefined();
    store.setMeta('threads.cursor', 'thread_5');
    store.setMeta('threads.cursor', 'thread_9');
    expect(store.getMeta('threads.cursor')).toBe('thread_9');
  });

  it('counts runs, threads, outbox rows and dead letters', () => {
    const { store } = newStore();
    for (const id of ['run_1', 'run_2', 'run_3', 'run_4']) store.trackRun('thread_1', id, 'cli');
    store.trackThread('thread_1', 'cli');
    store.commitProgress({ runId: 'run_1', spans: spans('run_1', 1, 3), terminal: true });
    store.untrackRun('run_4');
    store.deadLetter([{ seq: store.outboxBatch(1)[0]!.seq, reason: 'bad' }]);
    expect(store.stats()).toEqual({ trackedRuns: 3, activeRuns: 2, trackedThreads: 1, outboxDepth: 2, deadLetters: 1 });
  });

  it('handles ten thousand tracked runs', () => {
    const { store } = newStore();
    const added = store.trackRuns(
      Array.from({ length: 10_000 }, (_, i) => ({ threadId: `thread_${i % 100}`, runId: `run_${i}`, origin: 'thread' as const })),
    );
    expect(added).toBe(10_000);
    for (let i = 0; i < 10_000; i += 2) store.commitProgress({ runId: `run_${i}`, spans: [], terminal: true });
    expect(store.listRuns({ active: true })).toHaveLength(5_000);
    expect(store.listRuns({ active: true })[0]?.runId).toBe('run_1');
    expect(store.stats()).toMatchObject({ trackedRuns: 10_000, activeRuns: 5_000 });
  });
});

describe('clock', () => {
  it('stores whole milliseconds from a fractional clock', () => {
    const store = openRunLedger(':memory:', { now: () => 1_234.75 });
    open.push(store);
    store.trackRun('thread_1', 'run_1', 'cli');
    store.commitProgress({ runId: 'run_1', spans: [span('run_1', 1)] });
    expect(store.getRun('run_1')?.addedAt).toBe(1_234);
  });
});

describe('close', () => {
  it('makes later calls throw, and can be called twice', () => {
    const store = openRunLedger(':memory:');
    void store.shutdown();
    void store.shutdown();
    expect(store.closed).toBe(true);
    expect(() => store.listRuns()).toThrow(/closed/);
    expect(() => store.trackRun('t', 'r', 'cli')).toThrow(/closed/);
  });
});
