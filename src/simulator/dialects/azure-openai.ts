// Azure OpenAI's Assistants endpoints: `{resource}.openai.azure.com/openai/...`, the
// `api-version` query parameter on every request (Assistants v2's: v1 ended with
// 2024-04-01-preview), the key in an `api-key` header or an Entra ID token as
// `Authorization: Bearer`, and only the tools Azure OpenAI Assistants have: code interpreter,
// file search and functions.
import type { Dialect } from '../dialect.js';
import {
  apiKeyHeader,
  azureError,
  azureErrorBody,
  azureRequestIdHeaders,
  bearerToken,
  checkApiVersion,
  type TokenCheck,
} from './azure-common.js';

export interface AzureOpenAIDialectOptions {
  apiVersions?: readonly string[];
  /** Bearer tokens accepted besides the key; default: the key itself. */
  acceptToken?: TokenCheck;
  /** GET /threads; off by default (Azure OpenAI's Assistants reference lists no such route). */
  listThreads?: boolean;
}

export const AZURE_OPENAI_API_VERSIONS: readonly string[] = [
  '2024-05-01-preview',
  '2024-07-01-preview',
  '2025-01-01-preview',
  '2025-04-01-preview',
];

/** The api-versions that served Assistants v1; the Assistants v2 protocol is not served under them. */
export const AZURE_OPENAI_ASSISTANTS_V1_VERSIONS: readonly string[] = ['2024-02-15-preview', '2024-03-01-preview', '2024-04-01-preview'];

const ACCESS_DENIED =
  'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.';

export function createAzureOpenAIDialect(options: AzureOpenAIDialectOptions = {}): Dialect {
  const versions = options.apiVersions ?? AZURE_OPENAI_API_VERSIONS;
  return {
    name: 'azure-openai',
    basePath: '/openai',
    authenticate(headers, apiKey) {
      const key = apiKeyHeader(headers);
      if (key !== undefined) return key === apiKey ? null : azureError(401, '401', ACCESS_DENIED);
      const token = bearerToken(headers);
      if (token === undefined) {
        return azureError(
          401,
          '401',
          'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.',
        );
      }
      const accepted = options.acceptToken ? options.acceptToken(token, Date.now()) : token === apiKey;
      return accepted
        ? null
        : azureError(
            401,
            '401',
            'Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.',
          );
    },
    checkRequest(request) {
      const version = request.query.get('api-version');
      if (version !== null && AZURE_OPENAI_ASSISTANTS_V1_VERSIONS.includes(version)) {
        return azureError(
          400,
          'UnsupportedApiVersion',
          `The api-version '${version}' serves Assistants v1, which is retired; Assistants v2 needs api-version 2024-05-01-preview or later.`,
        );
      }
      return checkApiVersion(request, versions);
    },
    assistantField: 'assistant_id',
    present: (_kind, body) => body,
    errorBody: azureErrorBody,
    requestIdHeaders: azureRequestIdHeaders,
    features: { listThreads: options.listThreads ?? false },
    serves: { foundryTools: false, undocumentedTypes: false },
  };
}
