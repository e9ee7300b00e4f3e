// The Agents API through the real openai SDK (`client.beta.agents...`) over HTTP: objects, list
// semantics, the beta header and key checks, errors, client actions, the lagging filtered list.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentsTruth, RunningSimulator } from '../../src/simulator/index.js';
import { agentsApi, agentsTruth, sdk, settle, startTurn, truthTurn } from './agents-helpers.js';
import { advance, api, control, startFrozen } from './helpers.js';

let sim: RunningSimulator;
let client: OpenAI;
let truth: AgentsTruth;

beforeAll(async () => {
  sim = await startFrozen({ seed: 11, agents: { sessions: 4, backfillTurns: 14, liveSessions: 2, liveTurns: 3 } });
  client = sdk(sim);
  truth = await agentsTruth(sim);
});
afterAll(() => sim.shutdown());

const collect = async <T>(pages: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of pages) out.push(item);
  return out;
};

describe('headers and keys', () => {
  it('the SDK sends OpenAI-Beta: agents=v1 and is served', async () => {
    const page = await client.beta.agents.sessions.list();
    expect(page.data.length).toBeGreaterThan(0);
  });

  it('refuses a request without the agents beta header, or with the Assistants one, in the OpenAI error shape', async () => {
    const headerSets: Record<string, string>[] = [{}, { 'openai-beta': 'assistants=v2' }, { 'openai-beta': 'agents=v2' }];
    for (const headers of headerSets) {
      const res = await agentsApi(sim, '/agents/sessions', { beta: false, headers });
      expect(res.status).toBe(400);
      expect(res.json).toEqual({
        error: {
          message: expect.stringContaining("'OpenAI-Beta: agents=v1'"),
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_beta',
        },
      });
    }
    const both = await agentsApi(sim, '/agents/sessions', { beta: false, headers: { 'openai-beta': 'assistants=v2, agents=v1' } });
    expect(both.status).toBe(200);
    // And the Assistants API still wants its own.
    const threads = await api(sim, `/threads/${sim.world.threads()[0]!.id}/runs`, { beta: false, headers: { 'openai-beta': 'agents=v1' } });
    expect(threads.status).toBe(400);
  });

  it('refuses a missing or wrong key with 401 before anything else', async () => {
    const missing = await agentsApi(sim, '/agents/sessions', { auth: false });
    expect(missing.status).toBe(401);
    expect(missing.json.error).toMatchObject({ type: 'invalid_request_error', code: null });
    const wrong = await agentsApi(sim, '/agents/sessions', {
      auth: false,
      beta: false,
      headers: { authorization: 'Bearer sk-wrong-key-1234' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toMatchObject({ code: 'invalid_api_key', message: expect.stringContaining('sk-') });
    await expect(sdk(sim, { apiKey: 'sk-not-this-one' }).beta.agents.sessions.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('answers unknown ids and routes with 404 in the OpenAI error shape', async () => {
    const session = truth.sessions[0]!.id;
    await expect(client.beta.agents.sessions.retrieve('sess_unknown')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.beta.agents.retrieve('agent_unknown')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.beta.agents.sessions.turns.retrieve('turn_unknown', { session_id: session })).rejects.toBeInstanceOf(
      OpenAI.NotFoundError,
    );
    await expect(client.beta.agents.sessions.subagents.retrieve('subagent_unknown', { session_id: session })).rejects.toBeInstanceOf(
      OpenAI.NotFoundError,
    );
    await expect(client.beta.agents.sessions.traces.list('sess_unknown')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const res = await agentsApi(sim, '/agents/sessions/sess_unknown/turns');
    expect(res.status).toBe(404);
    expect(res.json).toEqual({
      error: { message: "No session found with id 'sess_unknown'.", type: 'invalid_request_error', param: null, code: null },
    });
    // A turn of another session is not this session's.
    const other = truth.turns.find((t) => t.sessionId !== session)!;
    await expect(client.beta.agents.sessions.turns.retrieve(other.turnId, { session_id: session })).rejects.toBeInstanceOf(
      OpenAI.NotFoundError,
    );
    expect((await agentsApi(sim, '/agents/sessions/x/nothing')).status).toBe(404);
  });
});

describe('list semantics', () => {
  let sessionIds: string[];

  beforeAll(async () => {
    for (let i = 0; i < 24; i++) await control(sim, '/agents/sessions', { metadata: { batch: 'lists' } });
    const t = await agentsTruth(sim);
    sessionIds = t.sessions.filter((s) => s.createdAt <= t.now).map((s) => s.id);
  });

  it('defaults to order=desc and limit=20, with first_id, last_id and has_more', async () => {
    const res = await agentsApi(sim, '/agents/sessions');
    expect(res.status).toBe(200);
    const ids = res.json.data!.map((s) => s.id as string);
    const newestFirst = [...sessionIds].reverse();
    expect(ids).toEqual(newestFirst.slice(0, 20));
    expect(res.json).toMatchObject({ object: 'list', first_id: ids[0], last_id: ids[19], has_more: true });
  });

  it('pages with an exclusive after cursor in either order; the SDK walks every page', async () => {
    const first = await client.beta.agents.sessions.list({ order: 'asc', limit: 7 });
    expect(first.data.map((s) => s.id)).toEqual(sessionIds.slice(0, 7));
    const second = await client.beta.agents.sessions.list({ order: 'asc', limit: 7, after: first.data[6]!.id });
    expect(second.data.map((s) => s.id)).toEqual(sessionIds.slice(7, 14));
    expect(await collect(client.beta.agents.sessions.list({ order: 'asc', limit: 5 }))).toHaveLength(sessionIds.length);
    expect((await collect(client.beta.agents.sessions.list({ limit: 100 }))).map((s) => s.id)).toEqual([...sessionIds].reverse());
    const last = await agentsApi(sim, `/agents/sessions?order=asc&after=${sessionIds.at(-1)}`);
    expect(last.json).toEqual({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
  });

  it('checks limit and order as the API does', async () => {
    for (const query of ['limit=0', 'limit=101', 'limit=ten', 'order=newest']) {
      const res = await agentsApi(sim, `/agents/sessions?${query}`);
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({ type: 'invalid_request_error', param: query.split('=')[0] });
    }
  });
});

describe('agents', () => {
  it('creates, lists, updates and deletes a reusable agent; a session keeps the name it was created with', async () => {
    const agent = await client.beta.agents.create({
      model: 'gpt-5.1',
      name: 'Billing Helper',
      instructions: 'Answer billing questions.',
      metadata: { team: 'billing' },
      tools: [{ type: 'function', name: 'get_invoice', description: 'Fetch an invoice.', parameters: { type: 'object', properties: {} } }],
    });
    expect(agent).toMatchObject({
      object: 'agent',
      name: 'Billing Helper',
      model: 'gpt-5.1',
      metadata: { team: 'billing' },
      multi_agent: { enabled: false },
    });
    expect(agent.tools[0]).toMatchObject({ type: 'function', name: 'get_invoice', defer_loading: false });
    expect((await client.beta.agents.retrieve(agent.id)).id).toBe(agent.id);
    expect((await collect(client.beta.agents.list({ limit: 2 }))).map((a) => a.id)).toContain(agent.id);

    const session = await client.beta.agents.sessions.create({
      agent_id: agent.id,
      environment: { type: 'none' },
      input: 'Where is invoice 7?',
    });
    expect(session.agent).toMatchObject({ id: agent.id, name: 'Billing Helper', model: 'gpt-5.1' });
    await advance(sim, 1);
    const renamed = await client.beta.agents.update(agent.id, { name: 'Billing Desk' });
    expect(renamed.name).toBe('Billing Desk');
    expect(renamed.updated_at).toBeGreaterThan(agent.updated_at);
    expect((await client.beta.agents.sessions.retrieve(session.id)).agent.name).toBe('Billing Helper');

    expect(await client.beta.agents.delete(agent.id)).toEqual({ id: agent.id, object: 'agent.deleted', deleted: true });
    await expect(client.beta.agents.retrieve(agent.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('refuses an agent without a model', async () => {
    const res = await agentsApi(sim, '/agents', { body: { name: 'no model' } });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ param: 'model', code: 'missing_required_parameter' });
  });
});

describe('sessions, turns and items', () => {
  let settled: AgentsTruth;

  beforeAll(async () => {
    settled = await settle(sim);
  });

  it('every turn the API lists is the truth once settled, root and subagent turns in created_at then id order', async () => {
    let subagentTurns = 0;
    for (const session of settled.sessions) {
      if (session.deletedAt !== null) {
        await expect(client.beta.agents.sessions.turns.list(session.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
        continue;
      }
      const listed = await collect(client.beta.agents.sessions.turns.list(session.id, { order: 'asc', limit: 3 }));
      const expected = settled.turns.filter((t) => t.sessionId === session.id).map((t) => t.turn);
      expected.sort((a, b) => (a.created_at as number) - (b.created_at as number) || (a.id as string).localeCompare(b.id as string));
      expect(listed).toEqual(expected);
      for (const turn of listed.filter((t) => t.subagent_id !== null)) {
        subagentTurns += 1;
        const root = truthTurn(settled, truthTurn(settled, turn.id).rootTurnId);
        expect(turn.created_at).toBeGreaterThanOrEqual(root.turn.created_at as number);
        expect(turn.completed_at).toBeLessThanOrEqual(root.turn.completed_at as number);
        expect(await client.beta.agents.sessions.turns.retrieve(turn.id, { session_id: session.id })).toEqual(turn);
      }
    }
    expect(subagentTurns).toBeGreaterThan(0);
  });

  it('turns carry statuses, times, usage and errors as documented', async () => {
    const roots = settled.turns.filter((t) => t.subagentId === null && t.finished);
    const statuses = new Set(roots.map((t) => t.turn.status));
    expect([...statuses].sort()).toEqual(['cancelled', 'completed', 'failed']);
    for (const { turn } of roots) {
      expect(turn).toMatchObject({ object: 'agent.session.turn', subagent_id: null });
      expect(turn.completed_at as number).toBeGreaterThanOrEqual(turn.created_at as number);
      if (turn.status === 'failed') expect(turn.error).toEqual({ code: expect.any(String), message: expect.any(String) });
      else expect(turn.error).toBeNull();
      const usage = turn.usage as { input_tokens: number; output_tokens: number; total_tokens: number } | null;
      if (usage) expect(usage.total_tokens).toBe(usage.input_tokens + usage.output_tokens);
    }
  });

  it('a session shows its agent, status, last activity and usage; its items are its root agent history', async () => {
    const live = settled.sessions.find(
      (s) => s.deletedAt === null && settled.turns.some((t) => t.sessionId === s.id && t.kind === 'subagent'),
    )!;
    const session = await client.beta.agents.sessions.retrieve(live.id);
    const turns = settled.turns.filter((t) => t.sessionId === live.id);
    expect(session).toMatchObject({
      id: live.id,
      object: 'agent.session',
      status: 'idle',
      required_actions: [],
      agent: { id: live.agentId, name: live.agentName },
    });
    expect(session.last_active_at).toBe(Math.max(...turns.map((t) => t.turn.completed_at as number)));
    const tokens = turns.reduce((n, t) => n + ((t.turn.usage as { total_tokens: number } | null)?.total_tokens ?? 0), 0);
    expect(session.usage?.total_tokens).toBe(tokens);

    const items = await collect(client.beta.agents.sessions.items.list(live.id, { order: 'asc', limit: 4 }));
    const rootIds = new Set(turns.filter((t) => t.subagentId === null).map((t) => t.turnId));
    expect(items.every((i) => rootIds.has(i.turn_id))).toBe(true);
    expect(items[0]).toMatchObject({ type: 'message', role: 'user' });
    expect([...new Set(items.map((i) => i.type))]).toEqual(
      expect.arrayContaining(['message', 'create_subagent_call', 'wait_for_subagents_call', 'agent_message', 'close_subagent_call']),
    );
    // Newest first by default.
    expect((await collect(client.beta.agents.sessions.items.list(live.id))).map((i) => i.id)).toEqual(items.map((i) => i.id).reverse());

    const subagentTurn = turns.find((t) => t.subagentId !== null)!;
    const rootTurn = subagentTurn.rootTurnId;
    const turnItems = await collect(
      client.beta.agents.sessions.turns.items.list(rootTurn, { session_id: live.id, order: 'asc', limit: 2 }),
    );
    expect(turnItems.map((i) => i.id)).toEqual(items.filter((i) => i.turn_id === rootTurn).map((i) => i.id));

    const subagent = await client.beta.agents.sessions.subagents.retrieve(subagentTurn.subagentId!, { session_id: live.id });
    expect(subagent).toMatchObject({
      object: 'agent.session.subagent',
      session_id: live.id,
      parent_agent_id: live.agentId,
      status: 'closed',
    });
    expect((await collect(client.beta.agents.sessions.subagents.list(live.id))).map((s) => s.id)).toContain(subagent.id);
    const subTurns = await collect(client.beta.agents.sessions.subagents.turns.list(subagent.id, { session_id: live.id }));
    expect(subTurns).toEqual([subagentTurn.turn]);
    const history = await collect(client.beta.agents.sessions.subagents.items.list(subagent.id, { session_id: live.id, order: 'asc' }));
    expect(history[0]).toMatchObject({ type: 'agent_message', recipient_agent_id: subagent.id, turn_id: subagentTurn.turnId });
    expect(history.every((i) => i.turn_id === subagentTurn.turnId)).toBe(true);
    const sameHistory = await collect(
      client.beta.agents.sessions.subagents.turns.items.list(subagentTurn.turnId, {
        session_id: live.id,
        subagent_id: subagent.id,
        order: 'asc',
      }),
    );
    expect(sameHistory).toEqual(history);
  });
});

describe('client actions', () => {
  it('a message starts a turn; a second one while it runs is refused; cancel ends it', async () => {
    const agent = truth.agents[0]!.id;
    const session = await client.beta.agents.sessions.create({ agent_id: agent, environment: { type: 'none' }, input: 'first' });
    expect(session.status).toBe('in_progress');
    const [turn] = (await client.beta.agents.sessions.turns.list(session.id)).data;
    expect(turn).toMatchObject({ status: 'queued', started_at: null, completed_at: null, usage: null });
    const busy = await agentsApi(sim, `/agents/sessions/${session.id}/events`, {
      body: {
        events: [{ type: 'agent.session.input.message', input: [{ role: 'user', content: [{ type: 'input_text', text: 'again' }] }] }],
      },
    });
    expect(busy.status).toBe(400);
    expect(busy.json.error).toMatchObject({ code: 'active_turn_not_steerable' });
    await expect(
      client.beta.agents.sessions.events.create(session.id, { events: [{ type: 'agent.session.input.cancel' }] }),
    ).resolves.toBeUndefined();
    await advance(sim, 1);
    const cancelled = await client.beta.agents.sessions.turns.retrieve(turn!.id, { session_id: session.id });
    expect(cancelled).toMatchObject({ status: 'cancelled', error: null });
    expect((await client.beta.agents.sessions.retrieve(session.id)).status).toBe('idle');
    await client.beta.agents.sessions.events.create(session.id, {
      events: [{ type: 'agent.session.input.message', input: [{ role: 'user', content: [{ type: 'input_text', text: 'second' }] }] }],
    });
    const turns = await collect(client.beta.agents.sessions.turns.list(session.id, { order: 'asc' }));
    expect(turns.filter((t) => t.subagent_id === null)).toHaveLength(2);
  });

  it('a waiting turn asks for its function result (requires_action) and resumes with it', async () => {
    const started = await startTurn(sim, { kind: 'waiting', autoAnswer: false });
    let session = await client.beta.agents.sessions.retrieve(started.session_id);
    for (let i = 0; i < 30 && session.status !== 'requires_action'; i++) {
      await advance(sim, 1);
      session = await client.beta.agents.sessions.retrieve(started.session_id);
    }
    expect(session.status).toBe('requires_action');
    expect(truthTurn(await agentsTruth(sim), started.turn_id)).toMatchObject({
      finished: false,
      usageFinalAt: null,
      trace: { publishAt: null, spans: [] },
    });
    const action = session.required_actions[0]!;
    expect(action).toMatchObject({
      type: 'function_call',
      turn_id: started.turn_id,
      call_id: expect.any(String),
      name: expect.any(String),
    });
    expect((await client.beta.agents.sessions.turns.retrieve(started.turn_id, { session_id: started.session_id })).status).toBe('waiting');
    const call = action.type === 'function_call' ? action.call_id : '';
    const wrong = await agentsApi(sim, `/agents/sessions/${started.session_id}/events`, {
      body: {
        events: [{ type: 'agent.session.input.tool_result', turn_id: started.turn_id, call_id: 'call_other', success: true, output: '{}' }],
      },
    });
    expect(wrong.status).toBe(400);
    await client.beta.agents.sessions.events.create(started.session_id, {
      events: [{ type: 'agent.session.input.tool_result', turn_id: started.turn_id, call_id: call, success: true, output: '{"ok":true}' }],
    });
    await advance(sim, 30);
    const done = await client.beta.agents.sessions.turns.retrieve(started.turn_id, { session_id: started.session_id });
    expect(done.status).toBe('completed');
    const items = await collect(
      client.beta.agents.sessions.turns.items.list(started.turn_id, { session_id: started.session_id, order: 'asc' }),
    );
    expect(items.find((i) => i.type === 'function_call_output')).toMatchObject({ call_id: call, status: 'completed' });
  });

  it('deletes a session once its turn has ended (refused while it runs): 404 afterwards, gone from lists', async () => {
    const started = await startTurn(sim, { kind: 'tools' });
    const running = await agentsApi(sim, `/agents/sessions/${started.session_id}`, { method: 'DELETE' });
    expect(running.status).toBe(400);
    await advance(sim, 60);
    expect(await client.beta.agents.sessions.delete(started.session_id)).toEqual({
      id: started.session_id,
      object: 'agent.session.deleted',
      deleted: true,
    });
    await expect(client.beta.agents.sessions.retrieve(started.session_id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.beta.agents.sessions.traces.list(started.session_id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.beta.agents.sessions.turns.retrieve(started.turn_id, { session_id: started.session_id })).rejects.toBeInstanceOf(
      OpenAI.NotFoundError,
    );
    expect((await collect(client.beta.agents.sessions.list({ limit: 100 }))).map((s) => s.id)).not.toContain(started.session_id);
  });

  it('validates what it is sent', async () => {
    const missingEnv = await agentsApi(sim, '/agents/sessions', { body: { agent_id: truth.agents[0]!.id, input: 'hi' } });
    expect(missingEnv.json.error).toMatchObject({ param: 'environment', code: 'missing_required_parameter' });
    const noInput = await agentsApi(sim, '/agents/sessions', { body: { agent_id: truth.agents[0]!.id, environment: { type: 'none' } } });
    expect(noInput.json.error).toMatchObject({ param: 'input' });
    const noModel = await agentsApi(sim, '/agents/sessions', { body: { environment: { type: 'none' }, input: 'hi' } });
    expect(noModel.json.error).toMatchObject({ param: 'agent.model' });
    const inline = await client.beta.agents.sessions.create({ agent: { model: 'gpt-5-mini' }, environment: { type: 'none' }, input: 'hi' });
    expect(inline.agent).toMatchObject({ model: 'gpt-5-mini', name: null });
    const badEvents = await agentsApi(sim, `/agents/sessions/${inline.id}/events`, { body: { events: [] } });
    expect(badEvents.status).toBe(400);
    const badMetadata = await agentsApi(sim, `/agents/sessions/${inline.id}`, { body: { metadata: { n: 1 } } });
    expect(badMetadata.json.error).toMatchObject({ param: 'metadata.n', code: 'invalid_type' });
  });
});

describe('filtered session lists are eventually consistent', () => {
  it('a new session shows in the agent_id filter (and a metadata change in a metadata filter) only after the lag', async () => {
    const agent = truth.agents[1]!.id;
    const lag = (await control(sim, '/agents/behaviour')).json.filterLagSeconds as number;
    expect(lag).toBeGreaterThan(0);
    const session = await client.beta.agents.sessions.create({
      agent_id: agent,
      environment: { type: 'none' },
      input: 'hello',
      metadata: { stage: 'new' },
    });
    const filtered = async (query: Record<string, string>) =>
      (await collect(client.beta.agents.sessions.list({ limit: 100, ...query } as { agent_id?: string }))).map((s) => s.id);
    expect(await filtered({})).toContain(session.id);
    expect(await filtered({ agent_id: agent })).not.toContain(session.id);
    await advance(sim, lag);
    expect(await filtered({ agent_id: agent })).toContain(session.id);
    expect(await filtered({ agent_id: truth.agents[0]!.id })).not.toContain(session.id);

    await client.beta.agents.sessions.update(session.id, { metadata: { stage: 'reviewed' } });
    const byStage = async (stage: string) =>
      (await agentsApi(sim, `/agents/sessions?limit=100&metadata[stage]=${stage}`)).json.data!.map((s) => s.id);
    expect(await byStage('new')).toContain(session.id);
    expect(await byStage('reviewed')).not.toContain(session.id);
    await advance(sim, lag);
    expect(await byStage('new')).not.toContain(session.id);
    expect(await byStage('reviewed')).toContain(session.id);

    await control(sim, '/agents/behaviour', { filterLagSeconds: 0 });
    const fresh = await client.beta.agents.sessions.create({ agent_id: agent, environment: { type: 'none' }, input: 'now' });
    expect(await filtered({ agent_id: agent })).toContain(fresh.id);
    await control(sim, '/agents/behaviour', {});
  });
});
