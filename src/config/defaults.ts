import type { BridgeConfig } from './types.js';

export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** The longest stop budget accepted (--stop-timeout, watch.stop_timeout_ms). */
export const MAX_STOP_TIMEOUT_MS = 600_000;

export const DEFAULTS: BridgeConfig = {
  api: {
    baseURL: DEFAULT_BASE_URL,
    apiKey: null,
    organization: null,
    project: null,
    defaultQuery: {},
    headers: {},
    timeoutMs: 30_000,
    providerName: 'openai',
  },
  traces: {
    exporter: 'otlp',
    endpoint: null,
    protocol: 'http/protobuf',
    headers: {},
    compression: 'none',
    timeoutMs: 10_000,
    certificateFile: null,
    clientKeyFile: null,
    clientCertificateFile: null,
    insecure: false,
  },
  resource: { assistantServiceName: 'openai-assistants', bridgeServiceName: 'assistants-otel-bridge', attributes: {} },
  content: { capture: false, maxLength: 2048 },
  limits: { attributeValueLengthLimit: 8192, attributeCountLimit: 128 },
  watch: {
    runs: [],
    threads: [],
    rpm: 120,
    statePath: './data/bridge.sqlite',
    listen: '127.0.0.1:9464',
    // controlToken: absent by default (no token). webhookListen, webhookSecretFile: absent (the
    // webhook routes on `listen`, secrets from the environment).
    exitWhenIdle: false,
    allThreads: false,
    sinceSeconds: null,
    activeIntervalMs: 2_000,
    maxWaitIntervalMs: 60_000,
    discoveryIntervalMs: 10_000,
    exportBatchSize: 512,
    outboxCap: 1_000_000,
    // Well inside the 10 s a container runtime or supervisor waits before SIGKILL.
    stopTimeoutMs: 5_000,
  },
  log: { level: 'info', format: 'auto' },
  ui: { traceUrl: null },
  // Filled by resolveConfig from each registered source's defaults.
  sources: {},
};
