// Outbox rows written before nanosecond times (record format 1) read as current span records:
// the parent's remoteness, the dedupe key, the unit and the lag sample each follow from what
// format 1 said with its role and run id.
import { describe, expect, it } from 'vitest';
import { readRecords, RECORD_FORMAT, upgradeFormat1 } from '../../src/state/record-format.js';
import { format1Span, span } from './helpers.js';

const APP_SPAN = '00f067aa0ba902b7';

describe('outbox rows of record format 1', () => {
  const run = format1Span('run_1', 1, {
    role: 'run',
    name: 'invoke_agent Math Tutor',
    parentSpanId: APP_SPAN,
    attributes: { 'openai.run.id': 'run_1' },
    events: [{ name: 'run.started', timeSeconds: 1_700_000_005 }],
  });
  const step = format1Span('run_1', 2);
  const tool = format1Span('run_1', 3, { role: 'tool', kind: 0, parentSpanId: step.spanId, attributes: { 'gen_ai.tool.name': 'lookup' } });
  const old = format1Span('run_1', 4, { history: true });
  const linked = format1Span('run_1', 5, {
    role: 'tool',
    parentSpanId: old.spanId,
    attributes: {},
    links: [{ traceId: 'cd'.repeat(16), spanId: 'ef'.repeat(8), traceFlags: 1 }],
  });

  it('reads a run span with its app parent as remote, keyed by the run', () => {
    const [record] = upgradeFormat1([run]);
    expect(record).toEqual({
      traceId: run.traceId,
      spanId: run.spanId,
      parent: { spanId: APP_SPAN, remote: true },
      traceFlags: 1,
      name: 'invoke_agent Math Tutor',
      kind: 2,
      start: '1700000001000000000',
      end: '1700000002000000000',
      status: { code: 0 },
      attributes: { 'openai.run.id': 'run_1' },
      droppedAttributesCount: 0,
      events: [{ name: 'run.started', time: '1700000005000000000', attributes: {} }],
      key: 'run_1',
      unit: 'run_1',
    });
    const { parentSpanId: _parent, ...root } = run;
    expect(upgradeFormat1([root])[0]?.parent).toBeNull();
  });

  it('reads a step span as the same record this version maps, a local child keyed by its step', () => {
    expect(upgradeFormat1([step])).toEqual([span('run_1', 2)]);
  });

  it("keys a tool span by its step's id, found through its parent in the same row; history has no lag sample", () => {
    const records = upgradeFormat1([step, tool, null, old, linked]);
    expect(records.map((r) => r && [r.key, r.parent, r.lagSample ?? false, r.history ?? false])).toEqual([
      ['step_2', { spanId: 'ff'.repeat(8), remote: false }, true, false],
      ['step_2', { spanId: step.spanId, remote: false }, false, false],
      null,
      ['step_4', { spanId: 'ff'.repeat(8), remote: false }, false, true],
      ['step_4', { spanId: old.spanId, remote: false }, false, false],
    ]);
    expect(records[4]?.links).toEqual([{ traceId: 'cd'.repeat(16), spanId: 'ef'.repeat(8), traceFlags: 1, attributes: {} }]);
  });

  it('reads a time a hand-edited row spoiled as the epoch rather than stopping the drain', () => {
    const [record] = upgradeFormat1([{ ...step, startSeconds: -1, endSeconds: 1.5 }]);
    expect([record?.start, record?.end]).toEqual(['0', '0']);
  });

  it('passes rows of the current format through, and refuses a format it does not know', () => {
    const current = [span('run_1', 1), null];
    expect(readRecords(current, RECORD_FORMAT)).toBe(current);
    expect(() => readRecords(current, RECORD_FORMAT + 1)).toThrow(/record format 3/);
  });
});
