// OTLP/HTTP (protobuf or JSON) with our own POST, so the response body (partial success) and
// the status code (retryable or not, Retry-After) are seen, which the SDK exporters hide.
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { gzipSync } from 'node:zlib';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { TracesConfig } from '../config/types.js';
import { parseRetryAfter } from '../core/retry-after.js';
import type { SpanRecord } from '../core/span-record.js';
import { describeNetworkError } from '../core/network-error.js';
import { BRIDGE_VERSION } from '../version.js';
import type { ExportOutcome, SpanRecordExporter } from './export-outcome.js';
import { OtlpJsonTraceEncoder } from './otlp-json.js';
import { decodeTraceResponse, OtlpTraceEncoder } from './otlp-protobuf.js';

/** Per the OTLP spec, only these HTTP answers may be retried. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

interface HttpAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export class OtlpHttpExporter implements SpanRecordExporter {
  readonly target: string;
  private readonly json: boolean;
  private readonly tls: { ca?: Buffer; key?: Buffer; cert?: Buffer };
  private readonly encoder: OtlpTraceEncoder | OtlpJsonTraceEncoder;

  constructor(
    private readonly config: TracesConfig & { endpoint: string },
    resource: Resource,
    scope: InstrumentationScope,
  ) {
    this.json = config.protocol === 'http/json';
    this.encoder = this.json ? new OtlpJsonTraceEncoder(resource, scope) : new OtlpTraceEncoder(resource, scope);
    this.target = `${config.endpoint} (${config.protocol})`;
    this.tls = {
      ...(config.certificateFile ? { ca: readFileSync(config.certificateFile) } : {}),
      ...(config.clientKeyFile ? { key: readFileSync(config.clientKeyFile) } : {}),
      ...(config.clientCertificateFile ? { cert: readFileSync(config.clientCertificateFile) } : {}),
    };
  }

  async export(spans: readonly SpanRecord[]): Promise<ExportOutcome> {
    const payload = this.encoder.encode(spans);
    let answer: HttpAnswer;
    try {
      answer = await this.post(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
    } catch (error) {
      return { kind: 'retryable', reason: describeNetworkError(error) };
    }
    return this.interpret(answer);
  }

  private interpret(answer: HttpAnswer): ExportOutcome {
    if (answer.status >= 200 && answer.status < 300) {
      const partial = this.partialSuccess(answer);
      return { kind: 'accepted', rejectedSpans: partial.rejected, ...(partial.message ? { message: partial.message } : {}) };
    }
    const detail = answer.body
      .toString('utf8', 0, Math.min(answer.body.length, 300))
      .replace(/[^\x20-\x7e]+/g, ' ')
      .trim();
    const reason = `HTTP ${answer.status}${detail ? `: ${detail}` : ''}`;
    if (RETRYABLE_STATUS.has(answer.status)) {
      const after = parseRetryAfter(answer.headers['retry-after'], Date.now());
      return { kind: 'retryable', reason, ...(after !== null ? { retryAfterMs: Math.round(after) } : {}) };
    }
    return { kind: 'refused', reason, status: answer.status };
  }

  private partialSuccess(answer: HttpAnswer): { rejected: number; message?: string } {
    if (answer.body.length === 0) return { rejected: 0 };
    try {
      const response = this.json
        ? (JSON.parse(answer.body.toString('utf8')) as { partialSuccess?: { rejectedSpans?: number | string; errorMessage?: string } })
        : decodeTraceResponse(new Uint8Array(answer.body));
      const rejected = Number(response.partialSuccess?.rejectedSpans ?? 0);
      const message = response.partialSuccess?.errorMessage;
      return { rejected: Number.isFinite(rejected) ? rejected : 0, ...(message ? { message } : {}) };
    } catch {
      // A 2xx with a body we cannot read is still an acknowledgement.
      return { rejected: 0 };
    }
  }

  private post(body: Buffer): Promise<HttpAnswer> {
    const url = new URL(this.config.endpoint);
    const gzip = this.config.compression === 'gzip';
    const data = gzip ? gzipSync(body) : body;
    const headers: Record<string, string> = {
      ...this.config.headers,
      'content-type': this.json ? 'application/json' : 'application/x-protobuf',
      'content-length': String(data.length),
      'user-agent': `assistants-otel-bridge/${BRIDGE_VERSION}`,
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { method: 'POST', headers, timeout: this.config.timeoutMs, ...this.tls }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.config.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(data);
    });
  }

  /** A connection per export: nothing to open or close. */
  start(): void {}

  async shutdown(): Promise<void> {}
}
