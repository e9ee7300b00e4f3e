// A session looked at as the core will: the real simulator over HTTP, the bridge's openai client
// through the budgeted fetch, each look's commit kept the way the store keeps it (cursor and
// context through JSON; a span whose key was committed before never written again, and counted
// here when a look offers it a second time).
import { DEFAULTS } from '../../../src/config/defaults.js';
import type { MetricObservation } from '../../../src/core/observation.js';
import type { SpanRecord } from '../../../src/core/span-record.js';
import { createBudgetedFetch } from '../../../src/scheduler/budgeted-fetch.js';
import { RequestBudget, type AttemptStartEvent } from '../../../src/scheduler/request-budget.js';
import type { RunningSimulator } from '../../../src/simulator/index.js';
import type { RequestLogEntry } from '../../../src/simulator/requestlog.js';
import { createApiClient } from '../../../src/api/client.js';
import { AgentsClient } from '../../../src/sources/agents/client.js';
import { readSessionCursor, type SessionCursor } from '../../../src/sources/agents/session-cursor.js';
import { lookAtSession, type SessionLook } from '../../../src/sources/agents/session-look.js';
import { sessionLookSettings, type SessionLookSettings } from '../../../src/sources/agents/settings.js';
import { control } from '../../simulator/helpers.js';

export interface Bridge {
  api: AgentsClient;
  budget: RequestBudget;
  /** Every attempt the budget started: route label and priority. */
  starts: AttemptStartEvent[];
}

export function bridgeFor(sim: RunningSimulator): Bridge {
  const budget = new RequestBudget({ rpm: 1_000_000 });
  const starts: AttemptStartEvent[] = [];
  budget.on('attemptStart', (event) => starts.push(event));
  const fetch = createBudgetedFetch(budget, { backoffBaseMs: 5, backoffCapMs: 20 });
  const client = createApiClient({ ...DEFAULTS.api, baseURL: sim.url, apiKey: sim.apiKey, timeoutMs: 10_000 }, fetch);
  return { api: new AgentsClient(client), budget, starts };
}

export const settingsWith = (extra: Partial<SessionLookSettings> = {}): SessionLookSettings => ({
  ...sessionLookSettings(DEFAULTS),
  ...extra,
});

export async function simNow(sim: RunningSimulator): Promise<number> {
  return (await control(sim, '/clock')).json.now as number;
}

/** The Agents API requests the simulator received (control routes left out), in order. */
export const apiRequests = (sim: RunningSimulator): RequestLogEntry[] =>
  sim.requestLog().filter((r) => !r.control && r.path.includes('/agents/'));

export class SessionRig {
  cursor: unknown = null;
  frozen: unknown = null;
  readonly exported = new Map<string, SpanRecord>();
  /** Records a look offered again after an earlier commit held them (the core would skip them). */
  readonly offeredTwice: SpanRecord[] = [];
  readonly observations: MetricObservation[] = [];
  readonly looks: SessionLook[] = [];

  constructor(
    readonly sim: RunningSimulator,
    readonly bridge: Bridge,
    readonly sessionId: string,
    public settings: SessionLookSettings = settingsWith(),
  ) {}

  /** One look at the simulator's now (or `now`), committed as the store would; the API requests it made. */
  async look(now?: number): Promise<{ look: SessionLook; requests: RequestLogEntry[] }> {
    const before = apiRequests(this.sim).length;
    const look = await lookAtSession(
      { sessionId: this.sessionId, cursor: this.cursor, frozen: this.frozen, nowSeconds: now ?? (await simNow(this.sim)) },
      { api: this.bridge.api, settings: this.settings },
    );
    this.looks.push(look);
    const { commit } = look;
    this.cursor = JSON.parse(JSON.stringify(commit.cursor)) as unknown;
    if (commit.frozen) this.frozen = JSON.parse(JSON.stringify(commit.frozen)) as unknown;
    for (const span of commit.spans) {
      if (this.exported.has(span.key)) this.offeredTwice.push(span);
      else this.exported.set(span.key, span);
    }
    this.observations.push(...commit.observations);
    return { look, requests: apiRequests(this.sim).slice(before) };
  }

  get parsedCursor(): SessionCursor | null {
    return readSessionCursor(this.cursor, this.sessionId);
  }

  spansOfTrace(traceId: string): SpanRecord[] {
    return [...this.exported.values()].filter((s) => s.traceId === traceId);
  }

  synthetic(): SpanRecord[] {
    return [...this.exported.values()].filter((s) => s.attributes['assistants_bridge.trace_source'] === 'synthetic');
  }

  observed(name: string): MetricObservation[] {
    return this.observations.filter((o) => o.name === name);
  }
}

/** Which route each request took, `METHOD /path?query` with the session id as `S`. */
export const described = (requests: RequestLogEntry[], sessionId: string): string[] =>
  requests.map((r) => `${r.method} ${r.path.replace(sessionId, 'S')}${r.query ? `?${r.query}` : ''} ${r.status ?? ''}`.trim());
