// The responses source's calls to an Azure AI Foundry project, through the openai SDK the bridge
// configures for the `azure-foundry` profile (its project endpoint, Entra ID or key, no retries of
// its own) and so through the shared request budget: one page per call, so the caller counts and
// steers every request. Each call names its route (a template, for metrics and logs) and its
// priority class; what arrives is handed on as unknown. Errors come back as the bridge's: 404 of a
// response is `gone`, 401/403 fatal, 429/5xx transient once the budgeted fetch has spent its retries.
import { APIError, type OpenAI } from 'openai';
import { PRIORITY_HEADER, ROUTE_HEADER } from '../../scheduler/budgeted-fetch.js';
import type { Priority } from '../../scheduler/priorities.js';
import { credentialHintsOf, type CredentialHints } from '../../api/auth/credential-hints.js';
import { BridgeError } from '../../core/errors.js';
import { isObj } from '../../mapping/json-values.js';
import { classifyApiError } from '../../api/errors.js';

/** Below the project endpoint (`https://<resource>.services.ai.azure.com/api/projects/<project>`). */
export const FOUNDRY_RESPONSES_PATH = '/openai/v1/responses';

/** Route labels of the calls the looks make. */
export const RESPONSES_ROUTES = {
  list: '/responses',
  response: '/responses/{response_id}',
} as const;

/** The list's largest page. */
export const MAX_PAGE_SIZE = 100;

/**
 * The v1 paths take no dated api-version (Azure refuses one with 400), only `v1` or `preview`. A
 * dated version configured for the classic agents of the same project is not sent here.
 */
export const v1ApiVersion = (configured: string | undefined): string => (configured === 'preview' ? 'preview' : 'v1');

export interface ListPage {
  /** The page's items as read; the caller parses each. */
  items: unknown[];
  /** More items follow the last one. */
  hasMore: boolean;
  /** The last item's id: the `after` of the next page; null when the page has none. */
  lastId: string | null;
}

export interface AgentListQuery {
  order: 'asc' | 'desc';
  /** Exclusive: the page starts after this response (in the list's order); null: from the start. */
  after: string | null;
  limit: number;
}

/** What the looks ask of a Foundry project. */
export interface FoundryResponsesApi {
  /** One page of the project's stored responses made by the agent named `agentName`. */
  listAgentResponses(agentName: string, query: AgentListQuery): Promise<ListPage>;
  /** GET a response, as read. */
  retrieveResponse(responseId: string): Promise<unknown>;
}

export class FoundryResponsesClient implements FoundryResponsesApi {
  readonly #client: OpenAI;
  readonly #hints: CredentialHints;
  readonly #apiVersion: string;

  /** `client` as the bridge configures it (createApiClient); `apiVersion`: the configured one, if any. */
  constructor(client: OpenAI, options: { apiVersion?: string } = {}) {
    this.#client = client;
    this.#hints = credentialHintsOf(client);
    this.#apiVersion = v1ApiVersion(options.apiVersion);
  }

  async listAgentResponses(agentName: string, query: AgentListQuery): Promise<ListPage> {
    const page = await this.#call(`the responses of Foundry agent ${agentName}`, () =>
      this.#client.get<unknown>(FOUNDRY_RESPONSES_PATH, {
        query: {
          'api-version': this.#apiVersion,
          agent_name: agentName,
          order: query.order,
          limit: Math.max(1, Math.min(MAX_PAGE_SIZE, Math.trunc(query.limit))),
          ...(query.after === null ? {} : { after: query.after }),
        },
        headers: headers(RESPONSES_ROUTES.list, 'discovery'),
      }),
    );
    return listPage(page);
  }

  async retrieveResponse(responseId: string): Promise<unknown> {
    const what = `response ${responseId}`;
    try {
      return await this.#client.get<unknown>(`${FOUNDRY_RESPONSES_PATH}/${encodeURIComponent(responseId)}`, {
        query: { 'api-version': this.#apiVersion },
        headers: headers(RESPONSES_ROUTES.response, 'finishing'),
      });
    } catch (error) {
      // The id came from a list page: one the service refuses to read is that response's problem,
      // not the bridge's (a refused api-version or path fails the agent's list first, and is fatal there).
      if (error instanceof APIError && error.status === 400) throw new ResponseUnreadable(what, error.message);
      throw classifyApiError(what, error, this.#hints);
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

/** The service refused to read one response (400): it is left, as a deleted one is. */
export class ResponseUnreadable extends BridgeError {
  constructor(what: string, detail: string) {
    super('gone', `${what} cannot be read (400: ${detail.split('\n')[0]?.slice(0, 200) ?? ''})`);
  }
}

function headers(route: string, priority: Priority): Record<string, string> {
  return { [ROUTE_HEADER]: route, [PRIORITY_HEADER]: priority };
}

/** A list envelope read leniently: a service may leave `has_more` out; an empty page ends the list. */
function listPage(page: unknown): ListPage {
  const body = isObj(page) ? page : {};
  const items: unknown[] = Array.isArray(body.data) ? (body.data as unknown[]) : [];
  const last: unknown = items.at(-1);
  const lastId = isObj(last) && typeof last.id === 'string' && last.id.length > 0 ? last.id : null;
  return { items, hasMore: body.has_more === true && items.length > 0, lastId };
}
