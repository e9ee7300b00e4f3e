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
import type { AgentsSessionApi } from './client.js';
import { countByKind } from './problems.js';
import { nextSessionLookMs, sessionPollPolicy, type SessionPace } from './look-policy.js';
import { lookAtSession, type SessionLook } from './session-look.js';
import { sessionLookSettings, type AgentsWatchSettings, type SessionLookSettings } from './settings.js';

export const AGENTS = 'agents';
const SESSION = 'session';

export interface AgentsWatchOptions {
  config: BridgeConfig;
  settings: AgentsWatchSettings;
  store: StateStore;
  api: AgentsSessionApi;
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

const sessionRef = (id: string): UnitRef => ({ source: AGENTS, kind: SESSION, id });

export class AgentsWatch implements WatchingSource {
  readonly counters = { sessionsDeleted: 0, spansForwarded: 0, syntheticSpans: 0 };
  readonly #options: AgentsWatchOptions;
  readonly #policy: PollPolicy;
  readonly #lookSettings: SessionLookSettings;
  readonly #sessions = new Map<string, SessionTask>();
  /** One warning per session per minute for what a look reports. */
  readonly #warnedAt = new Map<string, number>();
  #started = false;

  constructor(options: AgentsWatchOptions) {
    this.#options = options;
    this.#policy = sessionPollPolicy(options.config.watch);
    this.#lookSettings = sessionLookSettings(options.config, options.settings);
    const configured = options.settings.sessions.map((id) => ({ kind: SESSION, id, origin: 'cli' as const }));
    if (configured.length > 0) options.store.trackUnits(AGENTS, configured);
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    for (const unit of this.#options.store.listUnits(AGENTS, SESSION, { active: true })) this.#watch(unit.id);
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

  async look(sessionId: string): Promise<void> {
    const task = this.#sessions.get(sessionId);
    const { store, api, nowSeconds, onCommitted } = this.#options;
    const unit = store.getUnit(sessionRef(sessionId));
    if (!task || !unit || unit.removed) return;
    const result = await lookAtSession(
      { sessionId, cursor: unit.cursor, frozen: unit.frozen, nowSeconds: nowSeconds() },
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
    const next = nextSessionLookMs(result.pace, task.delayMs, this.#policy);
    if (next === null) {
      this.#sessions.delete(sessionId);
      return;
    }
    task.delayMs = next;
    this.#options.looks.schedule(sessionId, next, classOf(result.pace));
  }

  onLookFailure(sessionId: string, _error: unknown, { meaning, retryMs }: LookFailure): LookClass | null {
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
    for (const task of this.#sessions.values()) if (task.looks === 0 || !task.idle) return false;
    return true;
  }

  summary(): Record<string, number> {
    return { agentSessions: this.#options.store.countUnits(AGENTS, SESSION).tracked };
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

  describe(sessionId: string): Record<string, string> {
    return { sessionId };
  }

  snapshot(): Record<string, unknown> {
    return {
      agentSessions: this.#sessions.size,
      settling: [...this.#sessions].filter(([, t]) => t.pace?.kind === 'settling').map(([id]) => id),
    };
  }

  #watch(sessionId: string): void {
    if (this.#sessions.has(sessionId)) return;
    this.#sessions.set(sessionId, { delayMs: undefined, looks: 0, idle: false, pace: null });
    this.#options.looks.schedule(sessionId, 0, LOOK_CLASS.active);
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
