// What one finished response adds to the metrics: responses by status and error code, duration
// where the end is known, tokens by type with cached input and reasoning apart, labelled by model
// and agent, and history when it ended long before the bridge saw its unit.
import { describe, expect, it } from 'vitest';
import type { MetricObservation } from '../../../src/core/observation.js';
import { GENAI_V010_METRICS, METRICS } from '../../../src/metrics/catalog.js';
import { RESPONSE_METRICS, RESPONSES_OBSERVED_METRICS, responseObservations } from '../../../src/sources/responses/metrics.js';
import { agentResponse, context, response, T0 } from './fixtures.js';

const named = (obs: MetricObservation[], name: string): MetricObservation[] => obs.filter((o) => o.name === name);

describe('the catalog', () => {
  it("names the source's own metrics and the shared GenAI instruments it records into, each once", () => {
    const names = RESPONSES_OBSERVED_METRICS.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual([
      'openai.responses',
      'openai.response.duration',
      'gen_ai.client.token.usage',
      'gen_ai.client.operation.duration',
      'gen_ai.client.inference.usage.cache_read.input_tokens',
      'gen_ai.client.inference.usage.reasoning.output_tokens',
    ]);
    expect(RESPONSE_METRICS.responseDuration.buckets.length).toBeGreaterThan(5);
  });

  it('observes only metrics in its catalog, with only the labels each one declares (plus the history flag the registry adds)', () => {
    const specs = new Map(RESPONSES_OBSERVED_METRICS.map((m) => [m.name, m]));
    for (const r of [
      agentResponse(),
      response({ status: 'failed', error: { code: 'server_error', message: 'x' }, completed_at: null }),
      response({ status: 'cancelled', usage: null }),
    ]) {
      for (const o of responseObservations(r, context({ reportedEndSeconds: T0 + 3 }))) {
        const spec = specs.get(o.name);
        expect(spec, o.name).toBeDefined();
        for (const label of Object.keys(o.labels)) expect(spec?.attributes, `${o.name} ${label}`).toContain(label);
      }
    }
  });
});

describe('a finished response', () => {
  it('counts once by status, model and agent', () => {
    const obs = named(responseObservations(agentResponse(), context()), 'openai.responses');
    expect(obs).toEqual([
      {
        name: 'openai.responses',
        labels: {
          'openai.response.status': 'completed',
          'gen_ai.request.model': 'gpt-4.1',
          'gen_ai.agent.id': 'support-triage:3',
          'gen_ai.agent.name': 'support-triage',
        },
        value: 1,
        history: false,
      },
    ]);
  });

  it("counts a failed one by its error code, and a model's own response without agent labels", () => {
    const [obs] = named(
      responseObservations(
        response({ status: 'failed', completed_at: null, error: { code: 'rate_limit_exceeded', message: 'x' } }),
        context(),
      ),
      'openai.responses',
    );
    expect(obs?.labels).toEqual({
      'openai.response.status': 'failed',
      'error.type': 'rate_limit_exceeded',
      'gen_ai.request.model': 'gpt-4.1-mini',
    });
  });

  it('measures its duration from created_at to completed_at, in its own histogram and the operation duration', () => {
    const obs = responseObservations(agentResponse(), context());
    expect(named(obs, 'openai.response.duration').map((o) => o.value)).toEqual([7]);
    expect(named(obs, METRICS.operationDuration.name)).toEqual([
      {
        name: METRICS.operationDuration.name,
        labels: {
          'gen_ai.operation.name': 'invoke_agent',
          'gen_ai.request.model': 'gpt-4.1',
          'gen_ai.agent.id': 'support-triage:3',
          'gen_ai.agent.name': 'support-triage',
        },
        value: 7,
        history: false,
      },
    ]);
    const chat = named(responseObservations(response(), context()), METRICS.operationDuration.name);
    expect(chat[0]?.labels['gen_ai.operation.name']).toBe('chat');
  });

  it('measures a failed one to the end a webhook reported, with its error type; none without a known end', () => {
    const failed = response({ status: 'failed', completed_at: null, error: { code: 'server_error', message: 'x' } });
    const reported = responseObservations(failed, context({ reportedEndSeconds: T0 + 3 }));
    expect(named(reported, 'openai.response.duration').map((o) => o.value)).toEqual([3]);
    expect(named(reported, METRICS.operationDuration.name)[0]?.labels['error.type']).toBe('server_error');
    const unknown = responseObservations(failed, context());
    expect(named(unknown, 'openai.response.duration')).toEqual([]);
    expect(named(unknown, METRICS.operationDuration.name)).toEqual([]);
    expect(named(unknown, 'openai.responses')).toHaveLength(1);
  });

  it('records input and output as token types, and cached input and reasoning as series of their own', () => {
    const obs = responseObservations(response(), context());
    const tokens = named(obs, METRICS.tokenUsage.name).map((o) => [
      o.labels['gen_ai.token.type'],
      o.value,
      o.labels['gen_ai.operation.name'],
    ]);
    expect(tokens).toEqual([
      ['input', 120, 'chat'],
      ['output', 30, 'chat'],
    ]);
    expect(named(obs, GENAI_V010_METRICS.cacheReadTokens.name).map((o) => o.value)).toEqual([64]);
    expect(named(obs, GENAI_V010_METRICS.reasoningTokens.name).map((o) => o.value)).toEqual([12]);
  });

  it('records no tokens without usage, and only the counts usage reports', () => {
    expect(named(responseObservations(response({ usage: null }), context()), METRICS.tokenUsage.name)).toEqual([]);
    const partial = responseObservations(response({ usage: { input_tokens: 5 } }), context());
    expect(named(partial, METRICS.tokenUsage.name).map((o) => o.value)).toEqual([5]);
    expect(named(partial, GENAI_V010_METRICS.cacheReadTokens.name)).toEqual([]);
  });

  it('labels an unknown model and status as unknown, and cuts huge label values', () => {
    const [obs] = named(responseObservations(response({ model: null, status: null }), context()), 'openai.responses');
    expect(obs?.labels).toEqual({ 'openai.response.status': 'unknown', 'gen_ai.request.model': 'unknown' });
    const huge = named(
      responseObservations(agentResponse({ agent: { name: 'n'.repeat(1000), version: '1' } }), context()),
      'openai.responses',
    );
    for (const v of Object.values(huge[0]?.labels ?? {})) expect(v.length).toBeLessThanOrEqual(128);
  });
});

describe('history', () => {
  it('is news when it ended within ten minutes of the bridge first seeing its unit, history before', () => {
    expect(responseObservations(response(), context({ firstSeenSeconds: T0 + 7 + 600 })).every((o) => !o.history)).toBe(true);
    expect(responseObservations(response(), context({ firstSeenSeconds: T0 + 7 + 601 })).every((o) => o.history)).toBe(true);
  });

  it('judges a response without an end by its creation', () => {
    const failed = response({ status: 'failed', completed_at: null });
    expect(responseObservations(failed, context({ firstSeenSeconds: T0 + 601 })).every((o) => o.history)).toBe(true);
    expect(responseObservations(failed, context({ firstSeenSeconds: T0 + 100 })).every((o) => !o.history)).toBe(true);
  });
});
