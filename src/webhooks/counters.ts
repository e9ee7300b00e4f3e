// What the intake saw, as plain counts since start: for health metrics and alerts (signature
// failures; no verified webhook for a while when webhooks are expected).

export interface WebhookCounts {
  /** Requests to a webhook route, whatever became of them. */
  received: number;
  /** Deliveries that passed verification (signature and timestamp), whatever became of them then. */
  verified: number;
  /** Deliveries whose work the handler durably tracked (counted once per webhook id). */
  accepted: number;
  /** Verified deliveries already accepted before: answered 200, nothing done. */
  replayed: number;
  /** Verified deliveries no handler claims: answered 200, nothing done. */
  unclaimed: number;
  /** Copies that arrived while the first with their webhook id was still being accepted: answered 409, to retry. */
  inFlightDuplicates: number;
  /** Refused with 400 or 413, nothing done. */
  rejected: {
    /** Missing headers, or no configured secret signed it. */
    badSignature: number;
    /** Timestamp outside the tolerance. */
    stale: number;
    /** Signed, but not JSON or not an event. */
    malformed: number;
    /** Over the body limit (413). */
    tooLarge: number;
  };
  /** Answered 5xx: a handler failed or took too long, or the bridge is stopping; the sender retries. */
  errors: number;
  /** When the last delivery passed verification (epoch ms), null before the first. */
  lastVerifiedAtMs: number | null;
}

export function zeroCounts(): WebhookCounts {
  return {
    received: 0,
    verified: 0,
    accepted: 0,
    replayed: 0,
    unclaimed: 0,
    inFlightDuplicates: 0,
    rejected: { badSignature: 0, stale: 0, malformed: 0, tooLarge: 0 },
    errors: 0,
    lastVerifiedAtMs: null,
  };
}
