import type { MappingLimits } from '../mapping/span-record.js';

export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';
export const OTLP_PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json', 'grpc'];
export type TracesExporterKind = 'otlp' | 'console' | 'none';

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

export interface WatchConfig {
  runs: TrackedRunRef[];
  threads: string[];
  rpm: number;
  statePath: string;
  listen: string | null;
  exitWhenIdle: boolean;
  activeIntervalMs: number;
  maxWaitIntervalMs: number;
  discoveryIntervalMs: number;
  exportBatchSize: number;
  outboxCap: number;
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
}

/** One source's share (flags, environment, config file): any subset of the fields. */
export interface ConfigLayer {
  api?: Partial<ApiConfig>;
  /** `endpointBase` is a generic OTLP endpoint: `/v1/traces` is appended for HTTP, not for gRPC. */
  traces?: Partial<TracesConfig> & { endpointBase?: string };
  resource?: Partial<ResourceConfig>;
  content?: Partial<ContentConfig>;
  limits?: Partial<MappingLimits>;
  watch?: Partial<WatchConfig>;
  log?: Partial<LogConfig>;
}
