// The live Agents API world: creates scheduled turns when their session is free, applies client
// actions (messages, cancellations, function results, deletions), reads every object as of a
// world second, and answers what every turn and trace will finally look like (the truth).
import { present } from '../../core/present.js';
import type { Clock } from '../clock.js';
import { createIdFactory, type IdFactory } from '../ids.js';
import type { ApiObject } from '../state.js';
import { turnItems, type TimedItem } from './items.js';
import { layoutTurn, NS_PER_SECOND, secondsAt, statusAt, type TurnLayout } from './layout.js';
import { renderSession, renderTurn, type SessionView, type SubagentRef, type TurnView } from './objects.js';
import { CLIENT_TURN_KINDS, type AgentTurnKind, type TokenCounts } from './plans.js';
import type { AgentRecord, AgentsIdPrefix, AgentSnapshot, SessionRecord, TurnOrigin, TurnRecord } from './state.js';
import { buildTrace, MAX_PAD_VALUE, ROOT_SPAN_KEY, spanIdOf, traceIdOf, type TraceModel, type TraceTruthSpan } from './traces.js';
import { usageAt } from './usage.js';
import {
  drawTurnPlan,
  generateAgentsWorld,
  instantiateTurn,
  newSession,
  resolveAgentsWorldSpec,
  type AgentsWorldSpec,
} from './worldgen.js';

/** Whole seconds are the world's time; a turn's layout is in nanoseconds from its creation. */
const offsetAt = (turn: TurnRecord, now: number): number => (now - turn.createdAt) * NS_PER_SECOND;
/** The first world second at which something that happens `offsetNs` into the turn has happened. */
const secondReached = (base: number, offsetNs: number): number =>
  Number.isFinite(offsetNs) ? base + Math.ceil(offsetNs / NS_PER_SECOND) : Infinity;
/** The first world second at which the turn shows as ended (its completed_at is the second it ended in). */
const doneAt = (turn: TurnRecord): number => secondReached(turn.createdAt, turn.layout.endNs);

export type TooLarge = 'with_others' | 'alone';

export interface AgentsTruthTrace {
  traceId: string;
  rootSpanId: string;
  publication: 'once' | 'two_parts' | 'never';
  /** When the trace is first listed; null when it never is (not published, or its session is gone first). */
  publishAt: number | null;
  /** When the last part is listed (null as above). */
  completeAt: number | null;
  parts: number;
  shape: string;
  /** Which list entry a page cannot hold alongside others, or at all. */
  tooLarge: TooLarge | null;
  /** The size of its list entry once complete, for the too-large ones. */
  bytes: number | null;
  spans: TraceTruthSpan[];
  invalidSpans: number;
}

export interface AgentsTruthTurn {
  sessionId: string;
  turnId: string;
  /** Null for a root turn. */
  subagentId: string | null;
  /** The root turn a subagent turn belongs to (its own id for a root turn). */
  rootTurnId: string;
  kind: AgentTurnKind | null;
  origin: TurnOrigin;
  finished: boolean;
  /** The turn as the API returns it once it ended and its usage is final (assuming no client action). */
  turn: ApiObject;
  /** When its usage stops changing. */
  usageFinalAt: number | null;
  trace: AgentsTruthTrace | null;
}

export interface AgentsTruth {
  now: number;
  /** Every turn (scheduled ones too) has ended with its final usage, and every trace that will be listed is, complete. */
  allSettled: boolean;
  agents: { id: string; name: string | null; model: string }[];
  sessions: {
    id: string;
    agentId: string;
    agentName: string | null;
    createdAt: number;
    listedFromWhenFiltered: number;
    deletedAt: number | null;
  }[];
  turns: AgentsTruthTurn[];
  pending: { sessionId: string; kind: AgentTurnKind; startAt: number }[];
}

export interface AgentsBehaviour {
  /** Seconds a new session (or a metadata change, or a deletion) takes to show in filtered session lists. */
  filterLagSeconds: number;
  /** Status of the refusal of a traces page over the response cap (the API does not document it). */
  oversizeStatus: 400 | 413;
}

