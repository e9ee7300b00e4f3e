// A Foundry agent looked at as the core will: the real simulator (Foundry dialect) over HTTP, the
// bridge's openai client for the azure-foundry profile through the budgeted fetch, each look's
// commit kept the way the store keeps it (cursors and recorded contexts through JSON, units to
// follow tracked, a span whose key was committed before never written again and counted here when
// a look offers it a second time), and the unfinished responses it hands over looked at in turn.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULTS } from '../../../src/config/defaults.js';
import type { ApiConfig } from '../../../src/config/types.js';
import type { MetricObservation } from '../../../src/core/observation.js';
import type { SourceLooks } from '../../../src/core/source.js';
import type { LookClass } from '../../../src/scheduler/look-scheduler.js';
import type { SpanRecord } from '../../../src/core/span-record.js';
import { createBudgetedFetch } from '../../../src/scheduler/budgeted-fetch.js';
import { RequestBudget, type AttemptStartEvent } from '../../../src/scheduler/request-budget.js';
import type { ResponsesTruth, RunningSimulator, TruthResponse } from '../../../src/simulator/index.js';
import type { RequestLogEntry } from '../../../src/simulator/requestlog.js';
import type { ClientAuthDeps } from '../../../src/api/auth/client-auth.js';
import { createApiClient } from '../../../src/api/client.js';
import { readAgentCursor, type AgentCursor } from '../../../src/sources/responses/agent-cursor.js';
import { lookAtFoundryAgent, type AgentLook } from '../../../src/sources/responses/agent-look.js';
import { FoundryResponsesClient } from '../../../src/sources/responses/client.js';
import { lookAtResponse, type ResponseLook } from '../../../src/sources/responses/response-look.js';
import { responsesLookSettings, type ResponsesLookSettings } from '../../../src/sources/responses/settings.js';
import { control } from '../../simulator/helpers.js';

export interface Bridge {
  api: FoundryResponsesClient;
  budget: RequestBudget;
  /** Every attempt the budget started: route label and priority. */
  starts: AttemptStartEvent[];
}

/** Where the bridge reaches a Foundry project: the simulator, or a server of a test's own. */
export type Endpoint = Pick<RunningSimulator, 'url' | 'apiKey'>;

export function foundryApi(sim: Endpoint, extra: Partial<ApiConfig> = {}): ApiConfig {
  return {
    ...DEFAULTS.api,
    baseURL: sim.url,
    apiKey: sim.apiKey,
    timeoutMs: 10_000,
    provider: 'azure-foundry',
    providerName: 'azure.ai.foundry',
    apiVersion: 'v1',
    credential: { auth: 'api-key' },
    ...extra,
  };
}

export function bridgeFor(sim: Endpoint, options: { api?: Partial<ApiConfig>; auth?: ClientAuthDeps; maxAttempts?: number } = {}): Bridge {
  const budget = new RequestBudget({ rpm: 1_000_000 });
  const starts: AttemptStartEvent[] = [];
  budget.on('attemptStart', (event) => starts.push(event));
  const fetch = createBudgetedFetch(budget, {
    backoffBaseMs: 5,
    backoffCapMs: 20,
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  });
  const api = foundryApi(sim, options.api);
  const client = createApiClient(api, fetch, options.auth);
  return { api: new FoundryResponsesClient(client, api.apiVersion === undefined ? {} : { apiVersion: api.apiVersion }), budget, starts };
}

export const settingsWith = (sim: Endpoint, extra: Partial<ResponsesLookSettings> = {}): ResponsesLookSettings => ({
  ...responsesLookSettings({ ...DEFAULTS, api: foundryApi(sim) }),
  ...extra,
});

export async function simNow(sim: RunningSimulator): Promise<number> {
  return (await control(sim, '/clock')).json.now as number;
}

export async function truthOf(sim: RunningSimulator): Promise<ResponsesTruth> {
  return (await control(sim, '/responses/truth')).json as unknown as ResponsesTruth;
}

