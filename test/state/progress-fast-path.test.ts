// The progress path as the watcher drives it: the frozen context stored by the progress commit,
// metric deltas summed per total, acks by seq ranges, and the durability each write commits at.
import nodePath from 'node:path';
import { StatementSync } from 'node:sqlite';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OutboxFullError } from '../../src/state/errors.js';
import { openRunLedger, type RunLedger } from '../../src/sources/assistants/run-ledger.js';
import { sumDeltas } from '../../src/state/metric-deltas.js';
import { context, span, spans, tempDir } from './helpers.js';

const open: RunLedger[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const s of open.splice(0)) void s.shutdown();
});

function store(options: { outboxCap?: number } = {}, path = ':memory:'): RunLedger {
  const s = openRunLedger(path, options);
  open.push(s);
  s.trackRun('thread_1', 'run_1', 'cli');
  return s;
}

describe('frozen context carried by a progress commit', () => {
  it('is stored with the spans when the run has none', () => {
    const s = store();
    s.commitProgress({ runId: 'run_1', spans: [span('run_1', 1)], frozenContext: context() });
    expect(s.getRun('run_1')?.frozenContext).toEqual(context());
  });

  it('never replaces a context already recorded (first write wins)', () => {
    const s = store();
    s.commitProgress({ runId: 'run_1', spans: [], frozenContext: context() });
    s.commitProgress({ runId: 'run_1', spans: [], frozenContext: context({ agentName: 'Renamed' }) });
    s.commitProgress({ runId: 'run_1', spans: [], frozenContext: context({ captureContent: true }) });
    expect(s.getRun('run_1')?.frozenContext).toEqual(context());
  });

  it('leaves the recorded context alone when the commit carries none', () => {
    const s = store();
    s.commitProgress({ runId: 'run_1', spans: [], frozenContext: context() });
    s.commitProgress({ runId: 'run_1', spans: [span('run_1', 1)], status: 'completed' });
    expect(s.getRun('run_1')?.frozenContext).toEqual(context());
  });

  it('is rolled back with a refused commit, so the next commit records its own', () => {
    const s = store({ outboxCap: 2 });
    s.commitProgress({ runId: 'run_1', spans: spans('run_1', 1, 2) });
    expect(() => s.commitProgress({ runId: 'run_1', spans: [span('run_1', 3)], frozenContext: context({ agentName: 'Refused' }) })).toThrow(
      OutboxFullError,
    );
    expect(s.getRun('run_1')?.frozenContext).toBeNull();
    s.ack(s.outboxBatch(10).map((i) => i.seq));
    s.commitProgress({ runId: 'run_1', spans: [span('run_1', 3)], frozenContext: context() });
    expect(s.getRun('run_1')?.frozenContext).toEqual(context());
  });

  it("keeps the pending run's deadline up to date in it, and nothing else", () => {
    const s = store();
    s.commitProgress({ runId: 'run_1', spans: [], frozenContext: context({ expiresAt: 1_700_000_600 }) });
    s.commitProgress({ runId: 'run_1', spans: [], frozenContext: context({ agentName: 'Renamed' }), expiresAt: 1_700_000_900 });
    expect(s.getRun('run_1')?.frozenContext).toEqual(context({ expiresAt: 1_700_000_900 }));
    // A commit without a deadline leaves the recorded one.
    s.commitProgress({ runId: 'run_1', spans: [span('run_1', 1)], expiresAt: null });
    expect(s.getRun('run_1')?.frozenContext?.expiresAt).toBe(1_700_000_900);
  });

  it('records the deadline with the first context when both come in one commit', () => {
    const s = store();
    s.commitProgress({ runId: 'run_1', spans: [span('run_1', 1)], frozenContext: context(), expiresAt: 1_700_000_600 });
    expect(s.getRun('run_1')?.frozenContext).toEqual(context({ expiresAt: 1_700_000_600 }));
  });

  it('records no context from a deadline alone', () => {
    const s = store();
    s.commitProgress({ runId: 'run_1', spans: [], expiresAt: 1_700_000_600 });
    expect(s.getRun('run_1')?.frozenContext).toBeNull();
  });

  it('survives a restart like the rest of the commit', () => {
    const path = nodePath.join(tempDir(), 'state.sqlite');
    const first = openRunLedger(path);
    first.trackRun('thread_1', 'run_1', 'cli');
    first.commitProgress({ runId: 'run_1', spans: [span('run_1', 1)], cursorStepId: 'step_1', frozenContext: context() });
    void first.shutdown();
    const second = store({}, path);
    expect(second.getRun('run_1')).toMatchObject({ cursorStepId: 'step_1', frozenContext: context() });
  });
});

