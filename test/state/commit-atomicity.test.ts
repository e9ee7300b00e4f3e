import fs from 'node:fs';
import nodePath from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SpanRecord } from '../../src/core/span-record.js';
import { STORED } from '../../src/metrics/catalog.js';
import { OutboxFullError } from '../../src/state/errors.js';
import { openRunLedger, type RunLedger } from '../../src/sources/assistants/run-ledger.js';
import type { ProgressCommit } from '../../src/sources/assistants/run-ledger.js';
import { emittedStepIds } from '../support/state-file.js';
import { span, spans, tempDir, toolSpan } from './helpers.js';

const open: RunLedger[] = [];
afterEach(() => {
  for (const s of open.splice(0)) void s.shutdown();
});

function store(options: { outboxCap?: number } = {}): RunLedger {
  const s = openRunLedger(nodePath.join(tempDir(), 'state.sqlite'), options);
  open.push(s);
  s.trackRun('thread_1', 'run_1', 'cli');
  return s;
}

/** Everything a commit may touch, to compare before and after. */
function snapshot(s: RunLedger) {
  return {
    run: s.getRun('run_1'),
    emitted: [...emittedStepIds(s.path, 'run_1')].sort(),
    outbox: s.outboxBatch(10_000),
    depth: s.outboxDepth(),
    metrics: s.metricTotals(),
  };
}

describe('idempotence', () => {
  it('keeps one row for a span committed twice', () => {
    const s = store();
    expect(s.commitProgress({ runId: 'run_1', spans: [span('run_1', 1)] })).toEqual({ enqueued: 1, alreadyPresent: 0 });
    expect(s.commitProgress({ runId: 'run_1', spans: [span('run_1', 1), span('run_1', 2)] })).toEqual({
      enqueued: 1,
      alreadyPresent: 1,
    });
    expect(s.outboxDepth()).toBe(2);
    expect(s.outboxBatch(10).map((i) => i.span.spanId)).toEqual([span('run_1', 1).spanId, span('run_1', 2).spanId]);
  });

  it('keeps one row for a span repeated within one commit', () => {
    const s = store();
    expect(s.commitProgress({ runId: 'run_1', spans: [span('run_1', 7), span('run_1', 7)] })).toEqual({
      enqueued: 1,
      alreadyPresent: 1,
    });
    expect(s.outboxDepth()).toBe(1);
  });

  it('marks a step emitted once however often it is committed', () => {
    const s = store();
    s.commitProgress({ runId: 'run_1', spans: [], emittedStepIds: ['step_1', 'step_1'] });
    s.commitProgress({ runId: 'run_1', spans: [], emittedStepIds: ['step_1', 'step_2'] });
    expect(emittedStepIds(s.path, 'run_1')).toEqual(new Set(['step_1', 'step_2']));
  });

  it('enqueues the spans of a step once, whatever span ids a later commit of the step brings', () => {
    const s = store();
    const first = span('run_1', 1, { key: 'step_a' });
    const tool = toolSpan(span('run_1', 2, { key: 'step_a', parent: { spanId: first.spanId, remote: false } }));
    expect(s.commitProgress({ runId: 'run_1', spans: [first, tool], emittedStepIds: ['step_a'] })).toEqual({
      enqueued: 2,
      alreadyPresent: 0,
    });
    const second = span('run_1', 3, { key: 'step_a' });
    const secondTool = toolSpan(span('run_1', 4, { key: 'step_a', parent: { spanId: second.spanId, remote: false } }));
    expect(s.commitProgress({ runId: 'run_1', spans: [second, secondTool], emittedStepIds: ['step_a'] })).toEqual({
      enqueued: 0,
      alreadyPresent: 2,
    });
    expect(s.outboxBatch(10).map((i) => i.span.spanId)).toEqual([first.spanId, tool.spanId]);
    expect(emittedStepIds(s.path, 'run_1')).toEqual(new Set(['step_a']));
  });

  it('tells spans of different traces with the same span id apart', () => {
    const s = store();
    const other = span('run_1', 1, { traceId: 'cd'.repeat(16), key: 'step_other' });
    s.commitProgress({ runId: 'run_1', spans: [span('run_1', 1), other] });
    expect(s.outboxDepth()).toBe(2);
  });

  it('enqueues a step once even after its spans were acknowledged, and its tool calls with it', () => {
    const s = store();
    const step = span('run_1', 1);
    const tool = toolSpan(span('run_1', 2, { key: step.key, parent: { spanId: step.spanId, remote: false } }));
    expect(s.commitProgress({ runId: 'run_1', spans: [step, tool] })).toEqual({ enqueued: 2, alreadyPresent: 0 });
    s.ack(s.outboxBatch(10).map((i) => i.seq));
    expect(s.commitProgress({ runId: 'run_1', spans: [step, tool, span('run_1', 3)] })).toEqual({ enqueued: 1, alreadyPresent: 2 });
    expect(s.outboxBatch(10).map((i) => i.span.spanId)).toEqual([span('run_1', 3).spanId]);
  });

  it('enqueues a run span once, and marks the run span emitted when it does', () => {
    const s = store();
    const { lagSample: _lag, ...step } = span('run_1', 0, { parent: null, attributes: {} });
    const runSpan: SpanRecord = { ...step, key: 'run_1' };
    expect(s.commitProgress({ runId: 'run_1', spans: [runSpan] })).toEqual({ enqueued: 1, alreadyPresent: 0 });
    expect(s.getRun('run_1')?.runSpanEmitted).toBe(true);
    s.ack(s.outboxBatch(10).map((i) => i.seq));
    expect(s.commitProgress({ runId: 'run_1', spans: [runSpan] })).toEqual({ enqueued: 0, alreadyPresent: 1 });
  });
});

