/*
 * The webhook intake: `POST /v1/webhooks/{route}` for every route a source registered a handler
 * for. Nothing is done for a delivery that fails verification, and nothing twice:
 *
 *   413  body over the limit (1 MiB by default)
 *   400  headers missing, no configured secret signed it, timestamp outside the tolerance, or
 *        signed but not a JSON event
 *   200  {"status":"accepted"}  the handler durably tracked the announced work
 *   200  {"status":"replayed"}  this webhook id was accepted before
 *   200  {"status":"ignored"}   no handler claims the event type
 *   409  a copy with this webhook id is still being accepted (Retry-After); the sender retries
 *   500  the handler failed; 503 it took too long or the bridge is stopping (Retry-After)
 *   404  no handler for the route
 *
 * The signature is the route's only authentication: it is not a control route.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { meaningOf } from '../core/errors.js';
import { within, type Part } from '../core/lifecycle.js';
import { errorBody, errorReply, HttpError, type Reply } from '../control/http-reply.js';
import { readBody } from '../control/json-body.js';
import type { Route } from '../control/router.js';
import { zeroCounts, type WebhookCounts } from './counters.js';
import { eventOf, ROUTE_NAME, type WebhookEvent, type WebhookHandler } from './handler.js';
import type { WebhookSecrets } from './secrets.js';
import { DEFAULT_TOLERANCE_SECONDS, verifyDelivery } from './verify.js';

/** The ids of deliveries already accepted: the state store's webhook ledger. */
export interface ReplayLedger {
  seen(key: string): boolean;
  record(key: string, atMs: number): void;
}

export interface WebhookIntakeOptions {
  secrets: WebhookSecrets;
  ledger: ReplayLedger;
  log: Logger;
  /** Seconds a delivery's timestamp may be off the clock (default 300). */
  toleranceSeconds?: number;
  bodyLimitBytes?: number;
  /** Longer than this, a handler's accept is answered 503 (it goes on; a retry then finds it done). */
  acceptTimeoutMs?: number;
  now?: () => number;
}

export const WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;
/** Senders wait some seconds for an answer (OpenAI: a few); answer before they give up. */
export const DEFAULT_ACCEPT_TIMEOUT_MS = 10_000;
const RETRY_AFTER_SECONDS = '5';
/** A flood of forged deliveries is a line this often, with the count, not a line each. */
const REJECTION_LOG_EVERY_MS = 60_000;

const answer = (status: string): Reply => ({ status: 200, body: { status } });
const retryLater = (status: number, message: string): Reply => ({
  status,
  body: errorBody(message),
  headers: { 'retry-after': RETRY_AFTER_SECONDS },
});

/** A Part: its shutdown refuses new deliveries and waits for those under way, so stop it before the state store. */
export class WebhookIntake implements Part {
  /** The one route serving every registered handler; mount it on a server (`control: false`). */
  readonly routes: readonly Route[];
  readonly #options: WebhookIntakeOptions;
  readonly #now: () => number;
  readonly #handlers: WebhookHandler[] = [];
  /** Acceptances under way, by ledger key. */
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #counts: WebhookCounts = zeroCounts();
  #rejectionsUnlogged = 0;
  #rejectionLoggedAt = Number.NEGATIVE_INFINITY;
  #stopping = false;

