// Provider profiles: what `api.provider` implies when nothing more specific is configured (the
// base URL layout, the api-version, the auth scheme, gen_ai.provider.name), and the one place
// where the API section of every layer is merged into the final ApiConfig.
import { ConfigError } from './config-error.js';
import { DEFAULTS } from './defaults.js';
import { parseUrl } from './values.js';
import type { ApiAuth, ApiConfig, ApiCredential, ApiProvider, ConfigLayer } from './types.js';

export interface ProviderProfile {
  /** `gen_ai.provider.name`. */
  providerName: string;
  apiVersion: string | null;
  auth: ApiAuth;
  /** Entra ID scope (the resource's audience + `/.default`). */
  tokenScope: string | null;
  /** Said when no base URL is configured for the provider. */
  baseUrlHint: string | null;
}

export const PROVIDER_PROFILES: Readonly<Record<ApiProvider, ProviderProfile>> = {
  openai: { providerName: 'openai', apiVersion: null, auth: 'api-key', tokenScope: null, baseUrlHint: null },
  'azure-openai': {
    // The semantic conventions' well-known value for Azure OpenAI.
    providerName: 'azure.ai.openai',
    // The last Azure OpenAI data-plane version with Assistants v2 that is widely deployed.
    apiVersion: '2024-05-01-preview',
    auth: 'api-key',
    tokenScope: 'https://cognitiveservices.azure.com/.default',
    baseUrlHint:
      'export AZURE_OPENAI_ENDPOINT=https://<resource>.openai.azure.com, or set api.base_url to https://<resource>.openai.azure.com/openai',
  },
  'azure-foundry': {
    // The GenAI conventions' well-known value for the Foundry Agent Service. Microsoft's SDKs
    // send others (azure-ai-agents `azure.ai.agents`, Agent Framework `microsoft.foundry`): set
    // api.provider_name to one of those to sit with such spans instead.
    providerName: 'azure.ai.foundry',
    apiVersion: 'v1',
    auth: 'entra-id',
    tokenScope: 'https://ai.azure.com/.default',
    baseUrlHint:
      'export AZURE_AI_PROJECT_ENDPOINT=https://<resource>.services.ai.azure.com/api/projects/<project>, or set api.base_url to that project endpoint',
  },
};

/** Where `bearer-env` reads the token unless `api.token_env` names another variable. */
export const DEFAULT_TOKEN_ENV = 'ASSISTANTS_OTEL_BRIDGE_API_TOKEN';

type ApiLayer = NonNullable<ConfigLayer['api']>;

/** The highest layer's value of `key`. */
function highest<K extends keyof ApiLayer>(layers: readonly ApiLayer[], key: K): ApiLayer[K] | undefined {
  return layers.findLast((layer) => layer[key] !== undefined)?.[key];
}

/** The layer without its inputs (every key of ApiLayerInputs), which only decide other settings. */
function withoutInputs(layer: ApiLayer): Partial<ApiConfig> {
  const { auth: _auth, tokenEnv: _tokenEnv, tokenScope: _tokenScope, azureEnv: _azureEnv, ...config } = layer;
  return config;
}

/**
 * The Azure SDKs' variables, read the way the provider reads them, as if the user had set the
 * bridge's own. In the environment the provider's endpoint variable wins over OPENAI_BASE_URL,
 * often left over from plain OpenAI use; `note` says so when both were set and differ.
 */