/** The agent's responses that exist at `now` (created, not deleted), oldest first. */
export const agentResponses = (truth: ResponsesTruth, agent: string, keep: (r: TruthResponse) => boolean = () => true): TruthResponse[] =>
  truth.responses
    .filter((r) => r.agent?.name === agent && r.createdAt <= truth.now && !r.deleted && keep(r))
    .sort((a, b) => a.createdAt - b.createdAt);

/** The responses API requests the simulator received (control routes left out), in order. */
export const apiRequests = (sim: RunningSimulator): RequestLogEntry[] =>
  sim.requestLog().filter((r) => !r.control && r.path.includes('/openai/v1/responses'));

/** A response the agent look handed over, as the store keeps a unit. */
interface Unit {
  frozen: unknown;
  cursor: unknown;
  terminal: boolean;
}

export class AgentRig {
  cursor: unknown = null;
  /** Span records by dedupe key, as committed once. */
  readonly exported = new Map<string, SpanRecord[]>();
  /** Keys a look offered again after an earlier commit held them (the core would skip them). */
  readonly offeredTwice: string[] = [];
  readonly observations: MetricObservation[] = [];
  readonly units = new Map<string, Unit>();
  readonly looks: AgentLook[] = [];
  readonly responseLooks: ResponseLook[] = [];

  constructor(
    readonly sim: RunningSimulator,
    readonly bridge: Bridge,
    readonly agentName: string,
    public settings: ResponsesLookSettings,
    readonly sinceSeconds = 0,
  ) {}

  /** One look at the agent at the simulator's now, committed as the store would; the API requests it made. */
  async look(): Promise<{ look: AgentLook; requests: RequestLogEntry[] }> {
    const before = apiRequests(this.sim).length;
    const look = await lookAtFoundryAgent(
      { agentName: this.agentName, cursor: this.cursor, sinceSeconds: this.sinceSeconds, nowSeconds: await simNow(this.sim) },
      { api: this.bridge.api, settings: this.settings },
    );
    this.looks.push(look);
    const { commit } = look;
    this.cursor = roundTrip(commit.cursor);
    this.#keep(commit.spans, commit.observations);
    for (const unit of commit.track) {
      if (!this.units.has(unit.id))
        this.units.set(unit.id, { frozen: roundTrip(unit.frozen), cursor: roundTrip(unit.cursor), terminal: false });
    }
    return { look, requests: apiRequests(this.sim).slice(before) };
  }

  /** Looks until a look has read the list to its end; the looks made. */
  async lookToEnd(limit = 100): Promise<AgentLook[]> {
    const made: AgentLook[] = [];
    for (let i = 0; i < limit; i += 1) {
      const { look } = await this.look();
      made.push(look);
      if (look.pace.kind === 'listed') return made;
    }
    throw new Error(`the list was not read to its end in ${limit} looks`);
  }

  /** One look at each followed response not yet ended, committed as the store would. */
  async lookAtUnits(): Promise<ResponseLook[]> {
    const made: ResponseLook[] = [];
    for (const [id, unit] of this.units) {
      if (unit.terminal) continue;
      const look = await lookAtResponse(
        { responseId: id, cursor: unit.cursor, frozen: unit.frozen, nowSeconds: await simNow(this.sim) },
        { api: this.bridge.api, settings: this.settings },
      );
      made.push(look);
      this.responseLooks.push(look);
      const { commit } = look;
      unit.cursor = roundTrip(commit.cursor);
      if (commit.frozen) unit.frozen = roundTrip(commit.frozen);
      unit.terminal = commit.terminal;
      this.#keep(commit.spans, commit.observations);
    }
    return made;
  }

