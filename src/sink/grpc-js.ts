// @grpc/grpc-js takes about 60 ms to load, and only a gRPC exporter uses it: it is required on
// first use, not imported by every command that can export (grpc-js ships CommonJS, so this stays
// synchronous and a bad endpoint still fails when the exporter is built).
import { createRequire } from 'node:module';

type GrpcJs = typeof import('@grpc/grpc-js');

let loaded: GrpcJs | undefined;

export function grpcJs(): GrpcJs {
  loaded ??= createRequire(import.meta.url)('@grpc/grpc-js') as GrpcJs;
  return loaded;
}
