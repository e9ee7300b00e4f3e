// The responses source's calls, through the openai SDK the bridge configures for the API profile
// (base URL, Entra ID or key, no retries of its own) and so through the shared request budget: an
// Azure AI Foundry project's `{project}/openai/v1/responses` (listed by agent), OpenAI's
// `{base}/responses/{id}` (no list, no api-version), Azure OpenAI's `{endpoint}/openai/v1/responses`; one page per call, so the caller counts and
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
import type { ApiProvider } from '../../config/types.js';

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

/** Where a profile keeps its responses: the path below the base URL, and the query every call carries. */
export interface ResponsesLayout {
  path: string;
  query: Record<string, string>;
  /** Whether the service lists responses (by agent): only a Foundry project does. */
  lists: boolean;
}

/**
 * The layout of the configured profile: a Foundry project's v1 path; Azure OpenAI's v1 path below
 * `{endpoint}/openai` (a v1 api-version, never the dated one of its assistants); OpenAI's own.
 */
export function responsesLayoutOf(provider: ApiProvider | undefined, apiVersion: string | undefined): ResponsesLayout {
  if (provider === 'azure-foundry')
    return { path: FOUNDRY_RESPONSES_PATH, query: { 'api-version': v1ApiVersion(apiVersion) }, lists: true };
  if (provider === 'azure-openai') return { path: '/v1/responses', query: { 'api-version': v1ApiVersion(apiVersion) }, lists: false };
  return { path: '/responses', query: {}, lists: false };
}

/** What the looks ask of the API. */
export interface FoundryResponsesApi {
  /** One page of the project's stored responses made by the agent named `agentName` (Foundry only). */
  listAgentResponses(agentName: string, query: AgentListQuery): Promise<ListPage>;
  /** GET a response, as read. */
  retrieveResponse(responseId: string): Promise<unknown>;
}

export class ResponsesClient implements FoundryResponsesApi {
  readonly #client: OpenAI;
  readonly #hints: CredentialHints;
  readonly #layout: ResponsesLayout;

  /** `client` as the bridge configures it (createApiClient); `layout`: the profile's (responsesLayoutOf). */
  constructor(client: OpenAI, layout: ResponsesLayout) {
    this.#client = client;
    this.#hints = credentialHintsOf(client);
    this.#layout = layout;
  }

  async listAgentResponses(agentName: string, query: AgentListQuery): Promise<ListPage> {
    // Settings refuse agents on other profiles (SourceSettings.check); this is the last guard.
    if (!this.#layout.lists)
      throw new BridgeError('fatal', `this API lists no responses; the Foundry agent ${agentName} cannot be followed`);
    const page = await this.#call(`the responses of Foundry agent ${agentName}`, () =>
      this.#client.get<unknown>(this.#layout.path, {
        query: {
          ...this.#layout.query,
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
      return await this.#client.get<unknown>(`${this.#layout.path}/${encodeURIComponent(responseId)}`, {
        query: this.#layout.query,
        headers: headers(RESPONSES_ROUTES.response, 'finishing'),
      });
    } catch (error) {
      // The id came from a list page, a webhook or the app: one the service refuses to read is that
      // response's problem, not the bridge's (a refused api-version or path fails an agent's list first).
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

/** A Foundry project's responses (its layout whatever the configured profile): for the looks' tests and tools. */
export class FoundryResponsesClient extends ResponsesClient {
  constructor(client: OpenAI, options: { apiVersion?: string } = {}) {
    super(client, responsesLayoutOf('azure-foundry', options.apiVersion));
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