  constructor(options: WebhookIntakeOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.routes = [
      { path: /^\/v1\/webhooks\/([^/]+)$/, control: false, methods: { POST: ({ req, params }) => this.#deliver(req, params[0] ?? '') } },
    ];
  }

  /** Adds a source's handler; handlers of one route are asked in the order registered. */
  register(handler: WebhookHandler): void {
    if (!ROUTE_NAME.test(handler.route))
      throw new RangeError(`webhook route '${handler.route}' must be lowercase letters, digits and dashes`);
    this.#handlers.push(handler);
  }

  /** The routes handlers were registered for, e.g. ['openai']. */
  get routeNames(): string[] {
    return [...new Set(this.#handlers.map((h) => h.route))];
  }

  /** A copy of the counts since start. */
  counts(): WebhookCounts {
    return { ...this.#counts, rejected: { ...this.#counts.rejected } };
  }

  /** Serves from construction: nothing to start. */
  start(): void {}

  /** New deliveries are answered 503 from now on; resolves once the acceptances under way settled (or `budgetMs` passed). */
  async shutdown(budgetMs?: number): Promise<void> {
    this.#stopping = true;
    await within(Promise.allSettled([...this.#inFlight.values()]), budgetMs ?? Number.POSITIVE_INFINITY);
  }

  async #deliver(req: IncomingMessage, route: string): Promise<Reply> {
    const handlers = this.#handlers.filter((h) => h.route === route);
    if (handlers.length === 0) return errorReply(new HttpError(404, `no webhook route ${route}`));
    const counts = this.#counts;
    counts.received += 1;
    if (this.#stopping) return this.#failed(retryLater(503, 'the bridge is stopping'));
    const { secrets, toleranceSeconds = DEFAULT_TOLERANCE_SECONDS, bodyLimitBytes = WEBHOOK_BODY_LIMIT_BYTES } = this.#options;
    let body: string;
    try {
      body = (await readBody(req, bodyLimitBytes)).toString('utf8');
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      counts.rejected.tooLarge += 1;
      return errorReply(error);
    }
    const verdict = await verifyDelivery(body, req.headers, secrets, toleranceSeconds);
    if (!verdict.ok) {
      counts.rejected[verdict.failure === 'signature' ? 'badSignature' : verdict.failure] += 1;
      this.#logRejection(route, verdict.reason, req.headers['webhook-id']);
      return errorReply(new HttpError(400, verdict.reason));
    }
    counts.verified += 1;
    counts.lastVerifiedAtMs = this.#now();
    const { webhookId } = verdict;
    const event = eventOf(verdict.payload, webhookId, verdict.timestampSeconds);
    if (!event) {
      counts.rejected.malformed += 1;
      return errorReply(new HttpError(400, 'the body is not a webhook event (a JSON object with a string "type")'));
    }
    // From here to taking its place in #inFlight nothing awaits: two copies cannot both pass.
    const key = `${route}:${webhookId}`;
    if (this.#inFlight.has(key)) {
      counts.inFlightDuplicates += 1;
      return retryLater(409, `webhook ${webhookId} is being accepted; retry`);
    }
    let handler: WebhookHandler | undefined;
    try {
      if (this.#options.ledger.seen(key)) {
        counts.replayed += 1;
        return answer('replayed');
      }
      handler = handlers.find((h) => h.claims(event.type));
    } catch (error) {
      return this.#failed(this.#errorReply(error, route, webhookId, event));
    }
    if (!handler) {
      counts.unclaimed += 1;
      return answer('ignored');
    }
    return this.#accept(handler, event, route, webhookId, key);
  }

  async #accept(handler: WebhookHandler, event: WebhookEvent, route: string, webhookId: string, key: string): Promise<Reply> {
    const work = (async () => {
      await handler.accept(event, webhookId);
      this.#options.ledger.record(key, this.#now());
      this.#counts.accepted += 1;
    })();
    this.#inFlight.set(key, work);
    const settled = work.then(
      () => 'done' as const,
      (error: unknown) => ({ error }),
    );
    void settled.then(() => this.#inFlight.delete(key));
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = this.#options.acceptTimeoutMs ?? DEFAULT_ACCEPT_TIMEOUT_MS;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
    const outcome = await Promise.race([settled, late]);
    clearTimeout(timer);
    if (outcome === 'done') return answer('accepted');
    if (outcome === 'late') {
      this.#options.log.warn(
        { route, webhookId, eventType: event.type, eventId: event.id, timeoutMs },
        'webhook not yet accepted in time; answered 503 so the sender retries (the acceptance goes on)',
      );
      void settled.then((late) => {
        if (late !== 'done') this.#errorReply(late.error, route, webhookId, event);
      });
      return this.#failed(retryLater(503, 'the webhook is still being accepted; retry'));
    }
    return this.#failed(this.#errorReply(outcome.error, route, webhookId, event));
  }

  #failed(reply: Reply): Reply {
    this.#counts.errors += 1;
    return reply;
  }

  /** The answer to a failure of ours, logged: the sender retries. */
  #errorReply(error: unknown, route: string, webhookId: string, event: WebhookEvent): Reply {
    if (meaningOf(error) === 'shutdown') return retryLater(503, 'the bridge is stopping');
    this.#options.log.error(
      { route, webhookId, eventType: event.type, eventId: event.id, err: error },
      'webhook not accepted; the sender will retry',
    );
    return { status: 500, body: errorBody('the webhook could not be accepted; see the bridge log') };
  }

  #logRejection(route: string, reason: string, webhookId: string | string[] | undefined): void {
    this.#rejectionsUnlogged += 1;
    const now = this.#now();
    if (now - this.#rejectionLoggedAt < REJECTION_LOG_EVERY_MS) return;
    this.#options.log.warn(
      { route, webhookId: typeof webhookId === 'string' ? webhookId : undefined, rejected: this.#rejectionsUnlogged },
      `webhook refused (400): ${reason}; check the webhook secret (further refusals are logged at most once a minute)`,
    );
    this.#rejectionLoggedAt = now;
    this.#rejectionsUnlogged = 0;
  }
}
