import type { MappingLimits } from '../mapping/limits.js';

export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';
export const OTLP_PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json', 'grpc'];
export type TracesExporterKind = 'otlp' | 'console' | 'none';

/** Which service the bridge talks to: sets the base URL layout, `api-version`, auth header and provider name. */
export type ApiProvider = 'openai' | 'azure-openai' | 'azure-foundry';
export const API_PROVIDERS: readonly ApiProvider[] = ['openai', 'azure-openai', 'azure-foundry'];

/** `api-key`: the key (Bearer for openai, the `api-key` header on Azure); `bearer-env`: a token in a variable; `entra-id`: DefaultAzureCredential. */
export type ApiAuth = 'api-key' | 'bearer-env' | 'entra-id';
export const API_AUTHS: readonly ApiAuth[] = ['api-key', 'bearer-env', 'entra-id'];

/** How requests authenticate when it is not the plain OpenAI key. Token values are never logged. */
export type ApiCredential =
  | { auth: 'api-key' }
  /** A static token read once from `variable` (null when it is not set; the client refuses to start then). */
  | { auth: 'bearer-env'; variable: string; token: string | null }
  | { auth: 'entra-id'; scope: string };

export interface ApiConfig {
  baseURL: string;
  /** Never logged. */
  apiKey: string | null;
  organization: string | null;
  project: string | null;
  defaultQuery: Record<string, string>;
  headers: Record<string, string>;
  timeoutMs: number;
  /** `gen_ai.provider.name` on every span. */
  providerName: string;
  /** Absent: `openai` (the fields below stay absent too, so an OpenAI setup looks as it always did). */
  provider?: ApiProvider;
  /** Sent as the `api-version` query parameter. */
  apiVersion?: string;
  /** Absent: `apiKey` as a bearer token. */
  credential?: ApiCredential;
  /** Which of two base URLs in the environment was taken and why, for a line at start. */
  baseUrlNote?: string;
}

/** What a layer may say about the API beyond the final fields; resolved once all layers are known. */
export interface ApiLayerInputs {
  auth?: ApiAuth;
  /** `source` names where the setting came from, for errors. */
  tokenEnv?: { name: string; source: string };
  tokenScope?: string;
  /** The Azure SDKs' variables, only meaningful once the provider is known. */
  azureEnv?: AzureEnv;
}

export interface AzureEnv {
  apiKey?: string;
  openaiEndpoint?: { name: string; value: string };
  projectEndpoint?: { name: string; value: string };
  openaiApiVersion?: { name: string; value: string };
}

export interface TracesConfig {
  exporter: TracesExporterKind;
  /** The full URL spans are sent to; null when no endpoint was configured anywhere. */
  endpoint: string | null;
  protocol: OtlpProtocol;
  /** Never logged: may hold credentials. */
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  timeoutMs: number;
  certificateFile: string | null;
  clientKeyFile: string | null;
  clientCertificateFile: string | null;
  insecure: boolean;
}

export interface ResourceConfig {
  /** `service.name` of the bridged spans: the assistant service, not the bridge. */
  assistantServiceName: string;
  /** `service.name` of the bridge's own telemetry (OTEL_SERVICE_NAME). */
  bridgeServiceName: string;
  /** From OTEL_RESOURCE_ATTRIBUTES and the config file; apply to both resources. */
  attributes: Record<string, string>;
}

export interface ContentConfig {
  capture: boolean;
  maxLength: number;
}

export interface TrackedRunRef {
  threadId: string;
  runId: string;
}

/** Where the control routes' bearer token comes from. The token itself is never logged. */
export type ControlTokenSource =
  | { from: 'env'; variable: string; value: string }
  /** `field` and `source` name the setting in an error when the file cannot be read. */
  | { from: 'file'; path: string; field: string; source: string };

/** A setting with where it was given: an error about it names the flag or config key and its source. */
export interface SettingGiven<T> {
  value: T;
  field: string;
  source: string;
}

export interface WatchConfig {
  runs: TrackedRunRef[];
  threads: string[];
  rpm: number;
  statePath: string;
  listen: string | null;
  /** Absent: no token (control routes open on loopback, disabled off it). */
  controlToken?: ControlTokenSource;
  /** The webhook routes on an address of their own (`HOST:PORT`) instead of on `listen`; absent: on `listen`. */
  webhookListen?: SettingGiven<string>;
  /** A file of the webhook signing secrets (a path); absent: OPENAI_WEBHOOK_SECRET[_PREVIOUS] from the environment. */
  webhookSecretFile?: SettingGiven<string>;
  exitWhenIdle: boolean;
  /** Discover every thread the service lists (GET /threads), new ones included. */
  allThreads: boolean;
  /** With allThreads: threads created from this Unix time on; null means from the first start. */
  sinceSeconds: number | null;
  activeIntervalMs: number;
  maxWaitIntervalMs: number;
  discoveryIntervalMs: number;
  exportBatchSize: number;
  outboxCap: number;
  /** The whole stop (last exports, last metrics push) fits in this; what is left stays in the outbox. */
  stopTimeoutMs: number;
}

/** Links to a trace UI (`trace-id`). */
export interface UiConfig {
  /** URL template with `{trace_id}`; null: no link. */
  traceUrl: string | null;
}

export interface LogConfig {
  level: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  format: 'auto' | 'json' | 'pretty';
}

export interface BridgeConfig {
  api: ApiConfig;
  traces: TracesConfig;
  resource: ResourceConfig;
  content: ContentConfig;
  limits: MappingLimits;
  watch: WatchConfig;
  log: LogConfig;
  ui: UiConfig;
  /** Each registered source's settings, by source name, as its registration merged them. */
  sources: Readonly<Record<string, unknown>>;
}

/** One source's share (flags, environment, config file): any subset of the fields. */
export interface ConfigLayer {
  api?: Partial<ApiConfig> & ApiLayerInputs;
  /** `endpointBase` is a generic OTLP endpoint: `/v1/traces` is appended for HTTP, not for gRPC. */
  traces?: Partial<TracesConfig> & { endpointBase?: string };
  resource?: Partial<ResourceConfig>;
  content?: Partial<ContentConfig>;
  limits?: Partial<MappingLimits>;
  watch?: Partial<WatchConfig>;
  log?: Partial<LogConfig>;
  ui?: Partial<UiConfig>;
  /** Each source's settings this layer gives, by source name (only what it gives). */
  sources?: Record<string, unknown>;
}