function applyAzureEnv(layer: ApiLayer, provider: ApiProvider): { layer: ApiLayer; note?: string } {
  const azure = layer.azureEnv;
  if (!azure || provider === 'openai') return { layer };
  const out: ApiLayer = { ...layer };
  let note: string | undefined;
  if (azure.apiKey !== undefined) out.apiKey = azure.apiKey;
  const { openaiEndpoint: oe, projectEndpoint: pe } = azure;
  const variable = provider === 'azure-openai' ? oe : pe;
  if (variable) {
    const parsed = parseUrl(variable.value, 'api.base_url', variable.name);
    const endpoint = provider === 'azure-openai' ? `${parsed.replace(/\/+$/, '')}/openai` : parsed;
    // In the environment layer a base URL already set can only be OPENAI_BASE_URL.
    if (out.baseURL !== undefined && out.baseURL !== endpoint) {
      note = `OPENAI_BASE_URL (${out.baseURL}) is ignored: with provider ${provider} the endpoint comes from ${variable.name} (${variable.value}), the provider's own variable; set --base-url or api.base_url to choose another`;
    }
    out.baseURL = endpoint;
  }
  if (provider === 'azure-openai' && out.apiVersion === undefined && azure.openaiApiVersion) out.apiVersion = azure.openaiApiVersion.value;
  return { layer: out, ...(note ? { note } : {}) };
}

/** An Azure OpenAI resource endpoint given without its `/openai` path gets it. */
function normalizeBaseUrl(baseURL: string, provider: ApiProvider): string {
  if (provider !== 'azure-openai') return baseURL;
  const url = new URL(baseURL);
  if (url.pathname !== '/' && url.pathname !== '') return baseURL;
  url.pathname = '/openai';
  return url.toString();
}

function credentialFor(
  auth: ApiAuth,
  provider: ApiProvider,
  layers: readonly ApiLayer[],
  env: Record<string, string | undefined>,
): ApiCredential | undefined {
  if (auth === 'api-key') return provider === 'openai' ? undefined : { auth };
  if (auth === 'bearer-env') {
    const variable = highest(layers, 'tokenEnv')?.name ?? DEFAULT_TOKEN_ENV;
    const token = env[variable]?.trim();
    return { auth, variable, token: token ? token : null };
  }
  const scope = highest(layers, 'tokenScope') ?? PROVIDER_PROFILES[provider].tokenScope;
  if (!scope)
    throw new ConfigError(
      'api.token_scope',
      `is required for entra-id with provider ${provider} (the resource's audience, e.g. https://ai.azure.com/.default)`,
    );
  return { auth, scope };
}

/** Merges the API section of every layer (lowest first) and applies the provider's profile. */
export function resolveApi(layersLowToHigh: readonly ConfigLayer[], env: Record<string, string | undefined>): ApiConfig {
  const raw = layersLowToHigh.map((l) => l.api ?? {});
  const provider = highest(raw, 'provider') ?? 'openai';
  const profile = PROVIDER_PROFILES[provider];
  const applied = raw.map((l) => applyAzureEnv(l, provider));
  const layers = applied.map((a) => a.layer);
  // Said only when that choice stands: a --base-url above it decides alone.
  const noted = applied.findIndex((a) => a.note !== undefined);
  const baseUrlNote = noted >= 0 && !layers.slice(noted + 1).some((l) => l.baseURL !== undefined) ? applied[noted]?.note : undefined;

  const merged: ApiConfig = { ...DEFAULTS.api };
  for (const layer of layers) {
    for (const [key, value] of Object.entries<unknown>(withoutInputs(layer)))
      if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  const baseUrlSet = layers.some((l) => l.baseURL !== undefined);
  if (!baseUrlSet && profile.baseUrlHint) throw new ConfigError('api.base_url', `not set for provider ${provider}: ${profile.baseUrlHint}`);

  const auth = highest(layers, 'auth') ?? profile.auth;
  const credential = credentialFor(auth, provider, layers, env);
  const apiVersion = merged.apiVersion ?? profile.apiVersion ?? undefined;
  const { provider: _p, apiVersion: _v, credential: _c, ...rest } = merged;
  return {
    ...rest,
    baseURL: normalizeBaseUrl(merged.baseURL, provider),
    providerName: layers.some((l) => l.providerName !== undefined) ? merged.providerName : profile.providerName,
    ...(provider !== 'openai' ? { provider } : {}),
    ...(apiVersion !== undefined ? { apiVersion } : {}),
    ...(credential ? { credential } : {}),
    ...(baseUrlNote ? { baseUrlNote } : {}),
  };
}
