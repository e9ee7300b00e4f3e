// Turns the configured credential into what the openai client needs: a key for the `api-key`
// header, or a bearer token (fixed, or a function renewing it).
import { ConfigError } from '../../config/config-error.js';
import type { ApiConfig } from '../../config/types.js';
import { staticBearerToken } from './bearer-env.js';
import { defaultAzureCredential } from './entra-id.js';
import { createTokenProvider, type TokenCredentialLike } from './token-provider.js';

export type ClientAuth =
  /** OpenAI: the key as a bearer token. Azure: the key in the `api-key` header. */
  { kind: 'key'; key: string } | { kind: 'bearer'; token: () => Promise<string> };

export interface ClientAuthDeps {
  /** Replaces DefaultAzureCredential (tests). */
  credential?: () => Promise<TokenCredentialLike>;
  now?: () => number;
}

export function clientAuth(api: ApiConfig, deps: ClientAuthDeps = {}): ClientAuth {
  const credential = api.credential;
  if (!credential || credential.auth === 'api-key') {
    if (!api.apiKey) {
      const variable = api.provider === undefined ? 'OPENAI_API_KEY' : 'AZURE_OPENAI_API_KEY';
      throw new ConfigError('api key', `not set: export ${variable} (or name another variable with api.api_key_env in the config file)`);
    }
    return { kind: 'key', key: api.apiKey };
  }
  if (credential.auth === 'bearer-env') {
    const token = staticBearerToken(credential.variable, credential.token, (deps.now ?? Date.now)());
    return { kind: 'bearer', token: () => Promise.resolve(token) };
  }
  return {
    kind: 'bearer',
    token: createTokenProvider(deps.credential ?? defaultAzureCredential, {
      scope: credential.scope,
      ...(deps.now ? { now: deps.now } : {}),
    }),
  };
}
