// One look at an Agents API session: the requests it needs, and one commit of what they showed
// (new span records, metric observations, the next cursor) for the core to write in one
// transaction. Mapping is pure (forward.ts, synthetic.ts, metrics.ts); this module decides what
// to ask and what each answer means for the session's turns.
//
// A look lists the turns after the turns cursor (every unsettled turn again, with the new ones),
// and the published traces after the traces cursor while a root turn is finished but unsettled;
// both lists are read to their end, one request per page. It asks for nothing a look cannot
// change: not the session once its context is recorded, not the traces while no finished root
// turn waits for one, and not even the turns when a sessions list shows the session unchanged
// since they were last listed with every turn settled.
import { meaningOf } from '../../core/errors.js';
import type { MetricObservation } from '../../core/observation.js';
import type { SpanRecord } from '../../core/span-record.js';
import { isObj } from '../../mapping/json-values.js';
import { isHistory } from '../../metrics/history.js';
import type { AgentsSessionApi, ListPage } from './client.js';
import { NOTHING_REMOVED, type ContentRemoved } from './content.js';
import { forwardSpans, forwardTrace, type ForwardInput, type ForwardResult } from './forward.js';
import { EAGER_TRACE_SECONDS, type SessionPace } from './look-policy.js';
import { turnTraceKey } from './keys.js';
import { turnObservations } from './metrics.js';
import type { TraceProblem } from './problems.js';
import {
  addForwarded,
  advanceCursors,
  emptyProgress,
  forwardedKeys,
  isSessionIdle,
  newSessionCursor,
  readSessionCursor,
  settlesAt,
  storedCursor,
  type OpenTurn,
  type SessionCursor,
  type TraceProgress,
} from './session-cursor.js';
import { readSessionContext, sessionContextFrom, type AgentSessionContext } from './session-context.js';
import type { SessionLookSettings } from './settings.js';
import { missingTrace, syntheticTurnSpan } from './synthetic.js';
import { isTerminalTurn, readTurn, turnEndNanos, type TurnFacts } from './turn.js';

export interface SessionLookInput {
  sessionId: string;
  /** The unit's cursor as last committed (opaque JSON); null before the first look. */
  cursor: unknown;
  /** The session's context as recorded; null before the first look. */
  frozen: unknown;
  /** The session as a sessions list showed it just now, when one did: its context and activity come from it. */
  listed?: unknown;
  /** A session found by its agent's discovery: its turns created before this Unix time are passed over, never traced or counted. */
  sinceSeconds?: number | null;
  /** The bridge's clock, Unix seconds. */
  nowSeconds: number;
}

export interface SessionLookDeps {
  api: AgentsSessionApi;
  settings: SessionLookSettings;
}

export type SessionStatus = 'running' | 'settling' | 'idle' | 'gone';

/** What the core writes in one transaction. */
export interface SessionCommit {
  /** The session id. */
  unit: string;
  /** Records not yet exported, each with its dedupe key. */
  spans: SpanRecord[];
  /** Which trace each root turn's forwarded spans are in (turnTraceKey), for `trace-id`. */
  emittedKeys: string[];
  observations: MetricObservation[];
  /** The next cursor, plain JSON (readSessionCursor reads it back). */
  cursor: unknown;
  /** The session's context, when this look recorded it (the first). */
  frozen?: AgentSessionContext;
  status: SessionStatus;
  /** The session is gone: stop tracking it. */
  terminal: boolean;
}

export interface SessionLookReport {
  problems: TraceProblem[];
  removed: ContentRemoved;
  /** List items that were no turn or no trace entry (no id): skipped. */
  skippedTurns: number;
  skippedTraces: number;
  /** Unfinished turns of a deleted session, or ones the turns list no longer shows: never seen to end, nothing counted. */
  abandonedTurns: number;
  /** Root turns settled in this look because their trace was too large to list even alone. */
  tooLarge: string[];
  /** Traces pages refused at a page size of 1 with no known turn to blame: reading stopped there. */
  unexplainedRefusals: number;
}

export interface SessionLook {
  commit: SessionCommit;
  /** Nothing to write: no record, no observation, cursor and context as they were. */
  unchanged: boolean;
  /** Requests made, a page each (the budgeted fetch's retries of one are not counted). */
  requests: { session: number; turns: number; traces: number };
  /** For the next-look decision (nextSessionLookMs). */
  pace: SessionPace;
  /** For --exit-when-idle: every turn seen is settled, or the session is gone. */
  idle: boolean;
  report: SessionLookReport;
}

