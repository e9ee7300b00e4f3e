// OTLP/gRPC for metrics: one unary call carrying the official serializer's bytes, over the
// grpc-js client the trace sink already uses (there is no 0.301 gRPC metrics exporter here).
// A failed export is dropped: the next one carries the same cumulative totals.
import type { Client, Metadata, ServiceError } from '@grpc/grpc-js';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { AggregationTemporality, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { grpcJs } from '../sink/grpc-js.js';
import { openGrpcChannel } from '../sink/otlp-grpc-channel.js';
import type { OtlpMetricsConfig } from './otlp-metrics-config.js';

const METHOD = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
const identity = (b: Buffer): Buffer => b;

export interface TlsFiles {
  certificateFile: string | null;
  clientKeyFile: string | null;
  clientCertificateFile: string | null;
}

export class GrpcMetricExporter implements PushMetricExporter {
  private readonly client: Client;
  private readonly metadata: Metadata;
  private readonly timeoutMs: number;
  private closed = false;

  constructor(config: OtlpMetricsConfig, tls: TlsFiles = { certificateFile: null, clientKeyFile: null, clientCertificateFile: null }) {
    ({ client: this.client, metadata: this.metadata } = openGrpcChannel({ ...config, ...tls }));
    this.timeoutMs = config.timeoutMs;
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    const payload = ProtobufMetricsSerializer.serializeRequest(metrics);
    if (!payload) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('the metrics could not be serialized') });
      return;
    }
    this.client.makeUnaryRequest<Buffer, Buffer>(
      METHOD,
      identity,
      identity,
      Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
      this.metadata,
      { deadline: Date.now() + this.timeoutMs },
      (error: ServiceError | null) => {
        // By number; a code the library does not know has no name.
        const statusNames: Readonly<Record<number, string | undefined>> = grpcJs().status;
        if (error)
          resultCallback({
            code: ExportResultCode.FAILED,
            error: new Error(`gRPC ${statusNames[error.code] ?? error.code}: ${error.details || error.message}`),
          });
        else resultCallback({ code: ExportResultCode.SUCCESS });
      },
    );
  }

  /** The stored totals are cumulative; so is everything else, whatever the environment prefers. */
  selectAggregationTemporality(): AggregationTemporality {
    return AggregationTemporality.CUMULATIVE;
  }

  async forceFlush(): Promise<void> {}

  shutdown(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.client.close();
    }
    return Promise.resolve();
  }
}
