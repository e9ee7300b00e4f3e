// Settings of how `watch` starts and stops: the stop budget, --since only with a discovery mode,
// and which base URL wins when an Azure provider's endpoint variable meets a leftover OPENAI_BASE_URL.
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/defaults.js';
import { configErrorOf, resolve } from './helpers.js';

const FOUNDRY_URL = 'https://res.services.ai.azure.com/api/projects/proj';
const LEFTOVER = 'https://api.openai.com/v1';

describe('the stop budget', () => {
  it('is 5 s by default, set by --stop-timeout or watch.stop_timeout_ms (0 allowed: leave everything in the outbox)', () => {
    expect(DEFAULTS.watch.stopTimeoutMs).toBe(5_000);
    expect(resolve({ file: { watch: { stop_timeout_ms: 8000 } } }).watch.stopTimeoutMs).toBe(8_000);
    expect(resolve({ flags: { stopTimeout: '0' }, file: { watch: { stop_timeout_ms: 8000 } } }).watch.stopTimeoutMs).toBe(0);
  });

  it('refuses a negative or unbounded value, naming the flag', () => {
    const error = configErrorOf(() => resolve({ flags: { stopTimeout: '-1' } }));
    expect(error.field).toBe('--stop-timeout');
    expect(error.message).toContain('from 0 to 600000');
    expect(configErrorOf(() => resolve({ flags: { stopTimeout: '900000' } })).field).toBe('--stop-timeout');
  });
});

describe('--since', () => {
  it('without a discovery is an error naming the flag and every discovery it could go with', () => {
    const error = configErrorOf(() => resolve({ flags: { since: '6h', thread: ['thread_a'] } }));
    expect(error.message).toBe(
      '--since: applies only to a discovery (--all-threads, --agent, --foundry-agent): add one to follow what it finds from that time, or drop it (from the command line)',
    );
  });

  it('in a config file without all_threads names the key and the file', () => {
    const error = configErrorOf(() => resolve({ file: { watch: { since: '6h' } } }));
    expect(error.field).toBe('watch.since');
    expect(error.message).toContain('watch.all_threads: true');
    expect(error.source).toMatch(/config-\d+\.yaml$/);
  });

  it('is fine with --all-threads from either source', () => {
    expect(resolve({ flags: { since: '6h', allThreads: true } }).watch.sinceSeconds).not.toBeNull();
    expect(resolve({ flags: { since: '6h' }, file: { watch: { all_threads: true } } }).watch.allThreads).toBe(true);
  });
});

describe('an Azure endpoint variable and a leftover OPENAI_BASE_URL', () => {
  it('azure-foundry: AZURE_AI_PROJECT_ENDPOINT wins, and the note says which and why', () => {
    const { api } = resolve({
      flags: { provider: 'azure-foundry' },
      env: { AZURE_AI_PROJECT_ENDPOINT: FOUNDRY_URL, OPENAI_BASE_URL: LEFTOVER },
    });
    expect(api.baseURL).toBe(FOUNDRY_URL);
    expect(api.baseUrlNote).toBe(
      `OPENAI_BASE_URL (${LEFTOVER}) is ignored: with provider azure-foundry the endpoint comes from AZURE_AI_PROJECT_ENDPOINT (${FOUNDRY_URL}), the provider's own variable; set --base-url or api.base_url to choose another`,
    );
  });

  it('azure-openai: AZURE_OPENAI_ENDPOINT wins the same way', () => {
    const { api } = resolve({
      flags: { provider: 'azure-openai' },
      env: { AZURE_OPENAI_ENDPOINT: 'https://res.openai.azure.com', AZURE_OPENAI_API_KEY: 'k', OPENAI_BASE_URL: LEFTOVER },
    });
    expect(api.baseURL).toBe('https://res.openai.azure.com/openai');
    expect(api.baseUrlNote).toContain('AZURE_OPENAI_ENDPOINT');
  });

  it('says nothing when only one is set, when both agree, or when --base-url decides', () => {
    expect(resolve({ flags: { provider: 'azure-foundry' }, env: { AZURE_AI_PROJECT_ENDPOINT: FOUNDRY_URL } }).api).not.toHaveProperty(
      'baseUrlNote',
    );
    const alone = resolve({ flags: { provider: 'azure-foundry' }, env: { OPENAI_BASE_URL: 'https://gw.example/agents' } }).api;
    expect(alone.baseURL).toBe('https://gw.example/agents');
    expect(alone).not.toHaveProperty('baseUrlNote');
    expect(
      resolve({ flags: { provider: 'azure-foundry' }, env: { AZURE_AI_PROJECT_ENDPOINT: FOUNDRY_URL, OPENAI_BASE_URL: FOUNDRY_URL } }).api,
    ).not.toHaveProperty('baseUrlNote');
    const flagged = resolve({
      flags: { provider: 'azure-foundry', baseUrl: 'https://gw.example/p' },
      env: { AZURE_AI_PROJECT_ENDPOINT: FOUNDRY_URL, OPENAI_BASE_URL: LEFTOVER },
    }).api;
    expect(flagged.baseURL).toBe('https://gw.example/p');
    expect(flagged).not.toHaveProperty('baseUrlNote');
  });

  it('leaves the openai provider on OPENAI_BASE_URL', () => {
    const { api } = resolve({ env: { AZURE_AI_PROJECT_ENDPOINT: FOUNDRY_URL, OPENAI_BASE_URL: 'https://gw.example/v1' } });
    expect(api.baseURL).toBe('https://gw.example/v1');
    expect(api).not.toHaveProperty('baseUrlNote');
  });
});
