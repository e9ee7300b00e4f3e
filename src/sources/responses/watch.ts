// The responses source at work in a watch: two kinds of unit, each looked at on its own pace. A
// Foundry agent (id: its name) is a discovery: its list of responses is read from the cursor on,
// the finished ones traced and the unfinished ones handed over, all in one commit with the agent's
// next cursor, so a crash never keeps a cursor that passed a response it did not trace or track. A
// response (id: its id; parent: the agent that handed it over, none when added alone) is looked at
// like a live run until it ends, then committed once.
import type { Logger } from 'pino';
import type { ApiProvider, BridgeConfig } from '../../config/types.js';
import type { SpanRecord } from '../../core/span-record.js';
import type { SourceLooks, WatchingSource } from '../../core/source.js';
import { LOOK_CLASS, type LookClass, type LookFailure } from '../../scheduler/look-scheduler.js';
import type { PollPolicy } from '../../scheduler/poll-policy.js';
import type { StateStore } from '../../state/store.js';
import type { Origin, UnitRef } from '../../state/types.js';
import { lookAtFoundryAgent, type AgentLook } from './agent-look.js';
import type { FoundryResponsesApi } from './client.js';
import { isAgentIdle, nextAgentLookMs, nextResponseLookMs, responsesPollPolicy, type AgentPace, type ResponsePace } from './look-policy.js';
import { lookAtResponse } from './response-look.js';
import type { LinkedResponseContext } from './links.js';
import { keepReportedEnd, readResponseCursor, readResponseFrozen, reportedCursor } from './response-unit.js';
import { FOUNDRY_AGENT_FLAG, responsesLookSettings, type FoundryAgentsSettings, type ResponsesLookSettings } from './settings.js';

export const RESPONSES = 'responses';
export const AGENT = 'agent';
export const RESPONSE = 'response';
const AGENT_KEY = 'agent:';
const RESPONSE_KEY = 'response:';

export interface ResponsesWatchOptions {
  config: BridgeConfig;
  settings: FoundryAgentsSettings;
  store: StateStore;
  api: FoundryResponsesApi;
  log: Logger;
  looks: SourceLooks;
  onCommitted: () => void;
  nowSeconds: () => number;
}

/** What the watch keeps of a unit between looks. */
interface Task<P> {
  /** The delay before the look under way (undefined before the first). */
  delayMs: number | undefined;
  looks: number;
  /** The last look's pace, for the class of a retried look. */
  pace: P | null;
}

interface AgentTask extends Task<AgentPace> {
  /** The last look read the list to its end. */
  idle: boolean;
}

export const agentRef = (name: string): UnitRef => ({ source: RESPONSES, kind: AGENT, id: name });
export const responseRef = (id: string): UnitRef => ({ source: RESPONSES, kind: RESPONSE, id });

export class ResponsesWatch implements WatchingSource {
  /** `listedFinished`: responses an agent's list showed finished, traced at once (never units of their own). */
  readonly counters = { agentsGone: 0, responsesDeleted: 0, listedFinished: 0, handedOver: 0 };
  readonly #options: ResponsesWatchOptions;
  readonly #policy: PollPolicy;
  readonly #lookSettings: ResponsesLookSettings;
  readonly #agents = new Map<string, AgentTask>();
  readonly #responses = new Map<string, Task<ResponsePace>>();
  /** One warning per unit per minute for what a look reports. */
  readonly #warnedAt = new Map<string, number>();
  #started = false;

  constructor(options: ResponsesWatchOptions) {
    this.#options = options;
    this.#policy = responsesPollPolicy(options.config.watch);
    this.#lookSettings = responsesLookSettings(options.config, options.settings);
    const configured = options.settings.agents.map((id) => ({ kind: AGENT, id, origin: 'cli' as const }));
    if (configured.length > 0) options.store.trackUnits(RESPONSES, configured);
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    const { store } = this.#options;
    for (const unit of store.listUnits(RESPONSES, AGENT, { active: true })) this.#watchAgent(unit.id);
    for (const unit of store.listUnits(RESPONSES, RESPONSE, { active: true })) this.#watchResponse(unit.id);
  }

  /** The API profile the watch talks to (absent: openai). */
  get provider(): ApiProvider | undefined {
    return this.#options.config.api.provider;
  }

