// The real openai SDK against the simulator: proves the SDK parses what it serves.
import OpenAI from 'openai';
import type { RunStep } from 'openai/resources/beta/threads/runs/steps';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILE_SEARCH_CONTENT_INCLUDE, type RunningSimulator, type Truth } from '../../src/simulator/index.js';
import { advance, control, startFrozen, startRun } from './helpers.js';

let sim: RunningSimulator;
let client: OpenAI;
let truth: Truth;

beforeAll(async () => {
  sim = await startFrozen({ seed: 42 });
  client = new OpenAI({ apiKey: sim.apiKey, baseURL: sim.url, maxRetries: 0 });
  truth = (await control(sim, '/truth')).json as unknown as Truth;
});
afterAll(() => sim.shutdown());

describe('openai SDK', () => {
  it('lists every run of every thread with order asc, limit 100', async () => {
    for (const threadId of new Set(truth.runs.map((r) => r.threadId))) {
      const ids: string[] = [];
      for await (const run of client.beta.threads.runs.list(threadId, { order: 'asc', limit: 100 })) ids.push(run.id);
      expect(ids).toEqual(truth.runs.filter((r) => r.threadId === threadId).map((r) => r.runId));
    }
  });

  it('auto-paginates the 260 steps of the huge run, with file_search content', async () => {
    const huge = truth.runs.find((r) => r.kind === 'huge')!;
    const steps: RunStep[] = [];
    for await (const step of client.beta.threads.runs.steps.list(huge.runId, {
      thread_id: huge.threadId,
      order: 'asc',
      limit: 100,
      include: [FILE_SEARCH_CONTENT_INCLUDE],
    })) {
      steps.push(step);
    }
    expect(steps).toHaveLength(260);
    expect(steps).toEqual(huge.steps);
    const withResults = steps.find((s) => s.step_details.type === 'tool_calls' && s.step_details.tool_calls[0]?.type === 'file_search');
    const call = withResults?.step_details.type === 'tool_calls' ? withResults.step_details.tool_calls[0] : undefined;
    expect(call?.type === 'file_search' ? call.file_search.results?.[0]?.content?.[0]?.text : undefined).toEqual(expect.any(String));
  });

  it('retrieves runs, steps and assistants', async () => {
    const r = truth.runs.find((x) => x.kind === 'failed')!;
    const run = await client.beta.threads.runs.retrieve(r.runId, { thread_id: r.threadId });
    expect(run).toMatchObject({ id: r.runId, status: 'failed', last_error: { code: expect.any(String) } });
    const stepId = r.steps[0]!.id as string;
    const step = await client.beta.threads.runs.steps.retrieve(stepId, { thread_id: r.threadId, run_id: r.runId });
    expect(step.id).toBe(stepId);
    const assistant = await client.beta.assistants.retrieve(run.assistant_id);
    expect(assistant.id).toBe(run.assistant_id);
    const { data, response } = await client.beta.threads.runs.retrieve(r.runId, { thread_id: r.threadId }).withResponse();
    expect(data.id).toBe(r.runId);
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('creates, waits on and completes a run with tool outputs', async () => {
    const thread = await client.beta.threads.create({ metadata: { from: 'sdk' } });
    expect(thread.metadata).toEqual({ from: 'sdk' });
    const created = await client.beta.threads.runs.create(thread.id, { assistant_id: truth.assistants[0]!.id });
    expect(created.status).toBe('queued');
    await expect(client.beta.threads.runs.create(thread.id, { assistant_id: truth.assistants[0]!.id })).rejects.toBeInstanceOf(
      OpenAI.BadRequestError,
    );
    const cancelled = await client.beta.threads.runs.cancel(created.id, { thread_id: thread.id });
    expect(cancelled.status).toBe('cancelling');
    await advance(sim, 2);

    const { thread_id, run_id } = await startRun(sim, { threadId: thread.id, kind: 'requires_action' });
    let run = await client.beta.threads.runs.retrieve(run_id, { thread_id });
    for (let i = 0; i < 20 && run.status !== 'requires_action'; i++) {
      await advance(sim, 1);
      run = await client.beta.threads.runs.retrieve(run_id, { thread_id });
    }
    expect(run.status).toBe('requires_action');
    const calls = run.required_action!.submit_tool_outputs.tool_calls;
    run = await client.beta.threads.runs.submitToolOutputs(run_id, {
      thread_id,
      tool_outputs: calls.map((c) => ({ tool_call_id: c.id, output: '{"ok":true}' })),
    });
    expect(run.status).toBe('in_progress');
    await advance(sim, 30);
    run = await client.beta.threads.runs.retrieve(run_id, { thread_id });
    expect(run.status).toBe('completed');
    const updated = await client.beta.threads.runs.update(run_id, { thread_id, metadata: { k: 'v' } });
    expect(updated.metadata).toEqual({ k: 'v' });
  });

  it('maps errors to the SDK error classes', async () => {
    const missing = await client.beta.threads.retrieve('thread_gone').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect((missing as InstanceType<typeof OpenAI.NotFoundError>).message).toContain("No thread found with id 'thread_gone'.");
    const badKey = new OpenAI({ apiKey: 'sk-nope', baseURL: sim.url, maxRetries: 0 });
    await expect(badKey.beta.assistants.retrieve(truth.assistants[0]!.id)).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    sim.setFaults({ rateLimit429: { every: 1, headers: 'retry-after', retryAfterSeconds: 1 } });
    try {
      const limited = await client.beta.assistants.retrieve(truth.assistants[0]!.id).catch((e: unknown) => e);
      expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
      expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('1');
    } finally {
      sim.setFaults({});
    }
  });
});
