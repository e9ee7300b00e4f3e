// OTLP/gRPC: one unary call with bytes from the bridge's encoder (the official serializer's
// bytes, see otlp-protobuf.ts), so the status code and the response (partial success) are ours to read.
import type { Client, Metadata, ServiceError } from '@grpc/grpc-js';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { TracesConfig } from '../config/types.js';
import type { SpanRecord } from '../core/span-record.js';
import type { ExportOutcome, SpanRecordExporter } from './export-outcome.js';
import { grpcJs } from './grpc-js.js';
import { openGrpcChannel } from './otlp-grpc-channel.js';
import { decodeTraceResponse, OtlpTraceEncoder } from './otlp-protobuf.js';

const METHOD = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** Retryable per the OTLP spec (RESOURCE_EXHAUSTED only with retry info, which we treat as retryable too). */
function retryableCodes(status: typeof import('@grpc/grpc-js').status): ReadonlySet<number> {
  return new Set<number>([
    status.CANCELLED,
    status.DEADLINE_EXCEEDED,
    status.RESOURCE_EXHAUSTED,
    status.ABORTED,
    status.OUT_OF_RANGE,
    status.UNAVAILABLE,
    status.DATA_LOSS,
  ]);
}

const identity = (b: Buffer): Buffer => b;

export class OtlpGrpcExporter implements SpanRecordExporter {
  readonly target: string;
  private readonly client: Client;
  private readonly metadata: Metadata;
  private readonly encoder: OtlpTraceEncoder;
  private readonly status = grpcJs().status;
  // By number; a code the library does not know has no name.
  private readonly statusNames: Readonly<Record<number, string | undefined>> = this.status;
  private readonly retryable = retryableCodes(this.status);
  private closed = false;

  constructor(
    private readonly config: TracesConfig & { endpoint: string },
    resource: Resource,
    scope: InstrumentationScope,
  ) {
    ({ client: this.client, metadata: this.metadata } = openGrpcChannel(config));
    this.encoder = new OtlpTraceEncoder(resource, scope);
    this.target = `${config.endpoint} (grpc)`;
  }

  export(spans: readonly SpanRecord[]): Promise<ExportOutcome> {
    const payload = this.encoder.encode(spans);
    const body = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    return new Promise((resolve) => {
      this.client.makeUnaryRequest<Buffer, Buffer>(
        METHOD,
        identity,
        identity,
        body,
        this.metadata,
        { deadline: Date.now() + this.config.timeoutMs },
        (error: ServiceError | null, response?: Buffer) => {
          if (error) {
            const reason = `gRPC ${this.statusNames[error.code] ?? error.code}: ${error.details || error.message}`;
            resolve(this.retryable.has(error.code) ? { kind: 'retryable', reason } : { kind: 'refused', reason });
            return;
          }
          try {
            const decoded = decodeTraceResponse(new Uint8Array(response ?? Buffer.alloc(0)));
            const rejected = decoded.partialSuccess?.rejectedSpans ?? 0;
            const message = decoded.partialSuccess?.errorMessage;
            resolve({ kind: 'accepted', rejectedSpans: Number.isFinite(rejected) ? rejected : 0, ...(message ? { message } : {}) });
          } catch {
            resolve({ kind: 'accepted', rejectedSpans: 0 });
          }
        },
      );
    });
  }

  /** The channel connects on the first export. */
  start(): void {}

  shutdown(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.client.close();
    }
    return Promise.resolve();
  }
}
