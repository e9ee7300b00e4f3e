// The Foundry dialect of the Responses simulator: {project}/openai/v1, the project's stored
// responses and conversations listed by agent (order, after, limit and their defaults), the agent
// reference on each response, the v1 api-version rule, Foundry credentials. The list is read
// through the openai SDK's generic cursor pagination, as a client of an OpenAI-compatible list would.
import OpenAI from 'openai';
import { CursorPage } from 'openai/pagination';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type ResponsesTruth, type RunningSimulator, type TruthResponse } from '../../src/simulator/index.js';
import { advance, control, startFrozen } from './helpers.js';

let sim: RunningSimulator;
let client: OpenAI;
let truth: ResponsesTruth;

const truthOf = async (s: RunningSimulator): Promise<ResponsesTruth> =>
  (await control(s, '/responses/truth')).json as unknown as ResponsesTruth;
/** Oldest first, as the list orders them (created_at, then creation order). */
const listed = (t: ResponsesTruth, keep: (r: TruthResponse) => boolean): string[] =>
  t.responses
    .filter((r) => r.createdAt <= t.now && !r.deleted && keep(r))
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((r) => r.id);

async function listAll(query: Record<string, string | number>, path = '/responses'): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  type Item = Record<string, unknown> & { id: string };
  for await (const item of client.getAPIList<Item, CursorPage<Item>>(path, CursorPage<Item>, { query })) out.push(item);
  return out;
}

