// Builds the Agents API world from the seed: reusable agents, sessions whose turns finished
// before the start (backfill, laid out back from the start without overlapping), and sessions
// and turns that start over the live window. One turn of every kind comes first.
import { present } from '../../core/present.js';
import type { IdFactory } from '../ids.js';
import { createPrng, deriveSeed, type Prng } from '../prng.js';
import type { ApiObject } from '../state.js';
import { defined } from './defined.js';
import { idSlots } from './items.js';
import { layoutTurn, NS_PER_SECOND } from './layout.js';
import { functionTool } from './objects.js';
import {
  AGENT_SEEDS,
  AGENT_TURN_KINDS,
  buildTurnPlan,
  DEFAULT_PUBLISH_DELAY,
  HOSTILE_TURN_KINDS,
  type AgentSeed,
  type AgentTurnKind,
  type PlanOptions,
  type TurnPlan,
} from './plans.js';
import type { AgentRecord, AgentSnapshot, AgentsIdPrefix, SessionRecord, TurnOrigin, TurnRecord } from './state.js';

export interface AgentsWorldSpec {
  /** Reusable agents (up to 4 distinct ones). Default 3. */
  agents?: number;
  /** Sessions that exist when the simulator starts. Default 5. */
  sessions?: number;
  /** Root turns on them, all finished before the start. Default 16. */
  backfillTurns?: number;
  /** Sessions created over the live window. Default 2. */
  liveSessions?: number;
  /** Root turns that start over the live window (on live sessions first, then on any). Default 4. */
  liveTurns?: number;
  /** Default 300. */
  liveWindowSeconds?: number;
  /** Add the hostile trace kinds (invalid ids, 1 MiB values, unknown fields, 10,000 spans, not OTLP). Default false. */
  hostileTraces?: boolean;
  /** [min, max] seconds from a turn's end until its trace is listed. Default [2, 30]. */
  publishDelaySeconds?: [number, number];
  /** The documented cap on one traces response. Default 16 MiB. */
  traceResponseCapBytes?: number;
}

export const TRACE_RESPONSE_CAP_BYTES = 16 * 1024 * 1024;

export const DEFAULT_AGENTS_WORLD: Required<AgentsWorldSpec> = {
  agents: 3,
  sessions: 5,
  backfillTurns: 16,
  liveSessions: 2,
  liveTurns: 4,
  liveWindowSeconds: 300,
  hostileTraces: false,
  publishDelaySeconds: [...DEFAULT_PUBLISH_DELAY],
  traceResponseCapBytes: TRACE_RESPONSE_CAP_BYTES,
};

export function resolveAgentsWorldSpec(spec: AgentsWorldSpec = {}): Required<AgentsWorldSpec> {
  const out = { ...DEFAULT_AGENTS_WORLD, ...defined(spec) } as Required<AgentsWorldSpec>;
  for (const key of ['agents', 'sessions', 'backfillTurns', 'liveSessions', 'liveTurns', 'liveWindowSeconds'] as const) {
    if (!Number.isInteger(out[key]) || out[key] < 0) throw new RangeError(`agents.${key} must be a non-negative integer`);
  }
  if (out.agents < 1) throw new RangeError('agents.agents must be at least 1');
  if (out.liveWindowSeconds < 1) throw new RangeError('agents.liveWindowSeconds must be at least 1');
  if (out.backfillTurns > 0 && out.sessions < 1) throw new RangeError('agents.sessions must be at least 1 when there are backfill turns');
  if (out.liveTurns > 0 && out.sessions + out.liveSessions < 1)
    throw new RangeError('agents.liveTurns need a session (agents.sessions or agents.liveSessions)');
  if (typeof out.hostileTraces !== 'boolean') throw new RangeError('agents.hostileTraces must be a boolean');
  const [min, max] = out.publishDelaySeconds;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min)
    throw new RangeError('agents.publishDelaySeconds must be [min, max] whole seconds, 0 <= min <= max');
  if (!Number.isInteger(out.traceResponseCapBytes) || out.traceResponseCapBytes < 65_536)
    throw new RangeError('agents.traceResponseCapBytes must be an integer >= 65536');
  return out;
}

