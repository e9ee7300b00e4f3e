// Provider profiles: what `provider` implies (base URL layout, api-version, auth, provider
// name), the Azure SDKs' variables, and precedence against explicit settings.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TOKEN_ENV } from '../../src/config/api-profile.js';
import { DEFAULTS } from '../../src/config/defaults.js';
import { configErrorOf, resolve } from './helpers.js';

const AOAI = { AZURE_OPENAI_ENDPOINT: 'https://res.openai.azure.com/', AZURE_OPENAI_API_KEY: 'aoai-key' };
const FOUNDRY = { AZURE_AI_PROJECT_ENDPOINT: 'https://res.services.ai.azure.com/api/projects/proj' };

describe('the openai profile (the default)', () => {
  it('leaves the API section exactly as it was before providers existed', () => {
    const { api } = resolve({ env: { OPENAI_API_KEY: 'sk-1', ...AOAI, ...FOUNDRY, OPENAI_API_VERSION: '2024-05-01-preview' } });
    expect(api).toEqual({ ...DEFAULTS.api, apiKey: 'sk-1' });
    expect(api).not.toHaveProperty('provider');
    expect(api).not.toHaveProperty('apiVersion');
    expect(api).not.toHaveProperty('credential');
  });

  it('ignores a malformed Azure endpoint variable it does not use', () => {
    expect(resolve({ env: { AZURE_OPENAI_ENDPOINT: 'not a url' } }).api.baseURL).toBe(DEFAULTS.api.baseURL);
  });

  it('sends an api-version only when one is given', () => {
    expect(resolve({ flags: { apiVersion: '2025-01-01' } }).api.apiVersion).toBe('2025-01-01');
  });

  it('needs a scope for entra-id, since OpenAI has no Entra audience', () => {
    expect(configErrorOf(() => resolve({ flags: { auth: 'entra-id' } })).field).toBe('api.token_scope');
    expect(resolve({ flags: { auth: 'entra-id' }, file: { api: { token_scope: 'api://gateway/.default' } } }).api.credential).toEqual({
      auth: 'entra-id',
      scope: 'api://gateway/.default',
    });
  });
});

describe('the azure-openai profile', () => {
  it('derives the base URL from AZURE_OPENAI_ENDPOINT and takes AZURE_OPENAI_API_KEY', () => {
    const { api } = resolve({ flags: { provider: 'azure-openai' }, env: { ...AOAI, OPENAI_API_KEY: 'openai-key' } });
    expect(api).toMatchObject({
      provider: 'azure-openai',
      baseURL: 'https://res.openai.azure.com/openai',
      apiKey: 'aoai-key',
      apiVersion: '2024-05-01-preview',
      providerName: 'azure.ai.openai',
      credential: { auth: 'api-key' },
    });
  });

  it('falls back to OPENAI_API_KEY when AZURE_OPENAI_API_KEY is not set', () => {
    const { api } = resolve({
      file: { api: { provider: 'azure-openai', base_url: 'https://res.openai.azure.com/openai' } },
      env: { OPENAI_API_KEY: 'k' },
    });
    expect(api.apiKey).toBe('k');
  });

  it('api-version: flag, then OPENAI_API_VERSION, then the config file, then the profile', () => {
    const file = { api: { provider: 'azure-openai', api_version: '2024-02-15-preview' } };
    const env = { ...AOAI, OPENAI_API_VERSION: '2025-04-01-preview' };
    expect(resolve({ file, env: AOAI }).api.apiVersion).toBe('2024-02-15-preview');
    expect(resolve({ file, env }).api.apiVersion).toBe('2025-04-01-preview');
    expect(resolve({ file, env, flags: { apiVersion: '2025-01-01-preview' } }).api.apiVersion).toBe('2025-01-01-preview');
  });

  it('an explicit base URL beats the endpoint variable, and a bare resource URL gets /openai', () => {
    expect(resolve({ flags: { provider: 'azure-openai', baseUrl: 'https://gw.example/aoai/openai' }, env: AOAI }).api.baseURL).toBe(
      'https://gw.example/aoai/openai',
    );
    expect(resolve({ flags: { provider: 'azure-openai', baseUrl: 'https://res.openai.azure.com' } }).api.baseURL).toBe(
      'https://res.openai.azure.com/openai',
    );
  });

  it('says which variable to set when there is no base URL at all', () => {
    const error = configErrorOf(() => resolve({ flags: { provider: 'azure-openai' } }));
    expect(error.field).toBe('api.base_url');
    expect(error.message).toContain('AZURE_OPENAI_ENDPOINT');
  });

  it('names the variable of a malformed endpoint', () => {
    const error = configErrorOf(() =>
      resolve({ flags: { provider: 'azure-openai' }, env: { AZURE_OPENAI_ENDPOINT: 'res.openai.azure.com' } }),
    );
    expect(error.message).toContain('AZURE_OPENAI_ENDPOINT');
  });

  it('keeps an explicit provider name', () => {
    expect(resolve({ flags: { provider: 'azure-openai', providerName: 'custom' }, env: AOAI }).api.providerName).toBe('custom');
  });

  it('entra-id uses the Cognitive Services audience unless told otherwise', () => {
    expect(resolve({ flags: { provider: 'azure-openai', auth: 'entra-id' }, env: AOAI }).api.credential).toEqual({
      auth: 'entra-id',
      scope: 'https://cognitiveservices.azure.com/.default',
    });
  });
});