async function get(
  path: string,
  headers: Record<string, string> = { 'api-key': sim.apiKey },
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sim.responsesUrl}${path}`, { headers });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  sim = await startFrozen({
    dialect: 'azure-foundry',
    seed: 5,
    responses: { world: { backfillResponses: 50, liveResponses: 12, liveWindowSeconds: 200 } },
  });
  client = new OpenAI({ apiKey: sim.apiKey, baseURL: sim.responsesUrl, defaultQuery: { 'api-version': 'v1' }, maxRetries: 0 });
  truth = await truthOf(sim);
});
afterAll(() => sim.shutdown());

describe('where Foundry serves Responses', () => {
  it('is the project endpoint plus /openai/v1', () => {
    expect(sim.responsesUrl).toBe(`${sim.origin}/api/projects/sim-project/openai/v1`);
  });
});

describe('GET {project}/openai/v1/responses', () => {
  it("lists an agent's responses oldest first with order=asc and limit=100, across pages", async () => {
    for (const name of ['support-triage', 'research-scout', 'code-reviewer']) {
      const got = await listAll({ agent_name: name, order: 'asc', limit: 100 });
      expect(got.map((r) => r.id)).toEqual(listed(truth, (r) => r.agent?.name === name));
    }
  });

  it('defaults to 20 newest first, with first_id, last_id and has_more; after= continues', async () => {
    const all = listed(truth, () => true).reverse();
    expect(all.length).toBeGreaterThan(40);
    const first = await get('/responses');
    expect(first.status).toBe(200);
    const data = first.json.data as { id: string }[];
    expect(data.map((r) => r.id)).toEqual(all.slice(0, 20));
    expect(first.json).toMatchObject({ object: 'list', first_id: all[0], last_id: all[19], has_more: true });
    const second = await get(`/responses?after=${all[19]}&limit=100`);
    expect((second.json.data as { id: string }[]).map((r) => r.id)).toEqual(all.slice(20));
    expect(second.json.has_more).toBe(false);
  });

  it('filters by agent_id (name:version) and by conversation_id', async () => {
    const v2 = await listAll({ agent_id: 'support-triage:2', order: 'asc', limit: 100 });
    expect(v2.map((r) => r.id)).toEqual(listed(truth, (r) => r.agent?.name === 'support-triage' && r.agent.version === '2'));
    expect(v2.length).toBeGreaterThan(0);
    const conversation = truth.conversations.find((c) => c.responseIds.length > 1)!;
    const inIt = await listAll({ conversation_id: conversation.id, order: 'asc' });
    expect(inIt.map((r) => r.id)).toEqual(listed(truth, (r) => r.conversationId === conversation.id));
  });

  it("puts the agent reference on an agent's responses and none on a bare model's", async () => {
    const all = await listAll({ order: 'asc', limit: 100 });
    for (const r of all) {
      const t = truth.responses.find((x) => x.id === r.id)!;
      if (t.agent) expect(r.agent).toEqual({ type: 'agent_id', name: t.agent.name, version: t.agent.version });
      else expect(r).not.toHaveProperty('agent');
    }
    expect(all.some((r) => !('agent' in r))).toBe(true);
  });

  it('refuses a limit outside 1..100 and an unknown order', async () => {
    expect((await get('/responses?limit=101')).status).toBe(400);
    expect((await get('/responses?limit=0')).status).toBe(400);
    expect((await get('/responses?order=sideways')).status).toBe(400);
  });

  it('shows live responses from their creation, unfinished ones too', async () => {
    const before = (await listAll({ order: 'asc', limit: 100 })).length;
    const live = truth.responses.filter((r) => r.origin === 'live').sort((a, b) => a.createdAt - b.createdAt);
    await advance(sim, live[0]!.createdAt - truth.now);
    const during = await listAll({ order: 'asc', limit: 100 });
    expect(during.length).toBeGreaterThan(before);
    expect(during.at(-1)).toMatchObject({ id: live[0]!.id });
    expect(['queued', 'in_progress']).toContain(during.at(-1)!.status);
    await advance(sim, 600);
    const after = await listAll({ order: 'asc', limit: 100 });
    expect(after.map((r) => r.id)).toEqual(listed(await truthOf(sim), () => true));
    expect(after.every((r) => ['completed', 'failed', 'cancelled', 'incomplete'].includes(String(r.status)))).toBe(true);
  });
});

describe('GET {project}/openai/v1/conversations', () => {
  it("lists the conversations an agent's responses are in", async () => {
    const now = (await truthOf(sim)).now;
    for (const name of ['support-triage', 'research-scout']) {
      const got = await listAll({ agent_name: name, order: 'asc', limit: 100 }, '/conversations');
      expect(got.map((c) => c.id)).toEqual(truth.conversations.filter((c) => c.agentName === name && c.createdAt <= now).map((c) => c.id));
      expect(got.length).toBeGreaterThan(0);
      for (const c of got)
        expect(c).toMatchObject({ object: 'conversation', created_at: expect.any(Number), metadata: expect.any(Object) });
    }
  });
});

describe('api-version on the v1 paths', () => {
  it("takes none, v1 or preview, and refuses a dated one in Azure's error shape", async () => {
    const id = truth.responses[0]!.id;
    expect((await get(`/responses/${id}`)).status).toBe(200);
    expect((await get(`/responses/${id}?api-version=preview`)).status).toBe(200);
    const dated = await get(`/responses/${id}?api-version=2025-05-01`);
    expect(dated).toEqual({ status: 400, json: { error: { code: 'BadRequest', message: 'API version not supported' } } });
  });

  it('leaves the Assistants routes of the same project requiring their api-version', async () => {
    const res = await fetch(`${sim.url}/threads`, { headers: { 'api-key': sim.apiKey } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('MissingApiVersionParameter');
  });
});

describe('credentials', () => {
  it('takes the key in api-key or a bearer token, and refuses others with 401', async () => {
    const id = truth.responses[0]!.id;
    expect((await get(`/responses/${id}`, { authorization: `Bearer ${sim.apiKey}` })).status).toBe(200);
    expect((await get(`/responses/${id}`, { 'api-key': 'wrong' })).status).toBe(401);
    expect((await get(`/responses/${id}`, {})).status).toBe(401);
  });
});

describe('creating with an agent reference', () => {
  it('makes a response by the agent (its latest version unless named) that the list finds', async () => {
    const latest = await client.responses.create(
      { input: 'Where is my order?' },
      { body: { input: 'Where is my order?', agent_reference: { type: 'agent_reference', name: 'support-triage' } } },
    );
    expect(latest).toMatchObject({ model: 'gpt-4.1', agent: { type: 'agent_id', name: 'support-triage', version: '3' } });
    const pinned = await client.responses.create(
      { input: 'Hi' },
      { body: { input: 'Hi', agent: { type: 'agent_reference', name: 'support-triage', version: '2' } } },
    );
    expect(pinned).toMatchObject({ agent: { name: 'support-triage', version: '2' } });
    const listedNow = await listAll({ agent_id: 'support-triage:3', order: 'desc', limit: 1 });
    expect(listedNow[0]!.id).toBe(latest.id);
  });

  it('refuses an unknown agent (404) and a reference without its type (400)', async () => {
    const unknown = await client.responses
      .create({ input: 'x' }, { body: { input: 'x', agent_reference: { type: 'agent_reference', name: 'nobody' } } })
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    const untyped = await client.responses
      .create({ input: 'x' }, { body: { input: 'x', agent_reference: { name: 'support-triage' } } })
      .catch((e: unknown) => e);
    expect(untyped).toBeInstanceOf(OpenAI.BadRequestError);
  });
});

describe('the agent-filtered list, eventually consistent', () => {
  it('shows a response started with listLagSeconds only that long after its creation; GET and the unfiltered list at once', async () => {
    const s = await startFrozen({ dialect: 'azure-foundry', seed: 4, responses: { world: { backfillResponses: 5, liveResponses: 0 } } });
    try {
      const started = await control(s, '/responses', { agent: 'research-scout', kind: 'message', background: false, listLagSeconds: 30 });
      const id = started.json.response_id as string;
      const ids = async (query: string): Promise<string[]> => {
        const res = await fetch(`${s.responsesUrl}/responses?order=asc&limit=100${query}`, { headers: { 'api-key': s.apiKey } });
        return ((await res.json()) as { data: { id: string }[] }).data.map((r) => r.id);
      };
      expect(await ids('&agent_name=research-scout')).not.toContain(id);
      expect(await ids('&agent_id=research-scout:1')).not.toContain(id);
      expect(await ids('')).toContain(id);
      expect((await fetch(`${s.responsesUrl}/responses/${id}`, { headers: { 'api-key': s.apiKey } })).status).toBe(200);
      await advance(s, 29);
      expect(await ids('&agent_name=research-scout')).not.toContain(id);
      await advance(s, 1);
      expect(await ids('&agent_name=research-scout')).toContain(id);
    } finally {
      await s.shutdown();
    }
  });
});

describe('Azure OpenAI v1', () => {
  it('serves Responses at /openai/v1 without a list', async () => {
    const aoai = await startSimulator({ dialect: 'azure-openai', seed: 3, clock: { speed: 0 } });
    try {
      expect(aoai.responsesUrl).toBe(`${aoai.origin}/openai/v1`);
      const first = (await truthOf(aoai)).responses[0]!;
      const c = new OpenAI({ apiKey: aoai.apiKey, baseURL: aoai.responsesUrl, maxRetries: 0 });
      expect((await c.responses.retrieve(first.id)).id).toBe(first.id);
      expect(first.response).not.toHaveProperty('agent');
      const list = await fetch(`${aoai.responsesUrl}/responses`, { headers: { 'api-key': aoai.apiKey } });
      expect(list.status).toBe(404);
    } finally {
      await aoai.shutdown();
    }
  });
});