/** The functions a snapshot's turns call: its function tools, or a generic one. */
export function seedOf(agent: AgentSnapshot): AgentSeed {
  const functions = agent.tools.filter((t) => t.type === 'function' && typeof t.name === 'string').map((t) => t.name as string);
  return {
    name: agent.name,
    model: agent.model,
    instructions: agent.instructions,
    functions: functions.length > 0 ? functions : ['get_weather'],
    multiAgent: agent.multiAgent,
  };
}

export const snapshotOf = (a: AgentRecord): AgentSnapshot => ({
  id: a.id,
  name: a.name,
  model: a.model,
  instructions: a.instructions,
  tools: a.tools,
  multiAgent: a.multiAgent,
});

/** Gives a plan its ids and places it in time. */
export function instantiateTurn(
  ids: IdFactory<AgentsIdPrefix>,
  seed: number,
  session: SessionRecord,
  plan: TurnPlan,
  createdAt: number,
  origin: TurnOrigin,
): TurnRecord {
  const id = ids.next('turn');
  const seq = ids.count;
  const slots = new Map<string, string>();
  const seqs = new Map<string, number>();
  for (const [key, prefix] of idSlots(plan)) {
    slots.set(key, ids.next(prefix));
    seqs.set(key, ids.count);
  }
  const turn: TurnRecord = {
    id,
    seq,
    sessionId: session.id,
    createdAt,
    origin,
    model: session.agent.model,
    plan,
    interactions: {},
    layout: layoutTurn(plan),
    ids: slots,
    seqs,
    traceSeed: deriveSeed(seed, 0x7ace5, seq),
    abandoned: false,
  };
  session.turns.push(turn);
  return turn;
}

export function newSession(
  ids: IdFactory<AgentsIdPrefix>,
  agent: AgentSnapshot,
  createdAt: number,
  metadata: Record<string, string> = {},
): SessionRecord {
  const id = ids.next('sess');
  return {
    id,
    seq: ids.count,
    createdAt,
    agent,
    metadataHistory: [{ at: createdAt, value: metadata }],
    deletedAt: null,
    deleteWhenIdleFor: null,
    turns: [],
    pending: [],
  };
}

/** Whole seconds a turn lasts from creation to end, rounded up. */
export const turnSeconds = (plan: TurnPlan): number => Math.ceil(layoutTurn(plan).endNs / NS_PER_SECOND);

const FILL_KINDS: readonly AgentTurnKind[] = [
  'message',
  'message',
  'tools',
  'tools',
  'tools',
  'subagent',
  'waiting',
  'failed',
  'cancelled',
];

export interface GeneratedAgentsWorld {
  agents: AgentRecord[];
  sessions: SessionRecord[];
}

interface TurnDraft {
  kind: AgentTurnKind;
  plan: TurnPlan;
  session: number;
  createdAt: number;
}