describe('the azure-foundry profile', () => {
  it('uses the project endpoint as the base URL and Entra ID for https://ai.azure.com', () => {
    const { api } = resolve({ file: { api: { provider: 'azure-foundry' } }, env: FOUNDRY });
    expect(api).toMatchObject({
      provider: 'azure-foundry',
      baseURL: 'https://res.services.ai.azure.com/api/projects/proj',
      apiVersion: 'v1',
      providerName: 'azure.ai.foundry',
      credential: { auth: 'entra-id', scope: 'https://ai.azure.com/.default' },
    });
  });

  it('does not take the Azure OpenAI api-version variable', () => {
    expect(
      resolve({ flags: { provider: 'azure-foundry' }, env: { ...FOUNDRY, OPENAI_API_VERSION: '2024-05-01-preview' } }).api.apiVersion,
    ).toBe('v1');
  });

  it('bearer-env reads the token from the default variable or the one named', () => {
    const flags = { provider: 'azure-foundry', auth: 'bearer-env' };
    expect(resolve({ flags, env: { ...FOUNDRY, [DEFAULT_TOKEN_ENV]: ' tok-1 ' } }).api.credential).toEqual({
      auth: 'bearer-env',
      variable: DEFAULT_TOKEN_ENV,
      token: 'tok-1',
    });
    expect(resolve({ flags, env: { ...FOUNDRY, MY_TOKEN: 'tok-2' }, file: { api: { token_env: 'MY_TOKEN' } } }).api.credential).toEqual({
      auth: 'bearer-env',
      variable: 'MY_TOKEN',
      token: 'tok-2',
    });
    // Unset: resolved anyway (import needs no credential); the client refuses to start.
    expect(resolve({ flags, env: FOUNDRY }).api.credential).toEqual({ auth: 'bearer-env', variable: DEFAULT_TOKEN_ENV, token: null });
  });

  it('takes a key in the api-key header when asked to', () => {
    expect(
      resolve({ flags: { provider: 'azure-foundry', auth: 'api-key' }, env: { ...FOUNDRY, AZURE_OPENAI_API_KEY: 'k' } }).api,
    ).toMatchObject({ apiKey: 'k', credential: { auth: 'api-key' } });
  });

  it('a token scope from the config file replaces the profile scope', () => {
    expect(
      resolve({ file: { api: { provider: 'azure-foundry', token_scope: 'https://ai.azure.us/.default' } }, env: FOUNDRY }).api.credential,
    ).toEqual({
      auth: 'entra-id',
      scope: 'https://ai.azure.us/.default',
    });
  });
});

describe('bad provider settings', () => {
  it.each([
    [{ api: { provider: 'bedrock' } }, 'api.provider'],
    [{ api: { auth: 'password' } }, 'api.auth'],
    [{ api: { token_env: 'not a variable' } }, 'api.token_env'],
    [{ api: { api_version: '' } }, 'api.api_version'],
    [{ api: { token_scope: '' } }, 'api.token_scope'],
  ])('%j names its field', (file, field) => {
    expect(configErrorOf(() => resolve({ file })).field).toBe(field);
  });

  it('an unknown --provider names the flag', () => {
    expect(configErrorOf(() => resolve({ flags: { provider: 'aws' } })).field).toBe('--provider');
  });
});

describe('the examples', () => {
  const example = (name: string) => new URL(`../../examples/${name}/bridge.yaml`, import.meta.url).pathname;

  it('each loads and resolves to its provider', () => {
    expect(resolve({ configPath: example('azure-openai'), env: AOAI }).api).toMatchObject({
      provider: 'azure-openai',
      apiVersion: '2024-05-01-preview',
      credential: { auth: 'api-key' },
    });
    expect(resolve({ configPath: example('azure-foundry'), env: FOUNDRY }).api).toMatchObject({
      provider: 'azure-foundry',
      credential: { auth: 'entra-id', scope: 'https://ai.azure.com/.default' },
    });
    expect(resolve({ configPath: example('azure-foundry-local'), env: { FOUNDRY_LOCAL_KEY: 'local' } }).api).toMatchObject({
      baseURL: 'http://127.0.0.1:5273/v1',
      apiKey: 'local',
      providerName: 'azure.ai.inference',
    });
  });
});
