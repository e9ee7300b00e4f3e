// The synthetic invoke_agent span of a settled root turn whose trace never appeared, or could not
// be read: ids from the turn id, the turn's lifetime, status as for runs, the root attributes.
import { describe, expect, it } from 'vitest';
import { GEN_AI_CONVENTIONS } from '../../../src/config/semconv.js';
import { syntheticSpanKey } from '../../../src/sources/agents/keys.js';
import { missingTrace, syntheticTurnSpan, type SyntheticSpanInput } from '../../../src/sources/agents/synthetic.js';
import { readTurn } from '../../../src/sources/agents/turn.js';
import { LIMITS, SESSION, turnFacts } from './helpers.js';

const synthetic = (extra: Partial<SyntheticSpanInput> = {}) =>
  syntheticTurnSpan({ turn: turnFacts(), session: SESSION, reason: 'not_published', history: false, limits: LIMITS, ...extra });

describe('the synthetic span', () => {
  it('is an invoke_agent CLIENT root span over the turn, with the root attributes, usage and where it came from', () => {
    const span = synthetic();
    expect(span).toEqual({
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
      parent: null,
      traceFlags: 1,
      name: 'invoke_agent Support Triage',
      kind: 2,
      start: '1760000100000000000',
      end: '1760000130000000000',
      status: { code: 0 },
      attributes: {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.conversation.id': 'sess_1',
        'gen_ai.provider.name': 'openai',
        'openai.agents.session.id': 'sess_1',
        'gen_ai.agent.id': 'agent_1',
        'openai.agents.turn.id': 'turn_1',
        'gen_ai.agent.name': 'Support Triage',
        'gen_ai.request.model': 'gpt-5.1',
        'gen_ai.usage.input_tokens': 1200,
        'gen_ai.usage.output_tokens': 80,
        ...(GEN_AI_CONVENTIONS === 'genai-0.1.0'
          ? { 'gen_ai.usage.cache_read.input_tokens': 300, 'gen_ai.usage.reasoning.output_tokens': 20 }
          : {}),
        'openai.agents.turn.status': 'completed',
        'assistants_bridge.trace_source': 'synthetic',
        'assistants_bridge.trace_unavailable': 'not_published',
      },
      droppedAttributesCount: 0,
      key: syntheticSpanKey('turn_1'),
      unit: 'sess_1',
      lagSample: true,
    });
  });

  it('has ids fixed by the turn id alone: the same turn the same ids, another turn others', () => {
    const a = synthetic();
    const b = synthetic({ turn: turnFacts({ status: 'failed', completedAt: 1_760_000_999 }), reason: 'too_large', history: true });
    const c = synthetic({ turn: turnFacts({ id: 'turn_2' }) });
    expect([b.traceId, b.spanId]).toEqual([a.traceId, a.spanId]);
    expect(c.traceId).not.toBe(a.traceId);
    expect(c.spanId).not.toBe(a.spanId);
  });

  it('is named plain invoke_agent when the agent has no name', () => {
    const span = synthetic({ session: { ...SESSION, agentName: null } });
    expect(span.name).toBe('invoke_agent');
    expect(span.attributes['gen_ai.agent.name']).toBeUndefined();
  });

  it('is ERROR for a failed turn, error.type the error code, the description its message', () => {
    const span = synthetic({
      turn: turnFacts({
        status: 'failed',
        error: { code: 'rate_limit_exceeded', message: 'The request exceeds the available rate limit.' },
      }),
    });
    expect(span.status).toEqual({ code: 2, message: 'The request exceeds the available rate limit.' });
    expect(span.attributes).toMatchObject({ 'error.type': 'rate_limit_exceeded', 'openai.agents.turn.status': 'failed' });
  });

  it('is ERROR with error.type _OTHER for a failed turn that says no code', () => {
    const span = synthetic({ turn: turnFacts({ status: 'failed', error: null }) });
    expect(span.status).toEqual({ code: 2 });
    expect(span.attributes['error.type']).toBe('_OTHER');
  });

  it('is no error for a cancelled turn, and carries its status', () => {
    const span = synthetic({ turn: turnFacts({ status: 'cancelled', startedAt: null }) });
    expect(span.status).toEqual({ code: 0 });
    expect(span.attributes['openai.agents.turn.status']).toBe('cancelled');
    expect(span.attributes['error.type']).toBeUndefined();
  });

  it('says why the trace is missing', () => {
    for (const reason of ['not_published', 'too_large', 'unreadable'] as const) {
      expect(synthetic({ reason }).attributes['assistants_bridge.trace_unavailable']).toBe(reason);
    }
  });

  it('ends at the latest time the turn shows when it has no completed_at', () => {
    expect(synthetic({ turn: turnFacts({ completedAt: null }) }).end).toBe('1760000102000000000');
    const neverStarted = synthetic({ turn: turnFacts({ completedAt: null, startedAt: null }) });
    expect([neverStarted.start, neverStarted.end]).toEqual(['1760000100000000000', '1760000100000000000']);
  });

  it('never ends before it starts, and says so', () => {
    const span = synthetic({ turn: turnFacts({ completedAt: 1_760_000_050 }) });
    expect([span.start, span.end]).toEqual(['1760000100000000000', '1760000100000000000']);
    expect(span.attributes['assistants_bridge.end_clamped']).toBe(true);
  });

  it('is history, and no lag sample, for a turn that ended long before the bridge saw its session', () => {
    const span = synthetic({ history: true });
    expect([span.history, span.lagSample]).toEqual([true, undefined]);
  });

  it('keeps to the attribute limits', () => {
    const span = synthetic({
      session: { ...SESSION, agentName: 'n'.repeat(50) },
      limits: { attributeValueLengthLimit: 20, attributeCountLimit: 5 },
    });
    expect(Object.keys(span.attributes)).toHaveLength(5);
    expect(span.droppedAttributesCount).toBeGreaterThan(0);
    for (const value of Object.values(span.attributes)) if (typeof value === 'string') expect(value.length).toBeLessThanOrEqual(20);
  });

  it('is made from a turn as the API returns it', () => {
    const turn = readTurn({
      id: 'turn_9',
      object: 'agent.session.turn',
      agent_id: 'agent_1',
      session_id: 'sess_1',
      subagent_id: null,
      status: 'failed',
      created_at: 1_760_000_100,
      started_at: 1_760_000_101,
      completed_at: 1_760_000_110,
      usage: null,
      error: { code: 'server_error', message: 'The model service encountered an unexpected error.' },
      prompt_cache_options: null,
      a_field_added_later: { kept: true },
    })!;
    const span = synthetic({ turn });
    expect(span).toMatchObject({
      start: '1760000100000000000',
      end: '1760000110000000000',
      status: { code: 2, message: 'The model service encountered an unexpected error.' },
      attributes: { 'error.type': 'server_error', 'openai.agents.turn.id': 'turn_9' },
    });
    expect(span.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
  });
});

describe('which settled turn gets one', () => {
  const none = { listed: false, spans: 0, tooLarge: false };

  it('a root turn of which no span was ever read: never listed, too large, or unreadable', () => {
    expect(missingTrace(turnFacts(), none)).toBe('not_published');
    expect(missingTrace(turnFacts(), { ...none, tooLarge: true })).toBe('too_large');
    expect(missingTrace(turnFacts(), { ...none, listed: true })).toBe('unreadable');
  });

  it('never a turn of which some span was read, nor a subagent turn', () => {
    expect(missingTrace(turnFacts(), { listed: true, spans: 1, tooLarge: false })).toBeNull();
    expect(missingTrace(turnFacts({ subagentId: 'sub_1' }), none)).toBeNull();
  });
});

describe('reading a turn', () => {
  it('reads each documented field, null where absent or of the wrong type', () => {
    expect(
      readTurn({ id: 't', status: 5, created_at: 'x', started_at: -1, completed_at: Number.NaN, error: 'boom', subagent_id: 'sub_1' }),
    ).toEqual({
      id: 't',
      status: null,
      agentId: null,
      subagentId: 'sub_1',
      createdAt: null,
      startedAt: null,
      completedAt: null,
      usage: undefined,
      error: null,
    });
    for (const raw of [null, [], { id: 5 }, 'turn']) expect(readTurn(raw)).toBeNull();
  });
});