describe('metric observations', () => {
  it('add up per total within one commit, whatever the order of their labels', () => {
    const s = store();
    const steps = (labels: Record<string, string>, value: number) => ({ name: 'assistants.steps', labels, value, history: false });
    s.commitProgress({
      runId: 'run_1',
      spans: [],
      observations: [
        steps({ status: 'completed', type: 'tool_calls' }, 1),
        steps({ type: 'tool_calls', status: 'completed' }, 2),
        steps({ status: 'failed', type: 'tool_calls' }, 1),
        { name: 'assistants.run.queue.duration', labels: { status: 'completed', type: 'tool_calls' }, value: 0.5, history: false },
        steps({ status: 'completed', type: 'tool_calls' }, 4),
      ],
    });
    s.commitProgress({ runId: 'run_1', spans: [], observations: [steps({ status: 'completed', type: 'tool_calls' }, 10)] });
    const labels = { status: 'completed', type: 'tool_calls', 'assistants_bridge.history': 'false' };
    expect(s.metricTotals()).toEqual([
      { name: 'assistants.run.queue.duration#bucket', labels: { ...labels, le: '1' }, value: 1 },
      { name: 'assistants.run.queue.duration#sum', labels, value: 0.5 },
      { name: 'assistants.steps', labels, value: 17 },
      { name: 'assistants.steps', labels: { ...labels, status: 'failed' }, value: 1 },
    ]);
  });

  it('are summed into one upsert per total and never merged across names or values', () => {
    const summed = sumDeltas([
      { name: 'a', labels: { k: 'x' }, delta: 1 },
      { name: 'a', labels: { k: 'x' }, delta: 2 },
      { name: 'a', labels: { k: 'x\n' }, delta: 4 },
      { name: 'a{"k":"x"}', labels: {}, delta: 8 },
      { name: 'b', labels: { k: 'x' }, delta: 16 },
    ]);
    expect(summed).toEqual([
      { name: 'a', labels: '{"k":"x"}', delta: 3 },
      { name: 'a', labels: '{"k":"x\\n"}', delta: 4 },
      { name: 'a{"k":"x"}', labels: '{}', delta: 8 },
      { name: 'b', labels: '{"k":"x"}', delta: 16 },
    ]);
  });
});

describe('acknowledgements', () => {
  it('delete exactly the listed rows, in runs of consecutive seqs or not', () => {
    const s = store();
    s.commitProgress({ runId: 'run_1', spans: spans('run_1', 1, 10) });
    const seqs = s.outboxBatch(10).map((i) => i.seq);
    const pick = (...idx: number[]) => idx.map((i) => seqs[i] as number);
    s.ack([...pick(9, 0, 1, 2, 6, 8), seqs[1] as number]);
    expect(s.outboxBatch(10).map((i) => i.seq)).toEqual(pick(3, 4, 5, 7));
    expect(s.outboxDepth()).toBe(4);
  });

  it('ignore unknown, already acknowledged and malformed seqs', () => {
    const s = store();
    s.commitProgress({ runId: 'run_1', spans: spans('run_1', 1, 3) });
    const [a, b, c] = s.outboxBatch(10).map((i) => i.seq) as [number, number, number];
    s.ack([b]);
    s.ack([b, a + 0.5, Number.NaN, c + 100, -1]);
    expect(s.outboxBatch(10).map((i) => i.seq)).toEqual([a, c]);
    expect(s.outboxDepth()).toBe(2);
  });
});

describe('durability per write', () => {
  /** The synchronous setting in force at each COMMIT, as the statements ran. */
  function commitsAt(work: () => void): string[] {
    const seen: string[] = [];
    let mode = 'FULL'; // openDatabase's setting
    // eslint-disable-next-line @typescript-eslint/unbound-method -- the original, applied below with the statement as `this`
    const run = StatementSync.prototype.run;
    vi.spyOn(StatementSync.prototype, 'run').mockImplementation(function (this: StatementSync, ...args) {
      const sql = this.sourceSQL;
      const set = /^PRAGMA synchronous = (\w+)$/.exec(sql);
      if (set) mode = set[1] as string;
      if (sql === 'COMMIT') seen.push(mode);
      return run.apply(this, args);
    });
    work();
    return seen;
  }

  it('commits progress (spans, contexts, thread cursors), acks, dead letters and discovered runs at NORMAL, registrations at FULL', () => {
    const s = store();
    const modes = commitsAt(() => {
      s.commitProgress({ runId: 'run_1', spans: spans('run_1', 1, 3), frozenContext: context() });
      const [a, b] = s.outboxBatch(10).map((i) => i.seq) as [number, number];
      s.ack([a]);
      s.deadLetter([{ seq: b, reason: 'refused' }]);
      s.trackRun('thread_1', 'run_2', 'cli');
      s.trackRuns([{ threadId: 'thread_1', runId: 'run_3', origin: 'thread' }]);
      s.trackRuns([
        { threadId: 'thread_1', runId: 'run_4', origin: 'thread' },
        { threadId: 'thread_1', runId: 'run_5', origin: 'config' },
      ]);
      s.trackThread('thread_1', 'cli');
      s.untrackRun('run_3');
      s.setThreadCursor('thread_1', 'run_3');
      s.commitProgress({ runId: 'run_2', spans: [], frozenContext: context() });
      s.untrackThread('thread_1');
      s.setMeta('k', 'v');
      s.commitProgress({ runId: 'run_2', spans: [] });
    });
    expect(modes).toEqual([
      'NORMAL',
      'NORMAL',
      'NORMAL',
      'FULL',
      'NORMAL',
      'FULL',
      'FULL',
      'FULL',
      'NORMAL',
      'NORMAL',
      'FULL',
      'FULL',
      'NORMAL',
    ]);
  });
});

describe('emittedAmong', () => {
  it('answers for the steps asked about only, across commits and runs', () => {
    const s = store();
    s.trackRun('thread_1', 'run_1', 'cli');
    s.trackRun('thread_1', 'run_2', 'cli');
    s.commitProgress({ runId: 'run_1', spans: [], emittedStepIds: ['step_1', 'step_2'] });
    s.commitProgress({ runId: 'run_1', spans: [], emittedStepIds: ['step_4'] });
    s.commitProgress({ runId: 'run_2', spans: [], emittedStepIds: ['step_3'] });
    expect(s.emittedAmong('run_1', ['step_2', 'step_3', 'step_4', 'step_9'])).toEqual(new Set(['step_2', 'step_4']));
    expect(s.emittedAmong('run_2', ['step_1', 'step_3'])).toEqual(new Set(['step_3']));
    expect(s.emittedAmong('run_1', [])).toEqual(new Set());
    expect(s.emittedAmong('run_unknown', ['step_1'])).toEqual(new Set());
  });
});
