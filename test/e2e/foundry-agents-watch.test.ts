// `watch --foundry-agent` as a real process against the simulator's Foundry project (its list of
// responses by agent) and the strict receiver: every finished response of a followed agent since
// the start point arrives once, as one trace (its ids, parents, names and times from the API),
// unfinished ones are looked at until they end, `--exit-when-idle` exits 0, a SIGKILL and an
// immediate restart on the same state file lose nothing and send nothing twice, 429s lose nothing,
// and the control routes follow and stop following agents over HTTP.
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { controlUrl, runCli, startCli, waitFor, type CliProcess } from '../support/cli.js';
import {
  expectedTraces,
  expectExactTraces,
  FOLLOWED,
  foundry,
  foundryEnv,
  responsesTruth,
  sinceWithin,
  spanKey,
  stateFile,
  watchArgs,
} from '../support/foundry-world.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
const bridges: CliProcess[] = [];

afterEach(async () => {
  for (const b of bridges.splice(0)) b.child.kill('SIGKILL');
  await sim?.shutdown();
  await rx?.close();
  sim = rx = undefined;
});

function start(args: string[], env: Record<string, string>): CliProcess {
  const bridge = startCli(args, env);
  bridges.push(bridge);
  return bridge;
}

/** Requests that looked at one response (not the list): only a response followed on its own is. */
const responseLooks = (s: RunningSimulator): number =>
  s.requestLog().filter((r) => !r.control && /\/openai\/v1\/responses\/resp_/.test(r.path)).length;

