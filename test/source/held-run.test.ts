// The run copy the watch loop holds: every field a span or metric reads survives, so mapping a
// held run gives the same spans as mapping the full payload; fields nothing reads are gone; and
// the source hands out held runs, with instructions only when content capture is on.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/defaults.js';
import { mapRunSpan, mapStepSpans } from '../../src/sources/assistants/mapping/map-run.js';
import { metricObservationsFor } from '../../src/sources/assistants/run-totals.js';
import { freezeContext } from '../../src/sources/assistants/mapping/frozen-context.js';
import { AssistantsSource } from '../../src/sources/assistants/assistants-source.js';
import { createApiClient } from '../../src/api/client.js';
import { heldRun } from '../../src/sources/assistants/held-run.js';
import { startSimulator, type RunningSimulator, type Truth } from '../../src/simulator/index.js';
import { context, LIMITS, run, T0, toolStep } from '../mapping/fixtures.js';

let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.shutdown();
  sim = undefined;
});

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/** A run with everything a span or metric can read, plus the fields the API adds that none reads. */
function fullRun() {
  return run({
    status: 'failed',
    failed_at: T0 + 7,
    completed_at: null,
    expires_at: T0 + 600,
    agent_id: 'agent_9',
    instructions: 'You answer questions about the weather.',
    last_error: { code: 'rate_limit_exceeded', message: 'slow down', param: 'x' },
    incomplete_details: { reason: 'max_prompt_tokens' },
    usage: { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150, prompt_token_details: { cached_tokens: 4 } },
    metadata: { traceparent: TRACEPARENT, team: 'support' },
    tools: [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
    ],
    tool_resources: { file_search: { vector_store_ids: ['vs_1'] } },
    truncation_strategy: { type: 'auto', last_messages: null },
    required_action: null,
    temperature: 0.2,
    top_p: 0.9,
    max_completion_tokens: 512,
    response_format: {
      type: 'json_schema',
      json_schema: { name: 'answer', schema: { type: 'object', properties: { text: { type: 'string' } } } },
    },
    x_vendor_shard: 'eu-3',
  });
}

describe('heldRun', () => {
  it('maps to exactly the spans and metrics of the full payload when instructions are kept', () => {
    const full = fullRun();
    const held = heldRun(full, { keepInstructions: true });
    const step = toolStep([{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}', output: 'sunny' } }]);
    for (const captureContent of [false, true]) {
      const ctx = context({ captureContent, traceparent: TRACEPARENT });
      expect(mapRunSpan(held, ctx, T0 + 5, LIMITS)).toEqual(mapRunSpan(full, ctx, T0 + 5, LIMITS));
      expect(mapStepSpans(held, step, ctx, LIMITS)).toEqual(mapStepSpans(full, step, ctx, LIMITS));
    }
    const observe = (payload: typeof full) =>
      metricObservationsFor({ run: payload, ctx: context({}), runFinished: true, newSteps: [step], latestStepEnd: T0 + 5 });
    expect(observe(held)).toEqual(observe(full));
    const inputs = {
      agentName: null,
      captureContent: false,
      contentMaxLength: 100,
      providerName: 'openai',
      baseURL: 'https://api.openai.com/v1',
      nowSeconds: T0,
    };
    expect(freezeContext(held, inputs)).toEqual(freezeContext(full, inputs));
  });

  it('without instructions maps to the same spans as long as content capture is off', () => {
    const full = fullRun();
    const held = heldRun(full, { keepInstructions: false });
    expect(held.instructions).toBeUndefined();
    const ctx = context({ captureContent: false });
    expect(mapRunSpan(held, ctx, null, LIMITS)).toEqual(mapRunSpan(full, ctx, null, LIMITS));
  });

  it('keeps none of the fields no span or metric reads, and one key set whatever arrived', () => {
    const held = heldRun(fullRun(), { keepInstructions: true });
    for (const key of ['tools', 'tool_resources', 'truncation_strategy', 'required_action', 'x_vendor_shard', 'object']) {
      expect(held).not.toHaveProperty(key);
    }
    // Nested objects keep what they carried: a span reads last_error.message, metrics read usage.
    expect(held.last_error).toEqual({ code: 'rate_limit_exceeded', message: 'slow down', param: 'x' });
    // A response format keeps its type and loses its schema.
    expect(held.response_format).toBe('json_schema');
    expect(held).toMatchObject({ temperature: 0.2, top_p: 0.9, max_completion_tokens: 512 });
    const sparse = heldRun(run({ usage: null, metadata: null }), { keepInstructions: false });
    expect(Object.keys(sparse)).toEqual(Object.keys(held));
  });
});

describe('the source hands out held runs', () => {
  async function listedRuns(includeFileSearchContent: boolean) {
    sim = await startSimulator({ apiKey: 'sk-test', world: { threads: 1, backfillRuns: 3, liveRuns: 0 }, clock: { speed: 0 } });
    const truth = (await (await fetch(`${sim.origin}/_sim/truth`)).json()) as Truth;
    const threadId = truth.runs[0]!.threadId;
    const client = createApiClient({ ...DEFAULTS.api, timeoutMs: 5_000, baseURL: sim.url, apiKey: 'sk-test' }, (input, init) =>
      fetch(input, init),
    );
    const source = new AssistantsSource({ client, includeFileSearchContent });
    const listed = await source.listRuns(threadId, null);
    const retrieved = await source.retrieveRun(threadId, listed.items[0]!.id);
    // What the API sent, for comparison.
    const raw = (await (
      await fetch(`${sim.url}/threads/${threadId}/runs?order=asc&limit=100`, {
        headers: { authorization: 'Bearer sk-test', 'OpenAI-Beta': 'assistants=v2' },
      })
    ).json()) as { data: Record<string, unknown>[] };
    return { listed: listed.items, retrieved, raw: raw.data };
  }

  it('drops the tool definitions and, with content capture off, the instructions', async () => {
    const { listed, retrieved, raw } = await listedRuns(false);
    expect(raw[0]).toHaveProperty('tools');
    expect(typeof raw[0]!.instructions).toBe('string');
    expect(listed.map((r) => r.id)).toEqual(raw.map((r) => r.id));
    for (const r of [...listed, retrieved]) {
      expect(r).not.toHaveProperty('tools');
      expect(r.instructions).toBeUndefined();
    }
    expect(listed.map((r) => r.status)).toEqual(raw.map((r) => r.status));
  });

  it('keeps the instructions with content capture on', async () => {
    const { listed, retrieved, raw } = await listedRuns(true);
    expect(listed.map((r) => r.instructions)).toEqual(raw.map((r) => r.instructions));
    expect(retrieved.instructions).toBe(raw[0]!.instructions);
  });
});
