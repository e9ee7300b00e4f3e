// A real control server over real HTTP, in front of a real Watcher and an in-memory state store
// that poll an in-process simulator; and a raw HTTP client that sets any header (Host included).
import { request } from 'node:http';
import { Watcher } from '../../src/tracking/watcher.js';
import { capturedLog } from '../support/captured-log.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { startControlServer, type ControlServer, type Readiness } from '../../src/control/server.js';
import { ASSISTANTS_SOURCE, assistantsWatch } from '../../src/sources/assistants/registration.js';
import type { AssistantsWatch } from '../../src/sources/assistants/watch.js';
import { openRunLedger, type RunLedger } from '../../src/sources/assistants/run-ledger.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';

export interface Harness {
  sim: RunningSimulator;
  state: RunLedger;
  watcher: Watcher;
  /** The Assistants source at work in the watcher: runs and threads added and removed. */
  assistants: AssistantsWatch;
  server: ControlServer;
  /** Every log line so far, as JSON text. */
  logText: () => string;
  setReadiness: (r: Readiness) => void;
  close: () => Promise<void>;
}

export interface HarnessOptions {
  token?: string | null;
  listen?: string;
  /** Start the watcher's poll loop (default true). */
  poll?: boolean;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  // Frozen clock: runs change only when a test moves time.
  const sim = await startSimulator({ seed: 5, clock: { speed: 0 }, world: { threads: 3, backfillRuns: 6, liveRuns: 0 } });
  const config = resolveConfig({ flags: {}, env: { OPENAI_API_KEY: sim.apiKey, OPENAI_BASE_URL: sim.url } });
  config.watch = { ...config.watch, activeIntervalMs: 50, maxWaitIntervalMs: 200, discoveryIntervalMs: 100 };
  const { log, text: logText } = capturedLog();
  const state = openRunLedger(':memory:');
  const watcher = new Watcher({ config, store: state, sources: [ASSISTANTS_SOURCE], fetch, log, onCommitted: () => undefined });
  const assistants = assistantsWatch(watcher.source('assistants'));
  if (options.poll !== false) watcher.start();
  let readiness: Readiness = { ready: false, reason: 'waiting for the first successful poll of the API' };
  const server = await startControlServer({
    listen: options.listen ?? '127.0.0.1:0',
    routes: ASSISTANTS_SOURCE.controlRoutes?.(assistants, state, log) ?? [],
    state,
    log,
    token: options.token ?? null,
    readiness: () => readiness,
  });
  return {
    sim,
    state,
    watcher,
    assistants,
    server,
    logText,
    setReadiness: (r) => {
      readiness = r;
    },
    close: async () => {
      await server.shutdown();
      await watcher.shutdown();
      void state.shutdown();
      await sim.shutdown();
    },
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
}

export interface CallOptions {
  method?: string;
  /** An object is sent as JSON with content-type application/json; a string as it is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent without content-length (chunked), in these pieces. */
  chunks?: string[];
}

export function call(base: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const url = new URL(path, base);
  const headers: Record<string, string> = { ...options.headers };
  let payload: string | undefined;
  if (options.body !== undefined) {
    payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    if (typeof options.body !== 'string' && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? (options.body === undefined && !options.chunks ? 'GET' : 'POST'), headers, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    // The server may answer and close before it read a refused body: that is its right.
    req.on('error', reject);
    if (options.chunks) {
      for (const c of options.chunks) req.write(c);
      req.end();
    } else req.end(payload);
  });
}

/** The error object of a JSON error answer. */
export function errorOf(answer: Answer): { message: string; field?: string } {
  return (answer.json as { error: { message: string; field?: string } }).error;
}

export async function waitUntil(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
