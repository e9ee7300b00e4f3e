// The grpc-js client and metadata for an OTLP/gRPC endpoint, shared by the trace sink and the
// metrics push: TLS unless the URL is http:// or `insecure` is set, client certificates, gzip.
import { readFileSync } from 'node:fs';
import type { Client, Metadata } from '@grpc/grpc-js';
import { grpcJs } from './grpc-js.js';

export interface GrpcChannelOptions {
  endpoint: string;
  insecure: boolean;
  compression: 'gzip' | 'none';
  /** Never logged: may hold credentials. */
  headers: Record<string, string>;
  certificateFile: string | null;
  clientKeyFile: string | null;
  clientCertificateFile: string | null;
}

export function openGrpcChannel(options: GrpcChannelOptions): { client: Client; metadata: Metadata } {
  const { Client, credentials, Metadata, compressionAlgorithms } = grpcJs();
  const url = new URL(options.endpoint);
  const secure = url.protocol === 'https:' || (!options.insecure && url.protocol !== 'http:');
  const creds = secure
    ? credentials.createSsl(
        options.certificateFile ? readFileSync(options.certificateFile) : null,
        options.clientKeyFile ? readFileSync(options.clientKeyFile) : null,
        options.clientCertificateFile ? readFileSync(options.clientCertificateFile) : null,
      )
    : credentials.createInsecure();
  const client = new Client(`${url.hostname}:${url.port || (secure ? 443 : 4317)}`, creds, {
    ...(options.compression === 'gzip' ? { 'grpc.default_compression_algorithm': compressionAlgorithms.gzip } : {}),
  });
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(options.headers)) metadata.set(k.toLowerCase(), v);
  return { client, metadata };
}
