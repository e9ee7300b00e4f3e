// The Azure dialects: their paths, the required api-version, api-key or bearer checks, agent_id,
// GET /threads, and worlds with Azure tool calls. The OpenAI dialect's world stays as it was.
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { simulateCommand, SimulateUsageError } from '../../src/simulator/command.js';
import { DIALECT_NAMES, resolveDialect } from '../../src/simulator/dialect.js';
import { createAzureFoundryDialect } from '../../src/simulator/dialects/azure-foundry.js';
import { createAzureOpenAIDialect } from '../../src/simulator/dialects/azure-openai.js';
import type { RunningSimulator, Truth } from '../../src/simulator/index.js';
import { api, control, startFrozen, type CallOptions } from './helpers.js';

let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.shutdown();
  sim = undefined;
});

const AZURE_TOOL_TYPES = [
  'bing_grounding',
  'azure_ai_search',
  'openapi',
  'azure_function',
  'connected_agent',
  'mcp',
  'deep_research',
  'fabric_dataagent',
  'sharepoint_grounding',
  'bing_custom_search',
];

/** An Azure request: credentials in `headers`, the api-version appended unless `version` is null. */
function azure(s: RunningSimulator, path: string, headers: Record<string, string>, version: string | null, options: CallOptions = {}) {
  const sep = path.includes('?') ? '&' : '?';
  return api(s, version === null ? path : `${path}${sep}api-version=${version}`, {
    ...options,
    auth: false,
    beta: false,
    headers: { ...headers, ...options.headers },
  });
}

async function truthOf(s: RunningSimulator): Promise<Truth> {
  return (await control(s, '/truth')).json as unknown as Truth;
}

describe('dialect registry', () => {
  it('knows the three dialects by name and refuses others', () => {
    expect(DIALECT_NAMES).toEqual(['openai', 'azure-openai', 'azure-foundry']);
    expect(resolveDialect('azure-foundry').basePath).toBe('/api/projects/sim-project');
    expect(resolveDialect('azure-openai').basePath).toBe('/openai');
    expect(() => resolveDialect('bedrock')).toThrow(/unknown dialect 'bedrock'/);
  });
});

