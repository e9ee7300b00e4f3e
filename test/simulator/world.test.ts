import { afterEach, describe, expect, it } from 'vitest';
import { RUN_KINDS, type RunningSimulator, type Truth } from '../../src/simulator/index.js';
import { advance, control, startFrozen } from './helpers.js';

const sims: RunningSimulator[] = [];
async function frozen(...args: Parameters<typeof startFrozen>): Promise<RunningSimulator> {
  const sim = await startFrozen(...args);
  sims.push(sim);
  return sim;
}
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.shutdown()));
});

async function truth(sim: RunningSimulator): Promise<Truth> {
  return (await control(sim, '/truth')).json as unknown as Truth;
}

type Obj = Record<string, unknown>;
const stepsOfKind = (t: Truth, kind: string) => t.runs.find((r) => r.kind === kind)!;

describe('default world', () => {
  it('has every run kind among its finished runs, and a run with 250+ steps', async () => {
    const sim = await frozen();
    const t = await truth(sim);
    const backfillKinds = new Set(t.runs.filter((r) => r.origin === 'backfill').map((r) => r.kind));
    for (const kind of RUN_KINDS) expect(backfillKinds, kind).toContain(kind);
    expect(t.runs.filter((r) => r.origin === 'backfill')).toHaveLength(30);
    expect(t.pending).toHaveLength(10);
    expect(t.allFinished).toBe(false);
    expect(Math.max(...t.runs.map((r) => r.steps.length))).toBeGreaterThanOrEqual(250);
    expect(t.runs.every((r) => r.origin !== 'backfill' || r.finished)).toBe(true);
  });

  it('is identical for the same seed and differs for another', async () => {
    const [a, b, c] = await Promise.all([frozen({ seed: 11 }), frozen({ seed: 11 }), frozen({ seed: 12 })]);
    const [ta, tb, tc] = await Promise.all([truth(a), truth(b), truth(c)]);
    expect(tb).toEqual(ta);
    expect(tc.runs.map((r) => r.runId)).not.toEqual(ta.runs.map((r) => r.runId));
  });

  it('never overlaps two runs on a thread, and ids sort in creation order', async () => {
    const sim = await frozen({ seed: 5, world: { threads: 3, backfillRuns: 25, liveRuns: 8, liveWindowSeconds: 20 } });
    await advance(sim, 3000);
    const t = await truth(sim);
    expect(t.allFinished).toBe(true);
    expect(t.runs).toHaveLength(33);
    const byThread = Map.groupBy(t.runs, (r) => r.threadId);
    for (const runs of byThread.values()) {
      const ordered = [...runs].sort((x, y) => (x.run.created_at as number) - (y.run.created_at as number));
      expect(ordered.map((r) => r.runId)).toEqual(runs.map((r) => r.runId).sort());
      for (let i = 1; i < ordered.length; i++) {
        const prev = ordered[i - 1]!;
        const prevEnd = Math.max(
          ...[
            prev.run.completed_at,
            prev.run.failed_at,
            prev.run.cancelled_at,
            prev.run.expires_at,
            ...prev.steps.map((s) => s.completed_at ?? s.failed_at ?? s.cancelled_at ?? s.expired_at),
          ].filter((v): v is number => typeof v === 'number'),
          prev.run.created_at as number,
        );
        expect(ordered[i]!.run.created_at as number).toBeGreaterThanOrEqual(prevEnd);
      }
      for (const r of runs) {
        expect(r.steps.map((s) => s.id)).toEqual(r.steps.map((s) => s.id as string).sort());
      }
    }
  });
});

