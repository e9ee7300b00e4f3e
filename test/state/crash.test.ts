import fs from 'node:fs';
import nodePath from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ownerFileFor } from '../../src/state/lock.js';
import { openRunLedger, type RunLedger } from '../../src/sources/assistants/run-ledger.js';
import { emittedStepIds } from '../support/state-file.js';
import { context, spans, startChild, tempDir, type Child } from './helpers.js';
import { secondsOf } from '../mapping/fixtures.js';

const open: RunLedger[] = [];
const children: Child[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) void s.shutdown();
  for (const c of children.splice(0)) {
    if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await c.exited;
  }
});

function openTracked(path: string): RunLedger {
  const s = openRunLedger(path);
  open.push(s);
  return s;
}

describe('crash safety', () => {
  it('keeps what a SIGKILLed process committed, exactly once', async () => {
    const path = nodePath.join(tempDir(), 'bridge.sqlite');
    const a = spans('run_1', 1, 5);
    const b = spans('run_1', 6, 3);
    const stepIds = (from: number, n: number): string[] => Array.from({ length: n }, (_, i) => `step_${from + i}`);
    const child = startChild('commit', path, {
      threadId: 'thread_1',
      runId: 'run_1',
      context: context(),
      batches: [
        { spans: a, stepIds: stepIds(1, 5), countMetrics: true },
        // The same batch again, as after a success the caller did not see: no new rows.
        { spans: a, stepIds: stepIds(1, 5), countMetrics: false },
        { spans: b, stepIds: stepIds(6, 3), countMetrics: true },
      ],
    });
    children.push(child);
    await child.waitFor('ready');
    child.proc.kill('SIGKILL');
    expect(await child.exited).toMatchObject({ signal: 'SIGKILL' });
    // It died holding the lock and with its WAL not checkpointed.
    expect(fs.existsSync(ownerFileFor(path))).toBe(true);

    const s = openTracked(path);
    expect(s.warnings).toEqual([expect.stringContaining(`pid ${child.proc.pid}`)]);
    expect(s.outboxDepth()).toBe(8);
    expect(s.outboxBatch(100).map((i) => i.span)).toEqual([...a, ...b]);
    expect(emittedStepIds(path, 'run_1')).toEqual(new Set(stepIds(1, 8)));
    expect(s.getRun('run_1')).toMatchObject({
      status: 'in_progress',
      cursorStepId: 'step_8',
      latestStepEnd: secondsOf(b.at(-1)!.end),
      frozenContext: context(),
    });
    expect(s.metricTotals()).toEqual([
      { name: 'assistants.steps', labels: { status: 'completed', 'assistants_bridge.history': 'false' }, value: 8 },
    ]);

    // Committing the same spans again after the restart adds nothing.
    expect(s.commitProgress({ runId: 'run_1', spans: [...a, ...b] })).toEqual({ enqueued: 0, alreadyPresent: 8 });
    expect(s.outboxDepth()).toBe(8);
  });

  it('a process killed in the middle of committing leaves whole commits only', async () => {
    const path = nodePath.join(tempDir(), 'bridge.sqlite');
    const batchSize = 10;
    const child = startChild('loop', path, { threadId: 'thread_1', runId: 'run_1', batchSize });
    children.push(child);
    await child.waitFor('committed 25');
    child.proc.kill('SIGKILL');
    await child.exited;

    const s = openTracked(path);
    const depth = s.outboxDepth();
    expect(depth % batchSize).toBe(0);
    const batches = depth / batchSize;
    expect(batches).toBeGreaterThanOrEqual(26);

    // Every span of every whole batch, once, in order; cursor, step end and totals agree with them.
    const items = s.outboxBatch(depth + 10);
    expect(items).toHaveLength(depth);
    expect(items.map((i) => i.span.name)).toEqual(Array.from({ length: depth }, (_, n) => `step ${n}`));
    expect(emittedStepIds(path, 'run_1').size).toBe(depth);
    expect(s.getRun('run_1')).toMatchObject({
      cursorStepId: `step_${depth - 1}`,
      latestStepEnd: 1_700_000_001 + depth - 1,
    });
    expect(s.metricTotals()).toEqual([{ name: 'assistants.steps', labels: { 'assistants_bridge.history': 'false' }, value: depth }]);
  });
});
