// What differs between services speaking the Assistants protocol: base path, credentials,
// required headers or query parameters, field names, extra routes, the tools runs call. `openai`
// is here; the Azure dialects (api-version query, `api-key` header or Entra ID bearer, GET
// /threads, Foundry's own tools) live in dialects/ and are registered below with their default
// options.
import type { IncomingHttpHeaders } from 'node:http';
import { errorBody, incorrectApiKey, missingApiKey, missingBetaHeader, type ApiError } from './errors.js';
import { createAzureFoundryDialect } from './dialects/azure-foundry.js';
import { createAzureOpenAIDialect } from './dialects/azure-openai.js';
import type { ApiObject } from './state.js';

export type ObjectKind = 'thread' | 'run' | 'step' | 'assistant' | 'list';

export interface DialectRequest {
  method: string;
  /** Path below the base path, e.g. `/threads/thread_1/runs`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

export interface Dialect {
  readonly name: string;
  /** Prefix of every API route, e.g. `/v1`; the simulator's `url` ends with it. */
  readonly basePath: string;
  /** Null when the credentials are accepted. */
  authenticate(headers: IncomingHttpHeaders, apiKey: string): ApiError | null;
  /** Protocol checks on a known route after authentication (beta header, api-version). */
  checkRequest(request: DialectRequest): ApiError | null;
  /** The body parameter naming the assistant in create-run requests; `present` renames it on output. */
  readonly assistantField: string;
  /** Reshapes an object before it is sent (renamed fields, extra fields). */
  present(kind: ObjectKind, body: ApiObject): ApiObject;
  errorBody(error: ApiError): unknown;
  /** Headers that carry the request id. */
  requestIdHeaders(requestId: string): Record<string, string>;
  readonly features: {
    /** GET /threads (Azure has it; OpenAI does not). */
    listThreads: boolean;
  };
  /** What the service's runs can do beyond the documented Assistants tools (code interpreter, file search, functions). */
  readonly serves: {
    /** Azure AI Foundry Agent Service's own tools (Bing, AI Search, OpenAPI, MCP, connected agents, ...). */
    foundryTools: boolean;
    /** Step and tool types no spec documents, as services that extend the protocol send. */
    undocumentedTypes: boolean;
  };
}

/** Renames `assistant_id` on runs and steps; for dialects that call assistants agents. */
export function renameAssistantField(field: string): (kind: ObjectKind, body: ApiObject) => ApiObject {
  return (kind, body) => {
    if (field === 'assistant_id' || (kind !== 'run' && kind !== 'step') || !('assistant_id' in body)) return body;
    const { assistant_id, ...rest } = body;
    return { ...rest, [field]: assistant_id };
  };
}

export const openaiDialect: Dialect = {
  name: 'openai',
  basePath: '/v1',
  authenticate(headers, apiKey) {
    const auth = headers.authorization;
    const match = typeof auth === 'string' ? /^Bearer\s+(.+)$/i.exec(auth.trim()) : null;
    if (!match) return missingApiKey();
    const given = (match[1] ?? '').trim();
    return given === apiKey ? null : incorrectApiKey(given);
  },
  checkRequest({ headers }) {
    const beta = headers['openai-beta'];
    const values = (Array.isArray(beta) ? beta.join(',') : (beta ?? '')).split(',').map((v) => v.trim());
    return values.includes('assistants=v2') ? null : missingBetaHeader();
  },
  assistantField: 'assistant_id',
  present: (_kind, body) => body,
  errorBody,
  requestIdHeaders: (requestId) => ({ 'x-request-id': requestId }),
  features: { listThreads: false },
  // The generic Assistants-shaped service: worlds keep types no spec has, to test robustness.
  serves: { foundryTools: false, undocumentedTypes: true },
};

const DIALECTS: Record<string, () => Dialect> = {
  openai: () => openaiDialect,
  'azure-openai': () => createAzureOpenAIDialect(),
  'azure-foundry': () => createAzureFoundryDialect(),
};

export const DIALECT_NAMES: readonly string[] = Object.keys(DIALECTS);

export function resolveDialect(dialect: Dialect | string | undefined): Dialect {
  if (dialect === undefined) return openaiDialect;
  if (typeof dialect !== 'string') return dialect;
  const found = DIALECTS[dialect];
  if (!found) throw new RangeError(`unknown dialect '${dialect}' (known: ${DIALECT_NAMES.join(', ')})`);
  return found();
}