export const DEFAULT_AGENTS_BEHAVIOUR: AgentsBehaviour = { filterLagSeconds: 10, oversizeStatus: 400 };

export interface SubagentTurnRef extends SubagentRef {
  seq: number;
  createdAt: number;
}

export class AgentsWorld {
  readonly spec: Required<AgentsWorldSpec>;
  readonly agents: AgentRecord[];
  private readonly sessionList: SessionRecord[];
  private readonly sessionsById = new Map<string, SessionRecord>();
  private readonly ids: IdFactory<AgentsIdPrefix>;
  private readonly traceModels = new Map<string, TraceModel>();
  private readonly traceEntries = new Map<string, string>();
  /** The next turn a client creates on a session, scripted ahead. */
  private readonly clientScripts = new Map<string, AgentTurnKind>();
  behaviour: AgentsBehaviour = { ...DEFAULT_AGENTS_BEHAVIOUR };

  constructor(
    readonly seed: number,
    readonly clock: Clock,
    spec: AgentsWorldSpec = {},
  ) {
    this.spec = resolveAgentsWorldSpec(spec);
    this.ids = createIdFactory<AgentsIdPrefix>(seed, 0xa6e7);
    const generated = generateAgentsWorld(seed, this.spec, clock.startEpoch, this.ids);
    this.agents = generated.agents;
    this.sessionList = generated.sessions;
    for (const s of this.sessionList) this.sessionsById.set(s.id, s);
  }

  now(): number {
    return this.clock.now();
  }

  /** Creates every scheduled turn that is due on a free session, and schedules idle deletions. */
  sync(now: number): void {
    for (const session of this.sessionList) {
      for (let next = session.pending[0]; next && next.startAt <= now; next = session.pending[0]) {
        if (session.deletedAt !== null && session.deletedAt <= now) break;
        const last = session.turns[session.turns.length - 1];
        const freeAt = last ? doneAt(last) : -Infinity;
        const startAt = Math.max(next.startAt, freeAt);
        if (startAt > now || (session.deletedAt !== null && session.deletedAt <= startAt)) break;
        session.pending.shift();
        instantiateTurn(this.ids, this.seed, session, next.plan, startAt, 'live');
      }
      const last = session.turns[session.turns.length - 1];
      if (
        session.deleteWhenIdleFor !== null &&
        session.deletedAt === null &&
        session.pending.length === 0 &&
        last &&
        Number.isFinite(last.layout.endNs)
      ) {
        session.deletedAt = doneAt(last) + session.deleteWhenIdleFor;
      }
    }
  }

  // --- agents -------------------------------------------------------------------------------

  findAgent(id: string, now: number): AgentRecord | undefined {
    const a = this.agents.find((x) => x.id === id);
    return a && (a.deletedAt === null || a.deletedAt > now) ? a : undefined;
  }

  agentUniverse(): AgentRecord[] {
    return [...this.agents].sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
  }

  createAgent(now: number, fields: Omit<AgentRecord, 'id' | 'seq' | 'createdAt' | 'updatedAt' | 'deletedAt'>): AgentRecord {
    const agent: AgentRecord = {
      id: this.ids.next('agent'),
      seq: this.ids.count,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      ...fields,
    };
    this.agents.push(agent);
    return agent;
  }

  /** An agent defined inline on a session: it gets an id but is no reusable agent. */
  inlineAgent(fields: Omit<AgentSnapshot, 'id'>): AgentSnapshot {
    return { id: this.ids.next('agent'), ...fields };
  }

  // --- sessions -----------------------------------------------------------------------------

  sessionUniverse(): readonly SessionRecord[] {
    return this.sessionList;
  }

  /** A session the API shows at `now`: created, not deleted. */
  findSession(id: string, now: number): SessionRecord | undefined {
    const s = this.sessionsById.get(id);
    return s && isListed(s, now) ? s : undefined;
  }

  /** The session a turn belongs to, deleted or not (every turn's session is kept). */
  private sessionOf(turn: TurnRecord): SessionRecord {
    return present(this.sessionsById.get(turn.sessionId), 'the session of a turn');
  }

  listedAt(s: SessionRecord, now: number): boolean {
    return isListed(s, now);
  }

