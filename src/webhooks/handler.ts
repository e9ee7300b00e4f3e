// The seam between the webhook intake and a source: a source registers a handler for its route
// and claims the event types it knows; the intake verifies, deduplicates and answers.

/** A verified event as the sender wrote it; `data` is the sender's own payload, unparsed. */
export interface WebhookEvent {
  /** The event's id; the delivery's webhook id when the event has none. */
  id: string;
  type: string;
  /** Unix seconds: the event's `created_at`, else the delivery's signed timestamp. */
  createdAt: number;
  data: unknown;
}

export interface WebhookHandler {
  /** The path segment it serves: 'openai' is `POST /v1/webhooks/openai`. Lowercase letters, digits and dashes. */
  readonly route: string;
  /** Whether the event type is this handler's; an event no handler claims is answered 200 and dropped. */
  claims(eventType: string): boolean;
  /**
   * Resolves once the work the event announces is durably tracked (the answer is 2xx only then);
   * rejects to have the sender retry. Called at most once at a time per webhook id, and not again
   * once it resolved, unless the replay ledger lost the id (it is bounded, and written after this
   * resolves): so it must be harmless to repeat, e.g. tracking an already tracked unit.
   */
  accept(event: WebhookEvent, webhookId: string): Promise<void>;
}

export const ROUTE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The event in a verified payload, or null when it is not one (not an object, or no string `type`). */
export function eventOf(payload: unknown, webhookId: string, timestampSeconds: number): WebhookEvent | null {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
  const fields = payload as Record<string, unknown>;
  const { type, id, created_at: createdAt, data } = fields;
  if (typeof type !== 'string' || type === '') return null;
  return {
    id: typeof id === 'string' && id !== '' ? id : webhookId,
    type,
    createdAt: typeof createdAt === 'number' && Number.isFinite(createdAt) ? createdAt : timestampSeconds,
    data,
  };
}
