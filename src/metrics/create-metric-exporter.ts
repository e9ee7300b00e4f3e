// The OTLP push exporter for the configured protocol. Every value is passed explicitly (the
// exporters would otherwise read the environment themselves, with their own precedence), and
// temporality is cumulative: the stored run totals can only be reported that way.
import { OTLPMetricExporter as JsonMetricExporter, AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtobufMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { GrpcMetricExporter, type TlsFiles } from './grpc-metric-exporter.js';
import type { OtlpMetricsConfig } from './otlp-metrics-config.js';

type HttpOptions = NonNullable<ConstructorParameters<typeof ProtobufMetricExporter>[0]>;
type Compression = NonNullable<HttpOptions['compression']>;

export function createMetricExporter(config: OtlpMetricsConfig, tls?: TlsFiles): PushMetricExporter {
  if (config.protocol === 'grpc') return new GrpcMetricExporter(config, tls);
  const options: HttpOptions = {
    url: config.endpoint,
    headers: config.headers,
    timeoutMillis: config.timeoutMs,
    // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- the exporters' CompressionAlgorithm enum is these same strings, and its package (otlp-exporter-base) is not one the bridge depends on directly
    compression: config.compression as Compression,
    temporalityPreference: AggregationTemporalityPreference.CUMULATIVE,
  };
  return config.protocol === 'http/json' ? new JsonMetricExporter(options) : new ProtobufMetricExporter(options);
}