  /** Filtered lists lag: they show the sessions (and metadata) as they were `filterLagSeconds` ago. */
  listedWhenFiltered(s: SessionRecord, now: number): boolean {
    return isListed(s, now - this.behaviour.filterLagSeconds);
  }

  metadataAt(s: SessionRecord, t: number): Record<string, string> {
    let value: Record<string, string> = {};
    for (const m of s.metadataHistory) if (m.at <= t) value = m.value;
    return value;
  }

  createSession(now: number, agent: AgentSnapshot, metadata: Record<string, string>): SessionRecord {
    const session = newSession(this.ids, agent, now, metadata);
    this.sessionList.push(session);
    this.sessionsById.set(session.id, session);
    return session;
  }

  setMetadata(session: SessionRecord, now: number, value: Record<string, string>): void {
    session.metadataHistory.push({ at: now, value });
  }

  /** The root turn that has not ended at `now`, if any (a session runs one at a time). */
  activeTurn(session: SessionRecord, now: number): TurnRecord | undefined {
    const last = this.rootTurns(session, now).at(-1);
    return last && offsetAt(last, now) < last.layout.endNs ? last : undefined;
  }

  sessionView(session: SessionRecord, now: number): SessionView {
    const active = this.activeTurn(session, now);
    const requiredActions: ApiObject[] = [];
    let status: SessionView['status'] = 'idle';
    if (active) {
      const off = offsetAt(active, now);
      const w = active.layout.waiting;
      if (w && off >= w.fromNs && off < w.untilNs) {
        status = 'requires_action';
        const step = active.plan.steps[w.stepIndex];
        if (step?.type === 'tool') {
          requiredActions.push({
            type: 'function_call',
            call_id: active.ids.get(`call:${w.stepIndex}`),
            name: step.name,
            arguments: JSON.parse(step.arguments) as unknown,
            turn_id: active.id,
          });
        }
      } else {
        status = 'in_progress';
      }
    }
    let lastActive = session.createdAt;
    let usage: TokenCounts | null = null;
    for (const turn of this.rootTurns(session, now)) {
      lastActive = Math.max(lastActive, secondsAt(turn.createdAt, latestActivity(turn.layout, offsetAt(turn, now))));
      usage = addCounts(usage, this.rootUsage(turn, now));
    }
    for (const ref of this.subagentTurns(session, now)) usage = addCounts(usage, this.subUsage(ref, now));
    return { status, lastActiveAt: lastActive, usage, requiredActions, metadata: this.metadataAt(session, now) };
  }

  renderSession(session: SessionRecord, now: number): ApiObject {
    return renderSession(session, this.sessionView(session, now));
  }

  /** DELETE by a client: refused while a turn runs; a turn waiting on the client is cancelled. */
  deleteSession(session: SessionRecord, now: number, force = false): string | null {
    const active = this.activeTurn(session, now);
    if (active && !force) {
      const status = this.rootView(active, now).status;
      if (status !== 'waiting') return `Session ${session.id} has a running turn (${active.id}); cancel it before deleting the session.`;
    }
    if (active) {
      this.cancel(active, now);
      active.abandoned = true;
    }
    session.deletedAt = now;
    session.pending = [];
    return null;
  }

  // --- turns --------------------------------------------------------------------------------

  /** Root turns created by `now`, in creation order (created_at, then id). */
  rootTurns(session: SessionRecord, now: number): TurnRecord[] {
    return session.turns.filter((t) => t.createdAt <= now).sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
  }

  /** Every subagent the session's root turns spawned (whether or not it has started by now). */
  subagentRefs(session: SessionRecord): SubagentTurnRef[] {
    const out: SubagentTurnRef[] = [];
    for (const root of session.turns) {
      for (const step of root.layout.steps) {
        const plan = root.plan.steps[step.index];
        if (plan?.type !== 'subagents') continue;
        for (const timed of step.subagents ?? []) {
          const key = `${step.index}:${timed.index}`;
          out.push({
            id: present(root.ids.get(`subagent:${key}`), 'subagent id'),
            turnId: present(root.ids.get(`subturn:${key}`), 'subagent turn id'),
            seq: present(root.seqs.get(`subturn:${key}`), 'subagent turn seq'),
            createdAt: secondsAt(root.createdAt, timed.startNs),
            root,
            step: step.index,
            index: timed.index,
            plan: present(plan.subagents[timed.index], 'subagent plan'),
            timed,
            closedNs: Number.isFinite(step.endNs) && step.endNs <= root.layout.endNs ? step.endNs : null,
          });
        }
      }
    }
    return out;
  }

