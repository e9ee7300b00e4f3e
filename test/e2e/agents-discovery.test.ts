// `watch --agent AGENT_ID` as a real process against the simulator's Agents API and the strict
// receiver: every session of the agent found through its sessions list (filtered by agent_id),
// sessions of other agents left alone, and with --since only the turns created since then traced.
// The control routes follow and unfollow an agent, durably.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentsTruth, AgentsTruthTurn, RunningSimulator } from '../../src/simulator/index.js';
import { expectExactlyOnce, finishedWorld, roots, TRACE_WAIT_SECONDS } from '../support/agents-world.js';
import { controlUrl, logLines, startCli, waitFor, type CliProcess } from '../support/cli.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
let bridge: CliProcess | undefined;

afterEach(async () => {
  bridge?.child.kill('SIGKILL');
  await sim?.shutdown();
  await rx?.close();
  bridge = sim = rx = undefined;
});

function agentArgs(extra: string[]): string[] {
  const state = join(mkdtempSync(join(tmpdir(), 'aob-agent-discovery-')), 'state.sqlite');
  return [
    'watch',
    '--agent-trace-wait',
    `${TRACE_WAIT_SECONDS}s`,
    '--state',
    state,
    '--log-format',
    'json',
    '--active-interval',
    '200',
    ...extra,
  ];
}

/** The agent with the most sessions, and the session ids of every agent. */
function busiestAgent(truth: AgentsTruth): { agentId: string; sessions: Set<string>; others: Set<string> } {
  const count = new Map<string, number>();
  for (const s of truth.sessions) count.set(s.agentId, (count.get(s.agentId) ?? 0) + 1);
  const agentId = [...count].sort((a, b) => b[1] - a[1])[0]![0];
  const mine = truth.sessions.filter((s) => s.agentId === agentId).map((s) => s.id);
  const others = truth.sessions.filter((s) => s.agentId !== agentId).map((s) => s.id);
  return { agentId, sessions: new Set(mine), others: new Set(others) };
}

const JSON_TYPE = { 'content-type': 'application/json' };
const createdAt = (t: AgentsTruthTurn): number => t.turn.created_at as number;

describe('watch --agent', () => {
  it("traces every session of the agent, none of another agent's, and only turns created since --since", async () => {
    // Two agents' sessions, so the filter has something to leave out.
    const world = await finishedWorld(31, { sessions: 6, backfillTurns: 24 });
    sim = world.sim;
    rx = await startOtlpReceiver();
    const { agentId, sessions, others } = busiestAgent(world.truth);
    expect(others.size).toBeGreaterThan(0);
    const mine = roots(world.truth).filter((t) => sessions.has(t.sessionId));
    // A start point in the middle of the agent's turns: the older half is history to leave alone.
    const times = mine.map(createdAt).sort((a, b) => a - b);
    const since = times[Math.floor(times.length / 2)]!;
    expect(times[0]).toBeLessThan(since);

    bridge = startCli(agentArgs(['--agent', agentId, '--since', String(since), '--listen', 'off', '--exit-when-idle']), {
      OPENAI_API_KEY: sim.apiKey,
      OPENAI_BASE_URL: sim.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
    });
    const result = await bridge.exited;
    expect(result.code, result.stderr).toBe(0);
    expectExactlyOnce(rx.spans(), world.truth, undefined, (t) => sessions.has(t.sessionId) && createdAt(t) >= since);
    expect(result.stderr).not.toMatch(/nothing given to watch/);
  });

  it('costs one sessions list per pass once every session is idle: no turns list for a session the list shows unchanged', async () => {
    const world = await finishedWorld(33, { sessions: 5, backfillTurns: 10 });
    sim = world.sim;
    rx = await startOtlpReceiver();
    const { agentId, sessions } = busiestAgent(world.truth);
    const dir = mkdtempSync(join(tmpdir(), 'aob-agent-passes-'));
    const config = join(dir, 'bridge.yaml');
    writeFileSync(config, 'watch:\n  discovery_interval_ms: 200\n  max_wait_interval_ms: 400\n');
    bridge = startCli(agentArgs(['--agent', agentId, '--since', '30d', '--listen', 'off', '--config', config]), {
      OPENAI_API_KEY: sim.apiKey,
      OPENAI_BASE_URL: sim.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
    });
    const expected = roots(world.truth).filter((t) => sessions.has(t.sessionId));
    await waitFor(() => new Set(rx!.spans().map((s) => s.traceId)).size >= expected.length, 'every trace of the agent', 60_000);
    // Every turn settled: from here on, passes list the sessions and nothing else.
    await new Promise((resolve) => setTimeout(resolve, (TRACE_WAIT_SECONDS + 1) * 1000));
    sim.clearRequestLog();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const paths = sim
      .requestLog()
      .filter((e) => !e.control)
      .map((e) => e.path.replace(/^.*\/agents\//, '/agents/'));
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.filter((p) => p !== '/agents/sessions')).toEqual([]);
    expectExactlyOnce(rx.spans(), world.truth, undefined, (t) => sessions.has(t.sessionId));
  });

  it('follows and unfollows an agent through the control routes, durably', async () => {
    const world = await finishedWorld(32, { sessions: 4, backfillTurns: 8 });
    sim = world.sim;
    rx = await startOtlpReceiver();
    const { agentId } = busiestAgent(world.truth);
    const args = agentArgs(['--listen', '127.0.0.1:0']);
    const env = { OPENAI_API_KEY: sim.apiKey, OPENAI_BASE_URL: sim.url, OTEL_EXPORTER_OTLP_ENDPOINT: rx.url };
    bridge = startCli(args, env);
    let base = `${await controlUrl(bridge)}/v1/agents`;
    const bad = await fetch(base, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ agent_id: 'a/b' }) });
    expect(bad.status).toBe(400);
    expect((await fetch(base, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ agent: agentId }) })).status).toBe(400);
    const post = await fetch(base, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ agent_id: agentId }) });
    expect(post.status).toBe(201);
    expect(((await post.json()) as { agent: { agent_id: string; origin: string } }).agent).toMatchObject({
      agent_id: agentId,
      origin: 'control',
    });
    expect((await fetch(base, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ agent_id: agentId }) })).status).toBe(200);
    // Followed from now: the sessions that were active before are not found, and nothing is sent.
    await waitFor(() => logLines(bridge!).some((l) => l.msg === 'control: agent followed'), 'the log line');
    bridge.child.kill('SIGTERM');
    expect((await bridge.exited).code).toBe(0);

    bridge = startCli(args, env);
    base = `${await controlUrl(bridge)}/v1/agents`;
    const listed = (await (await fetch(base)).json()) as { agents: { agent_id: string }[] };
    expect(listed.agents.map((a) => a.agent_id)).toEqual([agentId]);
    expect((await fetch(`${base}/${agentId}`)).status).toBe(200);
    expect((await fetch(`${base}/${agentId}`, { method: 'DELETE' })).status).toBe(200);
    expect((await fetch(`${base}/${agentId}`)).status).toBe(404);
    expect((await fetch(`${base}/${agentId}`, { method: 'DELETE' })).status).toBe(404);
    expect(rx.spans()).toEqual([]);
  });
});