describe('watch --foundry-agent', () => {
  it('traces every finished response of the agents since --since exactly once, then exits when idle', async () => {
    sim = await foundry(31, 0);
    rx = await startOtlpReceiver();
    const truth = await responsesTruth(sim);
    const since = sinceWithin(truth);
    const expected = expectedTraces(truth, since);
    expect(expected.length).toBeGreaterThanOrEqual(6);
    // Some are left out by the start point, some by the agent, some have tools, some joined an app's trace.
    expect(truth.responses.some((r) => r.agent !== null && FOLLOWED.includes(r.agent.name) && r.createdAt < since)).toBe(true);
    expect(truth.responses.some((r) => r.createdAt >= since && !FOLLOWED.includes(r.agent?.name ?? ''))).toBe(true);
    expect(expected.some((e) => e.tools > 0)).toBe(true);

    const bridge = start(watchArgs(stateFile(), since, ['--exit-when-idle']), foundryEnv(sim, rx));
    const result = await bridge.exited;
    expect(result.code, result.stderr).toBe(0);
    expectExactTraces(rx.spans(), expected);
    const lists = sim.requestLog().filter((r) => !r.control && r.path.endsWith('/openai/v1/responses'));
    const queries = lists.map((r) => new URLSearchParams(r.query));
    expect(new Set(queries.map((q) => q.get('agent_name')))).toEqual(new Set(FOLLOWED));
    expect(queries.every((q) => q.get('api-version') === 'v1' && q.get('limit') === '100')).toBe(true);
  });

  it('follows responses found unfinished to their end, each traced once', async () => {
    sim = await foundry(32, 10);
    rx = await startOtlpReceiver();
    const first = await responsesTruth(sim);
    const since = first.now - 1;
    start(watchArgs(stateFile(), since), foundryEnv(sim, rx));
    await waitFor(async () => (await responsesTruth(sim!)).allFinished, 'every live response to end', 60_000);
    const truth = await responsesTruth(sim);
    const expected = expectedTraces(truth, since);
    expect(expected.length).toBeGreaterThanOrEqual(3);
    await waitFor(
      () => rx!.spans().filter((s) => s.name.startsWith('invoke_agent ')).length >= expected.length,
      'the live responses traced',
    );
    expect(responseLooks(sim)).toBeGreaterThan(0);
    expectExactTraces(rx.spans(), expected);
  });

  it('after a SIGKILL and an immediate restart on the same state file, nothing is lost and nothing sent twice', async () => {
    sim = await foundry(33, 10);
    rx = await startOtlpReceiver();
    const first = await responsesTruth(sim);
    const since = sinceWithin(first);
    const state = stateFile();
    const killed = start(watchArgs(state, since), foundryEnv(sim, rx));
    // Killed with finished responses exported and unfinished ones handed over and being followed.
    await waitFor(() => rx!.spans().length > 0 && responseLooks(sim!) > 0, 'the first spans and a followed response');
    killed.child.kill('SIGKILL');
    await killed.exited;
    start(watchArgs(state, since), foundryEnv(sim, rx));
    await waitFor(async () => (await responsesTruth(sim!)).allFinished, 'every live response to end', 60_000);
    const expected = expectedTraces(await responsesTruth(sim), since);
    const roots = (): number =>
      new Set(
        rx!
          .spans()
          .filter((s) => s.name.startsWith('invoke_agent '))
          .map(spanKey),
      ).size;
    await waitFor(() => roots() >= expected.length, 'every response traced');
    // A span acknowledged but not yet deleted from the outbox when the process died goes out again:
    // the one window the outbox documents. Everything else arrives exactly once.
    const unique = new Map(rx.spans().map((s) => [spanKey(s), s]));
    expectExactTraces([...unique.values()], expected);
  });

  it('loses nothing to 429s from the service', async () => {
    sim = await foundry(34, 6, { rateLimit429: { every: 3, headers: 'retry-after-ms', retryAfterMs: 50 } });
    rx = await startOtlpReceiver();
    const first = await responsesTruth(sim);
    const since = sinceWithin(first);
    start(watchArgs(stateFile(), since), foundryEnv(sim, rx));
    await waitFor(async () => (await responsesTruth(sim!)).allFinished, 'every live response to end', 60_000);
    const expected = expectedTraces(await responsesTruth(sim), since);
    await waitFor(() => rx!.spans().filter((s) => s.name.startsWith('invoke_agent ')).length >= expected.length, 'every response traced');
    expect(sim.requestLog().some((r) => r.fault === 'rate_limit_429')).toBe(true);
    expectExactTraces(rx.spans(), expected);
  });

  it('refuses --foundry-agent without the azure-foundry profile: exit 2, one line naming the flag', async () => {
    const result = await runCli(['watch', '--foundry-agent', 'support-triage', '--state', ':memory:', '--listen', 'off'], {
      OPENAI_API_KEY: 'sk-unused',
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
    });
    expect(result.code, result.stderr).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/--foundry-agent: .*azure-foundry/);
    const bad = await runCli(['watch', '--provider', 'azure-foundry', '--foundry-agent', 'no_such name', '--state', ':memory:'], {
      AZURE_AI_PROJECT_ENDPOINT: 'http://127.0.0.1:9/api/projects/p',
    });
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^assistants-otel-bridge: --foundry-agent: 'no_such name' is not a Foundry agent name/);
  });
});

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

async function http(base: string, path: string, init: { method?: string; body?: string | object } = {}): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** One agent from the command line (so --since applies: to the agents added later too), the others by the control routes. */
const FROM_CLI = 'code-reviewer';

function controlArgs(state: string, since: number): string[] {
  const args = watchArgs(state, since).filter((a) => !FOLLOWED.includes(a) && a !== '--foundry-agent');
  const listen = args.indexOf('--listen');
  args[listen + 1] = '127.0.0.1:0';
  return [...args, '--foundry-agent', FROM_CLI];
}

