// Precedence: flags, then environment, then config file, then defaults (README, "Configuration").
import { describe, expect, it } from 'vitest';
import type { WatchFlags } from '../../src/cli/options.js';
import { DEFAULTS } from '../../src/config/defaults.js';
import type { BridgeConfig } from '../../src/config/types.js';
import { resolve, type Env } from './helpers.js';
import { AGENTS_WATCH_DEFAULTS } from '../../src/sources/agents/settings.js';
import { FOUNDRY_AGENTS_DEFAULTS } from '../../src/sources/responses/settings.js';

type Layer = 'flags' | 'env' | 'file';

/** One field as each source spells it, and what the resolved config then holds. */
interface Field {
  name: string;
  read: (c: BridgeConfig) => unknown;
  defaults: unknown;
  flags?: { input: WatchFlags; value: unknown };
  env?: { input: Env; value: unknown };
  file?: { input: Record<string, unknown>; value: unknown };
}

const FIELDS: Field[] = [
  {
    name: 'api.baseURL',
    read: (c) => c.api.baseURL,
    defaults: 'https://api.openai.com/v1',
    flags: { input: { baseUrl: 'https://flag.example/v1' }, value: 'https://flag.example/v1' },
    env: { input: { OPENAI_BASE_URL: 'https://env.example/v1' }, value: 'https://env.example/v1' },
    file: { input: { api: { base_url: 'https://file.example/v1' } }, value: 'https://file.example/v1' },
  },
  {
    name: 'traces.endpoint',
    read: (c) => c.traces.endpoint,
    defaults: null,
    flags: { input: { otlpEndpoint: 'http://flag-collector:4318' }, value: 'http://flag-collector:4318/v1/traces' },
    env: {
      input: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://env-collector:4318/v1/traces' },
      value: 'http://env-collector:4318/v1/traces',
    },
    file: { input: { otlp: { endpoint: 'http://file-collector:4318' } }, value: 'http://file-collector:4318/v1/traces' },
  },
  {
    name: 'traces.protocol',
    read: (c) => c.traces.protocol,
    defaults: 'http/protobuf',
    flags: { input: { otlpProtocol: 'http/json' }, value: 'http/json' },
    env: { input: { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, value: 'grpc' },
    file: { input: { otlp: { protocol: 'http/json' } }, value: 'http/json' },
  },
  {
    name: 'content.capture',
    read: (c) => c.content.capture,
    defaults: false,
    flags: { input: { captureContent: true }, value: true },
    env: { input: { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'false' }, value: false },
    file: { input: { content: { capture: true } }, value: true },
  },
  {
    name: 'content.maxLength',
    read: (c) => c.content.maxLength,
    defaults: 2048,
    flags: { input: { contentMaxLength: '64' }, value: 64 },
    file: { input: { content: { max_length: 512 } }, value: 512 },
  },
  {
    name: 'resource.assistantServiceName',
    read: (c) => c.resource.assistantServiceName,
    defaults: 'openai-assistants',
    flags: { input: { serviceName: 'flag-assistants' }, value: 'flag-assistants' },
    file: { input: { service: { name: 'file-assistants' } }, value: 'file-assistants' },
  },
  {
    name: 'resource.bridgeServiceName',
    read: (c) => c.resource.bridgeServiceName,
    defaults: 'assistants-otel-bridge',
    env: { input: { OTEL_SERVICE_NAME: 'env-bridge' }, value: 'env-bridge' },
    file: { input: { service: { bridge_name: 'file-bridge' } }, value: 'file-bridge' },
  },
  {
    name: 'api.providerName',
    read: (c) => c.api.providerName,
    defaults: 'openai',
    flags: { input: { providerName: 'azure.ai.openai' }, value: 'azure.ai.openai' },
    file: { input: { api: { provider_name: 'compatible' } }, value: 'compatible' },
  },
  {
    name: 'watch.rpm',
    read: (c) => c.watch.rpm,
    defaults: 120,
    flags: { input: { rpm: '600' }, value: 600 },
    file: { input: { watch: { rpm: 30 } }, value: 30 },
  },
  {
    name: 'log.level',
    read: (c) => c.log.level,
    defaults: 'info',
    flags: { input: { logLevel: 'debug' }, value: 'debug' },
    file: { input: { log: { level: 'warn' } }, value: 'warn' },
  },
  {
    name: 'traces.timeoutMs',
    read: (c) => c.traces.timeoutMs,
    defaults: 10_000,
    env: { input: { OTEL_EXPORTER_OTLP_TIMEOUT: '5000' }, value: 5000 },
    file: { input: { otlp: { timeout_ms: 7000 } }, value: 7000 },
  },
  {
    name: 'limits.attributeValueLengthLimit',
    read: (c) => c.limits.attributeValueLengthLimit,
    defaults: 8192,
    env: { input: { OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '300' }, value: 300 },
    file: { input: { limits: { attribute_value_length: 200 } }, value: 200 },
  },
  {
    name: 'traces.compression',
    read: (c) => c.traces.compression,
    defaults: 'none',
    env: { input: { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }, value: 'gzip' },
    file: { input: { otlp: { compression: 'gzip' } }, value: 'gzip' },
  },
];

function resolveWith(field: Field, layers: Layer[]): BridgeConfig {
  return resolve({
    ...(layers.includes('flags') ? { flags: field.flags?.input } : {}),
    ...(layers.includes('env') ? { env: field.env?.input } : {}),
    ...(layers.includes('file') ? { file: field.file?.input } : {}),
  });
}

/** Fields that both layers set, to different values (else the test could not tell who won). */
const settableIn = (high: Layer, low: Layer | 'defaults'): Field[] =>
  FIELDS.filter((f) => {
    const highValue = f[high]?.value;
    const lowValue = low === 'defaults' ? f.defaults : f[low]?.value;
    return f[high] !== undefined && (low === 'defaults' || f[low] !== undefined) && highValue !== lowValue;
  });

describe('defaults', () => {
  it.each(FIELDS)('$name is its default when nothing sets it', (field) => {
    expect(field.read(resolve())).toEqual(field.defaults);
  });

  it('resolves to the defaults, printing spans, when nothing is configured', () => {
    const config = resolve();
    expect(config).toEqual({
      ...DEFAULTS,
      traces: { ...DEFAULTS.traces, exporter: 'console', endpoint: null },
      sources: { agents: AGENTS_WATCH_DEFAULTS, responses: FOUNDRY_AGENTS_DEFAULTS },
    });
  });
});

const PAIRS: [Layer, Layer | 'defaults'][] = [
  ['flags', 'env'],
  ['flags', 'file'],
  ['env', 'file'],
  ['flags', 'defaults'],
  ['env', 'defaults'],
  ['file', 'defaults'],
];

describe.each(PAIRS)('%s over %s', (high, low) => {
  const fields = settableIn(high, low);

  it('has fields to compare', () => {
    expect(fields.length).toBeGreaterThanOrEqual(2);
  });

  it.each(fields)('$name', (field) => {
    const layers: Layer[] = low === 'defaults' ? [high] : [high, low];
    expect(field.read(resolveWith(field, layers))).toEqual(field[high]?.value);
    if (low !== 'defaults') expect(field.read(resolveWith(field, [low]))).toEqual(field[low]?.value);
  });
});

describe('all three layers at once', () => {
  it.each(FIELDS.filter((f) => f.flags && f.env && f.file))('flags win for $name', (field) => {
    expect(field.read(resolveWith(field, ['flags', 'env', 'file']))).toEqual(field.flags?.value);
  });

  it('takes each field from the highest layer that sets it', () => {
    const config = resolve({
      flags: { rpm: '90' },
      env: { OTEL_EXPORTER_OTLP_TIMEOUT: '4000', OPENAI_BASE_URL: 'https://env.example/v1' },
      file: {
        watch: { rpm: 30, listen: '0.0.0.0:9000' },
        otlp: { timeout_ms: 7000, compression: 'gzip' },
        api: { base_url: 'https://file.example/v1' },
      },
    });
    expect(config.watch.rpm).toBe(90);
    expect(config.watch.listen).toBe('0.0.0.0:9000');
    expect(config.traces.timeoutMs).toBe(4000);
    expect(config.traces.compression).toBe('gzip');
    expect(config.api.baseURL).toBe('https://env.example/v1');
    expect(config.watch.statePath).toBe(DEFAULTS.watch.statePath);
  });
});

describe('tracking lists add up across sources', () => {
  it('keeps runs and threads from the file and the flags, once each', () => {
    const config = resolve({
      flags: { run: ['thread_a/run_1', 'thread_b/run_2'], thread: ['thread_x', 'thread_y'] },
      file: { watch: { runs: ['thread_a/run_1', 'thread_c/run_3'], threads: ['thread_y', 'thread_z'] } },
    });
    expect(config.watch.runs).toEqual(
      expect.arrayContaining([
        { threadId: 'thread_a', runId: 'run_1' },
        { threadId: 'thread_b', runId: 'run_2' },
        { threadId: 'thread_c', runId: 'run_3' },
      ]),
    );
    expect(config.watch.runs).toHaveLength(3);
    expect([...config.watch.threads].sort()).toEqual(['thread_x', 'thread_y', 'thread_z']);
  });
});