describe('run kinds as the API returns them when terminal', () => {
  it('renders each documented ending', async () => {
    const sim = await frozen();
    const t = await truth(sim);
    for (const r of t.runs.filter((x) => x.finished)) {
      expect(r.run.status).toBe(r.expectedStatus);
      expect(r.run.usage).toMatchObject({
        prompt_tokens: expect.any(Number),
        completion_tokens: expect.any(Number),
        total_tokens: expect.any(Number),
      });
      expect(r.run.object).toBe('thread.run');
      for (const s of r.steps) {
        expect(s).toMatchObject({ object: 'thread.run.step', thread_id: r.threadId, run_id: r.runId, assistant_id: r.run.assistant_id });
        expect(s.usage).not.toBeNull();
        expect(s.status).not.toBe('in_progress');
      }
    }

    const failed = stepsOfKind(t, 'failed');
    expect(['server_error', 'rate_limit_exceeded', 'invalid_prompt']).toContain((failed.run.last_error as Obj).code);
    expect(failed.run.failed_at).toEqual(expect.any(Number));
    expect(failed.steps.at(-1)).toMatchObject({
      status: 'failed',
      failed_at: expect.any(Number),
      last_error: { code: expect.any(String), message: expect.any(String) },
    });

    const cancelled = stepsOfKind(t, 'cancelled');
    expect(cancelled.run).toMatchObject({ status: 'cancelled', cancelled_at: expect.any(Number), completed_at: null });
    expect(cancelled.steps.some((s) => s.status === 'cancelled' && typeof s.cancelled_at === 'number')).toBe(true);

    const expired = stepsOfKind(t, 'expired');
    expect(expired.run).toMatchObject({ status: 'expired', failed_at: null, completed_at: null, cancelled_at: null, last_error: null });
    expect(expired.steps.at(-1)).toMatchObject({ status: 'expired', expired_at: expect.any(Number) });

    const incomplete = stepsOfKind(t, 'incomplete');
    expect(['max_completion_tokens', 'max_prompt_tokens']).toContain((incomplete.run.incomplete_details as Obj).reason);

    const message = stepsOfKind(t, 'message');
    expect(message.steps.map((s) => s.type)).toEqual(['message_creation']);

    const tools = stepsOfKind(t, 'tools');
    const calls = tools.steps.flatMap((s) => ((s.step_details as Obj).tool_calls as Obj[] | undefined) ?? []);
    expect(new Set(calls.map((c) => c.type))).toEqual(new Set(['function', 'code_interpreter', 'file_search']));
    const fn = calls.find((c) => c.type === 'function')!.function as Obj;
    expect(fn).toMatchObject({ name: expect.any(String), arguments: expect.any(String), output: expect.any(String) });
    const ci = calls.find((c) => c.type === 'code_interpreter')!.code_interpreter as Obj;
    expect(new Set((ci.outputs as Obj[]).map((o) => o.type))).toEqual(new Set(['logs', 'image']));
    const fs = calls.find((c) => c.type === 'file_search')!.file_search as Obj;
    expect(fs.ranking_options).toMatchObject({ ranker: expect.any(String), score_threshold: expect.any(Number) });
    expect((fs.results as Obj[])[0]).toMatchObject({
      file_id: expect.any(String),
      file_name: expect.any(String),
      score: expect.any(Number),
      content: [{ type: 'text', text: expect.any(String) }],
    });

    const extra = stepsOfKind(t, 'extra_fields');
    expect(extra.run).toHaveProperty('x_sim_region');
    expect(extra.steps.some((s) => 'x_sim_shard' in s)).toBe(true);

    const unknown = stepsOfKind(t, 'unknown_types');
    expect(unknown.steps.find((s) => s.type === 'web_search')?.step_details).toMatchObject({
      type: 'web_search',
      web_search: expect.any(Object),
    });
    const allCalls = unknown.steps.flatMap((s) => ((s.step_details as Obj).tool_calls as Obj[] | undefined) ?? []);
    expect(allCalls.find((c) => c.type === 'browser')).toMatchObject({
      id: expect.stringMatching(/^call_/),
      browser: { url: expect.any(String) },
    });

    const traced = stepsOfKind(t, 'traceparent');
    expect((traced.run.metadata as Obj).traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    expect(t.assistants.some((a) => a.name === null)).toBe(true);
  });

  it('creates scheduled runs once due, deferring one whose thread is still busy', async () => {
    const sim = await frozen({ seed: 9, world: { threads: 1, backfillRuns: 0, liveRuns: 3, liveWindowSeconds: 3 } });
    let t = await truth(sim);
    expect(t.runs).toHaveLength(0);
    expect(t.pending).toHaveLength(3);
    await advance(sim, 3);
    t = await truth(sim);
    expect(t.runs.length).toBeGreaterThanOrEqual(1);
    await advance(sim, 3000);
    t = await truth(sim);
    expect(t.runs).toHaveLength(3);
    expect(t.allFinished).toBe(true);
    const health = await control(sim, '/health');
    expect(health.json).toMatchObject({ ok: true, runs: 3, pending: 0, allFinished: true });
  });
});
