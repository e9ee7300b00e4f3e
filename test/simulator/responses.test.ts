// The Responses and Conversations API through the real openai SDK over HTTP (OpenAI dialect):
// the seeded world and its truth, retrieve with include[], input items, background responses on
// the virtual clock, cancel, create, conversations, no list of responses, and the shared faults.
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  FUTURE_ITEM_TYPE,
  RESPONSE_KINDS,
  type ResponsesTruth,
  type RunningSimulator,
  type TruthResponse,
} from '../../src/simulator/index.js';
import { advance, control, startFrozen } from './helpers.js';

let sim: RunningSimulator;
let client: OpenAI;
let truth: ResponsesTruth;

const truthOf = async (s: RunningSimulator): Promise<ResponsesTruth> =>
  (await control(s, '/responses/truth')).json as unknown as ResponsesTruth;
const byKind = (kind: string): TruthResponse => truth.responses.find((r) => r.kind === kind && r.finished)!;
const ALL_INCLUDES = [
  'file_search_call.results',
  'web_search_call.action.sources',
  'code_interpreter_call.outputs',
  'reasoning.encrypted_content',
] as const;

beforeAll(async () => {
  // Enough backfill that every kind, and so every item type, has finished before the start.
  sim = await startFrozen({ seed: 11, responses: { world: { backfillResponses: 60, liveResponses: 8 } } });
  client = new OpenAI({ apiKey: sim.apiKey, baseURL: sim.responsesUrl, maxRetries: 0 });
  truth = await truthOf(sim);
});
afterAll(() => sim.shutdown());
beforeEach(() => sim.setFaults({}));

describe('the seeded world', () => {
  it('has every kind, every output item type the SDK names plus an unknown one, and every end status', () => {
    expect(new Set(truth.responses.map((r) => r.kind))).toEqual(new Set([...RESPONSE_KINDS, 'continuation']));
    const types = new Set(truth.responses.flatMap((r) => (r.response.output as { type: string }[]).map((i) => i.type)));
    for (const type of [
      'message',
      'reasoning',
      'function_call',
      'web_search_call',
      'file_search_call',
      'code_interpreter_call',
      'mcp_call',
      'mcp_list_tools',
      'mcp_approval_request',
      'computer_call',
      'image_generation_call',
      'custom_tool_call',
      'local_shell_call',
      'shell_call',
      'apply_patch_call',
      'compaction',
      FUTURE_ITEM_TYPE,
    ]) {
      expect(types, type).toContain(type);
    }
    const inputTypes = new Set(truth.responses.flatMap((r) => r.inputItems.map((i) => i.type)));
    for (const type of [
      'message',
      'function_call_output',
      'computer_call_output',
      'custom_tool_call_output',
      'local_shell_call_output',
      'shell_call_output',
      'apply_patch_call_output',
      'mcp_approval_response',
    ]) {
      expect(inputTypes, type).toContain(type);
    }
    expect(new Set(truth.responses.map((r) => r.expectedStatus))).toEqual(new Set(['completed', 'failed', 'cancelled', 'incomplete']));
  });

  it('is the same for the same seed and different for another', async () => {
    const again = await startFrozen({ seed: 11, responses: { world: { backfillResponses: 60, liveResponses: 8 } } });
    const other = await startFrozen({ seed: 12, responses: { world: { backfillResponses: 60, liveResponses: 8 } } });
    try {
      expect((await truthOf(again)).responses).toEqual(truth.responses);
      expect((await truthOf(other)).responses.map((r) => r.id)).not.toEqual(truth.responses.map((r) => r.id));
    } finally {
      await Promise.all([again.shutdown(), other.shutdown()]);
    }
  });

  it('lays the backfill out before the start and the live responses after it', () => {
    const start = sim.world.clock.startEpoch;
    for (const r of truth.responses) {
      if (r.origin === 'backfill') expect(r.endAt).toBeLessThan(start);
      else expect(r.createdAt).toBeGreaterThan(start);
    }
  });

  it('chains turns by previous_response_id or by a conversation, never both', () => {
    const ids = new Set(truth.responses.map((r) => r.id));
    const chained = truth.responses.filter((r) => r.previousResponseId !== null);
    expect(chained.length).toBeGreaterThan(0);
    for (const r of chained) {
      expect(ids).toContain(r.previousResponseId);
      expect(r.conversationId).toBeNull();
    }
    for (const c of truth.conversations)
      expect(c.responseIds.every((id) => truth.responses.find((r) => r.id === id)!.conversationId === c.id)).toBe(true);
  });
});

