import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILE_SEARCH_CONTENT_INCLUDE, type RunningSimulator, type Truth } from '../../src/simulator/index.js';
import { advance, advanceUntil, api, control, startFrozen, startRun } from './helpers.js';

type Obj = Record<string, unknown>;
let sim: RunningSimulator;
let truth: Truth;
let busyThread: string;

beforeAll(async () => {
  // One thread with 45 finished runs, for list semantics; the default kinds spread over it.
  sim = await startFrozen({ seed: 21, world: { threads: 1, backfillRuns: 45, liveRuns: 0 } });
  truth = (await control(sim, '/truth')).json as unknown as Truth;
  busyThread = truth.runs[0]!.threadId;
});
afterAll(() => sim.shutdown());

describe('run lists', () => {
  it('default to order desc and limit 20', async () => {
    const res = await api(sim, `/threads/${busyThread}/runs`);
    expect(res.status).toBe(200);
    const ids = res.json.data!.map((r) => r.id);
    const newest = truth.runs.map((r) => r.runId).reverse();
    expect(ids).toEqual(newest.slice(0, 20));
    expect(res.json).toMatchObject({ object: 'list', first_id: newest[0], last_id: newest[19], has_more: true });
  });

  it('walk every run with after cursors in ascending order', async () => {
    const seen: string[] = [];
    let after = '';
    for (let page = 0; page < 10; page++) {
      const res = await api(sim, `/threads/${busyThread}/runs?order=asc&limit=7${after}`);
      seen.push(...res.json.data!.map((r) => r.id as string));
      if (!res.json.has_more) break;
      after = `&after=${res.json.last_id as string}`;
    }
    expect(seen).toEqual(truth.runs.map((r) => r.runId));
  });

  it('page backwards with before', async () => {
    const all = truth.runs.map((r) => r.runId);
    const res = await api(sim, `/threads/${busyThread}/runs?order=asc&limit=5&before=${all[20]}`);
    expect(res.json.data!.map((r) => r.id)).toEqual(all.slice(15, 20));
    expect(res.json.has_more).toBe(true);
  });

  it('answer an empty list with null ids', async () => {
    const thread = await api(sim, '/threads', { body: {} });
    const res = await api(sim, `/threads/${thread.json.id as string}/runs`);
    expect(res.json).toEqual({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
  });

  it('reject limit outside 1..100 naming the param', async () => {
    for (const limit of ['0', '101']) {
      const res = await api(sim, `/threads/${busyThread}/runs?limit=${limit}`);
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({ type: 'invalid_request_error', param: 'limit' });
    }
    const ok = await api(sim, `/threads/${busyThread}/runs?limit=100`);
    expect(ok.json.data).toHaveLength(45);
  });
});

describe('errors', () => {
  it('401 without or with a wrong key, never echoing the key', async () => {
    const missing = await api(sim, '/threads/x', { auth: false });
    expect(missing.status).toBe(401);
    expect(missing.json.error).toMatchObject({ type: 'invalid_request_error', param: null });
    const wrongKey = 'sk-wrong-key-1234567890';
    const wrong = await api(sim, '/threads/x', { headers: { authorization: `Bearer ${wrongKey}` } });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toMatchObject({ type: 'invalid_request_error', param: null, code: 'invalid_api_key' });
    expect(wrong.json.error!.message).toMatch(/^Incorrect API key provided/);
    expect(wrong.text).not.toContain(wrongKey);
  });

  it('400 without the OpenAI-Beta header', async () => {
    const res = await api(sim, `/threads/${busyThread}/runs`, { beta: false });
    expect(res.status).toBe(400);
    expect(res.json.error!.message).toBe(
      "You must provide the 'OpenAI-Beta' header to access the Assistants API. Please try again by setting the header 'OpenAI-Beta: assistants=v2'.",
    );
  });

  it('404 in the OpenAI shape for unknown threads, runs, steps, assistants and routes', async () => {
    const thread = await api(sim, '/threads/thread_nope/runs');
    expect(thread.status).toBe(404);
    expect(thread.json).toEqual({
      error: { message: "No thread found with id 'thread_nope'.", type: 'invalid_request_error', param: null, code: null },
    });
    const run = await api(sim, `/threads/${busyThread}/runs/run_nope`);
    expect(run.json.error!.message).toBe("No run found with id 'run_nope'.");
    const step = await api(sim, `/threads/${busyThread}/runs/${truth.runs[0]!.runId}/steps/step_nope`);
    expect(step.status).toBe(404);
    const asst = await api(sim, '/assistants/asst_nope');
    expect(asst.json.error!.message).toBe("No assistant found with id 'asst_nope'.");
    const route = await api(sim, '/nothing/here');
    expect(route.status).toBe(404);
    expect(route.json.error).toMatchObject({
      message: 'Invalid URL (GET /v1/nothing/here)',
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
  });

  it('sends x-request-id on every response', async () => {
    const responses = [
      await api(sim, '/threads/none'),
      await api(sim, '/assistants', { auth: false }),
      await api(sim, `/threads/${busyThread}/runs?limit=1`),
    ];
    for (const res of responses) expect(res.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
  });
});

describe('objects', () => {
  it('serves assistants, one without a name', async () => {
    const names: unknown[] = [];
    for (const a of truth.assistants) {
      const res = await api(sim, `/assistants/${a.id}`);
      expect(res.json).toMatchObject({ id: a.id, object: 'assistant', model: a.model });
      names.push(res.json.name);
    }
    expect(names).toContain(null);
    expect(names.filter((n) => typeof n === 'string').length).toBeGreaterThan(0);
  });

  it('returns file_search content only with include[]', async () => {
    const run = truth.runs.find((r) => r.kind === 'tools')!;
    const base = `/threads/${run.threadId}/runs/${run.runId}/steps`;
    const findResults = (steps: Obj[]) =>
      steps
        .flatMap((s) => ((s.step_details as Obj).tool_calls as Obj[] | undefined) ?? [])
        .filter((c) => c.type === 'file_search')
        .flatMap((c) => (c.file_search as Obj).results as Obj[]);
    const plain = findResults((await api(sim, `${base}?order=asc`)).json.data!);
    expect(plain.length).toBeGreaterThan(0);
    for (const r of plain) expect(r).not.toHaveProperty('content');
    const included = await api(sim, `${base}?order=asc&include[]=${encodeURIComponent(FILE_SEARCH_CONTENT_INCLUDE)}`);
    for (const r of findResults(included.json.data!)) expect(r.content).toEqual([{ type: 'text', text: expect.any(String) }]);
    expect(included.json.data).toEqual(run.steps);
    const stepId = run.steps.find((s) => (s.step_details as Obj).type === 'tool_calls')!.id as string;
    const one = await api(sim, `${base}/${stepId}?include[]=${encodeURIComponent(FILE_SEARCH_CONTENT_INCLUDE)}`);
    expect(one.json).toEqual(run.steps.find((s) => s.id === stepId));
    const bad = await api(sim, `${base}?include[]=nope`);
    expect(bad.status).toBe(400);
  });

  it('creates threads and runs; POST /threads/runs makes both', async () => {
    const assistant = truth.assistants[0]!.id;
    const thread = await api(sim, '/threads', { body: { metadata: { team: 'sre' } } });
    expect(thread.json).toMatchObject({ object: 'thread', metadata: { team: 'sre' }, created_at: expect.any(Number) });
    expect((await api(sim, `/threads/${thread.json.id as string}`)).json).toEqual(thread.json);
    const both = await api(sim, '/threads/runs', { body: { assistant_id: assistant, metadata: { a: 'b' } } });
    expect(both.status).toBe(200);
    expect(both.json).toMatchObject({ object: 'thread.run', status: 'queued', assistant_id: assistant, metadata: { a: 'b' }, usage: null });
    expect((await api(sim, `/threads/${both.json.thread_id as string}`)).status).toBe(200);
    const missing = await api(sim, `/threads/${thread.json.id as string}/runs`, { body: {} });
    expect(missing.status).toBe(400);
    expect(missing.json.error).toMatchObject({ param: 'assistant_id' });
    const badJson = await fetch(`${sim.url}/threads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.apiKey}`, 'openai-beta': 'assistants=v2', 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(badJson.status).toBe(400);
  });

  it('updates run metadata', async () => {
    const run = truth.runs[3]!;
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await api(sim, `/threads/${run.threadId}/runs/${run.runId}`, { body: { metadata: { traceparent } } });
    expect(res.json.metadata).toEqual({ traceparent });
    expect((await api(sim, `/threads/${run.threadId}/runs/${run.runId}`)).json.metadata).toEqual({ traceparent });
    const bad = await api(sim, `/threads/${run.threadId}/runs/${run.runId}`, { body: { metadata: { n: 1 } } });
    expect(bad.status).toBe(400);
  });
});

describe('live runs', () => {
  it('lock the thread while active (one active run per thread)', async () => {
    const { thread_id, run_id } = await startRun(sim, { kind: 'message' });
    const assistant = truth.assistants[1]!.id;
    const locked = await api(sim, `/threads/${thread_id}/runs`, { body: { assistant_id: assistant } });
    expect(locked.status).toBe(400);
    expect(locked.json.error).toMatchObject({
      message: `Thread ${thread_id} already has an active run ${run_id}.`,
      type: 'invalid_request_error',
    });
    await advanceUntil(sim, thread_id, run_id, 'completed');
    const next = await api(sim, `/threads/${thread_id}/runs`, { body: { assistant_id: assistant } });
    expect(next.status).toBe(200);
    expect(next.json.status).toBe('queued');
    const again = await api(sim, `/threads/${thread_id}/runs`, { body: { assistant_id: assistant } });
    expect(again.status).toBe(400);
  });

  it('wait in requires_action until tool outputs are submitted', async () => {
    const { thread_id, run_id } = await startRun(sim, { kind: 'requires_action' });
    const waiting = await advanceUntil(sim, thread_id, run_id, 'requires_action');
    const calls = ((waiting.required_action as Obj).submit_tool_outputs as Obj).tool_calls as Obj[];
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[0]).toMatchObject({
      id: expect.stringMatching(/^call_/),
      type: 'function',
      function: { name: expect.any(String), arguments: expect.any(String) },
    });
    expect(waiting.usage).toBeNull();
    const steps = await api(sim, `/threads/${thread_id}/runs/${run_id}/steps`);
    expect(steps.json.data![0]).toMatchObject({ status: 'in_progress', usage: null, completed_at: null });

    const runPath = `/threads/${thread_id}/runs/${run_id}`;
    const wrong = await api(sim, `${runPath}/submit_tool_outputs`, {
      body: { tool_outputs: [{ tool_call_id: 'call_other', output: 'x' }] },
    });
    expect(wrong.status).toBe(400);
    const outputs = calls.map((c, i) => ({ tool_call_id: c.id as string, output: `result ${i}` }));
    const submitted = await api(sim, `${runPath}/submit_tool_outputs`, { body: { tool_outputs: outputs } });
    expect(submitted.status).toBe(200);
    expect(submitted.json).toMatchObject({ status: 'in_progress', required_action: null });
    const again = await api(sim, `${runPath}/submit_tool_outputs`, { body: { tool_outputs: outputs } });
    expect(again.status).toBe(400);

    const done = await advanceUntil(sim, thread_id, run_id, 'completed');
    expect(done.usage).not.toBeNull();
    const finalSteps = await api(sim, `${runPath}/steps?order=asc`);
    const fnCalls = ((finalSteps.json.data![0]!.step_details as Obj).tool_calls as Obj[]).map((c) => (c.function as Obj).output);
    expect(fnCalls).toEqual(outputs.map((o) => o.output));
  });

  it('cancel: cancelling, then cancelled; a finished run cannot be cancelled', async () => {
    const { thread_id, run_id } = await startRun(sim, { kind: 'message' });
    const runPath = `/threads/${thread_id}/runs/${run_id}`;
    const cancelling = await api(sim, `${runPath}/cancel`, { method: 'POST' });
    expect(cancelling.json).toMatchObject({ status: 'cancelling', cancelled_at: null });
    await advance(sim, 1);
    const cancelled = await api(sim, runPath);
    expect(cancelled.json).toMatchObject({ status: 'cancelled', cancelled_at: expect.any(Number), usage: expect.any(Object) });
    const late = await api(sim, `${runPath}/cancel`, { method: 'POST' });
    expect(late.status).toBe(400);
    expect(late.json.error!.message).toBe("Cannot cancel run with status 'cancelled'.");
  });

  it('show only the steps that exist by the current time', async () => {
    const { thread_id, run_id } = await startRun(sim, { kind: 'huge' });
    const stepsPath = `/threads/${thread_id}/runs/${run_id}/steps?limit=100`;
    expect((await api(sim, stepsPath)).json.data).toHaveLength(0);
    expect((await api(sim, `/threads/${thread_id}/runs/${run_id}`)).json.status).toBe('queued');
    await advance(sim, 20);
    const partial = await api(sim, `${stepsPath}&order=asc`);
    const visible = partial.json.data!;
    expect(visible.length).toBeGreaterThan(0);
    expect(visible.length).toBeLessThan(100);
    const now = (await control(sim, '/clock')).json.now as number;
    for (const s of visible) expect(s.created_at as number).toBeLessThanOrEqual(now);
    const run = await api(sim, `/threads/${thread_id}/runs/${run_id}`);
    expect(run.json).toMatchObject({ status: 'in_progress', usage: null, started_at: expect.any(Number) });
    const t = (await control(sim, '/truth')).json as unknown as Truth;
    expect(t.runs.find((r) => r.runId === run_id)).toMatchObject({ finished: false, expectedStatus: 'completed' });
  });
});
