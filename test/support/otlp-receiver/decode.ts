// Body bytes to a decoded request, or a BadRequest naming what is wrong with them.
import { gunzipSync, inflateSync } from 'node:zlib';
import type protobuf from 'protobufjs';
import { messageFromJson, parseJsonExact } from './otlp-json.js';
import { decodeToObject, ExportMetricsServiceRequest, ExportTraceServiceRequest } from './proto.js';
import type { Encoding } from './types.js';
import type { WireMetricsRequest, WireTraceRequest } from './wire.js';

export class BadRequest extends Error {}

/** The OTLP encoding a Content-Type announces; null for anything else (the collector answers 415). */
export function encodingOf(contentType: string): Encoding | null {
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase();
  if (mediaType === 'application/x-protobuf') return 'protobuf';
  if (mediaType === 'application/json') return 'json';
  return null;
}

export function decompress(body: Buffer, contentEncoding: string): Buffer {
  const coding = contentEncoding.trim().toLowerCase();
  try {
    if (coding === '' || coding === 'identity') return body;
    if (coding === 'gzip') return gunzipSync(body);
    if (coding === 'deflate') return inflateSync(body);
  } catch (error) {
    throw new BadRequest(`body is not valid ${coding}: ${(error as Error).message}`);
  }
  throw new BadRequest(`unsupported Content-Encoding "${contentEncoding}"`);
}

export function decodeTraceRequest(body: Uint8Array, encoding: Encoding): WireTraceRequest {
  return decodeWith(ExportTraceServiceRequest, body, encoding);
}

export function decodeMetricsRequest(body: Uint8Array, encoding: Encoding): WireMetricsRequest {
  return decodeWith(ExportMetricsServiceRequest, body, encoding);
}

function decodeWith(type: protobuf.Type, body: Uint8Array, encoding: Encoding): Record<string, unknown> {
  try {
    if (encoding === 'protobuf') return decodeToObject(type, body);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    return messageFromJson(type, parseJsonExact(text), '');
  } catch (error) {
    throw new BadRequest(`cannot decode ${encoding} ${type.name}: ${(error as Error).message}`);
  }
}
