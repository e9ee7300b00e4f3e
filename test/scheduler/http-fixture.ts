// A tiny HTTP server on 127.0.0.1 for the scheduler tests: records every request it sees and
// lets each test script the answers (statuses, headers, resets, hangs).
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Hit {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Epoch ms when the request arrived. */
  at: number;
  /** The request body, once it has arrived. */
  body: string;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, hit: Hit, hits: readonly Hit[]) => void;

export interface TestServer {
  url: string;
  hits: Hit[];
  close(): Promise<void>;
}

export async function startServer(handler: Handler): Promise<TestServer> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    const hit: Hit = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, at: Date.now(), body: '' };
    hits.push(hit);
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      hit.body += chunk;
    });
    req.on('end', () => handler(req, res, hit, hits));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