describe('azure-openai', () => {
  const KEY = { 'api-key': 'aoai-key' };

  it('serves /openai with the api-key header and the api-version parameter', async () => {
    sim = await startFrozen({ dialect: 'azure-openai', apiKey: 'aoai-key', world: { threads: 2, backfillRuns: 3, liveRuns: 0 } });
    expect(sim.url).toBe(`${sim.origin}/openai`);
    const thread = (await truthOf(sim)).runs[0]!.threadId;
    const runs = await azure(sim, `/threads/${thread}/runs?order=asc`, KEY, '2024-05-01-preview');
    expect(runs.status).toBe(200);
    expect(runs.json.data![0]).toHaveProperty('assistant_id');
    expect(runs.headers.get('apim-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('requires a supported api-version', async () => {
    sim = await startFrozen({ dialect: 'azure-openai', apiKey: 'aoai-key', world: { threads: 1, backfillRuns: 1, liveRuns: 0 } });
    const missing = await azure(sim, '/assistants', KEY, null);
    expect(missing.status).toBe(400);
    expect(missing.json.error).toMatchObject({ code: 'MissingApiVersionParameter' });
    const unsupported = await azure(sim, '/assistants', KEY, '2023-01-01');
    expect(unsupported.status).toBe(400);
    expect(unsupported.json.error).toMatchObject({ code: 'UnsupportedApiVersion' });
  });

  it('answers 401 in Azure’s shape for a wrong, missing or bearer-only-wrong credential', async () => {
    sim = await startFrozen({ dialect: 'azure-openai', apiKey: 'aoai-key', world: { threads: 1, backfillRuns: 1, liveRuns: 0 } });
    const wrong = await azure(sim, '/assistants', { 'api-key': 'nope' }, '2024-05-01-preview');
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual({
      error: { code: '401', message: expect.stringMatching(/^Access denied due to invalid subscription key/) },
    });
    expect((await azure(sim, '/assistants', {}, '2024-05-01-preview')).json.error).toMatchObject({
      message: expect.stringContaining('missing subscription key'),
    });
    expect((await azure(sim, '/assistants', { authorization: 'Bearer nope' }, '2024-05-01-preview')).status).toBe(401);
    // OpenAI's own layout is not there.
    expect((await api(sim, '/../v1/assistants', { headers: KEY })).status).toBe(404);
  });

  it('accepts Entra ID bearer tokens that the token check accepts', async () => {
    const issued = new Set(['eyJ.entra.token']);
    sim = await startFrozen({
      dialect: createAzureOpenAIDialect({ acceptToken: (t) => issued.has(t) }),
      world: { threads: 1, backfillRuns: 1, liveRuns: 0 },
    });
    expect((await azure(sim, '/assistants', { authorization: 'Bearer eyJ.entra.token' }, '2024-05-01-preview')).status).toBe(200);
    issued.clear();
    expect((await azure(sim, '/assistants', { authorization: 'Bearer eyJ.entra.token' }, '2024-05-01-preview')).json.error).toMatchObject({
      message: expect.stringContaining('cognitiveservices.azure.com'),
    });
  });

  it('refuses the api-versions of Assistants v1, saying which version v2 needs', async () => {
    sim = await startFrozen({ dialect: 'azure-openai', apiKey: 'aoai-key', world: { threads: 1, backfillRuns: 1, liveRuns: 0 } });
    for (const version of ['2024-02-15-preview', '2024-03-01-preview', '2024-04-01-preview']) {
      const refused = await azure(sim, '/assistants', KEY, version);
      expect(refused.status, version).toBe(400);
      expect(refused.json.error).toMatchObject({ code: 'UnsupportedApiVersion', message: expect.stringContaining('2024-05-01-preview') });
    }
    expect((await azure(sim, '/assistants', KEY, '2024-05-01-preview')).status).toBe(200);
  });

  it('serves only the tools Azure OpenAI Assistants have: code interpreter, file search and functions', async () => {
    sim = await startFrozen({ dialect: 'azure-openai', apiKey: 'aoai-key', world: { threads: 4, backfillRuns: 40, liveRuns: 0 } });
    const truth = await truthOf(sim);
    const kinds = new Set(truth.runs.map((r) => r.kind));
    expect(kinds.has('azure_tools')).toBe(false);
    expect(kinds.has('unknown_types')).toBe(false);
    expect(kinds.size).toBe(10);
    const callTypes = new Set(
      truth.runs.flatMap((r) =>
        r.steps.flatMap((st) => ((st.step_details as { tool_calls?: { type: string }[] }).tool_calls ?? []).map((c) => c.type)),
      ),
    );
    expect([...callTypes].sort()).toEqual(['code_interpreter', 'file_search', 'function']);
    const stepTypes = new Set(truth.runs.flatMap((r) => r.steps.map((st) => st.type)));
    expect([...stepTypes].sort()).toEqual(['message_creation', 'tool_calls']);
    const assistants = await azure(sim, '/assistants?limit=100', KEY, '2024-05-01-preview');
    const toolTypes = new Set(assistants.json.data!.flatMap((a) => (a.tools as { type: string }[]).map((t) => t.type)));
    expect([...toolTypes].sort()).toEqual(['code_interpreter', 'file_search', 'function']);
    // A run of a kind the service has not is refused.
    const refused = await control(sim, '/runs', { kind: 'azure_tools' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain("no runs of kind 'azure_tools'");
  });

  it('cannot be asked for a world with tools the service lacks', async () => {
    await expect(startFrozen({ dialect: 'azure-openai', world: { azureTools: true } })).rejects.toThrow(
      /world\.azureTools: the azure-openai dialect/,
    );
    await expect(startFrozen({ dialect: 'azure-openai', world: { unknownTypes: true } })).rejects.toThrow(/world\.unknownTypes/);
    await expect(startFrozen({ world: { azureTools: true } })).rejects.toThrow(/world\.azureTools: the openai dialect/);
  });

  it('has no GET /threads unless asked to', async () => {
    sim = await startFrozen({ dialect: 'azure-openai', apiKey: 'k', world: { threads: 2, backfillRuns: 2, liveRuns: 0 } });
    expect((await azure(sim, '/threads', { 'api-key': 'k' }, '2024-05-01-preview')).status).toBe(404);
  });
});

describe('azure-foundry', () => {
  const BEARER = { authorization: 'Bearer sk-sim-local' };

  it('serves the project endpoint with bearer tokens and names the agent assistant_id, as the REST spec does', async () => {
    sim = await startFrozen({ dialect: 'azure-foundry', world: { threads: 2, backfillRuns: 4, liveRuns: 0 } });
    expect(sim.url).toBe(`${sim.origin}/api/projects/sim-project`);
    const truth = await truthOf(sim);
    const { threadId, runId } = truth.runs[0]!;
    const run = await azure(sim, `/threads/${threadId}/runs/${runId}`, BEARER, 'v1');
    expect(run.status).toBe(200);
    expect(run.json).toHaveProperty('assistant_id');
    expect(run.json).not.toHaveProperty('agent_id');
    const steps = await azure(sim, `/threads/${threadId}/runs/${runId}/steps?order=asc`, BEARER, '2025-05-01');
    for (const step of steps.json.data!) {
      expect(step).toHaveProperty('assistant_id', run.json.assistant_id);
      expect(step).not.toHaveProperty('agent_id');
    }
    expect(truth.runs[0]!.run).toHaveProperty('assistant_id');
  });

  it('creates runs from assistant_id, and from agent_id as the Azure SDKs send it', async () => {
    sim = await startFrozen({ dialect: 'azure-foundry', world: { threads: 1, backfillRuns: 1, liveRuns: 0 } });
    const agent = (await truthOf(sim)).assistants[0]!.id;
    const created = await azure(sim, '/threads/runs', BEARER, 'v1', { body: { assistant_id: agent } });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ assistant_id: agent, status: 'queued' });
    const fromSdk = await azure(sim, '/threads/runs', BEARER, 'v1', { body: { agent_id: agent } });
    expect(fromSdk.status).toBe(200);
    const withoutAgent = await azure(sim, '/threads/runs', BEARER, 'v1', { body: { model: 'gpt-4o' } });
    expect(withoutAgent.json.error).toMatchObject({ param: 'assistant_id' });
  });

  it('can present the SDKs’ agent_id instead', async () => {
    sim = await startFrozen({
      dialect: createAzureFoundryDialect({ agentField: 'agent_id', project: 'p1' }),
      world: { threads: 1, backfillRuns: 1, liveRuns: 0 },
    });
    expect(sim.url.endsWith('/api/projects/p1')).toBe(true);
    const truth = await truthOf(sim);
    expect(truth.runs[0]!.run).toHaveProperty('agent_id');
    expect(truth.runs[0]!.run).not.toHaveProperty('assistant_id');
    expect(truth.runs[0]!.steps[0]).toHaveProperty('agent_id');
  });

  it('checks bearer tokens against the accepted set, and takes the resource key in api-key', async () => {
    const valid = new Set<string>(['token-a']);
    sim = await startFrozen({
      dialect: createAzureFoundryDialect({ acceptToken: (t) => valid.has(t) }),
      apiKey: 'resource-key',
      world: { threads: 1, backfillRuns: 1, liveRuns: 0 },
    });
    expect((await azure(sim, '/assistants', { authorization: 'Bearer token-a' }, 'v1')).status).toBe(200);
    const rejected = await azure(sim, '/assistants', { authorization: 'Bearer token-b' }, 'v1');
    expect(rejected.status).toBe(401);
    expect(rejected.json.error).toMatchObject({ code: 'PermissionDenied', message: expect.stringContaining('https://ai.azure.com') });
    expect((await azure(sim, '/assistants', { 'api-key': 'resource-key' }, 'v1')).status).toBe(200);
    expect((await azure(sim, '/assistants', { 'api-key': 'other' }, 'v1')).status).toBe(401);
    expect((await azure(sim, '/assistants', {}, 'v1')).status).toBe(401);
    expect((await azure(sim, '/assistants', { authorization: 'Bearer token-a' }, null)).status).toBe(400);
  });

  it('lists threads oldest first, page by page', async () => {
    sim = await startFrozen({ dialect: 'azure-foundry', world: { threads: 5, backfillRuns: 5, liveRuns: 0 } });
    const expected = [...new Set((await truthOf(sim)).runs.map((r) => r.threadId))];
    const seen: string[] = [];
    const created: number[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page += 1) {
      const res = await azure(sim, `/threads?order=asc&limit=2${after ? `&after=${after}` : ''}`, BEARER, 'v1');
      expect(res.status).toBe(200);
      const ids = res.json.data!.map((t) => t.id as string);
      seen.push(...ids);
      created.push(...res.json.data!.map((t) => t.created_at as number));
      after = res.json.last_id as string;
      if (!res.json.has_more) break;
    }
    // Every thread once, runs or not.
    expect(new Set(seen).size).toBe(5);
    expect(seen).toEqual(expect.arrayContaining(expected));
    expect(created).toEqual([...created].sort((a, b) => a - b));
  });
});

describe('Azure worlds', () => {
  it('have a run calling every Azure tool type, as the REST spec shapes them', async () => {
    sim = await startFrozen({ dialect: 'azure-foundry', world: { threads: 3, backfillRuns: 12, liveRuns: 0, azureTools: true } });
    const truth = await truthOf(sim);
    const azureRun = truth.runs.find((r) => r.kind === 'azure_tools');
    expect(azureRun).toBeDefined();
    const calls = azureRun!.steps.flatMap((s) => (s.step_details as { tool_calls?: Record<string, unknown>[] }).tool_calls ?? []);
    expect(calls.map((c) => c.type)).toEqual(expect.arrayContaining(AZURE_TOOL_TYPES));
    const mcp = calls.find((c) => c.type === 'mcp')!;
    expect(mcp).toMatchObject({ server_label: 'mslearn', name: 'microsoft_docs_search' });
    expect(calls.find((c) => c.type === 'connected_agent')).toMatchObject({
      connected_agent: { name: 'stock_price_bot', assistant_id: expect.stringMatching(/^asst_/) },
    });
    // Every other kind is there too.
    expect(new Set(truth.runs.map((r) => r.kind)).size).toBe(12);
    const agent = await azure(sim, `/assistants/${truth.assistants[0]!.id}`, { authorization: 'Bearer sk-sim-local' }, 'v1');
    expect((agent.json.tools as { type: string }[]).map((t) => t.type)).toEqual(
      expect.arrayContaining(['bing_grounding', 'mcp', 'connected_agent']),
    );
  });

  it('leave OpenAI worlds exactly as they were', async () => {
    const plain = await startFrozen({ world: { threads: 3, backfillRuns: 20, liveRuns: 2 } });
    const explicit = await startFrozen({ world: { threads: 3, backfillRuns: 20, liveRuns: 2, azureTools: false } });
    try {
      const [a, b] = [await truthOf(plain), await truthOf(explicit)];
      expect(b).toEqual(a);
      expect(a.runs.some((r) => r.kind === 'azure_tools')).toBe(false);
    } finally {
      await plain.shutdown();
      await explicit.shutdown();
    }
  });

  it('refuse a non-boolean azureTools', async () => {
    await expect(startFrozen({ world: { azureTools: 1 as unknown as boolean } })).rejects.toThrow(/azureTools/);
  });
});

describe('list pages', () => {
  const EMPTY = { object: 'list', data: [], first_id: null, last_id: null, has_more: false };
  const DIALECTS = [
    { dialect: 'openai', call: (s: RunningSimulator, path: string, body?: unknown) => api(s, path, body === undefined ? {} : { body }) },
    {
      dialect: 'azure-openai',
      call: (s: RunningSimulator, path: string, body?: unknown) =>
        azure(s, path, { 'api-key': s.apiKey }, '2024-05-01-preview', body === undefined ? {} : { body }),
    },
    {
      dialect: 'azure-foundry',
      call: (s: RunningSimulator, path: string, body?: unknown) =>
        azure(s, path, { authorization: `Bearer ${s.apiKey}` }, 'v1', body === undefined ? {} : { body }),
    },
  ];

  it.each(DIALECTS)('are empty as the spec has it in $dialect: no items, null first and last ids, no more', async ({ dialect, call }) => {
    sim = await startFrozen({ dialect, world: { threads: 1, backfillRuns: 1, liveRuns: 0 } });
    const thread = await call(sim, '/threads', {});
    expect(thread.status).toBe(200);
    const runs = await call(sim, `/threads/${thread.json.id as string}/runs`);
    expect(runs.json).toEqual(EMPTY);
    const { threadId, runId } = (await truthOf(sim)).runs[0]!;
    expect((await call(sim, `/threads/${threadId}/runs/${runId}/steps?after=step_unknown`)).json).toEqual(EMPTY);
    const all = await call(sim, `/threads/${threadId}/runs?order=asc&limit=100`);
    const last = all.json.last_id as string;
    expect((await call(sim, `/threads/${threadId}/runs?order=asc&after=${last}`)).json).toEqual(EMPTY);
  });
});

describe('assistants and their runs', () => {
  it('carry a description and sampling settings, which runs use unless they set their own', async () => {
    sim = await startFrozen({ world: { threads: 2, backfillRuns: 8, liveRuns: 0 } });
    const truth = await truthOf(sim);
    const research = truth.assistants.find((a) => a.name === 'Research Assistant')!;
    expect(research.description).toBe('Finds answers in the attached documents.');
    const assistant = await api(sim, `/assistants/${research.id}`);
    expect(assistant.json).toMatchObject({
      description: research.description,
      temperature: 0.2,
      top_p: 0.9,
      response_format: { type: 'json_object' },
    });
    const ownRun = truth.runs.find((r) => r.run.assistant_id === research.id);
    if (ownRun) expect(ownRun.run).toMatchObject({ temperature: 0.2, top_p: 0.9, response_format: { type: 'json_object' } });
    const thread = await api(sim, '/threads', { body: {} });
    const created = await api(sim, `/threads/${thread.json.id as string}/runs`, {
      body: {
        assistant_id: research.id,
        temperature: 0.7,
        response_format: { type: 'json_schema', json_schema: { name: 'a', schema: {} } },
      },
    });
    expect(created.json).toMatchObject({ temperature: 0.7, top_p: 0.9, response_format: { type: 'json_schema' } });
    const bad = await api(sim, `/threads/${thread.json.id as string}/runs`, {
      body: { assistant_id: research.id, response_format: { type: 'yaml' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ param: 'response_format.type' });
  });
});

describe('simulate --dialect', () => {
  it('serves the Azure dialect with Azure tools and says how to point the bridge at it', async () => {
    const lines: string[] = [];
    const handle = await simulateCommand(
      { port: '0', speed: '0', runs: '14', live: '0', dialect: 'azure-foundry' },
      { write: (l) => lines.push(l), signals: new EventEmitter() },
    );
    try {
      expect(handle.simulator.dialect.name).toBe('azure-foundry');
      expect(lines[0]).toContain(`AZURE_AI_PROJECT_ENDPOINT=${handle.simulator.url}`);
      expect(lines[0]).toContain('--provider azure-foundry');
      expect((await truthOf(handle.simulator)).runs.some((r) => r.kind === 'azure_tools')).toBe(true);
    } finally {
      await handle.shutdown();
    }
  });

  it('rejects an unknown dialect as a usage error', async () => {
    await expect(
      simulateCommand({ port: 0, dialect: 'bedrock' }, { write: () => undefined, signals: new EventEmitter() }),
    ).rejects.toBeInstanceOf(SimulateUsageError);
  });
});
