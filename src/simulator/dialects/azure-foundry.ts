// Azure AI Foundry Agent Service (classic): a project endpoint
// `{resource}.services.ai.azure.com/api/projects/{project}`, `api-version` on every request,
// Entra ID bearer tokens (scope https://ai.azure.com/.default) or the resource key in `api-key`,
// GET /threads, Foundry's own tools, and runs that name their agent `assistant_id` as the REST
// spec's JSON does (the Azure SDKs call the field `agent_id`; `agentField` serves that shape).
import type { Dialect } from '../dialect.js';
import { renameAssistantField } from '../dialect.js';
import {
  apiKeyHeader,
  azureError,
  azureErrorBody,
  azureRequestIdHeaders,
  bearerToken,
  checkApiVersion,
  type TokenCheck,
} from './azure-common.js';

export interface AzureFoundryDialectOptions {
  /** The project in the endpoint path. Default `sim-project`. */
  project?: string;
  apiVersions?: readonly string[];
  /** Bearer tokens accepted; default: the simulator's key used as a token. */
  acceptToken?: TokenCheck;
  /**
   * The field naming the agent on runs and steps, and in create-run bodies. `assistant_id` (the
   * default) is the REST spec's JSON; `agent_id` is what the Azure SDKs' models call it.
   */
  agentField?: 'agent_id' | 'assistant_id';
  /** Whether the `api-key` header is accepted (newer Foundry docs allow it; older ones said Entra ID only). Default true. */
  allowApiKey?: boolean;
}

export const AZURE_FOUNDRY_API_VERSIONS: readonly string[] = ['v1', '2025-05-01', '2025-05-15-preview'];

const UNAUTHORIZED = 'Unauthorized. Access token is missing, invalid, audience is incorrect (https://ai.azure.com), or have expired.';

export function createAzureFoundryDialect(options: AzureFoundryDialectOptions = {}): Dialect {
  const project = options.project ?? 'sim-project';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(project)) throw new RangeError(`project must be letters, digits, '-' or '_' (got '${project}')`);
  const versions = options.apiVersions ?? AZURE_FOUNDRY_API_VERSIONS;
  const field = options.agentField ?? 'assistant_id';
  const allowApiKey = options.allowApiKey ?? true;
  return {
    name: 'azure-foundry',
    basePath: `/api/projects/${project}`,
    authenticate(headers, apiKey) {
      const token = bearerToken(headers);
      if (token !== undefined) {
        const accepted = options.acceptToken ? options.acceptToken(token, Date.now()) : token === apiKey;
        return accepted ? null : azureError(401, 'PermissionDenied', UNAUTHORIZED);
      }
      const key = apiKeyHeader(headers);
      if (key !== undefined && allowApiKey)
        return key === apiKey ? null : azureError(401, '401', 'Access denied due to invalid subscription key or wrong API endpoint.');
      return azureError(401, 'PermissionDenied', UNAUTHORIZED);
    },
    checkRequest: (request) => checkApiVersion(request, versions),
    assistantField: field,
    present: renameAssistantField(field),
    errorBody: azureErrorBody,
    requestIdHeaders: azureRequestIdHeaders,
    features: { listThreads: true },
    serves: { foundryTools: true, undocumentedTypes: true },
  };
}