export function generateAgentsWorld(
  seed: number,
  spec: Required<AgentsWorldSpec>,
  startEpoch: number,
  ids: IdFactory<AgentsIdPrefix>,
): GeneratedAgentsWorld {
  const p = createPrng(deriveSeed(seed, 0xa6e75));
  const agents: AgentRecord[] = [];
  for (let i = 0; i < spec.agents; i++) {
    const s = present(AGENT_SEEDS[i % AGENT_SEEDS.length], 'agent seed');
    const createdAt = startEpoch - 30 * 86_400 + i * 3_600;
    const name = s.name && i >= AGENT_SEEDS.length ? `${s.name} ${Math.floor(i / AGENT_SEEDS.length) + 1}` : s.name;
    agents.push({
      id: ids.next('agent'),
      seq: ids.count,
      createdAt,
      updatedAt: createdAt,
      name,
      model: s.model,
      instructions: s.instructions,
      metadata: {},
      tools: s.functions.map<ApiObject>(functionTool),
      multiAgent: s.multiAgent,
      deletedAt: null,
    });
  }
  const options: PlanOptions = { publishDelaySeconds: spec.publishDelaySeconds };
  const sessionCount = spec.sessions + spec.liveSessions;
  const sessionAgents = Array.from({ length: sessionCount }, () => p.int(0, agents.length - 1));
  const agentOf = (session: number): AgentRecord => present(agents[present(sessionAgents[session], 'agent of session')], 'agent');
  const required = p.shuffle<AgentTurnKind>(spec.hostileTraces ? [...AGENT_TURN_KINDS, ...HOSTILE_TURN_KINDS] : AGENT_TURN_KINDS);
  const backfillKinds = required.slice(0, Math.min(spec.backfillTurns, required.length));
  const liveKinds = required.slice(backfillKinds.length, backfillKinds.length + spec.liveTurns);
  while (backfillKinds.length < spec.backfillTurns) backfillKinds.push(p.pick(FILL_KINDS));
  while (liveKinds.length < spec.liveTurns) liveKinds.push(p.pick(FILL_KINDS));

  const draft = (kind: AgentTurnKind, session: number): TurnDraft => ({
    kind,
    session,
    plan: buildTurnPlan(kind, createPrng(p.int(0, 0x7fffffff)), seedOf(snapshotOf(agentOf(session))), options),
    createdAt: 0,
  });
  // Every backfill session gets a turn first; the rest land anywhere.
  const backfill = p.shuffle(backfillKinds).map((kind, i) => draft(kind, i < spec.sessions ? i : p.int(0, spec.sessions - 1)));

  const sessionCreated: number[] = [];
  for (let s = 0; s < spec.sessions; s++) {
    let cursor = startEpoch - p.int(5, 90);
    const mine = backfill.filter((d) => d.session === s);
    for (const d of mine.toReversed()) {
      d.createdAt = cursor - turnSeconds(d.plan) - 1;
      cursor = d.createdAt - p.int(5, 240);
    }
    sessionCreated.push((mine[0]?.createdAt ?? startEpoch - p.int(60, 600)) - p.int(0, 30));
  }
  for (let s = 0; s < spec.liveSessions; s++) sessionCreated.push(startEpoch + p.int(1, spec.liveWindowSeconds));

  // Ids in creation order: sessions and backfill turns as they happened.
  const events = [
    ...sessionCreated.map((at, index) => ({ at, order: 0, index })),
    ...backfill.map((d, index) => ({ at: d.createdAt, order: 1, index })),
  ].sort((a, b) => a.at - b.at || a.order - b.order || a.index - b.index);
  const sessions: SessionRecord[] = new Array<SessionRecord>(sessionCount);
  for (const e of events) {
    if (e.order === 0) {
      sessions[e.index] = newSession(ids, snapshotOf(agentOf(e.index)), e.at);
    } else {
      const d = present(backfill[e.index], 'backfill turn');
      instantiateTurn(ids, seed, present(sessions[d.session], 'session'), d.plan, d.createdAt, 'backfill');
    }
  }

  // Live turns: one on each live session first, the rest on any session, when it is free.
  for (const [i, kind] of p.shuffle(liveKinds).entries()) {
    const index = i < spec.liveSessions ? spec.sessions + i : p.int(0, sessionCount - 1);
    const session = present(sessions[index], 'session');
    const startAt = i < spec.liveSessions ? session.createdAt : Math.max(session.createdAt, startEpoch + p.int(1, spec.liveWindowSeconds));
    session.pending.push({ startAt, plan: draft(kind, index).plan });
  }
  for (const session of sessions) session.pending.sort((a, b) => a.startAt - b.startAt);
  // One live session is deleted a while after its last turn ends.
  if (spec.liveSessions >= 2) present(sessions[sessionCount - 1], 'last session').deleteWhenIdleFor = p.int(30, 90);
  return { agents, sessions: [...sessions].sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq) };
}

/** The plan of a turn created now (by a client or a control route). */
export function drawTurnPlan(
  seed: number,
  counter: number,
  session: SessionRecord,
  kind: AgentTurnKind | undefined,
  options: PlanOptions,
  pick: (p: Prng) => AgentTurnKind,
): TurnPlan {
  const p = createPrng(deriveSeed(seed, 0xc11e7, counter));
  return buildTurnPlan(kind ?? pick(p), p, seedOf(session.agent), options);
}
