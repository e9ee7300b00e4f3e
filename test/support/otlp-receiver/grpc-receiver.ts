// OTLP/gRPC: TraceService/Export and MetricsService/Export, with the same records and faults as OTLP/HTTP.
// @grpc/grpc-js comes with @opentelemetry/exporter-trace-otlp-grpc; messages stay raw bytes
// in grpc-js and are decoded with the receiver's own protobuf schema.
import * as grpc from '@grpc/grpc-js';
import type { Faults } from './faults.js';
import { type Outcome, ReceiverCore, type ReceiverApi } from './receiver-core.js';
import { grpcCodeFor, statusWithRetryInfo, successReply } from './responses.js';
import type { Signal } from './types.js';

export interface OtlpGrpcReceiverOptions {
  host?: string;
  port?: number;
}

export interface OtlpGrpcReceiver extends ReceiverApi {
  /** http://host:port, what the gRPC exporter's `url` and OTEL_EXPORTER_OTLP_ENDPOINT take. */
  readonly url: string;
  /** host:port */
  readonly address: string;
  readonly port: number;
}

const PATHS: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
};

export async function startOtlpGrpcReceiver(options: OtlpGrpcReceiverOptions = {}): Promise<OtlpGrpcReceiver> {
  const receiver = new GrpcOtlpReceiver(options.host ?? '127.0.0.1');
  await receiver.listen(options.port ?? 0);
  return receiver;
}

function rawUnary(path: string): grpc.MethodDefinition<Buffer, Buffer> {
  const same = (bytes: Buffer): Buffer => bytes;
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: same,
    requestDeserialize: same,
    responseSerialize: same,
    responseDeserialize: same,
  };
}

class GrpcOtlpReceiver extends ReceiverCore implements OtlpGrpcReceiver {
  private server: grpc.Server | null = null;
  private boundPort = 0;

  constructor(private readonly host: string) {
    super('grpc');
  }

  get port(): number {
    return this.boundPort;
  }
  get address(): string {
    return `${this.host}:${this.boundPort}`;
  }
  get url(): string {
    return `http://${this.address}`;
  }

  override setFaults(faults: Faults): void {
    if (faults.reset) throw new Error('the gRPC receiver cannot reset a connection; use status 503 or down()');
    super.setFaults(faults);
  }

  async listen(port: number): Promise<void> {
    const server = new grpc.Server();
    for (const signal of ['traces', 'metrics'] as const) {
      server.addService({ Export: rawUnary(PATHS[signal]) }, { Export: this.handler(signal) });
    }
    this.boundPort = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${this.host}:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      );
    });
    this.server = server;
  }

  async down(): Promise<void> {
    this.server?.forceShutdown();
    this.server = null;
  }

  up(): Promise<void> {
    return this.server ? Promise.resolve() : this.listen(this.boundPort);
  }

  async close(): Promise<void> {
    this.stopDelays();
    await this.down();
  }

  private handler(signal: Signal): grpc.handleUnaryCall<Buffer, Buffer> {
    return (call, callback) => void this.handle(signal, call, callback);
  }

  private async handle(signal: Signal, call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>): Promise<void> {
    const contentType = 'application/grpc';
    const entry = this.recorder.begin({ path: PATHS[signal], signal, contentType, contentEncoding: '', encoding: 'protobuf' });
    let outcome: Outcome;
    try {
      outcome = await this.process(entry, {
        signal,
        encoding: 'protobuf',
        contentType,
        payload: () => call.request,
        clientGone: () => call.cancelled,
      });
    } catch (error) {
      const message = `receiver error: ${(error as Error).message}`;
      this.recorder.finish(entry, { status: 500, error: message, grpcCode: grpc.status.INTERNAL });
      callback(grpcError(500, message));
      return;
    }
    if (outcome.kind === 'ok') callback(null, successReply(signal, 'protobuf', outcome.partial).body);
    else if (outcome.kind === 'refuse') callback(grpcError(outcome.status, outcome.message, outcome.retryAfterSeconds));
    // hang and gone: no answer, as with HTTP.
  }
}

function grpcError(httpStatus: number, message: string, retryAfterSeconds?: number): grpc.ServerErrorResponse {
  const metadata = new grpc.Metadata();
  if (retryAfterSeconds !== undefined) {
    metadata.set('grpc-status-details-bin', statusWithRetryInfo(httpStatus, message, retryAfterSeconds));
  }
  return Object.assign(new Error(message), { code: grpcCodeFor(httpStatus), details: message, metadata });
}