  /** Subagent turns that have started by `now`. */
  subagentTurns(session: SessionRecord, now: number): SubagentTurnRef[] {
    return this.subagentRefs(session).filter((r) => offsetAt(r.root, now) >= r.timed.startNs);
  }

  /** Root and subagent turns, ascending by created_at then id: the turns list's order. */
  turnUniverse(session: SessionRecord, now: number): { id: string; seq: number; createdAt: number; view: () => TurnView }[] {
    const roots = this.rootTurns(session, now).map((t) => ({
      id: t.id,
      seq: t.seq,
      createdAt: t.createdAt,
      view: () => this.rootView(t, now),
    }));
    const subs = this.subagentTurns(session, now).map((r) => ({
      id: r.turnId,
      seq: r.seq,
      createdAt: r.createdAt,
      view: () => this.subView(session, r, now),
    }));
    return [...roots, ...subs].sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
  }

  rootUsage(turn: TurnRecord, now: number): TokenCounts | null {
    const usage = usageAt(turn.plan.steps, turn.layout.steps, offsetAt(turn, now));
    const revision = turn.plan.usageRevision;
    if (usage && revision && now >= doneAt(turn) + revision.afterSeconds) return { ...usage, output: usage.output + revision.extraOutput };
    return usage;
  }

  subUsage(ref: SubagentRef, now: number): TokenCounts | null {
    return usageAt(ref.plan.steps, ref.timed.steps, offsetAt(ref.root, now));
  }

  rootView(turn: TurnRecord, now: number): TurnView {
    const off = offsetAt(turn, now);
    const { layout } = turn;
    const status = statusAt(layout, off);
    const terminal = off >= layout.endNs;
    const session = this.sessionOf(turn);
    return {
      id: turn.id,
      agentId: session.agent.id,
      sessionId: turn.sessionId,
      subagentId: null,
      status,
      createdAt: turn.createdAt,
      startedAt: layout.startNs !== null && off >= layout.startNs ? secondsAt(turn.createdAt, layout.startNs) : null,
      completedAt: terminal ? secondsAt(turn.createdAt, layout.endNs) : null,
      usage: this.rootUsage(turn, now),
      error: status === 'failed' ? turn.plan.error : null,
    };
  }

  subView(session: SessionRecord, ref: SubagentRef, now: number): TurnView {
    const off = offsetAt(ref.root, now);
    const ended = off >= ref.timed.endNs;
    return {
      id: ref.turnId,
      agentId: ref.id,
      sessionId: session.id,
      subagentId: ref.id,
      status: ended ? ref.timed.outcome : 'in_progress',
      createdAt: secondsAt(ref.root.createdAt, ref.timed.startNs),
      startedAt: secondsAt(ref.root.createdAt, ref.timed.startNs),
      completedAt: ended ? secondsAt(ref.root.createdAt, ref.timed.endNs) : null,
      usage: this.subUsage(ref, now),
      error: null,
    };
  }