  #keep(spans: readonly SpanRecord[], observations: readonly MetricObservation[]): void {
    const byKey = new Map<string, SpanRecord[]>();
    for (const span of spans) byKey.set(span.key, [...(byKey.get(span.key) ?? []), span]);
    for (const [key, records] of byKey) {
      if (this.exported.has(key)) this.offeredTwice.push(key);
      else this.exported.set(key, records);
    }
    this.observations.push(...observations);
  }

  get parsedCursor(): AgentCursor | null {
    return readAgentCursor(this.cursor, this.agentName);
  }

  /** Response ids traced, from their root spans' `gen_ai.response.id`. */
  tracedIds(): string[] {
    return [...this.exported.values()].map((spans) => {
      const id = spans.find((s) => s.parent === null || s.parent.remote)?.attributes['gen_ai.response.id'];
      return typeof id === 'string' ? id : '(no root span)';
    });
  }

  /** Every `openai.responses` observation, by response status. */
  responsesCounted(): number {
    return this.observations.filter((o) => o.name === 'openai.responses').reduce((sum, o) => sum + o.value, 0);
  }

  /** List requests the looks made, as they counted them. */
  listRequests(): number {
    return this.looks.reduce((sum, l) => sum + l.requests.list, 0);
  }
}

export const roundTrip = (value: unknown): unknown => (value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown));

/** Starts a response by `agent` now (the simulator's control route); its id. */
export async function startResponse(
  sim: RunningSimulator,
  body: { agent?: string | null; kind?: string; background?: boolean; listLagSeconds?: number },
): Promise<string> {
  const res = await control(sim, '/responses', body);
  if (res.status !== 200) throw new Error(`POST /_sim/responses: ${res.status} ${res.text}`);
  return res.json.response_id as string;
}

/** DELETE the response through the API, as an app would. */
export async function deleteResponse(sim: RunningSimulator, id: string): Promise<void> {
  const res = await fetch(`${sim.responsesUrl}/responses/${id}`, { method: 'DELETE', headers: { 'api-key': sim.apiKey } });
  if (res.status !== 200) throw new Error(`DELETE ${id}: ${res.status}`);
}

/**
 * A Foundry project of a test's own, serving what no documented service sends: `items` (oldest
 * first) as the list by order, after and limit, without has_more, and each item by id (or what
 * `retrieve` answers for it).
 */
export async function fakeFoundry(
  items: unknown[],
  retrieve?: (id: string) => { status: number; body: unknown } | undefined,
): Promise<{ server: Server; url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const list = '/api/projects/p/openai/v1/responses';
    const idOf = (item: unknown): unknown => (typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : undefined);
    res.setHeader('content-type', 'application/json');
    if (url.pathname === list) {
      const ordered = url.searchParams.get('order') === 'asc' ? items : [...items].reverse();
      const after = url.searchParams.get('after');
      const start = after === null ? 0 : ordered.findIndex((i) => idOf(i) === after) + 1;
      const limit = Number(url.searchParams.get('limit') ?? 20);
      // No has_more at all: a service may leave it out.
      res.end(JSON.stringify({ object: 'list', data: start <= 0 && after !== null ? [] : ordered.slice(start, start + limit) }));
      return;
    }
    const id = decodeURIComponent(url.pathname.slice(list.length + 1));
    const answer = retrieve?.(id);
    if (answer) {
      res.statusCode = answer.status;
      res.end(JSON.stringify(answer.body));
      return;
    }
    const item = items.find((i) => idOf(i) === id);
    res.statusCode = item ? 200 : 404;
    res.end(JSON.stringify(item ?? { error: { code: 'NotFound', message: 'not found' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/api/projects/p`, requests };
}

/** The looks the watch asks for, by key: the test runs them. */
export class HandLooks implements SourceLooks {
  readonly due = new Map<string, LookClass>();
  schedule(key: string, _delayMs: number, cls: LookClass): void {
    this.due.set(key, cls);
  }
  hasten(key: string, delayMs: number, cls: LookClass): void {
    this.schedule(key, delayMs, cls);
  }
  remove(key: string): void {
    this.due.delete(key);
  }
  isInFlight(): boolean {
    return false;
  }
}