/** A turn as this look knows it. */
interface LookTurn {
  id: string;
  root: boolean;
  facts: TurnFacts;
  /** Its state in the cursor; null when first seen now. */
  before: OpenTurn | null;
  /** Settled by an earlier look: listed again only because an unsettled turn comes first. */
  settledBefore: boolean;
  /** In this look's turns list (else kept from the cursor). */
  listed: boolean;
  terminalSeenAt: number | null;
  firstSeenTerminal: boolean;
  trace: TraceProgress | null;
  /** Its trace was read in this look. */
  readNow: boolean;
  settles: boolean;
}

export async function lookAtSession(input: SessionLookInput, deps: SessionLookDeps): Promise<SessionLook> {
  return new Look(input, deps).run();
}

class Look {
  readonly #input: SessionLookInput;
  readonly #api: AgentsSessionApi;
  readonly #settings: SessionLookSettings;
  readonly #stored: SessionCursor | null;
  readonly #cursor: SessionCursor;
  readonly #requests = { session: 0, turns: 0, traces: 0 };
  readonly #spans: SpanRecord[] = [];
  readonly #turnTraces = new Set<string>();
  readonly #observations: MetricObservation[] = [];
  readonly #report: SessionLookReport = {
    problems: [],
    removed: { ...NOTHING_REMOVED },
    skippedTurns: 0,
    skippedTraces: 0,
    abandonedTurns: 0,
    tooLarge: [],
    unexplainedRefusals: 0,
  };
  #turns: LookTurn[] = [];
  #gone = false;
  /** Every known root turn's place in the traces list was read (a look cut short settles none by the clock). */
  #tracesRead = true;
  /** The page size the first traces page was answered with. */
  #firstTracesLimit: number | null = null;

  constructor(input: SessionLookInput, deps: SessionLookDeps) {
    this.#input = input;
    this.#api = deps.api;
    this.#settings = deps.settings;
    this.#stored = readSessionCursor(input.cursor, input.sessionId);
    this.#cursor = this.#stored ?? newSessionCursor(deps.settings.pageSize);
  }

  async run(): Promise<SessionLook> {
    const { sessionId, nowSeconds } = this.#input;
    if (this.#cursor.gone) return this.#finish(undefined, this.#cursor);
    let context = readSessionContext(this.#input.frozen);
    let frozen: AgentSessionContext | undefined;
    let session = this.#input.listed;
    if (context === null) {
      if (session === undefined) {
        this.#requests.session += 1;
        try {
          session = await this.#api.retrieveSession(sessionId);
        } catch (error) {
          if (meaningOf(error) !== 'gone') throw error;
          return this.#finish(undefined, { ...this.#cursor, gone: true });
        }
      }
      context = frozen = sessionContextFrom(sessionId, session, nowSeconds);
    }
    const activity = session === undefined ? null : lastActiveAt(session);
    const unchangedSession =
      this.#stored !== null && this.#cursor.open.length === 0 && activity !== null && activity === this.#cursor.lastActiveAt;
    if (unchangedSession) return this.#finish(frozen, this.#cursor);

    const listing = await this.#listTurns();
    this.#turns = this.#merge(listing);
    if (!this.#gone && this.#turns.some((t) => t.root && !t.settledBefore && isTerminalTurn(t.facts))) await this.#readTraces(context);
    this.#settle(context);
    return this.#finish(frozen, this.#nextCursor(listing, activity));
  }

  /** Every turn after the turns cursor; null when the session is gone. */
  async #listTurns(): Promise<TurnFacts[] | null> {
    const priority = this.#cursor.open.length > 0 ? 'finishing' : 'discovery';
    const turns: TurnFacts[] = [];
    let after = this.#cursor.turnsAfter;
    for (;;) {
      let page: ListPage;
      this.#requests.turns += 1;
      try {
        page = await this.#api.listTurns(this.#input.sessionId, after, this.#settings.pageSize, priority);
      } catch (error) {
        if (meaningOf(error) !== 'gone') throw error;
        this.#gone = true;
        return null;
      }
      for (const item of page.items) {
        const turn = readTurn(item);
        if (turn === null) this.#report.skippedTurns += 1;
        else turns.push(turn);
      }
      if (!page.hasMore || page.lastId === null) return turns;
      after = page.lastId;
    }
  }

  /** The listed turns with what the cursor knew of each, and the unsettled ones the list no longer shows. */
  #merge(listing: TurnFacts[] | null): LookTurn[] {
    const now = this.#input.nowSeconds;
    const before = new Map(this.#cursor.open.map((t) => [t.id, t]));
    const settled = new Set(this.#cursor.settled);
    const make = (facts: TurnFacts, known: OpenTurn | null, listed: boolean): LookTurn => {
      const terminal = isTerminalTurn(facts);
      const terminalSeenAt = known?.terminalSeenAt ?? (terminal ? now : null);
      const root = facts.subagentId === null;
      return {
        id: facts.id,
        root,
        facts,
        before: known,
        settledBefore: false,
        listed,
        terminalSeenAt,
        firstSeenTerminal: terminal && (known === null || known.terminalSeenAt === null),
        trace: root ? cloneProgress(known?.trace ?? null) : null,
        readNow: false,
        settles: false,
      };
    };
    const turns: LookTurn[] = [];
    const since = this.#input.sinceSeconds ?? null;
    const beforeStart = (facts: TurnFacts): boolean => since !== null && facts.createdAt !== null && facts.createdAt < since;
    for (const facts of listing ?? []) {
      if (settled.has(facts.id) || (!before.has(facts.id) && beforeStart(facts)))
        turns.push({ ...make(facts, null, true), settledBefore: true, firstSeenTerminal: false });
      else turns.push(make(facts, before.get(facts.id) ?? null, true));
      before.delete(facts.id);
    }
    // Unsettled turns the list did not show: all of them when the session is gone (it shows none).
    for (const known of before.values()) {
      // One never seen to end has nothing to settle: its status and tokens are unknown.
      if (isTerminalTurn(known.facts)) turns.push(make(known.facts, known, false));
      else this.#report.abandonedTurns += 1;
    }
    return turns;
  }

  /** Whether the turn's wait is over by the clock (not yet deciding gone or too large). */
  #dueByClock(turn: LookTurn): boolean {
    const at = settlesAt(turn, this.#settings.traceWaitSeconds);
    return at !== null && this.#input.nowSeconds >= at;
  }

  /**
   * The published traces after the traces cursor, to the end, forwarded into the unsettled root
   * turns they belong to. A page refused for size is asked again with half the page size; at 1,
   * the root turn it starts with settles as too large.
   */
  async #readTraces(context: AgentSessionContext): Promise<void> {
    const roots = this.#turns.filter((t) => t.root && t.listed);
    const byId = new Map(this.#turns.filter((t) => t.root && !t.settledBefore).map((t) => [t.id, t]));
    /** Index in `roots` of the first root turn after `position`; -1 when `position` is past what the turns list showed. */
    const nextIndex = (position: string | null): number => {
      if (position === this.#cursor.tracesAfter) return 0;
      const i = roots.findIndex((t) => t.id === position);
      return i < 0 ? -1 : i + 1;
    };
    const settledRoot = (t: LookTurn): boolean => t.settledBefore || t.trace?.tooLarge === true;
    let position = this.#cursor.tracesAfter;
    let limit = Math.max(1, Math.min(this.#settings.pageSize, this.#cursor.tracesLimit));
    for (;;) {
      // A settled root turn right after the position needs no reading: start after it.
      for (let i = nextIndex(position), next = roots[i]; i >= 0 && next && settledRoot(next); i += 1, next = roots[i]) position = next.id;
      this.#requests.traces += 1;
      let page;
      try {
        page = await this.#api.listTraces(this.#input.sessionId, position, limit);
      } catch (error) {
        if (meaningOf(error) !== 'gone') throw error;
        this.#gone = true;
        return;
      }
      if (page.refused) {
        if (limit > 1) {
          limit = Math.max(1, Math.floor(limit / 2));
          continue;
        }
        // The page would start with the first published trace after the position: the first root
        // turn there that has finished, unless it settled already (then it is not published, or
        // too large itself, and the one after it is asked for next).
        const start = nextIndex(position);
        const blamed = start < 0 ? undefined : roots.slice(start).find((t) => isTerminalTurn(t.facts));
        if (blamed === undefined) {
          this.#report.unexplainedRefusals += 1;
          return;
        }
        if (!blamed.settledBefore) {
          blamed.trace ??= emptyProgress();
          blamed.trace.tooLarge = true;
          this.#report.tooLarge.push(blamed.id);
        }
        position = blamed.id;
        continue;
      }
      this.#firstTracesLimit ??= limit;
      for (const item of page.items) this.#forward(item, byId, context);
      if (!page.hasMore) return;
      // More follows, but the page gives no place to go on from: what follows is not read now.
      if (page.lastId === null) {
        this.#tracesRead = false;
        return;
      }
      position = page.lastId;
      limit = Math.min(this.#settings.pageSize, limit * 2);
    }
  }

  #forward(item: unknown, roots: ReadonlyMap<string, LookTurn>, context: AgentSessionContext): void {
    if (!isObj(item) || typeof item.id !== 'string') {
      this.#report.skippedTraces += 1;
      return;
    }
    // A trace of a turn settled already, or of one the turns list did not show yet (read next look).
    const turn = roots.get(item.id);
    if (turn === undefined) return;
    // Settling now: spans still without an end go out with the turn's end.
    const result = forwardTrace({
      otlp: item.otlp,
      ...this.#forwarding(turn, context, isTerminalTurn(turn.facts) && this.#dueByClock(turn)),
    });
    const progress = (turn.trace ??= emptyProgress());
    progress.listed = true;
    progress.spans = Math.max(progress.spans, result.published);
    progress.held = result.held;
    turn.readNow = true;
    this.#took(turn, progress, result);
    mergeProblems(this.#report.problems, result.problems);
  }

  /** How the turn's spans are forwarded, what was forwarded before left out. */
  #forwarding(turn: LookTurn, context: AgentSessionContext, settled: boolean): Omit<ForwardInput, 'otlp'> {
    const exported = forwardedKeys(turn.trace ?? emptyProgress());
    return {
      turn: { sessionId: context.sessionId, turnId: turn.id, agentId: turn.facts.agentId ?? context.agentId },
      settled,
      turnEnd: turnEndNanos(turn.facts),
      exported: (key) => exported.has(key),
      content: this.#settings.content,
      limits: this.#settings.limits,
      resource: this.#settings.resource,
      history: isHistory(turn.facts.completedAt, context.firstSeenSeconds),
    };
  }

  #took(turn: LookTurn, progress: TraceProgress, result: Omit<ForwardResult, 'problems'>): void {
    addForwarded(progress, result.records);
    this.#spans.push(...result.records);
    for (const record of result.records) this.#turnTraces.add(turnTraceKey(turn.id, record.traceId));
    this.#report.removed.attributes += result.removed.attributes;
    this.#report.removed.events += result.removed.events;
  }

  /** Settles what is due, with its synthetic span and metrics; counts what is newly seen terminal. */
  #settle(context: AgentSessionContext): void {
    for (const turn of this.#turns) {
      if (turn.settledBefore) continue;
      const terminal = isTerminalTurn(turn.facts);
      // By the clock only once the traces list was read over the turn's place in it: a look that
      // could not read it all leaves its root turns for the next.
      const byClock = this.#dueByClock(turn) && (!turn.root || this.#tracesRead);
      turn.settles = terminal && (this.#gone || turn.trace?.tooLarge === true || byClock);
      if (!turn.settles && !turn.firstSeenTerminal) continue;
      // Settled without its trace read now (its session deleted): what was held ends with the turn.
      if (turn.settles && !turn.readNow && turn.trace && turn.trace.held.length > 0)
        this.#took(turn, turn.trace, forwardSpans(turn.trace.held, this.#forwarding(turn, context, true)));
      const missing = turn.settles && turn.root ? missingTrace(turn.facts, turn.trace ?? emptyProgress()) : null;
      if (missing !== null) {
        const history = isHistory(turn.facts.completedAt, context.firstSeenSeconds);
        this.#spans.push(
          syntheticTurnSpan({ turn: turn.facts, session: context, reason: missing, history, limits: this.#settings.limits }),
        );
      }
      this.#observations.push(
        ...turnObservations({
          turn: turn.facts,
          session: context,
          firstSeenTerminal: turn.firstSeenTerminal,
          settled: turn.settles,
          missingTrace: missing,
        }),
      );
    }
  }

  #nextCursor(listing: TurnFacts[] | null, activity: number | null): SessionCursor {
    const cursor = this.#cursor;
    if (this.#gone) return { ...cursor, open: [], settled: [], gone: true };
    const listed = this.#turns.filter((t) => t.listed).map((t) => ({ id: t.id, root: t.root, settled: t.settledBefore || t.settles }));
    const { turnsAfter, tracesAfter } = advanceCursors(cursor, listed);
    const prefix = listed.findIndex((t) => !t.settled);
    const behind = new Set((prefix < 0 ? [] : listed.slice(prefix)).map((t) => t.id));
    const open: OpenTurn[] = [];
    const settled: string[] = [];
    for (const turn of this.#turns) {
      if (turn.settledBefore || turn.settles) {
        if (behind.has(turn.id)) settled.push(turn.id);
      } else {
        open.push({
          id: turn.id,
          facts: turn.facts,
          terminalSeenAt: turn.terminalSeenAt,
          trace: turn.root ? (turn.trace ?? emptyProgress()) : null,
        });
      }
    }
    const tracesLimit = tracesAfter !== cursor.tracesAfter ? this.#settings.pageSize : (this.#firstTracesLimit ?? cursor.tracesLimit);
    return {
      ...cursor,
      turnsAfter,
      tracesAfter,
      tracesLimit,
      open,
      settled,
      lastActiveAt: listing === null ? cursor.lastActiveAt : (activity ?? cursor.lastActiveAt),
    };
  }

  #finish(frozen: AgentSessionContext | undefined, next: SessionCursor): SessionLook {
    const stored = storedCursor(next);
    const pace = this.#pace(next);
    const commit: SessionCommit = {
      unit: this.#input.sessionId,
      spans: this.#spans,
      emittedKeys: [...this.#turnTraces],
      observations: this.#observations,
      cursor: stored,
      ...(frozen ? { frozen } : {}),
      status: pace.kind === 'running' || pace.kind === 'settling' || pace.kind === 'gone' ? pace.kind : 'idle',
      terminal: next.gone,
    };
    const same = this.#stored !== null && frozen === undefined && JSON.stringify(stored) === JSON.stringify(storedCursor(this.#stored));
    return {
      commit,
      unchanged: same && this.#spans.length === 0 && this.#observations.length === 0,
      requests: { ...this.#requests },
      pace,
      idle: isSessionIdle(next),
      report: this.#report,
    };
  }

  #pace(next: SessionCursor): SessionPace {
    if (next.gone) return { kind: 'gone' };
    const changed =
      this.#spans.length > 0 ||
      this.#turns.some((t) => !t.settledBefore && (t.before === null || t.before.facts.status !== t.facts.status || t.settles));
    const unfinished = next.open.filter((t) => !isTerminalTurn(t.facts));
    if (unfinished.length > 0) {
      const waiting = unfinished.every((t) => t.facts.status === 'queued' || t.facts.status === 'waiting');
      return { kind: 'running', waiting, changed };
    }
    const due = next.open.map((t) => settlesAt(t, this.#settings.traceWaitSeconds)).filter((at): at is number => at !== null);
    if (due.length === 0) return { kind: 'idle', changed };
    const now = this.#input.nowSeconds;
    const awaitingTrace = next.open.some((t) => {
      const ended = t.facts.completedAt ?? t.terminalSeenAt;
      return t.trace !== null && isTerminalTurn(t.facts) && ended !== null && now - ended < EAGER_TRACE_SECONDS;
    });
    return { kind: 'settling', settleAtSeconds: Math.min(...due), nowSeconds: now, changed, awaitingTrace };
  }
}

/** The session's last_active_at as a sessions list or retrieve shows it; null when it shows none. */
function lastActiveAt(session: unknown): number | null {
  return isObj(session) && typeof session.last_active_at === 'number' && Number.isFinite(session.last_active_at)
    ? session.last_active_at
    : null;
}

function cloneProgress(progress: TraceProgress | null): TraceProgress | null {
  return progress === null
    ? null
    : { ...progress, forwarded: Object.fromEntries(Object.entries(progress.forwarded).map(([k, v]) => [k, [...v]])) };
}

/** Adds `more` to `into`, one entry per problem kind (counts summed, the first place kept). */
function mergeProblems(into: TraceProblem[], more: readonly TraceProblem[]): void {
  for (const problem of more) {
    const known = into.find((p) => p.code === problem.code);
    if (known) known.count += problem.count;
    else into.push({ ...problem });
  }
}