  /** A message from a client: a new root turn now, refused while one is running. */
  createTurn(
    session: SessionRecord,
    now: number,
    options: { kind?: AgentTurnKind; input?: string; origin?: TurnOrigin; publishDelaySeconds?: number; autoAnswer?: boolean } = {},
  ): TurnRecord | string {
    this.sync(now);
    const active = this.activeTurn(session, now);
    if (active) return `Session ${session.id} already has an active turn ${active.id}.`;
    const origin = options.origin ?? 'client';
    const scripted = origin === 'client' ? this.clientScripts.get(session.id) : undefined;
    if (scripted) this.clientScripts.delete(session.id);
    const delay = options.publishDelaySeconds;
    const plan = drawTurnPlan(
      this.seed,
      this.ids.count,
      session,
      options.kind ?? scripted,
      { publishDelaySeconds: delay === undefined ? this.spec.publishDelaySeconds : [delay, delay] },
      (p) => p.pick(CLIENT_TURN_KINDS),
    );
    if (options.input !== undefined) plan.input = options.input;
    if (options.autoAnswer === false) plan.autoAnswerAfterSeconds = null;
    // A scheduled deletion waits for the session to be idle again.
    if (session.deleteWhenIdleFor !== null && session.deletedAt !== null && session.deletedAt > now) session.deletedAt = null;
    return instantiateTurn(this.ids, this.seed, session, plan, now, origin);
  }

  /** Scripts the kind of the next turn a client starts on the session (for a test that plays the app). */
  scriptNextClientTurn(session: SessionRecord, kind: AgentTurnKind): void {
    this.clientScripts.set(session.id, kind);
  }

  cancel(turn: TurnRecord, now: number): void {
    turn.interactions = { ...turn.interactions, cancelAtNs: offsetAt(turn, now) };
    this.relayout(turn);
  }

  /** A client's result for the function call a waiting turn awaits; an error message when it does not fit. */
  answer(
    turn: TurnRecord,
    now: number,
    callId: string,
    result: { success: boolean; output: string | null; error: string | null },
  ): string | null {
    const off = offsetAt(turn, now);
    const w = turn.layout.waiting;
    if (!w || off < w.fromNs || off >= w.untilNs) return `Turn ${turn.id} is not waiting for a function result.`;
    const expected = turn.ids.get(`call:${w.stepIndex}`);
    if (callId !== expected) return `Turn ${turn.id} is waiting for call_id '${expected}', not '${callId}'.`;
    turn.interactions = { ...turn.interactions, answeredAtNs: off, answer: result };
    this.relayout(turn);
    return null;
  }

  private relayout(turn: TurnRecord): void {
    turn.layout = layoutTurn(turn.plan, turn.interactions);
    this.traceModels.delete(turn.id);
  }

  // --- items --------------------------------------------------------------------------------

  private itemsOf(turn: TurnRecord): TimedItem[] {
    const session = this.sessionOf(turn);
    return turnItems({ ids: turn.ids, turnId: turn.id, agentId: session.agent.id }, turn.plan, turn.layout);
  }

  /** Items visible at `now`, ascending by time then id; `filter` picks whose history. */
  items(
    turns: readonly TurnRecord[],
    now: number,
    filter: (item: TimedItem, turn: TurnRecord) => boolean,
  ): { id: string; render: () => ApiObject }[] {
    const out: { id: string; t: number; off: number; seq: number; render: () => ApiObject }[] = [];
    for (const turn of turns) {
      const off = offsetAt(turn, now);
      const seqById = new Map([...turn.ids].map(([slot, id]) => [id, turn.seqs.get(slot) ?? 0]));
      for (const item of this.itemsOf(turn)) {
        if (item.atNs > off || !filter(item, turn)) continue;
        out.push({
          id: item.id,
          t: turn.createdAt,
          off: item.atNs,
          seq: seqById.get(item.id) ?? 0,
          render: () => ({ id: item.id, ...item.render(off >= item.doneNs) }),
        });
      }
    }
    return out.sort((a, b) => a.t - b.t || a.off - b.off || a.seq - b.seq);
  }

  // --- traces -------------------------------------------------------------------------------

  traceModel(turn: TurnRecord): TraceModel {
    let model = this.traceModels.get(turn.id);
    if (!model) {
      model = this.buildTraceModel(turn);
      this.traceModels.set(turn.id, model);
    }
    return model;
  }

  private subject(turn: TurnRecord) {
    const session = this.sessionOf(turn);
    const index = session.turns.indexOf(turn);
    const previous = session.turns[index - 1] ?? null;
    return {
      turnId: turn.id,
      sessionId: session.id,
      createdAt: turn.createdAt,
      model: turn.model,
      agent: { id: session.agent.id, name: session.agent.name, instructions: session.agent.instructions },
      plan: turn.plan,
      layout: turn.layout,
      ids: turn.ids,
      traceSeed: turn.traceSeed,
      previous: previous ? { traceId: traceIdOf(previous.traceSeed), spanId: spanIdOf(previous.traceSeed, ROOT_SPAN_KEY) } : null,
    };
  }

