// The openai client the source uses: no retries of its own (the budgeted fetch retries, each
// attempt a budget slot), an explicit timeout, and the user's base URL, query and headers.
// An Azure key goes through the SDK's AzureOpenAI client: it sends it as the `api-key` header
// (and no Authorization header) and refuses redirects while a key is attached. Everything
// else, Entra ID and static tokens included, is `Authorization: Bearer` from the plain client.
import OpenAI, { AzureOpenAI } from 'openai';
import type { ApiConfig } from '../config/types.js';
import type { Fetch } from '../scheduler/budgeted-fetch.js';
import { clientAuth, type ClientAuthDeps } from './auth/client-auth.js';
import { describeCredential, setCredentialHints } from './auth/credential-hints.js';

export function createApiClient(api: ApiConfig, fetch: Fetch, deps: ClientAuthDeps = {}): OpenAI {
  const auth = clientAuth(api, deps);
  const defaultQuery = { ...api.defaultQuery, ...(api.apiVersion !== undefined ? { 'api-version': api.apiVersion } : {}) };
  const common = {
    baseURL: api.baseURL,
    organization: api.organization,
    project: api.project,
    ...(Object.keys(api.headers).length > 0 ? { defaultHeaders: api.headers } : {}),
    maxRetries: 0,
    // The SDK's timeout bounds the whole call: waiting for a budget slot, every attempt and the
    // backoff between them. Each attempt has its own timeout in the budgeted fetch.
    timeout: Math.max(api.timeoutMs * 20, 10 * 60_000),
    fetch,
  };
  // A key for Azure goes in the `api-key` header, which only AzureOpenAI sends. Bearer tokens go
  // through the plain client for every provider (AzureOpenAI would also read AZURE_OPENAI_API_KEY
  // from the environment and refuse a token function next to it).
  const client =
    auth.kind === 'key' && api.provider !== undefined
      ? new AzureOpenAI({
          ...common,
          apiKey: auth.key,
          // AzureOpenAI adds `api-version` itself and insists on having one.
          apiVersion: defaultQuery['api-version'] ?? '',
          ...(Object.keys(api.defaultQuery).length > 0 ? { defaultQuery: api.defaultQuery } : {}),
        })
      : new OpenAI({
          ...common,
          apiKey: auth.kind === 'key' ? auth.key : auth.token,
          ...(Object.keys(defaultQuery).length > 0 ? { defaultQuery } : {}),
        });
  setCredentialHints(client, describeCredential(api));
  return client;
}
