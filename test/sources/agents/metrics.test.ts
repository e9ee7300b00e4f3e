// Metrics from turns: status, duration and queue time when a root turn is first seen terminal;
// tokens when a turn settles (input and output as token types, cached and reasoning apart);
// missing traces; the session's agent and model as labels; history said on each observation.
import { describe, expect, it } from 'vitest';
import type { MetricObservation } from '../../../src/core/observation.js';
import { GENAI_V010_METRICS, METRICS } from '../../../src/metrics/catalog.js';
import { AGENTS_METRICS, AGENTS_OBSERVED_METRICS, turnObservations, type TurnMetricsInput } from '../../../src/sources/agents/metrics.js';
import { SESSION, turnFacts } from './helpers.js';

const observe = (extra: Partial<TurnMetricsInput> = {}) =>
  turnObservations({ turn: turnFacts(), session: SESSION, firstSeenTerminal: false, settled: false, ...extra });

const WHO = { 'gen_ai.request.model': 'gpt-5.1', 'gen_ai.agent.id': 'agent_1', 'gen_ai.agent.name': 'Support Triage' };
const named = (observations: MetricObservation[], name: string) => observations.filter((o) => o.name === name);

describe("the source's metric catalog", () => {
  it('has names of its own, apart from every shared metric, and observes the shared gen_ai ones', () => {
    const own = Object.values(AGENTS_METRICS).map((m) => m.name);
    const shared = [...Object.values(METRICS), ...Object.values(GENAI_V010_METRICS)].map((m) => m.name);
    for (const name of own) {
      expect(shared).not.toContain(name);
      expect(name).toMatch(/^openai\.agents\./);
    }
    expect(AGENTS_OBSERVED_METRICS.map((m) => m.name)).toEqual(
      expect.arrayContaining([...own, 'gen_ai.client.token.usage', 'gen_ai.client.operation.duration']),
    );
  });

  it('lists every label any observation carries', () => {
    const all = [
      ...observe({ firstSeenTerminal: true, settled: true, missingTrace: 'unreadable' }),
      ...observe({ turn: turnFacts({ status: 'failed', error: { code: 'server_error', message: 'm' } }), firstSeenTerminal: true }),
    ];
    const specs = new Map(AGENTS_OBSERVED_METRICS.map((m) => [m.name, m]));
    for (const o of all) {
      const spec = specs.get(o.name);
      expect(spec, o.name).toBeDefined();
      for (const label of Object.keys(o.labels)) expect(spec!.attributes, `${o.name} ${label}`).toContain(label);
    }
  });
});

describe('a root turn first seen terminal', () => {
  it('counts once by status, with its duration, its invoke_agent operation duration and its queue time; no tokens yet', () => {
    expect(observe({ firstSeenTerminal: true })).toEqual([
      { name: 'openai.agents.turns', labels: { 'openai.agents.turn.status': 'completed', ...WHO }, value: 1, history: false },
      { name: 'openai.agents.turn.duration', labels: { 'openai.agents.turn.status': 'completed', ...WHO }, value: 30, history: false },
      { name: 'gen_ai.client.operation.duration', labels: { 'gen_ai.operation.name': 'invoke_agent', ...WHO }, value: 30, history: false },
      { name: 'openai.agents.turn.queue.duration', labels: WHO, value: 2, history: false },
    ]);
  });

  it('counts a failed turn by its error code, _OTHER when it has none', () => {
    const failed = observe({
      firstSeenTerminal: true,
      turn: turnFacts({ status: 'failed', error: { code: 'context_length_exceeded', message: 'm' } }),
    });
    expect(named(failed, 'openai.agents.turns')[0]?.labels).toEqual({
      'openai.agents.turn.status': 'failed',
      'error.type': 'context_length_exceeded',
      ...WHO,
    });
    expect(named(failed, 'gen_ai.client.operation.duration')[0]?.labels['error.type']).toBe('context_length_exceeded');
    const bare = observe({ firstSeenTerminal: true, turn: turnFacts({ status: 'failed', error: null }) });
    expect(named(bare, 'openai.agents.turns')[0]?.labels['error.type']).toBe('_OTHER');
  });

  it('leaves a cancelled turn that never started out of the queue time', () => {
    const cancelled = observe({ firstSeenTerminal: true, turn: turnFacts({ status: 'cancelled', startedAt: null }) });
    expect(cancelled.map((o) => o.name)).toEqual([
      'openai.agents.turns',
      'openai.agents.turn.duration',
      'gen_ai.client.operation.duration',
    ]);
    expect(cancelled[0]?.labels['error.type']).toBeUndefined();
  });

  it('records no duration for a turn without completed_at', () => {
    expect(observe({ firstSeenTerminal: true, turn: turnFacts({ completedAt: null }) }).map((o) => o.name)).toEqual([
      'openai.agents.turns',
      'openai.agents.turn.queue.duration',
    ]);
  });
});