describe('atomicity: a commit that fails midway leaves no trace', () => {
  const base = (): ProgressCommit => ({
    runId: 'run_1',
    status: 'in_progress',
    spans: spans('run_1', 1, 3),
    emittedStepIds: ['step_1', 'step_2', 'step_3'],
    cursorStepId: 'step_3',
    latestStepEnd: 1_700_000_010,
    runSpanEmitted: true,
    terminal: true,
    observations: [{ name: STORED.steps, labels: { status: 'completed' }, value: 3, history: false }],
  });

  const failures: [string, (p: ProgressCommit) => ProgressCommit][] = [
    [
      'a span that cannot be serialized, after two were inserted',
      (p) => ({ ...p, spans: [...p.spans, { ...span('run_1', 9), attributes: { big: 10n } as unknown as SpanRecord['attributes'] }] }),
    ],
    [
      'a metric observation that is not a number, after the spans and the cursor',
      (p) => ({ ...p, observations: [...(p.observations ?? []), { name: STORED.runs, labels: {}, value: Number.NaN, history: false }] }),
    ],
    [
      'an observation of a metric no catalog has, after the spans and the cursor',
      (p) => ({ ...p, observations: [...(p.observations ?? []), { name: 'x', labels: {}, value: 1, history: false }] }),
    ],
    ['a step end of the wrong type', (p) => ({ ...p, latestStepEnd: 'soon' as unknown as number })],
    ['a run that is not tracked, after its spans were inserted', (p) => ({ ...p, runId: 'run_2', spans: spans('run_2', 1, 3) })],
  ];

  for (const [what, breakIt] of failures) {
    it(what, () => {
      const s = store();
      s.commitProgress({
        runId: 'run_1',
        spans: [span('run_1', 100)],
        emittedStepIds: ['step_0'],
        cursorStepId: 'step_0',
        latestStepEnd: 5,
      });
      const before = snapshot(s);
      expect(() => s.commitProgress(breakIt(base()))).toThrow();
      expect(snapshot(s)).toEqual(before);
      expect(s.getRun('run_2')).toBeUndefined();

      // The store is still usable: the same commit, unbroken, goes through whole.
      expect(s.commitProgress(base())).toEqual({ enqueued: 3, alreadyPresent: 0 });
      expect(s.outboxDepth()).toBe(4);
      expect(s.getRun('run_1')).toMatchObject({ cursorStepId: 'step_3', terminal: true, runSpanEmitted: true });
    });
  }

  it('a store closed underneath writes nothing', () => {
    const path = nodePath.join(tempDir(), 'state.sqlite');
    const s = openRunLedger(path);
    s.trackRun('thread_1', 'run_1', 'cli');
    void s.shutdown();
    expect(() => s.commitProgress(base())).toThrow(/closed/);
    const again = openRunLedger(path);
    open.push(again);
    expect(again.outboxDepth()).toBe(0);
    expect(again.getRun('run_1')).toMatchObject({ cursorStepId: null, terminal: false });
    expect(fs.existsSync(path)).toBe(true);
  });
});