describe('responses.retrieve', () => {
  it('returns every finished response as the truth has it (with every include)', async () => {
    for (const r of truth.responses.filter((x) => x.finished)) {
      const got = await client.responses.retrieve(r.id, { include: [...ALL_INCLUDES] });
      expect(got).toMatchObject(r.response);
    }
  });

  it('leaves out what only include[] asks for', async () => {
    const files = await client.responses.retrieve(byKind('file_search').id);
    const search = files.output.find((i) => i.type === 'file_search_call');
    expect(search?.type === 'file_search_call' ? search.results : undefined).toBeNull();
    const code = await client.responses.retrieve(byKind('code_interpreter').id);
    const run = code.output.find((i) => i.type === 'code_interpreter_call');
    expect(run?.type === 'code_interpreter_call' ? run.outputs : undefined).toBeNull();
    const withOutputs = await client.responses.retrieve(byKind('code_interpreter').id, { include: ['code_interpreter_call.outputs'] });
    const runWith = withOutputs.output.find((i) => i.type === 'code_interpreter_call');
    expect(runWith?.type === 'code_interpreter_call' ? runWith.outputs : undefined).toEqual([{ type: 'logs', logs: expect.any(String) }]);
  });

  it('reports usage with cached and reasoning tokens, errors and incomplete details', async () => {
    const completed = truth.responses.filter((r) => r.finished && r.expectedStatus === 'completed');
    expect(
      completed.some(
        (r) => (r.response.usage as { input_tokens_details: { cached_tokens: number } }).input_tokens_details.cached_tokens > 0,
      ),
    ).toBe(true);
    expect(
      completed.some(
        (r) => (r.response.usage as { output_tokens_details: { reasoning_tokens: number } }).output_tokens_details.reasoning_tokens > 0,
      ),
    ).toBe(true);
    const failed = await client.responses.retrieve(byKind('failed').id);
    expect(failed).toMatchObject({
      status: 'failed',
      error: { code: expect.any(String), message: expect.any(String) },
      completed_at: null,
      usage: null,
    });
    const cut = await client.responses.retrieve(byKind('incomplete').id);
    expect(cut).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, completed_at: null });
    expect(cut.usage!.output_tokens).toBe(cut.max_output_tokens);
    const filtered = await client.responses.retrieve(byKind('content_filter').id);
    expect(filtered.incomplete_details).toEqual({ reason: 'content_filter' });
    const done = await client.responses.retrieve(byKind('message').id);
    expect(done.completed_at).toBeGreaterThanOrEqual(done.created_at);
    expect(done.usage!.total_tokens).toBe(done.usage!.input_tokens + done.usage!.output_tokens);
  });

  it('answers 404 in the API error shape for an unknown id', async () => {
    const error = await client.responses.retrieve('resp_nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).error).toEqual({
      message: "Response with id 'resp_nope' not found.",
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
  });

  it('refuses an unknown include value', async () => {
    const res = await fetch(`${sim.responsesUrl}/responses/${byKind('message').id}?include[]=everything`, {
      headers: { authorization: `Bearer ${sim.apiKey}` },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('include[0]');
  });
});

describe('input items', () => {
  it('auto-paginates the 230 input items of the huge response, newest first by default', async () => {
    const huge = byKind('huge');
    const ids: string[] = [];
    for await (const item of client.responses.inputItems.list(huge.id, { limit: 100 })) ids.push(item.id);
    expect(ids).toEqual(huge.inputItems.map((i) => i.id).reverse());
    const asc: unknown[] = [];
    for await (const item of client.responses.inputItems.list(huge.id, { order: 'asc', limit: 100 })) asc.push(item);
    expect(asc).toEqual(huge.inputItems);
  });

  it('holds the app outputs a continuation answered with', async () => {
    const next = truth.responses.find((r) => r.kind === 'continuation' && r.inputItems.some((i) => i.type === 'function_call_output'))!;
    const page = await client.responses.inputItems.list(next.id, { order: 'asc' });
    expect(page.data.map((i) => i.type)).toEqual(next.inputItems.map((i) => i.type));
  });
});

describe('no list of responses on OpenAI', () => {
  it('answers GET /responses and GET /conversations with 404 Invalid URL', async () => {
    for (const path of ['/responses', '/conversations']) {
      const res = await fetch(`${sim.responsesUrl}${path}`, { headers: { authorization: `Bearer ${sim.apiKey}` } });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(`Invalid URL (GET /v1${path})`);
    }
  });
});

describe('background responses on the virtual clock', () => {
  it('go queued, in_progress with items appearing, then completed with usage', async () => {
    const started = (await control(sim, '/responses', { kind: 'code_interpreter', background: true, agent: null })).json as {
      response_id: string;
    };
    const seen: string[] = [];
    let last = await client.responses.retrieve(started.response_id);
    for (let i = 0; i < 60 && (last.status === 'queued' || last.status === 'in_progress'); i++) {
      if (seen[seen.length - 1] !== last.status) seen.push(last.status);
      if (last.status === 'queued') expect(last.output).toEqual([]);
      expect(last).toMatchObject({ usage: null, completed_at: null });
      await advance(sim, 1);
      last = await client.responses.retrieve(started.response_id);
    }
    expect(seen.at(-1)).toBe('in_progress');
    expect(last.status).toBe('completed');
    expect(last.usage).not.toBeNull();
    expect(last.background).toBe(true);
    expect(last.output.map((i) => i.type)).toEqual(['reasoning', 'code_interpreter_call', 'message']);
  });

  it('shows a running tool call with its running status', async () => {
    const started = (await control(sim, '/responses', { kind: 'web_search', background: true })).json as { response_id: string };
    const statuses = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const r = await client.responses.retrieve(started.response_id);
      for (const item of r.output) if (item.type === 'web_search_call') statuses.add(item.status);
      if (r.status === 'completed') break;
      await advance(sim, 1);
    }
    expect(statuses).toContain('searching');
    expect(statuses).toContain('completed');
  });
});