describe('a turn that settles', () => {
  it('counts its tokens: input and output as token types, cached input and reasoning as series of their own, never added', () => {
    const settled = observe({ settled: true });
    const op = { 'gen_ai.operation.name': 'invoke_agent' };
    expect(settled).toEqual([
      { name: 'gen_ai.client.token.usage', labels: { ...op, 'gen_ai.token.type': 'input', ...WHO }, value: 1200, history: false },
      { name: 'gen_ai.client.token.usage', labels: { ...op, 'gen_ai.token.type': 'output', ...WHO }, value: 80, history: false },
      { name: GENAI_V010_METRICS.cacheReadTokens.name, labels: { ...op, ...WHO }, value: 300, history: false },
      { name: GENAI_V010_METRICS.reasoningTokens.name, labels: { ...op, ...WHO }, value: 20, history: false },
    ]);
  });

  it('counts no tokens when the turn reports no usage, and those it reports when some are missing', () => {
    expect(observe({ settled: true, turn: turnFacts({ usage: null }) })).toEqual([]);
    expect(observe({ settled: true, turn: turnFacts({ usage: { input_tokens: 5, output_tokens: 'x' } }) }).map((o) => o.value)).toEqual([
      5,
    ]);
  });

  it("counts a subagent turn's tokens, under the session's agent and model, and nothing else of it", () => {
    const sub = turnFacts({ subagentId: 'sub_1', agentId: 'sub_1' });
    expect(observe({ turn: sub, firstSeenTerminal: true, missingTrace: 'not_published' })).toEqual([]);
    const settled = observe({ turn: sub, settled: true, firstSeenTerminal: true, missingTrace: 'not_published' });
    expect(settled.map((o) => o.name)).toEqual([
      'gen_ai.client.token.usage',
      'gen_ai.client.token.usage',
      GENAI_V010_METRICS.cacheReadTokens.name,
      GENAI_V010_METRICS.reasoningTokens.name,
    ]);
    for (const o of settled) expect(o.labels).toMatchObject(WHO);
  });

  it('counts a trace that never appeared, by why', () => {
    const missing = named(observe({ settled: true, missingTrace: 'too_large' }), AGENTS_METRICS.missingTraces.name);
    expect(missing).toEqual([
      {
        name: 'openai.agents.traces.missing',
        labels: { 'assistants_bridge.trace_unavailable': 'too_large', ...WHO },
        value: 1,
        history: false,
      },
    ]);
    expect(named(observe({ settled: true }), AGENTS_METRICS.missingTraces.name)).toEqual([]);
  });
});

describe('labels and history', () => {
  it("say 'unknown' for what the session does not say, leave out a missing agent name, and cut a huge one", () => {
    const anonymous = observe({
      firstSeenTerminal: true,
      session: { ...SESSION, agentId: null, agentName: null, model: null },
      turn: turnFacts({ agentId: null }),
    });
    expect(anonymous[0]?.labels).toEqual({
      'openai.agents.turn.status': 'completed',
      'gen_ai.request.model': 'unknown',
      'gen_ai.agent.id': 'unknown',
    });
    const huge = observe({ firstSeenTerminal: true, session: { ...SESSION, agentName: 'a'.repeat(1000) } });
    expect(huge[0]?.labels['gen_ai.agent.name']).toHaveLength(128);
  });

  it('mark every observation of a turn that ended long before the bridge first saw its session as history', () => {
    const old = turnFacts({ createdAt: 1_700_000_000, startedAt: 1_700_000_001, completedAt: 1_700_000_010 });
    const all = observe({ turn: old, firstSeenTerminal: true, settled: true, missingTrace: 'not_published' });
    expect(all.length).toBeGreaterThan(5);
    for (const o of all) expect(o.history).toBe(true);
    // Ten minutes is the edge: work that ended later than that before the first look is news.
    const recent = turnFacts({ completedAt: SESSION.firstSeenSeconds - 600 });
    for (const o of observe({ turn: recent, firstSeenTerminal: true })) expect(o.history).toBe(false);
  });
});