  /** Why Foundry agents cannot be followed by this bridge, or null when they can. */
  agentsUnavailable(): string | null {
    const provider = this.#options.config.api.provider ?? 'openai';
    return provider === 'azure-foundry'
      ? null
      : `this bridge talks to the ${provider} API; following a Foundry agent needs --provider azure-foundry and a project endpoint (as ${FOUNDRY_AGENT_FLAG} does)`;
  }

  /** Tracks a Foundry agent (durably) and looks at its list now; true when it was not tracked before. */
  addAgent(name: string, origin: Origin): boolean {
    const added = this.#options.store.trackUnits(RESPONSES, [{ kind: AGENT, id: name, origin }]) > 0;
    if (this.#agents.has(name)) this.#options.looks.hasten(AGENT_KEY + name, 0, LOOK_CLASS.active);
    else this.#watchAgent(name);
    return added;
  }

  /** Stops reading the agent's list; its cursor stays, so tracking it again traces nothing twice. Responses it handed over go on. */
  removeAgent(name: string): boolean {
    this.#agents.delete(name);
    this.#options.looks.remove(AGENT_KEY + name);
    return this.#options.store.untrackUnit(agentRef(name));
  }

  /**
   * Tracks one response by id (durably; no agent), looked at until it ends and then traced once:
   * for responses the bridge is told of (a webhook, the app). True when it was not tracked before.
   */
  addResponse(responseId: string, origin: Origin, reported: { endSeconds: number } | null = null): boolean {
    const { store } = this.#options;
    const added = store.trackUnits(RESPONSES, [{ kind: RESPONSE, id: responseId, origin }]) > 0;
    if (reported) this.#keepReportedEnd(responseId, reported.endSeconds);
    if (this.#responses.has(responseId)) this.#options.looks.hasten(RESPONSE_KEY + responseId, 0, LOOK_CLASS.active);
    else this.#watchResponse(responseId);
    return added;
  }

  /** Stops following a response; its row stays, so tracking it again traces nothing twice. */
  removeResponse(responseId: string): boolean {
    this.#responses.delete(responseId);
    this.#options.looks.remove(RESPONSE_KEY + responseId);
    return this.#options.store.untrackUnit(responseRef(responseId));
  }

  /**
   * Records the end a webhook reported (its event's `created_at`) in the response's cursor, for a
   * response that gives no `completed_at`; the first reported end stays. Durable before it returns
   * (a crash before it loses nothing: the sender, not answered, delivers again).
   */
  #keepReportedEnd(responseId: string, endSeconds: number): void {
    const { store } = this.#options;
    const unit = store.getUnit(responseRef(responseId));
    if (!unit || unit.terminal || readResponseCursor(unit.cursor, responseId)?.reportedEndSeconds !== undefined) return;
    store.commit({
      source: RESPONSES,
      unit: { kind: RESPONSE, id: responseId },
      spans: [],
      cursor: (stored) => {
        const before = readResponseCursor(stored, responseId);
        return before === null ? reportedCursor(endSeconds) : keepReportedEnd(before, { reportedEndSeconds: endSeconds });
      },
    });
  }

  async look(key: string): Promise<void> {
    if (key.startsWith(AGENT_KEY)) await this.#lookAtAgent(key.slice(AGENT_KEY.length));
    else await this.#lookAtResponse(key.slice(RESPONSE_KEY.length));
  }

  onLookFailure(key: string, _error: unknown, { meaning, retryMs }: LookFailure): LookClass | null {
    const { log, store } = this.#options;
    if (key.startsWith(AGENT_KEY)) {
      const name = key.slice(AGENT_KEY.length);
      if (meaning === 'gone') {
        // Its list answers 404 where it answered before: the agent was deleted. What it handed over goes on.
        this.#agents.delete(name);
        store.untrackUnit(agentRef(name));
        this.counters.agentsGone += 1;
        log.warn({ foundryAgent: name }, 'Foundry no longer lists the responses of this agent (deleted?); it is no longer followed');
        return null;
      }
      const task = this.#agents.get(name);
      if (!task) return null;
      task.delayMs = retryMs;
      return task.pace ? agentClass(task.pace) : LOOK_CLASS.active;
    }
    const id = key.slice(RESPONSE_KEY.length);
    if (meaning === 'gone') {
      // The look settles a deleted response itself; a 404 that escapes it means the same: stop.
      this.#responses.delete(id);
      store.untrackUnit(responseRef(id));
      this.counters.responsesDeleted += 1;
      log.warn({ responseId: id }, 'the API says this response no longer exists; it is no longer tracked');
      return null;
    }
    const task = this.#responses.get(id);
    if (!task) return null;
    task.delayMs = retryMs;
    return task.pace ? responseClass(task.pace) : LOOK_CLASS.active;
  }

  /** Every agent's list was read to its end at its last look, and no response is unfinished. */
  isIdle(): boolean {
    if (this.#responses.size > 0) return false;
    for (const task of this.#agents.values()) if (task.looks === 0 || !task.idle) return false;
    return true;
  }

  summary(): Record<string, number> {
    const { store } = this.#options;
    return { foundryAgents: store.countUnits(RESPONSES, AGENT).tracked, responses: store.countUnits(RESPONSES, RESPONSE).active };
  }

  /** Responses: those followed as units, and those an agent's list showed finished and traced since the start. */
  progress(): { tracked: number; active: number } {
    const counts = this.#options.store.countUnits(RESPONSES, RESPONSE);
    return { tracked: counts.tracked + this.counters.listedFinished, active: counts.active };
  }

  deletions(): Record<string, number> {
    const out: Record<string, number> = {};
    if (this.counters.agentsGone > 0) out.foundry_agent = this.counters.agentsGone;
    if (this.counters.responsesDeleted > 0) out.response = this.counters.responsesDeleted;
    return out;
  }

  describe(key: string): Record<string, string> {
    return key.startsWith(AGENT_KEY) ? { foundryAgent: key.slice(AGENT_KEY.length) } : { responseId: key.slice(RESPONSE_KEY.length) };
  }

  snapshot(): Record<string, unknown> {
    return {
      foundryAgents: this.#agents.size,
      responses: this.#responses.size,
      reading: [...this.#agents].filter(([, t]) => !t.idle).map(([name]) => name),
    };
  }

  #watchAgent(name: string): void {
    const unit = this.#options.store.getUnit(agentRef(name));
    if (this.#agents.has(name) || !unit || unit.removed) return;
    this.#agents.set(name, { delayMs: undefined, looks: 0, idle: false, pace: null });
    this.#options.looks.schedule(AGENT_KEY + name, 0, LOOK_CLASS.active);
  }

  #watchResponse(id: string): void {
    const unit = this.#options.store.getUnit(responseRef(id));
    if (this.#responses.has(id) || !unit || unit.removed || unit.terminal) return;
    this.#responses.set(id, { delayMs: undefined, looks: 0, pace: null });
    this.#options.looks.schedule(RESPONSE_KEY + id, 0, LOOK_CLASS.active);
  }

  async #lookAtAgent(name: string): Promise<void> {
    const task = this.#agents.get(name);
    const { store, api, config, nowSeconds, onCommitted } = this.#options;
    const unit = store.getUnit(agentRef(name));
    if (!task || !unit || unit.removed) return;
    const result = await lookAtFoundryAgent(
      {
        agentName: name,
        cursor: unit.cursor,
        // --since, else when the agent was added (kept by the cursor once the first look commits).
        sinceSeconds: config.watch.sinceSeconds ?? Math.floor(unit.addedAt / 1000),
        nowSeconds: nowSeconds(),
      },
      { api, settings: this.#lookSettings },
    );
    const c = result.commit;
    if (!result.unchanged) {
      const committed = store.commit({
        source: RESPONSES,
        unit: { kind: AGENT, id: name },
        spans: c.spans,
        observations: c.observations,
        cursor: () => c.cursor,
        // The unfinished ones, tracked in the same transaction as the cursor that passed them.
        track: c.track.map((t) => ({
          kind: RESPONSE,
          id: t.id,
          parent: t.parent,
          origin: 'discovery',
          cursor: t.cursor,
          frozen: t.frozen,
        })),
      });
      if (committed.enqueued > 0) onCommitted();
      for (const t of c.track) this.#watchResponse(t.id);
    }
    this.#reportAgent(name, result);
    task.looks += 1;
    task.idle = isAgentIdle(c.cursor);
    task.pace = result.pace;
    // Removed while the look was under way: no next look.
    if (!this.#agents.has(name)) return;
    task.delayMs = nextAgentLookMs(result.pace, task.delayMs, this.#policy);
    this.#options.looks.schedule(AGENT_KEY + name, task.delayMs, agentClass(result.pace));
  }

  /** The app trace of a response this watch tracks, as recorded at its first look; null when it tracks none such. */
  readonly #recorded = (responseId: string): LinkedResponseContext | null => {
    const unit = this.#options.store.getUnit(responseRef(responseId));
    const frozen = unit ? readResponseFrozen(unit.frozen, responseId) : null;
    return frozen ? { traceparent: frozen.context.traceparent, tracestate: frozen.context.tracestate } : null;
  };

  async #lookAtResponse(id: string): Promise<void> {
    const task = this.#responses.get(id);
    const { store, api, nowSeconds, onCommitted, log } = this.#options;
    const unit = store.getUnit(responseRef(id));
    if (!task || !unit || unit.removed || unit.terminal) {
      this.#responses.delete(id);
      return;
    }
    const result = await lookAtResponse(
      { responseId: id, cursor: unit.cursor, frozen: unit.frozen, nowSeconds: nowSeconds(), recordedResponse: this.#recorded },
      { api, settings: this.#lookSettings },
    );
    const c = result.commit;
    if (!result.unchanged) {
      const cursor = c.cursor;
      const committed = store.commit({
        source: RESPONSES,
        unit: { kind: RESPONSE, id },
        spans: c.spans.map((s) => ownedBy(s, id)),
        observations: c.observations,
        ...(cursor === null ? {} : { cursor: (stored: unknown) => keepReportedEnd(cursor, stored), status: cursor.status }),
        ...(result.pace.kind === 'gone' ? { status: 'deleted' } : {}),
        ...(c.terminal ? { terminal: true } : {}),
        ...(c.frozen ? { frozen: c.frozen } : {}),
      });
      if (committed.enqueued > 0) onCommitted();
    }
    if (result.pace.kind === 'gone') {
      this.counters.responsesDeleted += 1;
      log.warn({ responseId: id }, 'the API says this response no longer exists; it is no longer followed');
    }
    if (result.unreadable) this.#warnOnce(id, { responseId: id }, 'the API answered with no readable response; looking again later');
    task.looks += 1;
    task.pace = result.pace;
    const next = nextResponseLookMs(result.pace, task.delayMs, this.#policy);
    // Removed while the look was under way: no next look.
    if (this.#responses.get(id) !== task) return;
    if (next === null) {
      this.#responses.delete(id);
      return;
    }
    task.delayMs = next;
    this.#options.looks.schedule(RESPONSE_KEY + id, next, responseClass(result.pace));
  }

  /** What a look could not trace as it was, said once a minute per agent (counts, never content). */
  #reportAgent(name: string, { report }: AgentLook): void {
    this.counters.listedFinished += report.traced + report.tracedUnfinished;
    this.counters.handedOver += report.tracked;
    const { log } = this.#options;
    if (report.traced + report.tracked > 0)
      log.debug({ foundryAgent: name, traced: report.traced, followed: report.tracked }, 'Foundry agent responses found');
    if (report.notResponses + report.tracedUnfinished + report.lostPlace > 0 || report.reanchored)
      this.#warnOnce(
        name,
        {
          foundryAgent: name,
          notResponses: report.notResponses,
          tracedUnfinished: report.tracedUnfinished,
          lostPlace: report.lostPlace,
          reanchored: report.reanchored,
        },
        "parts of a Foundry agent's list were odd (items that are no response, unfinished responses whose id cannot be looked up, a place in the list that vanished); the rest was traced",
      );
  }

  #warnOnce(unit: string, fields: Record<string, unknown>, message: string): void {
    const last = this.#warnedAt.get(unit) ?? 0;
    if (Date.now() - last < 60_000) return;
    this.#warnedAt.set(unit, Date.now());
    this.#options.log.warn(fields, message);
  }
}

/**
 * A response handed over by an agent's look is mapped with the agent as its owner; its spans are
 * committed by its own unit, whose emitted keys they are (a span record's unit is the committed one).
 */
const ownedBy = (span: SpanRecord, unit: string): SpanRecord => (span.unit === unit ? span : { ...span, unit });

/** Reading on through a backlog is routine; a list read to its end is looked at again as a discovery. */
const agentClass = (pace: AgentPace): LookClass => (pace.kind === 'more' ? LOOK_CLASS.routine : LOOK_CLASS.discovery);

/** A response at work is as urgent as a working run; a queued one waits. */
const responseClass = (pace: ResponsePace): LookClass => (pace.kind === 'running' && !pace.queued ? LOOK_CLASS.active : LOOK_CLASS.routine);