describe('outbox cap: back-pressure', () => {
  it('refuses a commit that would pass the cap and changes nothing but the refusal count', () => {
    const s = store({ outboxCap: 5 });
    s.commitProgress({ runId: 'run_1', spans: spans('run_1', 1, 3), emittedStepIds: ['step_1'], cursorStepId: 'step_1' });
    const before = snapshot(s);

    let refusal: unknown;
    try {
      s.commitProgress({ runId: 'run_1', spans: spans('run_1', 4, 3), emittedStepIds: ['step_2'], cursorStepId: 'step_2', terminal: true });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(OutboxFullError);
    expect(refusal).toMatchObject({ depth: 3, cap: 5, refused: 3 });

    const after = snapshot(s);
    expect({ ...after, metrics: [] }).toEqual({ ...before, metrics: [] });
    expect(after.metrics).toEqual([{ name: STORED.refusedCommits, labels: {}, value: 1 }]);
  });

  it('accepts what fits, commits that add nothing, and the refused commit once the sink drained', () => {
    const s = store({ outboxCap: 5 });
    s.commitProgress({ runId: 'run_1', spans: spans('run_1', 1, 4) });
    expect(s.commitProgress({ runId: 'run_1', spans: spans('run_1', 5, 1) })).toEqual({ enqueued: 1, alreadyPresent: 0 });
    // Full: spans already waiting and cursor-only commits still go through.
    expect(s.commitProgress({ runId: 'run_1', spans: spans('run_1', 1, 2), status: 'in_progress' })).toEqual({
      enqueued: 0,
      alreadyPresent: 2,
    });
    expect(() => s.commitProgress({ runId: 'run_1', spans: spans('run_1', 6, 2) })).toThrow(OutboxFullError);
    expect(() => s.commitProgress({ runId: 'run_1', spans: spans('run_1', 6, 2) })).toThrow(OutboxFullError);
    expect(s.metricTotals()).toEqual([{ name: STORED.refusedCommits, labels: {}, value: 2 }]);

    s.ack(s.outboxBatch(2).map((i) => i.seq));
    expect(s.commitProgress({ runId: 'run_1', spans: spans('run_1', 6, 2) })).toEqual({ enqueued: 2, alreadyPresent: 0 });
    expect(s.outboxDepth()).toBe(5);
  });

  it('lets an empty outbox take a commit larger than the cap, so it cannot stall', () => {
    const s = store({ outboxCap: 2 });
    expect(s.commitProgress({ runId: 'run_1', spans: spans('run_1', 1, 4) })).toEqual({ enqueued: 4, alreadyPresent: 0 });
    expect(() => s.commitProgress({ runId: 'run_1', spans: spans('run_1', 5, 1) })).toThrow(OutboxFullError);
  });

  it('rejects a cap that is not a positive integer', () => {
    expect(() => openRunLedger(':memory:', { outboxCap: 0 })).toThrow(RangeError);
    expect(() => openRunLedger(':memory:', { outboxCap: 1.5 })).toThrow(RangeError);
  });
});