describe('create and cancel', () => {
  it('answers a synchronous create finished, in its creation second', async () => {
    const r = await client.responses.create({
      model: 'gpt-4.1-mini',
      input: 'Hello',
      metadata: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });
    expect(r).toMatchObject({
      status: 'completed',
      background: false,
      metadata: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });
    expect(r.completed_at).toBe(r.created_at);
    expect(await client.responses.retrieve(r.id)).toMatchObject({ status: 'completed', id: r.id });
    const items = await client.responses.inputItems.list(r.id);
    expect(items.data).toEqual([
      {
        id: expect.stringMatching(/^msg_/),
        type: 'message',
        role: 'user',
        status: 'completed',
        content: [{ type: 'input_text', text: 'Hello' }],
      },
    ]);
    await expect(client.responses.cancel(r.id)).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('cancels a background response, and cancelling again returns it unchanged', async () => {
    await control(sim, '/responses/next', { kind: 'slow_queue' });
    const r = await client.responses.create({ model: 'gpt-4.1-mini', input: 'Take your time', background: true });
    expect(r.status).toBe('queued');
    const cancelled = await client.responses.cancel(r.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', usage: null, completed_at: null });
    await advance(sim, 60);
    expect(await client.responses.cancel(r.id)).toEqual(cancelled);
    expect(await client.responses.retrieve(r.id)).toMatchObject(cancelled);
  });

  it('answers tool outputs with a continuation that carries previous_response_id', async () => {
    await control(sim, '/responses/next', { kind: 'function_call' });
    const first = await client.responses.create({ model: 'gpt-4.1', input: 'Where is my order?' });
    const calls = first.output.filter((i) => i.type === 'function_call');
    expect(calls.length).toBeGreaterThan(0);
    const next = await client.responses.create({
      model: 'gpt-4.1',
      previous_response_id: first.id,
      input: calls.map((c) => ({
        type: 'function_call_output' as const,
        call_id: c.call_id,
        output: '{"status":"shipped"}',
      })),
    });
    expect(next.previous_response_id).toBe(first.id);
    expect(next.output.at(-1)?.type).toBe('message');
  });

  it('checks the body as the API does', async () => {
    await expect(
      client.responses.create({ input: 'no model' } as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming),
    ).rejects.toMatchObject({ status: 400, error: { param: 'model', code: 'missing_required_parameter' } });
    await expect(client.responses.create({ model: 'gpt-4.1', previous_response_id: 'resp_missing' })).rejects.toMatchObject({
      status: 404,
      error: { param: 'previous_response_id' },
    });
    const conv = await client.conversations.create();
    await expect(
      client.responses.create({ model: 'gpt-4.1', previous_response_id: byKind('message').id, conversation: conv.id }),
    ).rejects.toMatchObject({ status: 400, error: { code: 'mutually_exclusive_parameters' } });
    await expect(
      client.responses.create({ model: 'gpt-4.1', input: [{ role: 'user' } as unknown as OpenAI.Responses.EasyInputMessage] }),
    ).rejects.toMatchObject({ status: 400, error: { param: 'input[0].content' } });
    await expect(client.conversations.update(conv.id, {} as OpenAI.Conversations.ConversationUpdateParams)).rejects.toMatchObject({
      status: 400,
      error: { param: 'metadata' },
    });
    const agentOnOpenAI = await fetch(`${sim.responsesUrl}/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4.1', agent_reference: { type: 'agent_reference', name: 'support-triage' } }),
    });
    expect(agentOnOpenAI.status).toBe(400);
    expect(((await agentOnOpenAI.json()) as { error: { code: string } }).error.code).toBe('unknown_parameter');
  });

  it('deletes a response: 404 from then on', async () => {
    const r = await client.responses.create({ model: 'gpt-4.1-mini', input: 'Forget me' });
    await client.responses.delete(r.id);
    await expect(client.responses.retrieve(r.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe('conversations', () => {
  it("create, retrieve, update, and list items: each response's input then its output", async () => {
    const conv = await client.conversations.create({
      metadata: { topic: 'orders' },
      items: [{ type: 'message', role: 'user', content: 'Hi' }],
    });
    expect(conv).toMatchObject({ object: 'conversation', metadata: { topic: 'orders' } });
    expect(await client.conversations.retrieve(conv.id)).toEqual(conv);
    const r = await client.responses.create({ model: 'gpt-4.1-mini', conversation: conv.id, input: 'Where is my order?' });
    expect(r.conversation).toEqual({ id: conv.id });
    const items: OpenAI.Conversations.ConversationItem[] = [];
    for await (const item of client.conversations.items.list(conv.id, { order: 'asc' })) items.push(item);
    expect(items.map((i) => i.type)).toEqual(['message', 'message', ...r.output.map((o) => o.type)]);
    const updated = await client.conversations.update(conv.id, { metadata: { topic: 'refunds' } });
    expect(updated.metadata).toEqual({ topic: 'refunds' });
    const one = await client.conversations.items.retrieve(items[0]!.id!, { conversation_id: conv.id });
    expect(one).toEqual(items[0]);
  });

  it('has the items of a generated conversation', async () => {
    const c = truth.conversations.find(
      (x) => x.responseIds.length > 0 && x.responseIds.every((id) => truth.responses.find((r) => r.id === id)!.finished),
    )!;
    const expected = c.responseIds.flatMap((id) => {
      const r = truth.responses.find((x) => x.id === id)!;
      return [...r.inputItems, ...(r.response.output as { id: string }[])].map((i) => i.id);
    });
    const ids: string[] = [];
    for await (const item of client.conversations.items.list(c.id, { order: 'asc', limit: 100 })) ids.push(item.id!);
    expect(ids).toEqual(expected);
    await expect(client.conversations.retrieve('conv_nope')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe("faults and credentials are the simulator's own", () => {
  it('429 with retry-after, 5xx and latency on Responses routes, logged', async () => {
    const id = byKind('message').id;
    sim.clearRequestLog();
    sim.setFaults({ rateLimit429: { every: 1, headers: 'retry-after', retryAfterSeconds: 2 } });
    const limited = await client.responses.retrieve(id).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('2');
    sim.setFaults({ serverError: { every: 1, status: 503 } });
    await expect(client.responses.retrieve(id)).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    sim.setFaults({ latencyMs: 150 });
    const t0 = Date.now();
    await client.responses.retrieve(id);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(sim.requestLog().map((e) => [e.path, e.status, e.fault])).toEqual([
      [`/v1/responses/${id}`, 429, 'rate_limit_429'],
      [`/v1/responses/${id}`, 503, 'server_error'],
      [`/v1/responses/${id}`, 200, null],
    ]);
  });

  it('refuses a wrong key, and needs no OpenAI-Beta header', async () => {
    const wrong = new OpenAI({ apiKey: 'sk-wrong-key-123', baseURL: sim.responsesUrl, maxRetries: 0 });
    await expect(wrong.responses.retrieve(byKind('message').id)).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const plain = await fetch(`${sim.responsesUrl}/responses/${byKind('message').id}`, {
      headers: { authorization: `Bearer ${sim.apiKey}` },
    });
    expect(plain.status).toBe(200);
  });
});
