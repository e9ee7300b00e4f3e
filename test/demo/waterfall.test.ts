// The demo's waterfall: a long run is drawn whole on a terminal, its first and last steps with a
// line for the steps between; short runs are drawn step by step.
import { describe, expect, it } from 'vitest';
import { drawWaterfall, NO_COLOR } from '../../src/demo/waterfall.js';
import { mapRunTrace } from '../../src/sources/assistants/mapping/map-run.js';
import { context, functionCall, LIMITS, run, step, T0, toolStep } from '../mapping/fixtures.js';

/** A run of `count` steps, one every 2 s; every third a tool call; `failedAt` fails. */
function longRun(count: number, failedAt: readonly number[] = []) {
  const steps = Array.from({ length: count }, (_, i) => {
    const times = { created_at: T0 + 2 * i, completed_at: T0 + 2 * i + 1 };
    const failed = failedAt.includes(i)
      ? { status: 'failed', completed_at: null, failed_at: T0 + 2 * i + 1, last_error: { code: 'server_error', message: 'x' } }
      : {};
    const usage = { usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 } };
    return i % 3 === 0
      ? toolStep([functionCall(`call_${i}`, 'lookup')], { id: `step_${i}`, ...times, ...usage, ...failed })
      : step({ id: `step_${i}`, ...times, ...usage, ...failed });
  });
  return mapRunTrace(run({ completed_at: T0 + 2 * count }), steps, context(), LIMITS);
}

const draw = (spans: ReturnType<typeof longRun>, maxSteps?: number) =>
  drawWaterfall(spans, { width: 140, palette: NO_COLOR, ...(maxSteps ? { maxSteps } : {}) });

describe('drawWaterfall', () => {
  it('draws a 400-step run in a screenful: the first and last steps, and one line for the rest', () => {
    const lines = draw(longRun(400, [200, 201]));
    expect(lines.length).toBeLessThanOrEqual(20);
    expect(lines[0]).toMatch(/^invoke_agent Weather Helper +█+ +800s {2}completed/);
    const chat = lines.filter((l) => /^ {2}chat gpt-4o/.test(l));
    expect(chat).toHaveLength(10);
    // The line for what was left out: how many, how long, how they ended, their tokens.
    const left = lines.find((l) => l.includes('steps not shown'));
    expect(left).toMatch(/^ {2}\.\.\. 390 steps not shown +█+ +779s {2}388 completed, 2 failed · in 3900 \/ out 390 tokens$/);
    // In time order: five steps, the line, five steps, then the trace id.
    const at = lines.indexOf(left!);
    expect(lines.slice(1, at).filter((l) => /^ {2}chat/.test(l))).toHaveLength(5);
    expect(lines.slice(at + 1, -1).filter((l) => /^ {2}chat/.test(l))).toHaveLength(5);
    expect(lines.at(-1)).toMatch(/^ {2}trace [0-9a-f]{32}$/);
    // Tool calls of the steps shown are still drawn under them.
    expect(lines[2]).toMatch(/^ {4}execute_tool lookup/);
  });

  it('draws every step of a run short enough', () => {
    const lines = draw(longRun(11));
    expect(lines.filter((l) => /^ {2}chat/.test(l))).toHaveLength(11);
    expect(lines.some((l) => l.includes('not shown'))).toBe(false);
  });

  it('keeps as many steps as asked', () => {
    const lines = draw(longRun(50), 4);
    expect(lines.filter((l) => /^ {2}chat/.test(l))).toHaveLength(4);
    expect(lines.some((l) => l.includes('46 steps not shown'))).toBe(true);
  });
});
