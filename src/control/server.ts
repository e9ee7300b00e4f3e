/*
 * The --listen address (default 127.0.0.1:9464; `--listen off` serves nothing).
 *
 * Read-only, open to anyone who reaches the port:
 *   GET    /healthz                  200 {"status":"ok"} while the process runs
 *   GET    /readyz                   200 {"status":"ready"} once the state is open and the first poll
 *                                    succeeded (or nothing is tracked yet); else 503 {"status":"not_ready","reason":"..."}
 *   GET    /metrics                  the metrics module's handler; 404 while there is none
 * Control routes (JSON in and out), each source's own (src/sources/<name>/control-routes.ts); the Assistants source's:
 *   POST   /v1/runs                  {"thread_id","run_id"}: 201 newly tracked, 200 already tracked,
 *                                    409 when the run is known on another thread; answers {"run":{...}}
 *   GET    /v1/runs                  {"runs":[{"thread_id","run_id","status","terminal","origin","added_at"}]}
 *   GET    /v1/runs/{run_id}         {"run":{...}}; 404 when not tracked
 *   DELETE /v1/runs/{run_id}         200 {"run_id","removed":true}; 404 when not tracked; 409 when its thread
 *                                    is tracked (the thread's next pass would track it again)
 *   POST   /v1/threads               {"thread_id"}: 201 newly tracked, 200 already tracked; {"thread":{...}}
 *   GET    /v1/threads               {"threads":[{"thread_id","origin","added_at","last_run_id"}]}
 *   GET    /v1/threads/{thread_id}   {"thread":{...}}; 404 when not tracked
 *   DELETE /v1/threads/{thread_id}   200 {"thread_id","removed":true}; 404; runs already found on it stay tracked
 * Changes take effect at once and are kept in the state file, so they survive a restart.
 *
 * Access to the control routes: with a bearer token configured (ASSISTANTS_OTEL_BRIDGE_CONTROL_TOKEN
 * or --control-token-file) every control request needs `Authorization: Bearer <token>` (else 401).
 * Without one, they are open on a loopback address (127.0.0.0/8, ::1, localhost) to requests whose
 * Host header is a loopback name too (else 403: DNS rebinding), and disabled elsewhere (404, one
 * warning at start) while health and metrics stay up.
 *
 * Errors: {"error":{"message":"...","field":"run_id"}} (field when one input is at fault). 400 bad
 * id or body, 401, 403, 404 unknown route, 405 wrong method (with Allow), 409, 413 body over
 * 16 KiB, 415 POST body not JSON, 503 while the bridge stops.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { meaningOf } from '../core/errors.js';
import type { Part } from '../core/lifecycle.js';
import { bearerToken, controlAccess, isLoopbackHostHeader, tokenMatches, type ControlAccess } from './auth.js';
import { HttpError, errorBody, errorReply, sendJson, type Reply } from './http-reply.js';
import { formatAddress, ListenError, parseListenAddress } from './listen-address.js';
import { handlerFor, matchRoute, type Route } from './router.js';

export type Readiness = { ready: true } | { ready: false; reason: string };

/** Serves GET /metrics, e.g. the Prometheus exporter's request handler. */
export type MetricsHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface ControlServerOptions {
  /** `HOST:PORT` (port 0: any free port; the bound one is in `address`). */
  listen: string;
  /** Each source's control routes (its units added, listed and removed). */
  routes: readonly Route[];
  /** The state file: closed once the bridge stops (requests then get 503). */
  state: { readonly closed: boolean };
  log: Logger;
  /** Bearer token of the control routes, or null. Never logged. */
  token: string | null;
  readiness: () => Readiness;
  metricsHandler?: MetricsHandler;
}

/** The address could not be listened on (from `start`). */
export { ListenError };

/** Requests are small and answered from memory: a slow one is a client holding a socket. */
const REQUEST_TIMEOUT_MS = 10_000;
const CLOSE_GRACE_MS = 2_000;

/** The server on the listen address: listening from `start`, closed by `shutdown`. */
export class ControlServer implements Part {
  readonly #options: ControlServerOptions;
  readonly #server: Server;
  readonly #routes: Route[];
  #metricsHandler: MetricsHandler | null;
  #bound: { address: string; access: ControlAccess } | null = null;
  #starting: Promise<void> | null = null;
  #closing: Promise<void> | null = null;

