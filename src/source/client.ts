// The openai client the source uses: no retries of its own (the budgeted fetch retries, each
// attempt a budget slot), an explicit timeout, and the user's base URL, query and headers.
import OpenAI from 'openai';
import type { ApiConfig } from '../config/types.js';
import { ConfigError } from '../config/config-error.js';
import type { Fetch } from '../scheduler/budgeted-fetch.js';

export function createApiClient(api: ApiConfig, fetch: Fetch): OpenAI {
  if (!api.apiKey) {
    throw new ConfigError('api key', 'not set: export OPENAI_API_KEY (or name another variable with api.api_key_env in the config file)');
  }
  return new OpenAI({
    apiKey: api.apiKey,
    baseURL: api.baseURL,
    organization: api.organization,
    project: api.project,
    ...(Object.keys(api.defaultQuery).length > 0 ? { defaultQuery: api.defaultQuery } : {}),
    ...(Object.keys(api.headers).length > 0 ? { defaultHeaders: api.headers } : {}),
    maxRetries: 0,
    // The SDK's timeout bounds the whole call: waiting for a budget slot, every attempt and the
    // backoff between them. Each attempt has its own timeout in the budgeted fetch.
    timeout: Math.max(api.timeoutMs * 20, 10 * 60_000),
    fetch,
  });
}
