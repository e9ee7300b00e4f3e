// A server for the webhook routes alone (`--webhook-listen HOST:PORT`): making it reachable from
// the internet exposes neither /metrics nor the control routes. Anything else is 404.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Part } from '../core/lifecycle.js';
import { errorBody, errorReply, HttpError, sendJson, type Reply } from '../control/http-reply.js';
import { closeGracefully, listenOn } from '../control/http-listener.js';
import { handlerFor, matchRoute, type Route } from '../control/router.js';
import type { WebhookIntake } from './intake.js';

export interface WebhookServerOptions {
  /** `HOST:PORT` (port 0: any free port; the bound one is in `address`). */
  listen: string;
  intake: WebhookIntake;
  log: Logger;
  /** How the setting is known, named in a listen failure (default `watch.webhook_listen`). */
  setting?: string;
}

/** Slow senders and slow handlers both fit; the intake answers 503 itself well before this. */
const REQUEST_TIMEOUT_MS = 30_000;
const CLOSE_GRACE_MS = 2_000;

export class WebhookServer implements Part {
  readonly #options: WebhookServerOptions;
  readonly #server: Server;
  #address: string | null = null;
  #starting: Promise<void> | null = null;
  #closing: Promise<void> | null = null;

  constructor(options: WebhookServerOptions) {
    this.#options = options;
    const routes = options.intake.routes;
    this.#server = createServer((req, res) => {
      serve(routes, req, res).then(
        (reply) => sendJson(req, res, reply),
        (error: unknown) => {
          options.log.error({ err: error }, 'webhook request failed');
          sendJson(req, res, { status: 500, body: errorBody('internal error; see the bridge log') });
        },
      );
    });
    this.#server.requestTimeout = REQUEST_TIMEOUT_MS;
    this.#server.headersTimeout = REQUEST_TIMEOUT_MS;
  }

  /** The bound `host:port` once listening. */
  get address(): string {
    if (this.#address === null) throw new Error('the webhook server is not listening');
    return this.#address;
  }

  get url(): string {
    return `http://${this.address}`;
  }

  /** Listens; rejects with a ListenError when the address cannot be listened on. */
  start(): Promise<void> {
    this.#starting ??= (async () => {
      if (this.#closing) return;
      const { listen, log, intake, setting = 'watch.webhook_listen' } = this.#options;
      this.#address = await listenOn(this.#server, listen, setting);
      log.info({ address: this.#address, routes: intake.routeNames.map((r) => `/v1/webhooks/${r}`) }, 'webhook address listening');
    })();
    return this.#starting;
  }

  /** Stops accepting connections; deliveries under way get a short grace, then their connections close. */
  shutdown(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#starting?.catch(() => undefined);
      await closeGracefully(this.#server, CLOSE_GRACE_MS);
    })();
    return this.#closing;
  }
}

async function serve(routes: readonly Route[], req: IncomingMessage, res: ServerResponse): Promise<Reply> {
  const method = req.method ?? 'GET';
  const pathname = new URL(req.url ?? '/', 'http://webhooks.invalid').pathname;
  try {
    const match = matchRoute(routes, pathname);
    if (!match) throw new HttpError(404, `no route ${method} ${pathname}`);
    const reply = await handlerFor(match.route, method)({ req, res, params: match.params });
    return reply ?? { status: 500, body: errorBody('no answer') };
  } catch (error) {
    if (error instanceof HttpError) return errorReply(error);
    throw error;
  }
}
