// Config files in YAML and JSON, including the example shipped in config/.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/defaults.js';
import { configFileKeys, fileLayer } from '../../src/config/file-layer.js';
import { FOUNDRY_AGENTS_DEFAULTS } from '../../src/sources/responses/settings.js';
import { configFile, resolve } from './helpers.js';

const FULL = {
  api: {
    provider: 'azure-foundry',
    auth: 'api-key',
    base_url: 'https://my-resource.services.ai.azure.com/api/projects/p',
    api_key_env: 'AZURE_KEY',
    organization: 'org_1',
    project: 'proj_1',
    default_query: { 'api-version': '2025-05-01' },
    headers: { 'x-ms-client': 'bridge', 'x-retries': 0 },
    timeout_ms: 15_000,
    provider_name: 'azure.ai.openai',
  },
  otlp: {
    exporter: 'otlp',
    endpoint: 'http://collector:4317',
    protocol: 'grpc',
    headers: { authorization: 'Bearer t' },
    compression: 'gzip',
    timeout_ms: 3000,
    certificate: '/certs/ca.pem',
    client_key: '/certs/key.pem',
    client_certificate: '/certs/cert.pem',
    insecure: true,
  },
  service: { name: 'support-assistants', bridge_name: 'bridge-eu', resource_attributes: { 'deployment.environment.name': 'prod' } },
  content: { capture: true, max_length: 1000 },
  limits: { attribute_value_length: 4096, attribute_count: 64 },
  watch: {
    runs: ['thread_a/run_1'],
    threads: ['thread_b'],
    rpm: 120,
    state: ':memory:',
    listen: 'off',
    webhook_listen: '0.0.0.0:8443',
    webhook_secret_file: '/run/secrets/openai-webhook-secret',
    exit_when_idle: true,
    all_threads: true,
    since: '2026-11-01T00:00:00Z',
    agent_sessions: ['sess_1'],
    agents: ['agent_1'],
    agent_trace_wait: '2m',
    foundry_agents: ['support-triage', 'research-scout'],
    active_interval_ms: 500,
    max_wait_interval_ms: 30_000,
    discovery_interval_ms: 5000,
    export_batch_size: 100,
    outbox_cap: 5000,
    stop_timeout_ms: 3000,
  },
  log: { level: 'debug', format: 'json' },
  ui: { trace_url: 'http://localhost:16686/trace/{trace_id}' },
};

/** What FULL resolves to, read from the file at `path` (settings that name their source give it). */
const expected = (path: string) => ({
  api: {
    baseURL: 'https://my-resource.services.ai.azure.com/api/projects/p',
    provider: 'azure-foundry',
    apiVersion: 'v1',
    credential: { auth: 'api-key' },
    apiKey: 'azure-secret',
    organization: 'org_1',
    project: 'proj_1',
    defaultQuery: { 'api-version': '2025-05-01' },
    headers: { 'x-ms-client': 'bridge', 'x-retries': '0' },
    timeoutMs: 15_000,
    providerName: 'azure.ai.openai',
  },
  traces: {
    exporter: 'otlp',
    endpoint: 'http://collector:4317/',
    protocol: 'grpc',
    headers: { authorization: 'Bearer t' },
    compression: 'gzip',
    timeoutMs: 3000,
    certificateFile: '/certs/ca.pem',
    clientKeyFile: '/certs/key.pem',
    clientCertificateFile: '/certs/cert.pem',
    insecure: true,
  },
  resource: {
    assistantServiceName: 'support-assistants',
    bridgeServiceName: 'bridge-eu',
    attributes: { 'deployment.environment.name': 'prod' },
  },
  content: { capture: true, maxLength: 1000 },
  limits: { attributeValueLengthLimit: 4096, attributeCountLimit: 64 },
  watch: {
    runs: [{ threadId: 'thread_a', runId: 'run_1' }],
    threads: ['thread_b'],
    rpm: 120,
    statePath: ':memory:',
    listen: null,
    webhookListen: { value: '0.0.0.0:8443', field: 'watch.webhook_listen', source: path },
    webhookSecretFile: { value: '/run/secrets/openai-webhook-secret', field: 'watch.webhook_secret_file', source: path },
    exitWhenIdle: true,
    allThreads: true,
    sinceSeconds: 1793491200,
    activeIntervalMs: 500,
    maxWaitIntervalMs: 30_000,
    discoveryIntervalMs: 5000,
    exportBatchSize: 100,
    outboxCap: 5000,
    stopTimeoutMs: 3000,
  },
  log: { level: 'debug', format: 'json' },
  ui: { traceUrl: 'http://localhost:16686/trace/{trace_id}' },
  sources: {
    agents: { sessions: ['sess_1'], agents: ['agent_1'], traceWaitSeconds: 120 },
    responses: { ...FOUNDRY_AGENTS_DEFAULTS, agents: ['support-triage', 'research-scout'] },
  },
});

