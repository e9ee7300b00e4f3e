// Response bodies as a collector writes them, in the request's own encoding.
import { status as Code } from '@grpc/grpc-js';
import { encodeMessage, ExportMetricsServiceResponse, ExportTraceServiceResponse, RetryInfo, RpcStatus } from './proto.js';
import type { Encoding, Signal } from './types.js';

export interface Reply {
  status: number;
  contentType: string;
  body: Buffer;
}

export interface PartialSuccess {
  rejected: number;
  errorMessage: string;
}

const CONTENT_TYPE: Record<Encoding, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/** google.rpc.Code for an HTTP status, as the collector pairs them. */
export function grpcCodeFor(httpStatus: number): Code {
  const codes: Record<number, Code> = {
    200: Code.OK,
    400: Code.INVALID_ARGUMENT,
    404: Code.UNIMPLEMENTED,
    405: Code.UNIMPLEMENTED,
    413: Code.RESOURCE_EXHAUSTED,
    415: Code.INVALID_ARGUMENT,
    429: Code.RESOURCE_EXHAUSTED,
    500: Code.INTERNAL,
    501: Code.UNIMPLEMENTED,
    502: Code.UNAVAILABLE,
    503: Code.UNAVAILABLE,
    504: Code.DEADLINE_EXCEEDED,
  };
  return codes[httpStatus] ?? Code.UNKNOWN;
}

export function successReply(signal: Signal, encoding: Encoding, partial: PartialSuccess | null): Reply {
  const rejectedField = signal === 'traces' ? 'rejectedSpans' : 'rejectedDataPoints';
  // In JSON, int64 goes out as a decimal string, as the collector writes it.
  const rejected = encoding === 'json' ? String(partial?.rejected) : partial?.rejected;
  const message = partial ? { partialSuccess: { [rejectedField]: rejected, errorMessage: partial.errorMessage } } : {};
  if (encoding === 'json') return { status: 200, contentType: CONTENT_TYPE.json, body: Buffer.from(JSON.stringify(message)) };
  const type = signal === 'traces' ? ExportTraceServiceResponse : ExportMetricsServiceResponse;
  return { status: 200, contentType: CONTENT_TYPE.protobuf, body: encodeMessage(type, message) };
}

/** A google.rpc.Status body; JSON when the request's encoding is unknown. */
export function errorReply(status: number, message: string, encoding: Encoding | null): Reply {
  const rpcStatus = { code: grpcCodeFor(status), message };
  if (encoding === 'protobuf') return { status, contentType: CONTENT_TYPE.protobuf, body: encodeMessage(RpcStatus, rpcStatus) };
  return { status, contentType: CONTENT_TYPE.json, body: Buffer.from(JSON.stringify(rpcStatus)) };
}

/** A google.rpc.Status carrying RetryInfo, for gRPC's `grpc-status-details-bin`. */
export function statusWithRetryInfo(status: number, message: string, retryAfterSeconds: number): Buffer {
  const retryInfo = encodeMessage(RetryInfo, { retryDelay: { seconds: Math.floor(retryAfterSeconds), nanos: 0 } });
  return encodeMessage(RpcStatus, {
    code: grpcCodeFor(status),
    message,
    details: [{ typeUrl: 'type.googleapis.com/google.rpc.RetryInfo', value: retryInfo }],
  });
}
