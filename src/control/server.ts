/*
 * The --listen address (default 127.0.0.1:9464; `--listen off` serves nothing).
 *
 * Read-only, open to anyone who reaches the port:
 *   GET    /healthz                  200 {"status":"ok"} while the process runs
 *   GET    /readyz                   200 {"status":"ready"} once the state is open and the first poll
 *                                    succeeded (or nothing is tracked yet); else 503 {"status":"not_ready","reason":"..."}
 *   GET    /metrics                  the metrics module's handler; 404 while there is none
 * Control routes (JSON in and out):
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
import type { StateStore } from '../state/store.js';
import { bearerToken, controlAccess, isLoopbackHostHeader, tokenMatches, type ControlAccess } from './auth.js';
import { HttpError, errorBody, errorReply, sendJson, type Reply } from './http-reply.js';
import { describeListenError, formatAddress, parseListenAddress } from './listen-address.js';
import { handlerFor, matchRoute, type Route } from './router.js';
import { trackingRoutes, type TrackingTarget } from './tracking-routes.js';

export type Readiness = { ready: true } | { ready: false; reason: string };

/** Serves GET /metrics, e.g. the Prometheus exporter's request handler. */
export type MetricsHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface ControlServerOptions {
  /** `HOST:PORT` (port 0: any free port; the bound one is in `address`). */
  listen: string;
  /** Adds and removes tracked runs and threads: the bridge's Watcher. */
  target: TrackingTarget;
  /** Where the tracked runs and threads are listed from. */
  state: StateStore;
  log: Logger;
  /** Bearer token of the control routes, or null. Never logged. */
  token: string | null;
  readiness: () => Readiness;
  metricsHandler?: MetricsHandler;
}

export interface ControlServer {
  /** The bound `host:port`, e.g. `127.0.0.1:9464`. */
  readonly address: string;
  /** `http://` + address. */
  readonly url: string;
  readonly access: ControlAccess;
  setMetricsHandler(handler: MetricsHandler | null): void;
  /** Stops accepting connections and ends open ones; resolves once closed. */
  close(): Promise<void>;
}

/** The address could not be listened on; `message` is one line fit for the user. */
export class ListenError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'ListenError';
  }
}

/** Requests are small and answered from memory: a slow one is a client holding a socket. */
const REQUEST_TIMEOUT_MS = 10_000;
const CLOSE_GRACE_MS = 2_000;

export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const { host, port } = parseListenAddress(options.listen);
  const access = controlAccess(host, options.token);
  let metricsHandler = options.metricsHandler ?? null;
  const routes: Route[] = [
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
          if (!metricsHandler) return { status: 404, body: errorBody('metrics are not served here') };
          await metricsHandler(req, res);
          return null;
        },
      },
    },
    ...trackingRoutes(options.target, options.state, options.log),
  ];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<Reply | null> => {
    const method = req.method ?? 'GET';
    const pathname = new URL(req.url ?? '/', 'http://control.invalid').pathname;
    const match = matchRoute(routes, pathname);
    // A disabled control route looks exactly like one that does not exist.
    if (!match || (match.route.control && access === 'disabled')) throw new HttpError(404, `no route ${method} ${pathname}`);
    if (match.route.control) authorize(req, access, options.token);
    return handlerFor(match.route, method)({ req, res, params: match.params });
  };

  const server = createServer((req, res) => {
    handle(req, res).then(
      (reply) => {
        if (reply) sendJson(req, res, reply);
      },
      (error: unknown) => sendJson(req, res, failureReply(error, options)),
    );
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    throw new ListenError(describeListenError(options.listen, error), { cause: error });
  }
  const bound = server.address() as AddressInfo;
  const address = formatAddress(bound.address, bound.port);
  options.log.info({ address, control: access }, 'control address listening');
  if (access === 'disabled') {
    options.log.warn(
      { address },
      'control routes are disabled: the listen address is not loopback and no control token is set (ASSISTANTS_OTEL_BRIDGE_CONTROL_TOKEN or --control-token-file); /healthz, /readyz and /metrics stay up',
    );
  }

  let closing: Promise<void> | null = null;
  return {
    address,
    url: `http://${address}`,
    access,
    setMetricsHandler: (handler) => {
      metricsHandler = handler;
    },
    close: () => (closing ??= closeServer(server)),
  };
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
  if (options.state.closed) return { status: 503, body: errorBody('the bridge is stopping') };
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
