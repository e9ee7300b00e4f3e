// The openai SDK, configured as the bridge configures it, talking through the budgeted fetch.
import OpenAI, { APIConnectionTimeoutError, APIUserAbortError, InternalServerError, NotFoundError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createBudgetedFetch, type BudgetedFetchOptions } from '../../src/scheduler/budgeted-fetch.js';
import { RequestBudget, type AttemptStartEvent } from '../../src/scheduler/request-budget.js';
import { json, startServer, type Handler, type TestServer } from './http-fixture.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sdkRig(handler: Handler, fetchOptions: BudgetedFetchOptions = {}) {
  const server: TestServer = await startServer(handler);
  const budget = new RequestBudget({ rpm: 1_000 });
  cleanups.push(
    () => server.close(),
    () => budget.shutdown(),
  );
  const starts: AttemptStartEvent[] = [];
  budget.on('attemptStart', (event) => starts.push(event));
  const client = new OpenAI({
    apiKey: 'sk-test-key',
    baseURL: `${server.url}/v1`,
    maxRetries: 0,
    timeout: 60_000,
    fetch: createBudgetedFetch(budget, { backoffBaseMs: 10, backoffCapMs: 50, ...fetchOptions }),
  });
  return { server, budget, client, starts };
}

const run = (id: string) => ({
  id,
  object: 'thread.run',
  thread_id: 'thread_1',
  status: 'in_progress',
  created_at: 1_700_000_000,
  vendor_extra: { kept: true },
});

describe('openai SDK through the budgeted fetch', () => {
  it('retrieves a run as parsed JSON', async () => {
    const { server, client, budget, starts } = await sdkRig((_req, res) => json(res, 200, run('run_1')));
    const retrieved = await client.beta.threads.runs.retrieve('run_1', { thread_id: 'thread_1' });
    expect(retrieved).toMatchObject({ id: 'run_1', status: 'in_progress', vendor_extra: { kept: true } });
    expect(server.hits.map((hit) => hit.path)).toEqual(['/v1/threads/thread_1/runs/run_1']);
    expect(server.hits[0]?.headers.authorization).toBe('Bearer sk-test-key');
    expect(starts).toEqual([expect.objectContaining({ route: '/threads/{thread_id}/runs/{run_id}', priority: 'finishing' })]);
    expect(budget.stats().totalAttempts).toBe(1);
  });

  it('spends one slot per page of an auto-paginated list', async () => {
    const { server, client, budget, starts } = await sdkRig((req, res) => {
      const after = new URL(req.url ?? '/', 'http://x').searchParams.get('after');
      if (after === null)
        json(res, 200, { object: 'list', data: [run('run_1'), run('run_2')], first_id: 'run_1', last_id: 'run_2', has_more: true });
      else json(res, 200, { object: 'list', data: [run('run_3')], first_id: 'run_3', last_id: 'run_3', has_more: false });
    });
    const ids: string[] = [];
    for await (const item of client.beta.threads.runs.list('thread_1', { limit: 2, order: 'asc' })) ids.push(item.id);
    expect(ids).toEqual(['run_1', 'run_2', 'run_3']);
    expect(server.hits).toHaveLength(2);
    expect(server.hits[1]?.path).toContain('after=run_2');
    expect(budget.stats().totalAttempts).toBe(2);
    expect(starts.map((event) => `${event.priority} ${event.route}`)).toEqual([
      'discovery /threads/{thread_id}/runs',
      'discovery /threads/{thread_id}/runs',
    ]);
  });

  it('retries a 429 and a 500 itself, each attempt through the budget', async () => {
    const { server, client, budget } = await sdkRig((_req, res, _hit, hits) => {
      if (hits.length === 1) json(res, 429, { error: { message: 'rate limited' } }, { 'retry-after-ms': '50' });
      else if (hits.length === 2) json(res, 500, { error: { message: 'oops' } });
      else json(res, 200, run('run_1'));
    });
    const retrieved = await client.beta.threads.runs.retrieve('run_1', { thread_id: 'thread_1' });
    expect(retrieved.id).toBe('run_1');
    expect(server.hits).toHaveLength(3);
    expect(budget.stats()).toMatchObject({ totalAttempts: 3, throttledCount: 1 });
  });

  it('raises the SDK error for a 404 after one attempt', async () => {
    const { server, client } = await sdkRig((_req, res) =>
      json(res, 404, { error: { message: 'No run found', type: 'invalid_request_error' } }),
    );
    await expect(client.beta.threads.runs.retrieve('run_x', { thread_id: 'thread_1' })).rejects.toBeInstanceOf(NotFoundError);
    expect(server.hits).toHaveLength(1);
  });

  it('raises the SDK error once the attempts are spent', async () => {
    const { server, client } = await sdkRig((_req, res) => json(res, 500, { error: { message: 'down' } }), { maxAttempts: 3 });
    await expect(client.beta.threads.runs.retrieve('run_1', { thread_id: 'thread_1' })).rejects.toBeInstanceOf(InternalServerError);
    expect(server.hits).toHaveLength(3);
  });

  it('raises a connection timeout when every attempt times out', async () => {
    const { server, client } = await sdkRig(() => undefined, { attemptTimeoutMs: 100, maxAttempts: 2 });
    await expect(client.beta.threads.runs.retrieve('run_1', { thread_id: 'thread_1' })).rejects.toBeInstanceOf(APIConnectionTimeoutError);
    expect(server.hits).toHaveLength(2);
  });

  it('does not retry a call the caller aborts', async () => {
    const { server, client } = await sdkRig(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(
      client.beta.threads.runs.retrieve('run_1', { thread_id: 'thread_1' }, { signal: controller.signal }),
    ).rejects.toBeInstanceOf(APIUserAbortError);
    expect(server.hits).toHaveLength(1);
  });

  it('takes a per-call priority from the request header', async () => {
    const { client, starts } = await sdkRig((_req, res) => json(res, 200, { object: 'list', data: [], has_more: false }));
    await client.beta.threads.runs.list('thread_1', { limit: 100 }, { headers: { 'x-budget-priority': 'finishing' } });
    expect(starts.map((event) => event.priority)).toEqual(['finishing']);
  });
});