describe('a base URL that is no Foundry project', () => {
  it('the first list answers 404: one line naming the agent and the endpoint form, exit 2', async () => {
    // A plain OpenAI-shaped service: no list of responses by agent.
    sim = await startSimulator({ seed: 36, world: { threads: 1, backfillRuns: 0, liveRuns: 0 } });
    rx = await startOtlpReceiver();
    const bridge = start(watchArgs(stateFile(), 1_700_000_000), foundryEnv(sim, rx));
    const result = await bridge.exited;
    expect(result.code, result.stderr).toBe(2);
    const last = result.stderr.trim().split('\n').at(-1) ?? '';
    expect(last).toMatch(/cannot follow Foundry agent (support-triage|research-scout): this service does not list responses by agent/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('control routes /v1/foundry-agents', () => {
  it('follow, list, show and stop following agents, durably; bad input is a 400 naming the field', async () => {
    sim = await foundry(35, 0);
    rx = await startOtlpReceiver();
    const truth = await responsesTruth(sim);
    const since = sinceWithin(truth);
    const state = stateFile();
    const bridge = start(controlArgs(state, since), foundryEnv(sim, rx));
    const base = await controlUrl(bridge);

    const before = (await http(base, '/v1/foundry-agents')).json.foundry_agents as { agent_name: string; origin: string }[];
    expect(before.map((a) => [a.agent_name, a.origin])).toEqual([[FROM_CLI, 'cli']]);
    const added = await http(base, '/v1/foundry-agents', { body: { agent_name: 'support-triage' } });
    expect(added.status).toBe(201);
    expect(added.json.foundry_agent).toMatchObject({ agent_name: 'support-triage', origin: 'control' });
    expect((await http(base, '/v1/foundry-agents', { body: { agent_name: 'support-triage' } })).status).toBe(200);
    expect((await http(base, '/v1/foundry-agents', { body: { agent_name: 'research-scout' } })).status).toBe(201);
    const listed = (await http(base, '/v1/foundry-agents')).json.foundry_agents as { agent_name: string }[];
    expect(listed.map((a) => a.agent_name)).toEqual([FROM_CLI, ...FOLLOWED]);
    expect((await http(base, '/v1/foundry-agents/research-scout')).json.foundry_agent).toMatchObject({ agent_name: 'research-scout' });

    // The three agents' finished responses since the start point arrive, each once.
    const expected = expectedTraces(truth, since, [FROM_CLI, ...FOLLOWED]);
    await waitFor(() => rx!.spans().filter((s) => s.name.startsWith('invoke_agent ')).length >= expected.length, 'the traces');
    expectExactTraces(rx.spans(), expected);

    for (const [body, field] of [
      [{}, 'agent_name'],
      [{ agent_name: 7 }, 'agent_name'],
      [{ agent_name: '-bad-' }, 'agent_name'],
      [{ agent_name: 'a b' }, 'agent_name'],
      [{ agent_name: 'ok', extra: 1 }, 'extra'],
    ] as const) {
      const answer = await http(base, '/v1/foundry-agents', { body });
      expect([answer.status, (answer.json.error as { field?: string }).field]).toEqual([400, field]);
    }
    expect((await http(base, '/v1/foundry-agents', { body: 'not json' })).status).toBe(400);
    expect((await http(base, '/v1/foundry-agents', { body: 'x'.repeat(2 * 1024 * 1024) })).status).toBe(413);
    expect((await http(base, '/v1/foundry-agents/not-followed')).status).toBe(404);
    expect((await http(base, '/v1/foundry-agents/no_such')).status).toBe(400);

    expect(await http(base, '/v1/foundry-agents/research-scout', { method: 'DELETE' })).toEqual({
      status: 200,
      json: { agent_name: 'research-scout', removed: true },
    });
    expect((await http(base, '/v1/foundry-agents/research-scout', { method: 'DELETE' })).status).toBe(404);

    // The follow survives a restart on the same state file; the removed one stays removed.
    bridge.child.kill('SIGTERM');
    await bridge.exited;
    const again = start(controlArgs(state, since), foundryEnv(sim, rx));
    const list = (await http(await controlUrl(again), '/v1/foundry-agents')).json.foundry_agents as { agent_name: string }[];
    expect(list.map((a) => a.agent_name)).toEqual([FROM_CLI, 'support-triage']);
  });

  it('answers 409 when the bridge does not talk to a Foundry project', async () => {
    const bridge = start(['watch', '--state', ':memory:', '--listen', '127.0.0.1:0', '--log-format', 'json'], {
      OPENAI_API_KEY: 'sk-unused',
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
    });
    const answer = await http(await controlUrl(bridge), '/v1/foundry-agents', { body: { agent_name: 'support-triage' } });
    expect(answer.status).toBe(409);
    expect((answer.json.error as { message: string }).message).toMatch(/--provider azure-foundry/);
  });
});