  constructor(options: ControlServerOptions) {
    this.#options = options;
    this.#metricsHandler = options.metricsHandler ?? null;
    this.#routes = [
      { path: /^\/healthz$/, control: false, methods: { GET: () => ({ status: 200, body: { status: 'ok' } }) } },
      {
        path: /^\/readyz$/,
        control: false,
        methods: {
          GET: () => {
            const r = options.readiness();
            return r.ready ? { status: 200, body: { status: 'ready' } } : { status: 503, body: { status: 'not_ready', reason: r.reason } };
          },
        },
      },
      {
        path: /^\/metrics$/,
        control: false,
        methods: {
          GET: async ({ req, res }) => {
            const handler = this.#metricsHandler;
            if (!handler) return { status: 404, body: errorBody('metrics are not served here') };
            await handler(req, res);
            return null;
          },
        },
      },
      ...options.routes,
    ];
    this.#server = createServer((req, res) => {
      this.#handle(req, res).then(
        (reply) => {
          if (reply) sendJson(req, res, reply);
        },
        (error: unknown) => sendJson(req, res, failureReply(error, options)),
      );
    });
    this.#server.requestTimeout = REQUEST_TIMEOUT_MS;
    this.#server.headersTimeout = REQUEST_TIMEOUT_MS;
  }

  /** The bound `host:port`, e.g. `127.0.0.1:9464`, once listening. */
  get address(): string {
    return this.#listening().address;
  }

  /** `http://` + address. */
  get url(): string {
    return `http://${this.address}`;
  }

  get access(): ControlAccess {
    return this.#listening().access;
  }

  setMetricsHandler(handler: MetricsHandler | null): void {
    this.#metricsHandler = handler;
  }

  /** Listens; rejects with a ListenError when the address cannot be listened on. */
  start(): Promise<void> {
    this.#starting ??= this.#listen();
    return this.#starting;
  }

  /** Stops accepting connections and ends open ones (after a short grace for requests under way); resolves once closed. */
  shutdown(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#starting?.catch(() => undefined);
      if (this.#server.listening) await closeServer(this.#server);
    })();
    return this.#closing;
  }

  #listening(): { address: string; access: ControlAccess } {
    if (!this.#bound) throw new Error('the control server is not listening');
    return this.#bound;
  }

  async #listen(): Promise<void> {
    const { listen, token, log } = this.#options;
    const { host, port } = parseListenAddress(listen);
    const access = controlAccess(host, token);
    // Shut down before it was started: it never listens.
    if (this.#closing) return;
    try {
      await new Promise<void>((resolve, reject) => {
        this.#server.once('error', reject);
        this.#server.listen({ host, port }, () => {
          this.#server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      throw new ListenError(listen, error);
    }
    const bound = this.#server.address() as AddressInfo;
    const address = formatAddress(bound.address, bound.port);
    this.#bound = { address, access };
    log.info({ address, control: access }, 'control address listening');
    if (access === 'disabled') {
      log.warn(
        { address },
        'control routes are disabled: the listen address is not loopback and no control token is set (ASSISTANTS_OTEL_BRIDGE_CONTROL_TOKEN or --control-token-file); /healthz, /readyz and /metrics stay up',
      );
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<Reply | null> {
    const access = this.#listening().access;
    const method = req.method ?? 'GET';
    const pathname = new URL(req.url ?? '/', 'http://control.invalid').pathname;
    const match = matchRoute(this.#routes, pathname);
    // A disabled control route looks exactly like one that does not exist.
    if (!match || (match.route.control && access === 'disabled')) throw new HttpError(404, `no route ${method} ${pathname}`);
    if (match.route.control) authorize(req, access, this.#options.token);
    return handlerFor(match.route, method)({ req, res, params: match.params });
  }
}

/** A control server, listening. */
export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const server = new ControlServer(options);
  await server.start();
  return server;
}

function authorize(req: IncomingMessage, access: ControlAccess, token: string | null): void {
  if (access === 'token') {
    const presented = bearerToken(req.headers.authorization);
    if (token === null || presented === null || !tokenMatches(token, presented)) {
      throw new HttpError(401, 'control routes need Authorization: Bearer <token>', undefined, { 'www-authenticate': 'Bearer' });
    }
  } else if (access === 'open' && !isLoopbackHostHeader(req.headers.host)) {
    throw new HttpError(403, 'without a control token, control routes answer only requests addressed to a loopback host name');
  }
}

function failureReply(error: unknown, options: ControlServerOptions): Reply {
  if (error instanceof HttpError) return errorReply(error);
  if (meaningOf(error) === 'shutdown' || options.state.closed) return { status: 503, body: errorBody('the bridge is stopping') };
  options.log.error({ err: error }, 'control request failed');
  return { status: 500, body: errorBody('internal error; see the bridge log') };
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // A client holding a keep-alive request open must not hold up shutdown.
    setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
  });
}
