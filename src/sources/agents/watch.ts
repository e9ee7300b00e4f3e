// The agents source at work in a watch: each tracked session is looked at on its own pace (a turn
// at work like a working run, a finished turn waiting for its trace until it settles, an idle
// session like a thread between runs), one commit per look: the spans and observations it
// produced and the session's next cursor, in one transaction.
import type { Logger } from 'pino';
import type { BridgeConfig } from '../../config/types.js';
import type { SourceLooks, WatchingSource } from '../../core/source.js';
import { LOOK_CLASS, type LookClass, type LookFailure } from '../../scheduler/look-scheduler.js';
import type { PollPolicy } from '../../scheduler/poll-policy.js';
import type { StateStore } from '../../state/store.js';
import type { Origin, UnitRef } from '../../state/types.js';
import { activeSince, listAgentSessions, newAgentDiscoveryCursor, readAgentDiscoveryCursor } from './agent-discovery.js';
import type { AgentsDiscoveryApi, AgentsSessionApi } from './client.js';
import { countByKind } from './problems.js';
import { nextSessionLookMs, sessionPollPolicy, type SessionPace } from './look-policy.js';
import { isSessionIdle, readSessionCursor } from './session-cursor.js';
import { lookAtSession, type SessionLook } from './session-look.js';
import { sessionLookSettings, type AgentsWatchSettings, type SessionLookSettings } from './settings.js';

export const AGENTS = 'agents';
const SESSION = 'session';
const AGENT = 'agent';
/** Look keys of agents' discovery passes; a session's key is its id. */
const AGENT_KEY = 'agent:';

export interface AgentsWatchOptions {
  config: BridgeConfig;
  settings: AgentsWatchSettings;
  store: StateStore;
  api: AgentsSessionApi & AgentsDiscoveryApi;
  log: Logger;
  looks: SourceLooks;
  onCommitted: () => void;
  nowSeconds: () => number;
}

/** What the watch keeps of a session between looks. */
interface SessionTask {
  /** The delay before the look under way (undefined before the first). */
  delayMs: number | undefined;
  looks: number;
  /** The last look found every turn settled (or the session gone). */
  idle: boolean;
  /** The last look's pace, for the class of a retried look. */
  pace: SessionPace | null;
}

/** What the watch keeps of an agent between discovery passes. */
interface AgentTask {
  delayMs: number | undefined;
  /** Passes read to the end in this process. */
  passes: number;
}

const sessionRef = (id: string): UnitRef => ({ source: AGENTS, kind: SESSION, id });
const agentRef = (id: string): UnitRef => ({ source: AGENTS, kind: AGENT, id });

export class AgentsWatch implements WatchingSource {
  readonly counters = { sessionsDeleted: 0, sessionsDiscovered: 0, spansForwarded: 0, syntheticSpans: 0 };
  readonly #options: AgentsWatchOptions;
  readonly #policy: PollPolicy;
  readonly #lookSettings: SessionLookSettings;
  readonly #sessions = new Map<string, SessionTask>();
  readonly #agents = new Map<string, AgentTask>();
  /** Sessions as their agent's last pass showed them, handed to their next look (it need not ask again). */
  readonly #listed = new Map<string, unknown>();
  /** One warning per session per minute for what a look reports. */
  readonly #warnedAt = new Map<string, number>();
  #started = false;

