// The Agents API world: seeded and reproducible, every turn kind present, live sessions and a
// scripted deletion on the virtual clock, faults shared with the Assistants API, the simulate flags.
import { EventEmitter } from 'node:events';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { simulateCommand, SimulateUsageError } from '../../src/simulator/command.js';
import { AGENT_TURN_KINDS, HOSTILE_TURN_KINDS, startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { agentsApi, agentsTruth, sdk, settle } from './agents-helpers.js';
import { advance, control, startFrozen } from './helpers.js';

const withSim = async (sim: RunningSimulator, body: (sim: RunningSimulator) => Promise<void>): Promise<void> => {
  try {
    await body(sim);
  } finally {
    await sim.shutdown();
  }
};

describe('the seeded world', () => {
  it('is the same for the same seed and differs for another', async () => {
    const truths = [];
    for (const seed of [5, 5, 6]) {
      const sim = await startFrozen({ seed });
      truths.push(await agentsTruth(sim));
      await sim.shutdown();
    }
    expect(truths[1]).toEqual(truths[0]);
    expect(truths[2]!.turns.map((t) => t.trace?.traceId)).not.toEqual(truths[0]!.turns.map((t) => t.trace?.traceId));
  });

  it('holds every turn kind at least once, the hostile ones only when asked', async () => {
    await withSim(await startFrozen({ seed: 8 }), async (sim) => {
      const kinds = new Set((await agentsTruth(sim)).turns.map((t) => t.kind).filter((k) => k !== null));
      const pending = new Set((await agentsTruth(sim)).pending.map((p) => p.kind));
      expect([...new Set([...kinds, ...pending])].sort()).toEqual([...AGENT_TURN_KINDS].sort());
    });
    await withSim(await startFrozen({ seed: 8, agents: { hostileTraces: true, backfillTurns: 20 } }), async (sim) => {
      const kinds = new Set((await agentsTruth(sim)).turns.map((t) => t.kind));
      for (const kind of HOSTILE_TURN_KINDS) expect(kinds).toContain(kind);
    });
  });

  it('backfill turns ended before the start, one at a time per session; live sessions and turns come over the live window', async () => {
    await withSim(
      await startFrozen({ seed: 9, agents: { sessions: 3, backfillTurns: 9, liveSessions: 2, liveTurns: 5, liveWindowSeconds: 120 } }),
      async (sim) => {
        const start = await agentsTruth(sim);
        for (const t of start.turns.filter((x) => x.subagentId === null)) expect(t.turn.completed_at as number).toBeLessThan(start.now);
        for (const session of start.sessions) {
          const roots = start.turns.filter((t) => t.sessionId === session.id && t.subagentId === null).map((t) => t.turn);
          for (let i = 1; i < roots.length; i++)
            expect(roots[i]!.created_at as number).toBeGreaterThanOrEqual(roots[i - 1]!.completed_at as number);
        }
        const client = sdk(sim);
        expect((await client.beta.agents.sessions.list({ limit: 100 })).data).toHaveLength(3);
        expect(start.pending).toHaveLength(5);

        const end = await settle(sim);
        expect(end.pending).toEqual([]);
        expect(end.turns.filter((t) => t.subagentId === null && t.origin === 'live')).toHaveLength(5);
        // One live session is deleted a while after its last turn: gone from the API.
        const deleted = end.sessions.filter((s) => s.deletedAt !== null);
        expect(deleted).toHaveLength(1);
        await expect(client.beta.agents.sessions.retrieve(deleted[0]!.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
        expect((await client.beta.agents.sessions.list({ limit: 100 })).data).toHaveLength(4);
      },
    );
  });

  it('a session in progress is in_progress, shows activity as it goes and its usage grows', async () => {
    await withSim(
      await startFrozen({ seed: 10, agents: { sessions: 1, backfillTurns: 0, liveSessions: 0, liveTurns: 0 } }),
      async (sim) => {
        const { session_id, turn_id } = (await control(sim, '/agents/turns', { kind: 'subagent' })).json as {
          session_id: string;
          turn_id: string;
        };
        const client = sdk(sim);
        const seen: { status: string; last: number; tokens: number; turn: string }[] = [];
        for (let i = 0; i < 40; i++) {
          const s = await client.beta.agents.sessions.retrieve(session_id);
          const t = await client.beta.agents.sessions.turns.retrieve(turn_id, { session_id });
          seen.push({ status: s.status, last: s.last_active_at, tokens: s.usage?.total_tokens ?? 0, turn: t.status });
          if (t.status === 'completed') break;
          await advance(sim, 1);
        }
        expect(seen[0]).toMatchObject({ status: 'in_progress', turn: 'queued', tokens: 0 });
        expect(seen.at(-1)).toMatchObject({ status: 'idle', turn: 'completed' });
        expect(seen.map((s) => s.turn)).toContain('in_progress');
        for (let i = 1; i < seen.length; i++) {
          expect(seen[i]!.last).toBeGreaterThanOrEqual(seen[i - 1]!.last);
          expect(seen[i]!.tokens).toBeGreaterThanOrEqual(seen[i - 1]!.tokens);
        }
        expect(seen.at(-1)!.tokens).toBeGreaterThan(0);
      },
    );
  });

  it('is served with the openai dialect only', async () => {
    await withSim(await startSimulator({ dialect: 'azure-openai', clock: { speed: 0 } }), async (sim) => {
      expect(sim.agents).toBeNull();
      expect((await control(sim, '/agents/truth')).status).toBe(404);
    });
    await withSim(await startFrozen({ agents: false }), async (sim) => {
      expect(sim.agents).toBeNull();
      expect((await agentsApi(sim, '/agents/sessions')).status).toBe(404);
    });
  });

  it('refuses a bad world spec naming the field', async () => {
    await expect(startFrozen({ agents: { sessions: -1 } })).rejects.toThrow(/agents\.sessions/);
    await expect(startFrozen({ agents: { publishDelaySeconds: [10, 2] } })).rejects.toThrow(/agents\.publishDelaySeconds/);
    await expect(startFrozen({ agents: { traceResponseCapBytes: 10 } })).rejects.toThrow(/agents\.traceResponseCapBytes/);
  });
});

describe('faults on the Agents API', () => {
  it('429s carry the configured retry hints and the SDK sees RateLimitError; the SDK retries through them', async () => {
    await withSim(await startFrozen({ seed: 12 }), async (sim) => {
      const session = (await agentsTruth(sim)).sessions[0]!.id;
      sim.setFaults({ rateLimit429: { every: 1, headers: 'retry-after', retryAfterSeconds: 2 } });
      const res = await agentsApi(sim, `/agents/sessions/${session}/traces`);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('2');
      expect(res.json).toEqual({
        error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' },
      });
      await expect(sdk(sim).beta.agents.sessions.traces.list(session)).rejects.toBeInstanceOf(OpenAI.RateLimitError);

      sim.setFaults({ rateLimit429: { every: 2, headers: 'retry-after-ms', retryAfterMs: 10 } });
      sim.clearRequestLog();
      await expect(sdk(sim, { maxRetries: 2 }).beta.agents.sessions.turns.list(session)).resolves.toBeDefined();
      await expect(sdk(sim, { maxRetries: 2 }).beta.agents.sessions.turns.list(session)).resolves.toBeDefined();
      expect(sim.requestLog().map((e) => e.status)).toEqual([200, 429, 200]);
    });
  });

  it('5xx answers in the OpenAI error shape; the SDK sees InternalServerError', async () => {
    await withSim(await startFrozen({ seed: 12 }), async (sim) => {
      sim.setFaults({ serverError: { every: 1, status: 503 } });
      const res = await agentsApi(sim, '/agents/sessions');
      expect(res.status).toBe(503);
      expect(res.json.error).toMatchObject({ type: 'server_error' });
      await expect(sdk(sim).beta.agents.sessions.list()).rejects.toBeInstanceOf(OpenAI.InternalServerError);
      // Before the fault decision: a missing key is still a 401, never a 503.
      expect((await agentsApi(sim, '/agents/sessions', { auth: false })).status).toBe(401);
    });
  });

  it('the requests-per-minute limit counts Agents API requests too', async () => {
    await withSim(await startFrozen({ seed: 12, faults: { rpmLimit: 3 } }), async (sim) => {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await agentsApi(sim, '/agents')).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
    });
  });
});

describe('simulate command', () => {
  it('sizes the Agents world from its flags and says it serves the Agents API', async () => {
    const lines: string[] = [];
    const signals = new EventEmitter();
    const handle = await simulateCommand(
      { port: '0', seed: '4', speed: '0', agentSessions: '2', agentTurns: '5', agentLive: '1', agentHostileTraces: true },
      { write: (l) => lines.push(l), signals },
    );
    try {
      expect(lines[0]).toContain('Agents API');
      const truth = await agentsTruth(handle.simulator);
      expect(truth.sessions).toHaveLength(3);
      expect(truth.turns.filter((t) => t.subagentId === null)).toHaveLength(4);
      expect(truth.pending).toHaveLength(1);
      expect(handle.simulator.agents!.spec.hostileTraces).toBe(true);
    } finally {
      await handle.shutdown();
    }
  });

  it('rejects bad agent flags naming the flag', async () => {
    const io = { write: () => undefined, signals: new EventEmitter() };
    await expect(simulateCommand({ port: 0, agentTurns: 'many' }, io)).rejects.toThrow(/--agent-turns/);
    await expect(simulateCommand({ port: 0, agentTurns: 2, agentLive: 3 }, io)).rejects.toBeInstanceOf(SimulateUsageError);
    await expect(simulateCommand({ port: 0, agentSessions: 0, agentTurns: 4, agentLive: 1 }, io)).rejects.toThrow(/--agent-sessions/);
  });
});
