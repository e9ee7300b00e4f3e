// OTLP/HTTP: POST /v1/traces and /v1/metrics, protobuf or JSON, optionally gzipped.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decompress, encodingOf } from './decode.js';
import { type Outcome, ReceiverCore, type ReceiverApi } from './receiver-core.js';
import { errorReply, type Reply, successReply } from './responses.js';
import type { Encoding, Signal } from './types.js';

export interface OtlpReceiverOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Keep each request's body (decompressed) in `requests()`, for tests that compare bytes. Default false. */
  keepBodies?: boolean;
}

export interface OtlpReceiver extends ReceiverApi {
  /** Base URL, e.g. http://127.0.0.1:41234: what OTEL_EXPORTER_OTLP_ENDPOINT takes. */
  readonly url: string;
  /** `${url}/v1/traces`. */
  readonly tracesUrl: string;
  readonly metricsUrl: string;
  readonly port: number;
}

const SIGNALS: Record<string, Signal> = { '/v1/traces': 'traces', '/v1/metrics': 'metrics' };

export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const receiver = new HttpOtlpReceiver(options.host ?? '127.0.0.1', options.keepBodies ?? false);
  await receiver.listen(options.port ?? 0);
  return receiver;
}

class HttpOtlpReceiver extends ReceiverCore implements OtlpReceiver {
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private boundPort = 0;

  constructor(
    private readonly host: string,
    keepBodies: boolean,
  ) {
    super('http', keepBodies);
    // Like the collector, never close an idle keep-alive connection: closing one just as an
    // exporter reuses it makes spurious resets that a test would blame on the bridge.
    this.server.keepAliveTimeout = 0;
  }

  get port(): number {
    return this.boundPort;
  }
  get url(): string {
    return `http://${this.host}:${this.boundPort}`;
  }
  get tracesUrl(): string {
    return `${this.url}/v1/traces`;
  }
  get metricsUrl(): string {
    return `${this.url}/v1/metrics`;
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (this.server.address() as AddressInfo).port;
  }

  async down(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  up(): Promise<void> {
    return this.server.listening ? Promise.resolve() : this.listen(this.boundPort);
  }

  async close(): Promise<void> {
    this.stopDelays();
    await this.down();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://receiver').pathname;
    const contentType = req.headers['content-type'] ?? '';
    const contentEncoding = req.headers['content-encoding'] ?? '';
    const encoding = encodingOf(contentType);
    const signal = SIGNALS[path] ?? null;
    const entry = this.recorder.begin({ path, signal, contentType, contentEncoding, encoding });
    let gone = false;
    res.on('close', () => {
      gone = !res.writableFinished;
    });
    const clientGone = (): boolean => gone;
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      this.recorder.finish(entry, { status: null, error: 'the client went away while sending the body' });
      return;
    }
    try {
      if (!signal || req.method !== 'POST') {
        const status = signal ? 405 : 404;
        const message = signal ? `${req.method} is not allowed: POST ${path}` : `no OTLP endpoint at ${path}`;
        this.recorder.finish(entry, { status, error: message });
        send(res, errorReply(status, message, encoding));
        return;
      }
      const outcome = await this.process(entry, {
        signal,
        encoding,
        contentType,
        payload: () => decompress(body, contentEncoding),
        clientGone,
      });
      this.answer(req, res, outcome, signal, encoding);
    } catch (error) {
      // A bug here must show up in the test that hit it, not as a hung client.
      const message = `receiver error: ${(error as Error).message}`;
      this.recorder.finish(entry, { status: 500, error: message });
      if (!res.headersSent && !clientGone()) send(res, errorReply(500, message, encoding));
    }
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse, outcome: Outcome, signal: Signal, encoding: Encoding | null): void {
    switch (outcome.kind) {
      case 'ok':
        // A 200 always comes with a known encoding: the content type was checked.
        send(res, successReply(signal, encoding ?? 'json', outcome.partial));
        return;
      case 'refuse': {
        const headers: Record<string, string> =
          outcome.retryAfterSeconds !== undefined ? { 'retry-after': String(outcome.retryAfterSeconds) } : {};
        send(res, errorReply(outcome.status, outcome.message, encoding), headers);
        return;
      }
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'hang':
      case 'gone':
        // hang: the response stays open until the client gives up or the receiver goes down.
        return;
    }
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, reply: Reply, headers: Record<string, string> = {}): void {
  res.writeHead(reply.status, { 'content-type': reply.contentType, 'content-length': reply.body.length, ...headers });
  res.end(reply.body);
}