  constructor(options: AgentsWatchOptions) {
    this.#options = options;
    this.#policy = sessionPollPolicy(options.config.watch);
    this.#lookSettings = sessionLookSettings(options.config, options.settings);
    const configured = options.settings.sessions.map((id) => ({ kind: SESSION, id, origin: 'cli' as const }));
    const agents = options.settings.agents.map((id) => ({ kind: AGENT, id, origin: 'cli' as const }));
    if (configured.length + agents.length > 0) options.store.trackUnits(AGENTS, [...configured, ...agents]);
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    const store = this.#options.store;
    for (const unit of store.listUnits(AGENTS, AGENT, { active: true })) this.#watchAgent(unit.id);
    for (const unit of store.listUnits(AGENTS, SESSION, { active: true })) {
      // An idle session found by a followed agent waits for the agent's pass to show it changed.
      if (this.#discoveredBy(unit) !== null && isSessionIdle(readSessionCursor(unit.cursor, unit.id)))
        this.#sessions.set(unit.id, { delayMs: undefined, looks: 1, idle: true, pace: { kind: 'idle', changed: false } });
      else this.#watch(unit.id);
    }
  }

  /** Follows an agent's sessions (durably) and lists them now; true when it was not followed before. */
  addAgent(agentId: string, origin: Origin): boolean {
    const added = this.#options.store.trackUnits(AGENTS, [{ kind: AGENT, id: agentId, origin }]) > 0;
    if (this.#agents.has(agentId)) this.#options.looks.hasten(AGENT_KEY + agentId, 0, LOOK_CLASS.discovery);
    else this.#watchAgent(agentId);
    return added;
  }

  /** Stops listing the agent's sessions; those found stay tracked, each looked at on its own from now on. */
  removeAgent(agentId: string): boolean {
    this.#agents.delete(agentId);
    this.#options.looks.remove(AGENT_KEY + agentId);
    const removed = this.#options.store.untrackUnit(agentRef(agentId));
    for (const unit of this.#options.store.listUnits(AGENTS, SESSION, { active: true }))
      if (unit.parent === agentId && unit.origin === 'discovery') this.#wake(unit.id);
    return removed;
  }

  /** Tracks a session (durably) and looks at it now; true when it was not tracked before. */
  addSession(sessionId: string, origin: Origin): boolean {
    const added = this.#options.store.trackUnits(AGENTS, [{ kind: SESSION, id: sessionId, origin }]) > 0;
    const unit = this.#options.store.getUnit(sessionRef(sessionId));
    if (unit && !unit.terminal) {
      if (this.#sessions.has(sessionId)) this.#options.looks.hasten(sessionId, 0, LOOK_CLASS.active);
      else this.#watch(sessionId);
    }
    return added;
  }

  /** Stops looking at the session; its cursor stays, so tracking it again forwards nothing twice. */
  removeSession(sessionId: string): boolean {
    this.#sessions.delete(sessionId);
    this.#options.looks.remove(sessionId);
    return this.#options.store.untrackUnit(sessionRef(sessionId));
  }

  async look(key: string): Promise<void> {
    if (key.startsWith(AGENT_KEY)) return this.#lookAtAgent(key.slice(AGENT_KEY.length));
    const sessionId = key;
    const task = this.#sessions.get(sessionId);
    const { store, api, nowSeconds, onCommitted } = this.#options;
    const unit = store.getUnit(sessionRef(sessionId));
    if (!task || !unit || unit.removed) return;
    const listed = this.#listed.get(sessionId);
    this.#listed.delete(sessionId);
    const agent = this.#discoveredBy(unit);
    const result = await lookAtSession(
      {
        sessionId,
        cursor: unit.cursor,
        frozen: unit.frozen,
        nowSeconds: nowSeconds(),
        ...(listed === undefined ? {} : { listed }),
        ...(agent === null ? {} : { sinceSeconds: agent.since }),
      },
      { api, settings: this.#lookSettings },
    );
    if (!result.unchanged) {
      const c = result.commit;
      const committed = store.commit({
        source: AGENTS,
        unit: { kind: SESSION, id: sessionId },
        spans: c.spans,
        ...(c.emittedKeys.length > 0 ? { emittedKeys: c.emittedKeys } : {}),
        observations: c.observations,
        cursor: () => c.cursor,
        status: c.status,
        ...(c.terminal ? { terminal: true } : {}),
        ...(c.frozen ? { frozen: c.frozen } : {}),
      });
      if (committed.enqueued > 0) onCommitted();
    }
    this.#report(sessionId, result);
    task.looks += 1;
    task.idle = result.idle;
    task.pace = result.pace;
    // Idle and found by a followed agent: the agent's next pass says when it changed.
    if (result.idle && result.pace.kind === 'idle' && agent !== null) return;
    const next = nextSessionLookMs(result.pace, task.delayMs, this.#policy);
    if (next === null) {
      this.#sessions.delete(sessionId);
      return;
    }
    task.delayMs = next;
    this.#options.looks.schedule(sessionId, next, classOf(result.pace));
  }

  onLookFailure(key: string, _error: unknown, { meaning, retryMs }: LookFailure): LookClass | null {
    if (key.startsWith(AGENT_KEY)) {
      const agent = this.#agents.get(key.slice(AGENT_KEY.length));
      if (!agent) return null;
      agent.delayMs = retryMs;
      return LOOK_CLASS.discovery;
    }
    const sessionId = key;
    const task = this.#sessions.get(sessionId);
    if (meaning === 'gone') {
      // The look settles a deleted session itself; a 404 that escapes it means the same: stop.
      this.#sessions.delete(sessionId);
      this.#options.store.untrackUnit(sessionRef(sessionId));
      this.counters.sessionsDeleted += 1;
      this.#options.log.warn({ sessionId }, 'the API says this agent session no longer exists; it is no longer tracked');
      return null;
    }
    if (!task) return null;
    task.delayMs = retryMs;
    return task.pace ? classOf(task.pace) : LOOK_CLASS.active;
  }

  /** Every tracked session was looked at and had every turn settled (or was gone) at its last look. */
  isIdle(): boolean {
    for (const agent of this.#agents.values()) if (agent.passes === 0) return false;
    for (const task of this.#sessions.values()) if (task.looks === 0 || !task.idle) return false;
    return true;
  }

  summary(): Record<string, number> {
    const agents = this.#options.store.countUnits(AGENTS, AGENT).tracked;
    return { agentSessions: this.#options.store.countUnits(AGENTS, SESSION).tracked, ...(agents > 0 ? { agents } : {}) };
  }

  progress(): { tracked: number; active: number } {
    const counts = this.#options.store.countUnits(AGENTS, SESSION);
    let active = 0;
    for (const task of this.#sessions.values()) if (!task.idle) active += 1;
    return { tracked: counts.tracked, active };
  }

  deletions(): Record<string, number> {
    return this.counters.sessionsDeleted > 0 ? { agent_session: this.counters.sessionsDeleted } : {};
  }

  describe(key: string): Record<string, string> {
    return key.startsWith(AGENT_KEY) ? { agentId: key.slice(AGENT_KEY.length) } : { sessionId: key };
  }

  snapshot(): Record<string, unknown> {
    return {
      agentSessions: this.#sessions.size,
      agents: this.#agents.size,
      settling: [...this.#sessions].filter(([, t]) => t.pace?.kind === 'settling').map(([id]) => id),
    };
  }

  #watch(sessionId: string): void {
    if (this.#sessions.has(sessionId)) return;
    this.#sessions.set(sessionId, { delayMs: undefined, looks: 0, idle: false, pace: null });
    this.#options.looks.schedule(sessionId, 0, LOOK_CLASS.active);
  }

  /** Looks at a tracked session now: scheduled when it was waiting for its agent's pass, hastened otherwise. */
  #wake(sessionId: string): void {
    const task = this.#sessions.get(sessionId);
    if (!task) return this.#watch(sessionId);
    task.idle = false;
    task.delayMs = undefined;
    const looks = this.#options.looks;
    if (looks.isInFlight(sessionId)) looks.hasten(sessionId, 0, LOOK_CLASS.routine);
    else looks.schedule(sessionId, 0, LOOK_CLASS.routine);
  }

  #watchAgent(agentId: string): void {
    if (this.#agents.has(agentId)) return;
    this.#agents.set(agentId, { delayMs: undefined, passes: 0 });
    this.#options.looks.schedule(AGENT_KEY + agentId, 0, LOOK_CLASS.discovery);
  }

  /** The discovery cursor of the followed agent that found this session; null when it was tracked by id (or its agent is no longer followed). */
  #discoveredBy(unit: { origin: Origin; parent: string | null }): { since: number } | null {
    if (unit.origin !== 'discovery' || unit.parent === null) return null;
    const agent = this.#options.store.getUnit(agentRef(unit.parent));
    if (!agent || agent.removed) return null;
    return readAgentDiscoveryCursor(agent.cursor, agent.id);
  }

  /**
   * One pass over an agent's sessions: those new and active since the start point are tracked and
   * looked at; those tracked whose status or last_active_at moved since their turns were last
   * listed are looked at now, with what the list showed; the rest cost nothing more.
   */
  async #lookAtAgent(agentId: string): Promise<void> {
    const task = this.#agents.get(agentId);
    const { store, api } = this.#options;
    const unit = store.getUnit(agentRef(agentId));
    if (!task || !unit || unit.removed) return;
    let cursor = readAgentDiscoveryCursor(unit.cursor, agentId);
    if (cursor === null) {
      // The start point is set once: --since, else when the agent was first followed.
      const since = this.#options.config.watch.sinceSeconds ?? Math.floor(unit.addedAt / 1000);
      cursor = newAgentDiscoveryCursor(since);
      const first = cursor;
      store.commit({ source: AGENTS, unit: { kind: AGENT, id: agentId }, spans: [], cursor: () => first });
    }
    const pass = await listAgentSessions(api, agentId, this.#lookSettings.pageSize);
    const fresh = pass.sessions.filter((s) => store.getUnit(sessionRef(s.id)) === undefined && activeSince(s, cursor.since));
    if (fresh.length > 0) {
      store.trackUnits(
        AGENTS,
        fresh.map((s) => ({ kind: SESSION, id: s.id, parent: agentId, origin: 'discovery' as const })),
      );
      this.counters.sessionsDiscovered += fresh.length;
    }
    let changed = fresh.length;
    for (const s of pass.sessions) {
      const session = store.getUnit(sessionRef(s.id));
      if (!session || session.removed || session.terminal) continue;
      const task = this.#sessions.get(s.id);
      const known = readSessionCursor(session.cursor, s.id);
      const moved = known === null || s.lastActiveAt === null || s.lastActiveAt !== known.lastActiveAt || !isSessionIdle(known);
      if (task?.idle === true && !moved) continue;
      this.#listed.set(s.id, s.raw);
      if (task === undefined) this.#watch(s.id);
      else if (task.idle) {
        changed += 1;
        this.#wake(s.id);
      }
    }
    const passes = cursor.passes + 1;
    const done = { ...cursor, passes };
    store.commit({ source: AGENTS, unit: { kind: AGENT, id: agentId }, spans: [], cursor: () => done, status: 'listed' });
    if (pass.skipped > 0)
      this.#options.log.warn({ agentId, skipped: pass.skipped }, 'items of the sessions list that are no session were skipped');
    task.passes += 1;
    const next = this.#policy.nextDiscoveryDelay({ foundNew: changed > 0, previousDelayMs: task.delayMs });
    task.delayMs = next;
    this.#options.looks.schedule(AGENT_KEY + agentId, next, LOOK_CLASS.discovery);
  }

  /** What a look could not forward as it was, said once a minute per session (counts, never content). */
  #report(sessionId: string, { report, commit }: SessionLook): void {
    const forwarded = commit.spans.length;
    this.counters.spansForwarded += forwarded;
    const problems = report.problems.length;
    const removed = report.removed.attributes + report.removed.events;
    const noteworthy =
      problems > 0 || report.skippedTurns > 0 || report.skippedTraces > 0 || report.tooLarge.length > 0 || report.unexplainedRefusals > 0;
    if (removed > 0)
      this.#options.log.debug({ sessionId, removed: report.removed }, 'content removed from forwarded spans (capture is off)');
    if (!noteworthy) return;
    const last = this.#warnedAt.get(sessionId) ?? 0;
    if (Date.now() - last < 60_000) return;
    this.#warnedAt.set(sessionId, Date.now());
    this.#options.log.warn(
      {
        sessionId,
        problems: countByKind(report.problems),
        skippedTurns: report.skippedTurns,
        skippedTraces: report.skippedTraces,
        tooLarge: report.tooLarge,
        unexplainedRefusals: report.unexplainedRefusals,
      },
      'parts of a published trace could not be forwarded as published; the rest was',
    );
  }
}

function classOf(pace: SessionPace): LookClass {
  return pace.kind === 'running' && !pace.waiting ? LOOK_CLASS.active : LOOK_CLASS.routine;
}
