// Where (and whether) metrics are pushed over OTLP, from the standard environment variables.
//
// OTEL_METRICS_EXPORTER defaults to `otlp` in the OpenTelemetry spec, but the bridge pushes
// metrics only when an OTLP endpoint is named (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT or
// OTEL_EXPORTER_OTLP_ENDPOINT): `GET /metrics` on --listen is always there, and a bridge with no
// collector configured should not log a connection error every interval. `none` turns the push
// off; `prometheus` names what --listen already serves; `console` is not supported for metrics.
// A traces-only endpoint (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is never used for metrics: it may
// be Tempo or Jaeger, which take no metrics.
import { ConfigError } from '../config/config-error.js';
import { OTLP_PROTOCOLS, type OtlpProtocol } from '../config/types.js';
import { parseBool, parseEnum, parseInteger, parseKeyValueList, parseUrl } from '../config/values.js';

type Env = Record<string, string | undefined>;

export interface OtlpMetricsConfig {
  /** Full URL: `/v1/metrics` is already appended for HTTP when it came from the generic endpoint. */
  endpoint: string;
  protocol: OtlpProtocol;
  /** Never logged: may hold credentials. */
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  timeoutMs: number;
  /** OTEL_METRIC_EXPORT_INTERVAL. */
  intervalMs: number;
  /** OTEL_METRIC_EXPORT_TIMEOUT. */
  exportTimeoutMs: number;
  /** gRPC without TLS (http:// endpoints are always plain). */
  insecure: boolean;
}

const DEFAULT_METRIC_EXPORT_INTERVAL_MS = 60_000;
const DEFAULT_METRIC_EXPORT_TIMEOUT_MS = 30_000;
const DEFAULT_OTLP_TIMEOUT_MS = 10_000;

function first(env: Env, ...names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return { name, value };
  }
  return undefined;
}

/** The OTLP metrics push, or null when it is off or no endpoint is named. Throws ConfigError on a bad value. */
export function otlpMetricsConfig(env: Env): OtlpMetricsConfig | null {
  const disabled = first(env, 'OTEL_SDK_DISABLED');
  if (disabled && parseBool(disabled.value, 'metrics.exporter', disabled.name)) return null;

  const kinds = first(env, 'OTEL_METRICS_EXPORTER');
  const list = (kinds?.value ?? 'otlp')
    .split(',')
    .map((k) => k.trim().toLowerCase())
    .filter((k) => k !== '');
  for (const kind of list) {
    if (!['otlp', 'prometheus', 'none'].includes(kind)) {
      throw new ConfigError(
        'metrics.exporter',
        `must be a list of otlp, prometheus or none (got '${kinds?.value ?? ''}'; /metrics on --listen is always served)`,
        kinds?.name ?? 'OTEL_METRICS_EXPORTER',
      );
    }
  }
  if (!list.includes('otlp')) return null;

  const protocolVar = first(env, 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL');
  const protocol = protocolVar ? parseEnum(protocolVar.value, OTLP_PROTOCOLS, 'metrics.otlp.protocol', protocolVar.name) : 'http/protobuf';

  const signal = first(env, 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT');
  const generic = first(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  let endpoint: string;
  if (signal) endpoint = parseUrl(signal.value, 'metrics.otlp.endpoint', signal.name);
  else if (generic) {
    const base = parseUrl(generic.value, 'metrics.otlp.endpoint', generic.name);
    endpoint = protocol === 'grpc' ? base : `${base.replace(/\/+$/, '')}/v1/metrics`;
  } else return null;

  const allHeaders = first(env, 'OTEL_EXPORTER_OTLP_HEADERS');
  const metricHeaders = first(env, 'OTEL_EXPORTER_OTLP_METRICS_HEADERS');
  const headers = {
    ...(allHeaders ? parseKeyValueList(allHeaders.value, 'metrics.otlp.headers', allHeaders.name) : {}),
    ...(metricHeaders ? parseKeyValueList(metricHeaders.value, 'metrics.otlp.headers', metricHeaders.name) : {}),
  };
  const compressionVar = first(env, 'OTEL_EXPORTER_OTLP_METRICS_COMPRESSION', 'OTEL_EXPORTER_OTLP_COMPRESSION');
  const timeoutVar = first(env, 'OTEL_EXPORTER_OTLP_METRICS_TIMEOUT', 'OTEL_EXPORTER_OTLP_TIMEOUT');
  const intervalVar = first(env, 'OTEL_METRIC_EXPORT_INTERVAL');
  const exportTimeoutVar = first(env, 'OTEL_METRIC_EXPORT_TIMEOUT');
  const insecureVar = first(env, 'OTEL_EXPORTER_OTLP_METRICS_INSECURE', 'OTEL_EXPORTER_OTLP_INSECURE');
  const intervalMs = intervalVar
    ? parseInteger(intervalVar.value, 'metrics.export_interval_ms', intervalVar.name, 100)
    : DEFAULT_METRIC_EXPORT_INTERVAL_MS;
  const exportTimeoutMs = exportTimeoutVar
    ? parseInteger(exportTimeoutVar.value, 'metrics.export_timeout_ms', exportTimeoutVar.name, 1)
    : DEFAULT_METRIC_EXPORT_TIMEOUT_MS;
  return {
    endpoint,
    protocol,
    headers,
    compression: compressionVar
      ? parseEnum(compressionVar.value, ['gzip', 'none'] as const, 'metrics.otlp.compression', compressionVar.name)
      : 'none',
    timeoutMs: timeoutVar ? parseInteger(timeoutVar.value, 'metrics.otlp.timeout_ms', timeoutVar.name, 1) : DEFAULT_OTLP_TIMEOUT_MS,
    intervalMs,
    // The SDK requires the export timeout to fit in the interval.
    exportTimeoutMs: Math.min(exportTimeoutMs, intervalMs),
    insecure: insecureVar ? parseBool(insecureVar.value, 'metrics.otlp.insecure', insecureVar.name) : false,
  };
}