  private buildTraceModel(turn: TurnRecord): TraceModel {
    const s = this.subject(turn);
    const target = this.oversizeTarget(turn);
    if (target === null) return buildTrace(s);
    // Padding spans (read_file results of at most 1 MiB) bring the list entry to exactly `target`
    // bytes: each adds a fixed overhead plus its value's length (plain ASCII, nothing escaped).
    const size = (pads: number[]): number => Buffer.byteLength(this.serialize(turn, buildTrace(s, pads), 1));
    const base = size([]);
    const overhead = size([0]) - base;
    const remaining = target - base;
    const n = Math.max(1, Math.ceil(remaining / (MAX_PAD_VALUE + overhead)));
    const each = Math.floor((remaining - n * overhead) / n);
    // The last pad takes what the division left over.
    const pads = Array.from({ length: n }, (_, i) => (i === n - 1 ? each + remaining - n * overhead - each * n : each));
    return buildTrace(s, pads);
  }

  /** The size a too-large trace's list entry is built to: just under the cap, or over it. */
  private oversizeTarget(turn: TurnRecord): number | null {
    const cap = this.spec.traceResponseCapBytes;
    if (turn.plan.trace === 'too_large_with_others') return cap - 1024;
    if (turn.plan.trace === 'too_large_alone') return cap + 65_536;
    return null;
  }

  /** How many parts of the turn's trace are listed at `now` (0: none). */
  publishedParts(turn: TurnRecord, now: number): number {
    const at = this.publishTimes(turn);
    if (!at) return 0;
    if (now < at.first) return 0;
    return now < at.complete ? 1 : at.parts;
  }

  private publishTimes(turn: TurnRecord): { first: number; complete: number; parts: number } | null {
    const { plan, layout } = turn;
    if (plan.publication.mode === 'never' || turn.abandoned || layout.startNs === null || !Number.isFinite(layout.endNs)) return null;
    const first = doneAt(turn) + plan.publication.delaySeconds;
    const parts = plan.publication.mode === 'two_parts' ? 2 : 1;
    return { first, complete: parts === 2 ? first + plan.publication.secondPartAfterSeconds : first, parts };
  }

  /** The turn's `agent.session.trace` list entry with `parts` published, as JSON. */
  traceEntry(turn: TurnRecord, parts: number): string {
    const key = `${turn.id}:${parts}`;
    let json = this.traceEntries.get(key);
    if (json === undefined) {
      json = this.serialize(turn, this.traceModel(turn), parts);
      this.traceEntries.set(key, json);
    }
    return json;
  }

  private serialize(turn: TurnRecord, model: TraceModel, parts: number): string {
    return JSON.stringify({
      id: turn.id,
      object: 'agent.session.trace',
      created_at: turn.createdAt,
      session_id: turn.sessionId,
      otlp: model.render(parts),
    });
  }

  // --- truth --------------------------------------------------------------------------------

