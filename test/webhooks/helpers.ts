// A real webhook intake on its own HTTP server, in front of a real state file, with a handler that
// tracks the announced response as a unit (durably, as a source would); and signed deliveries.
import { randomUUID } from 'node:crypto';
import { capturedLog } from '../support/captured-log.js';
import { signature } from '../../src/simulator/responses/webhooks/signing.js';
import { openStateStore, type StateStore } from '../../src/state/store.js';
import type { StateStoreOptions } from '../../src/state/types.js';
import type { WebhookEvent, WebhookHandler } from '../../src/webhooks/handler.js';
import { WebhookIntake, type WebhookIntakeOptions } from '../../src/webhooks/intake.js';
import { WebhookSecrets } from '../../src/webhooks/secrets.js';
import { WebhookServer } from '../../src/webhooks/server.js';
import { call, type Answer } from '../control/helpers.js';

export const SECRET = `whsec_${Buffer.from('webhook intake test secret, current!').toString('base64')}`;
export const PREVIOUS_SECRET = `whsec_${Buffer.from('webhook intake test secret, previous').toString('base64')}`;
export const OTHER_SECRET = `whsec_${Buffer.from('a secret this bridge was never given').toString('base64')}`;

/** Tracks each `response.*` event's response as a unit of source 'responses'; can be made to fail or to wait. */
export class TrackingHandler implements WebhookHandler {
  readonly route = 'openai';
  /** Every call, in order, failed ones included. */
  readonly calls: { event: WebhookEvent; webhookId: string }[] = [];
  /** Calls that tracked their unit. */
  done = 0;
  /** The next this many calls throw before tracking anything. */
  failNext = 0;
  /** When set, each call waits for it before tracking. */
  gate: Promise<void> | null = null;

  constructor(private readonly store: StateStore) {}

  claims(eventType: string): boolean {
    return eventType.startsWith('response.');
  }

  async accept(event: WebhookEvent, webhookId: string): Promise<void> {
    this.calls.push({ event, webhookId });
    if (this.gate) await this.gate;
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('the state file is busy (test)');
    }
    const { id } = event.data as { id: string };
    this.store.trackUnits('responses', [{ kind: 'response', id, origin: 'webhook' }]);
    this.done += 1;
  }
}

export interface IntakeHarness {
  store: StateStore;
  intake: WebhookIntake;
  server: WebhookServer;
  handler: TrackingHandler;
  logText: () => string;
  close: () => Promise<void>;
}

export async function startIntake(
  options: { statePath?: string; secrets?: string[]; store?: StateStoreOptions; intake?: Partial<WebhookIntakeOptions> } = {},
): Promise<IntakeHarness> {
  const { log, text: logText } = capturedLog();
  const store = openStateStore(options.statePath ?? ':memory:', options.store);
  const intake = new WebhookIntake({
    secrets: new WebhookSecrets(options.secrets ?? [SECRET]),
    ledger: store.webhookLedger,
    log,
    ...options.intake,
  });
  const handler = new TrackingHandler(store);
  intake.register(handler);
  const server = new WebhookServer({ listen: '127.0.0.1:0', intake, log });
  await server.start();
  return {
    store,
    intake,
    server,
    handler,
    logText,
    close: async () => {
      await server.shutdown();
      await intake.shutdown(2_000);
      await store.shutdown();
    },
  };
}

export interface Delivery {
  webhookId?: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  secret?: string;
  /** Overrides the signature header. */
  signatureHeader?: string;
  /** Default: a `response.completed` event for `responseId`. */
  body?: string;
  responseId?: string;
  type?: string;
  path?: string;
  omit?: string[];
}

export function eventBody(type: string, responseId: string, createdAt: number | null = 1_767_000_000): string {
  return JSON.stringify({
    id: `evt_${randomUUID().replaceAll('-', '')}`,
    object: 'event',
    type,
    ...(createdAt === null ? {} : { created_at: createdAt }),
    data: { id: responseId },
  });
}

/** Signs and posts a delivery as a Standard Webhooks sender does, to a server with webhook routes. */
export function deliver(server: { readonly url: string }, d: Delivery = {}): Promise<Answer> {
  const webhookId = d.webhookId ?? `wh_${randomUUID().replaceAll('-', '')}`;
  const timestamp = d.timestamp ?? Math.floor(Date.now() / 1000);
  const body = d.body ?? eventBody(d.type ?? 'response.completed', d.responseId ?? `resp_${randomUUID().slice(0, 8)}`);
  const all: Record<string, string> = {
    'content-type': 'application/json',
    'webhook-id': webhookId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': d.signatureHeader ?? signature(d.secret ?? SECRET, webhookId, timestamp, body),
  };
  const headers = Object.fromEntries(Object.entries(all).filter(([name]) => !(d.omit ?? []).includes(name)));
  return call(server.url, d.path ?? '/v1/webhooks/openai', { method: 'POST', body, headers });
}
