// The responses source's webhook handler (`POST /v1/webhooks/openai`): OpenAI lists no responses,
// it announces the end of each background one. The intake has verified the delivery and keeps
// replays out; this tracks the announced response durably (then the intake answers 2xx), keeps the
// event's `created_at` as the end for a response that gives no `completed_at`, and leaves the rest
// to the response's looks: it is read, traced once, and its unit ends.
import type { Logger } from 'pino';
import { isObj } from '../../mapping/json-values.js';
import type { WebhookEvent, WebhookHandler } from '../../webhooks/handler.js';
import type { ResponsesWatch } from './watch.js';

export const OPENAI_ROUTE = 'openai';

/** The events that announce a response's end (OpenAI sends them for background responses only). */
export const RESPONSE_END_EVENTS: ReadonlySet<string> = new Set([
  'response.completed',
  'response.failed',
  'response.cancelled',
  'response.incomplete',
]);

/** A response id the API's path can carry as it is (what the control routes accept too). */
const RESPONSE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** The announced response's id, or null when the event names none the bridge can look up. */
export function announcedResponseId(data: unknown): string | null {
  const id = isObj(data) ? data.id : undefined;
  return typeof id === 'string' && RESPONSE_ID.test(id) ? id : null;
}

export class ResponseWebhooks implements WebhookHandler {
  readonly route = OPENAI_ROUTE;
  readonly #watch: ResponsesWatch;
  readonly #log: Logger;

  constructor(watch: ResponsesWatch, log: Logger) {
    this.#watch = watch;
    this.#log = log;
  }

  claims(eventType: string): boolean {
    return RESPONSE_END_EVENTS.has(eventType);
  }

  /**
   * Tracks the response (a second delivery of it changes nothing). A verified event naming no
   * usable response is dropped with a warning and answered 2xx: the sender would only send the
   * same bytes again, so a retry can never help.
   */
  accept(event: WebhookEvent, webhookId: string): Promise<void> {
    // A throw (the state file refusing the write) becomes a rejection: the sender retries.
    return Promise.resolve().then(() => this.#take(event, webhookId));
  }

  #take(event: WebhookEvent, webhookId: string): void {
    const responseId = announcedResponseId(event.data);
    if (responseId === null) {
      this.#log.warn({ webhookId, eventType: event.type }, 'a verified webhook names no response id the bridge can look up; dropped');
      return;
    }
    const added = this.#watch.addResponse(responseId, 'webhook', { endSeconds: event.createdAt });
    this.#log.debug({ webhookId, eventType: event.type, responseId, added }, 'response announced by webhook');
  }
}
