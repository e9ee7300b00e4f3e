// The agents source's calls to the Agents API, through the openai SDK and so through the shared
// request budget (its `fetch`): one page per call, so the caller counts and steers every request.
// Lists ask for order=asc (the API's default is desc) after an exclusive cursor. Each call names
// its route (a template, for metrics and logs) and its priority class; what arrives is handed on
// as unknown. Errors come back as the bridge's: 404 of the session is `gone`, 401/403 fatal, and
// 429/5xx transient once the budgeted fetch has spent its retries. A traces page refused for its
// size (400 or 413, which the API does not document) is an answer, not an error: the caller asks
// for fewer traces.
import OpenAI, { APIError } from 'openai';
import { PRIORITY_HEADER, ROUTE_HEADER } from '../../scheduler/budgeted-fetch.js';
import type { Priority } from '../../scheduler/priorities.js';
import { credentialHintsOf, type CredentialHints } from '../../api/auth/credential-hints.js';
import { classifyApiError } from '../../api/errors.js';

/** Every Agents API call carries it (the SDK adds it too; a configured default header must not replace it). */
export const AGENTS_BETA_HEADER = { 'OpenAI-Beta': 'agents=v1' } as const;

/** Route labels of the calls a session look makes. */
export const AGENTS_ROUTES = {
  sessions: '/agents/sessions',
  session: '/agents/sessions/{session_id}',
  turns: '/agents/sessions/{session_id}/turns',
  traces: '/agents/sessions/{session_id}/traces',
} as const;

/** The API's largest page. */
export const MAX_PAGE_SIZE = 100;

export interface ListPage {
  /** The page's items as read; the caller parses each. */
  items: unknown[];
  /** More items follow the last one. */
  hasMore: boolean;
  /** The last item's id: the `after` of the next page; null for an empty page. */
  lastId: string | null;
}

/** A traces page, or its refusal for size (too many traces, or one too large, for one answer). */
export type TracesPage = ({ refused: false } & ListPage) | { refused: true; status: number };

/** What a session look asks of the API. */
export interface AgentsSessionApi {
  /** GET /agents/sessions/{id}, as read. */
  retrieveSession(sessionId: string): Promise<unknown>;
  /** One page of the session's turns (root and subagent), oldest first, after `after`. */
  listTurns(sessionId: string, after: string | null, limit: number, priority: Priority): Promise<ListPage>;
  /** One page of the session's published root turn traces, oldest first, after the root turn `after`. */
  listTraces(sessionId: string, after: string | null, limit: number): Promise<TracesPage>;
}

/** What an agent's discovery pass asks of the API. */
export interface AgentsDiscoveryApi {
  /** One page of the sessions whose root agent is `agentId`, newest first (the list's own default order), after `after`. */
  listSessions(agentId: string, after: string | null, limit: number): Promise<ListPage>;
}

/** Statuses with which the API refuses a traces page over its response cap. */
const TOO_LARGE_STATUSES: ReadonlySet<number> = new Set([400, 413]);

export class AgentsClient implements AgentsSessionApi, AgentsDiscoveryApi {
  readonly #client: OpenAI;
  readonly #hints: CredentialHints;

  /** `client` as the bridge configures it: no retries of its own, the budgeted fetch. */
  constructor(client: OpenAI) {
    this.#client = client;
    this.#hints = credentialHintsOf(client);
  }

  retrieveSession(sessionId: string): Promise<unknown> {
    return this.#call(`agent session ${sessionId}`, () =>
      this.#client.beta.agents.sessions.retrieve(sessionId, { headers: headers(AGENTS_ROUTES.session, 'finishing') }),
    );
  }

  async listSessions(agentId: string, after: string | null, limit: number): Promise<ListPage> {
    const pageSize = Math.max(1, Math.min(MAX_PAGE_SIZE, Math.trunc(limit)));
    const page = await this.#call(`the sessions of agent ${agentId}`, () =>
      this.#client.beta.agents.sessions.list(
        { agent_id: agentId, order: 'desc', limit: pageSize, ...(after === null ? {} : { after }) },
        { headers: headers(AGENTS_ROUTES.sessions, 'discovery') },
      ),
    );
    return listPage(page);
  }

  async listTurns(sessionId: string, after: string | null, limit: number, priority: Priority): Promise<ListPage> {
    const page = await this.#call(`agent session ${sessionId}`, () =>
      this.#client.beta.agents.sessions.turns.list(sessionId, listQuery(after, limit), { headers: headers(AGENTS_ROUTES.turns, priority) }),
    );
    return listPage(page);
  }

  async listTraces(sessionId: string, after: string | null, limit: number): Promise<TracesPage> {
    try {
      const page = await this.#client.beta.agents.sessions.traces.list(sessionId, listQuery(after, limit), {
        headers: headers(AGENTS_ROUTES.traces, 'finishing'),
      });
      return { refused: false, ...listPage(page) };
    } catch (error) {
      const status = error instanceof APIError ? (error.status as unknown) : undefined;
      if (typeof status === 'number' && TOO_LARGE_STATUSES.has(status)) return { refused: true, status };
      throw classifyApiError(`agent session ${sessionId}`, error, this.#hints);
    }
  }

  async #call<T>(what: string, fn: () => PromiseLike<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw classifyApiError(what, error, this.#hints);
    }
  }
}

function headers(route: string, priority: Priority): Record<string, string> {
  return { ...AGENTS_BETA_HEADER, [ROUTE_HEADER]: route, [PRIORITY_HEADER]: priority };
}

function listQuery(after: string | null, limit: number): { order: 'asc'; limit: number; after?: string } {
  const pageSize = Math.max(1, Math.min(MAX_PAGE_SIZE, Math.trunc(limit)));
  return { order: 'asc', limit: pageSize, ...(after === null ? {} : { after }) };
}

function listPage(page: { data: unknown; has_more: unknown }): ListPage {
  const items: unknown[] = Array.isArray(page.data) ? (page.data as unknown[]) : [];
  const last: unknown = items.at(-1);
  const lastId =
    typeof last === 'object' && last !== null && typeof (last as { id?: unknown }).id === 'string' ? (last as { id: string }).id : null;
  // A service may leave has_more out, whatever the SDK's type says; an empty page ends the list.
  return { items, hasMore: page.has_more === true && items.length > 0, lastId };
}
