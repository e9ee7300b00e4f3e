// Where each service serves Responses and Conversations, and what it adds: OpenAI at /v1 with no
// list of responses; Azure OpenAI's v1 API at /openai/v1; a Foundry project at
// {project}/openai/v1, which lists responses and conversations by agent and names the agent on
// each response. The v1 paths take no dated api-version (only `v1` or `preview`, or none).
import type { Dialect, DialectRequest } from '../dialect.js';
import { azureError } from '../dialects/azure-common.js';
import type { ApiError } from '../errors.js';

export interface ResponsesDialect {
  /** Below the Assistants base path: '' (OpenAI), '/v1' (Azure OpenAI), '/openai/v1' (Foundry). */
  readonly prefix: string;
  /** GET /responses filtered by agent_name, agent_id, conversation_id (Foundry). */
  readonly listResponses: boolean;
  /** GET /conversations filtered by agent_name, agent_id (Foundry). */
  readonly listConversations: boolean;
  /** `agent: {type: 'agent_id', name, version}` on responses made by an agent (Foundry). */
  readonly agentReference: boolean;
  /** Accepts `agent_reference` (or the older `agent`) in create bodies (Foundry). */
  readonly acceptsAgent: boolean;
  check(request: DialectRequest): ApiError | null;
}

export const V1_API_VERSIONS: readonly string[] = ['v1', 'preview'];

function checkV1ApiVersion({ query }: DialectRequest): ApiError | null {
  const version = query.get('api-version');
  if (version === null || V1_API_VERSIONS.includes(version)) return null;
  return azureError(400, 'BadRequest', 'API version not supported');
}

export function responsesDialectFor(dialect: Dialect): ResponsesDialect {
  switch (dialect.name) {
    case 'azure-foundry':
      return {
        prefix: '/openai/v1',
        listResponses: true,
        listConversations: true,
        agentReference: true,
        acceptsAgent: true,
        check: checkV1ApiVersion,
      };
    case 'azure-openai':
      return {
        prefix: '/v1',
        listResponses: false,
        listConversations: false,
        agentReference: false,
        acceptsAgent: false,
        check: checkV1ApiVersion,
      };
    default:
      return { prefix: '', listResponses: false, listConversations: false, agentReference: false, acceptsAgent: false, check: () => null };
  }
}
