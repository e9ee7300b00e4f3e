import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { otlpMetricsConfig } from '../../src/metrics/otlp-metrics-config.js';

describe('otlpMetricsConfig', () => {
  it('pushes nothing when no OTLP endpoint is named, though OTEL_METRICS_EXPORTER defaults to otlp', () => {
    expect(otlpMetricsConfig({})).toBeNull();
    expect(otlpMetricsConfig({ OTEL_METRICS_EXPORTER: 'otlp' })).toBeNull();
    // A traces-only endpoint may be Tempo or Jaeger, which take no metrics.
    expect(otlpMetricsConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4318/v1/traces' })).toBeNull();
  });

  it('appends /v1/metrics to the generic endpoint for HTTP, not for gRPC, and takes a signal endpoint as is', () => {
    expect(otlpMetricsConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })?.endpoint).toBe('http://collector:4318/v1/metrics');
    expect(otlpMetricsConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })?.endpoint).toBe(
      'http://collector:4317/',
    );
    expect(
      otlpMetricsConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'https://metrics.example/otlp/v1/metrics',
      })?.endpoint,
    ).toBe('https://metrics.example/otlp/v1/metrics');
  });

  it('reads the metrics-specific variables before the generic ones, with the spec defaults', () => {
    const config = otlpMetricsConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'a=1,b=2',
      OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'b=3,api-key=s%20ecret',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '2500',
      OTEL_METRIC_EXPORT_INTERVAL: '15000',
    });
    expect(config).toEqual({
      endpoint: 'http://collector:4318/v1/metrics',
      protocol: 'http/json',
      headers: { a: '1', b: '3', 'api-key': 's ecret' },
      compression: 'gzip',
      timeoutMs: 2500,
      intervalMs: 15000,
      exportTimeoutMs: 15000,
      insecure: false,
    });
    const defaults = otlpMetricsConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' });
    expect(defaults).toMatchObject({
      protocol: 'http/protobuf',
      intervalMs: 60_000,
      exportTimeoutMs: 30_000,
      timeoutMs: 10_000,
      compression: 'none',
      headers: {},
    });
  });

  it('is off with none, with only prometheus (already served on --listen), and with OTEL_SDK_DISABLED', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' };
    expect(otlpMetricsConfig({ ...endpoint, OTEL_METRICS_EXPORTER: 'none' })).toBeNull();
    expect(otlpMetricsConfig({ ...endpoint, OTEL_METRICS_EXPORTER: 'prometheus' })).toBeNull();
    expect(otlpMetricsConfig({ ...endpoint, OTEL_METRICS_EXPORTER: 'prometheus, otlp' })).not.toBeNull();
    expect(otlpMetricsConfig({ ...endpoint, OTEL_SDK_DISABLED: 'true' })).toBeNull();
  });

  it('names the variable and the field of a bad value', () => {
    const bad = (env: Record<string, string>): string => {
      try {
        otlpMetricsConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', ...env });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error('no error');
    };
    expect(bad({ OTEL_METRICS_EXPORTER: 'console' })).toMatch(
      /^metrics\.exporter: .*otlp, prometheus or none.*\(from OTEL_METRICS_EXPORTER\)$/,
    );
    expect(bad({ OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'thrift' })).toMatch(
      /^metrics\.otlp\.protocol: .*OTEL_EXPORTER_OTLP_METRICS_PROTOCOL/,
    );
    expect(bad({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'collector:4318' })).toMatch(/OTEL_EXPORTER_OTLP_METRICS_ENDPOINT/);
    expect(bad({ OTEL_METRIC_EXPORT_INTERVAL: 'soon' })).toMatch(/^metrics\.export_interval_ms: .*OTEL_METRIC_EXPORT_INTERVAL/);
    // A header value (maybe a credential) is never echoed.
    expect(bad({ OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'Bearer sk-secret' })).not.toMatch(/sk-secret/);
  });
});