  truth(): AgentsTruth {
    const now = this.now();
    this.sync(now);
    const turns: AgentsTruthTurn[] = [];
    let allSettled = true;
    for (const session of this.sessionList) {
      for (const root of session.turns) {
        const end = doneAt(root);
        const usageFinalAt = Number.isFinite(end) ? end + (root.plan.usageRevision?.afterSeconds ?? 0) : null;
        const finalAt = Math.max(now, usageFinalAt ?? now);
        const trace = this.truthTrace(session, root);
        if (!(now >= end) || now < (usageFinalAt ?? Infinity) || (trace.completeAt !== null && now < trace.completeAt)) allSettled = false;
        turns.push({
          sessionId: session.id,
          turnId: root.id,
          subagentId: null,
          rootTurnId: root.id,
          kind: root.plan.kind,
          origin: root.origin,
          finished: now >= end,
          turn: renderTurn(this.rootView(root, finalAt)),
          usageFinalAt,
          trace,
        });
      }
      for (const ref of this.subagentRefs(session)) {
        const end = secondReached(ref.root.createdAt, ref.timed.endNs);
        turns.push({
          sessionId: session.id,
          turnId: ref.turnId,
          subagentId: ref.id,
          rootTurnId: ref.root.id,
          kind: null,
          origin: ref.root.origin,
          finished: now >= end,
          turn: renderTurn(this.subView(session, ref, Math.max(now, end))),
          usageFinalAt: end,
          trace: null,
        });
      }
      if (session.pending.length > 0 && !(session.deletedAt !== null && session.deletedAt <= now)) allSettled = false;
    }
    return {
      now,
      allSettled,
      agents: this.agents.map((a) => ({ id: a.id, name: a.name, model: a.model })),
      sessions: this.sessionList.map((s) => ({
        id: s.id,
        agentId: s.agent.id,
        agentName: s.agent.name,
        createdAt: s.createdAt,
        listedFromWhenFiltered: s.createdAt + this.behaviour.filterLagSeconds,
        deletedAt: s.deletedAt,
      })),
      turns,
      pending: this.sessionList.flatMap((s) => s.pending.map((p) => ({ sessionId: s.id, kind: p.plan.kind, startAt: p.startAt }))),
    };
  }

  private truthTrace(session: SessionRecord, turn: TurnRecord): AgentsTruthTrace {
    // A turn that waits for an answer that never comes has no trace yet (nor will it).
    const model = Number.isFinite(turn.layout.endNs) ? this.traceModel(turn) : null;
    const at = this.publishTimes(turn);
    const gone = session.deletedAt;
    const listed = at !== null && (gone === null || at.first < gone);
    const tooLarge: TooLarge | null =
      turn.plan.trace === 'too_large_with_others' ? 'with_others' : turn.plan.trace === 'too_large_alone' ? 'alone' : null;
    return {
      traceId: traceIdOf(turn.traceSeed),
      rootSpanId: spanIdOf(turn.traceSeed, ROOT_SPAN_KEY),
      publication: turn.plan.publication.mode,
      publishAt: listed ? at.first : null,
      completeAt: listed && (gone === null || at.complete < gone) ? at.complete : null,
      parts: model?.parts ?? 0,
      shape: turn.plan.trace,
      tooLarge,
      bytes: tooLarge ? this.oversizeTarget(turn) : null,
      spans: model?.spans ?? [],
      invalidSpans: model?.invalidSpans ?? 0,
    };
  }

  /** The trace as it will be listed once complete (for tests; null when it never is). */
  finalTrace(turnId: string): string | null {
    for (const session of this.sessionList) {
      const turn = session.turns.find((t) => t.id === turnId);
      if (!turn) continue;
      const at = this.publishTimes(turn);
      return at ? this.traceEntry(turn, at.parts) : null;
    }
    return null;
  }

  findRootTurn(session: SessionRecord, id: string, now: number): TurnRecord | undefined {
    return this.rootTurns(session, now).find((t) => t.id === id);
  }
}

function isListed(s: SessionRecord, t: number): boolean {
  return s.createdAt <= t && (s.deletedAt === null || t < s.deletedAt);
}

/** The latest moment by `off` at which the turn did something (created, started, a step began or ended, it ended). */
function latestActivity(layout: TurnLayout, off: number): number {
  let latest = 0;
  const consider = (t: number): void => {
    if (t <= off && t > latest) latest = t;
  };
  if (layout.startNs !== null) consider(layout.startNs);
  for (const step of layout.steps) {
    consider(step.startNs);
    consider(step.endNs);
    for (const s of step.subagents ?? []) {
      consider(s.startNs);
      consider(s.endNs);
    }
  }
  consider(layout.endNs);
  return latest;
}

function addCounts(total: TokenCounts | null, u: TokenCounts | null): TokenCounts | null {
  if (u === null) return total;
  if (total === null) return { ...u };
  return {
    input: total.input + u.input,
    output: total.output + u.output,
    cached: total.cached + u.cached,
    reasoning: total.reasoning + u.reasoning,
  };
}