const env = { AZURE_KEY: 'azure-secret' };

describe('config file formats', () => {
  it.each(['yaml', 'yml', 'json'] as const)('reads every setting from a .%s file', (ext) => {
    const path = configFile(FULL, ext);
    expect(resolve({ env, configPath: path })).toEqual(expected(path));
  });

  it('reads YAML with comments, flow maps and aliases', () => {
    const path = configFile(
      [
        '# bridge settings',
        'otlp:',
        '  endpoint: http://collector:4318   # generic endpoint',
        '  headers: { authorization: "Bearer abc" }',
        'watch:',
        '  rpm: &rate 30',
        'limits: { attribute_count: *rate }',
      ].join('\n'),
    );
    const config = resolve({ configPath: path });
    expect(config.traces).toMatchObject({ endpoint: 'http://collector:4318/v1/traces', headers: { authorization: 'Bearer abc' } });
    expect([config.watch.rpm, config.limits.attributeCountLimit]).toEqual([30, 30]);
  });

  it.each([
    ['an empty YAML file', '', 'yaml'],
    ['a YAML file of comments', '# nothing here\n', 'yaml'],
    ['an empty JSON object', '{}', 'json'],
  ] as const)('treats %s as no settings', (_label, text, ext) => {
    const config = resolve({ configPath: configFile(text, ext) });
    expect(config.watch).toEqual(DEFAULTS.watch);
    expect(config.api).toEqual(DEFAULTS.api);
  });

  it('reads JSON content in a .yaml file (YAML is a superset)', () => {
    expect(resolve({ configPath: configFile('{"watch": {"rpm": 7}}', 'yaml') }).watch.rpm).toBe(7);
  });

  it('lists every key in config/bridge.example.yaml, each with a valid value once uncommented', () => {
    const example = readFileSync(fileURLToPath(new URL('../../config/bridge.example.yaml', import.meta.url)), 'utf8');
    // Keys commented out show a value to start from: uncommented, the file must still be valid.
    const uncommented = example.replace(/^(\s*)# ([a-z_]+:)/gm, '$1$2');
    // A section whose keys are all commented out parses as null.
    const parsed = parse(uncommented) as Record<string, Record<string, unknown> | null>;
    const listed = Object.entries(parsed).flatMap(([section, keys]) => Object.keys(keys ?? {}).map((key) => `${section}.${key}`));
    expect(listed.sort()).toEqual(configFileKeys().sort());
    expect(() => fileLayer(configFile(uncommented), { OPENAI_API_KEY: 'sk-example', ASSISTANTS_OTEL_BRIDGE_API_TOKEN: 't' })).not.toThrow();
  });

  it('loads the example shipped in config/bridge.example.yaml', () => {
    const example = fileURLToPath(new URL('../../config/bridge.example.yaml', import.meta.url));
    const config = resolve({ configPath: example, env: { OPENAI_API_KEY: 'sk-example' } });
    expect(config.api.apiKey).toBe('sk-example');
    expect(config.traces).toMatchObject({ exporter: 'otlp', endpoint: 'http://localhost:4318/v1/traces', protocol: 'http/protobuf' });
    expect(config.content.capture).toBe(false);
  });
});
