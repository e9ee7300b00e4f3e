// Standard Webhooks verification of one delivery over its raw body, with the `openai` SDK's
// `webhooks.unwrap`: the timestamp within the tolerance, then an HMAC under one of the secrets.
import type { IncomingHttpHeaders } from 'node:http';
import OpenAI, { InvalidWebhookSignatureError } from 'openai';
import type { WebhookSecrets } from './secrets.js';

/** Standard Webhooks' and the SDK's default: five minutes either way. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export type Verdict =
  | { ok: true; webhookId: string; timestampSeconds: number; payload: unknown }
  /** `stale`: the timestamp is outside the tolerance; `signature`: headers missing or no secret signed it; `malformed`: signed, but not JSON. */
  | { ok: false; failure: 'signature' | 'stale' | 'malformed'; reason: string };

const HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

// The SDK verifies with the secret it is handed; the client is never used for a request, so it is
// given placeholders and reads nothing (no key, no address) from the environment that matters.
let webhooks: OpenAI['webhooks'] | null = null;
function sdkWebhooks(): OpenAI['webhooks'] {
  webhooks ??= new OpenAI({ apiKey: 'unused-webhook-verification-only', baseURL: 'http://webhook-verification.invalid', logLevel: 'off' })
    .webhooks;
  return webhooks;
}

export async function verifyDelivery(
  body: string,
  headers: IncomingHttpHeaders,
  secrets: WebhookSecrets,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): Promise<Verdict> {
  const given: Record<string, string> = {};
  for (const name of HEADERS) {
    const value = headers[name];
    if (typeof value !== 'string' || value === '') return { ok: false, failure: 'signature', reason: `the ${name} header is missing` };
    given[name] = value;
  }
  const webhookId = given['webhook-id'] ?? '';
  const stamp = given['webhook-timestamp'] ?? '';
  if (!/^\d{1,15}$/.test(stamp)) return { ok: false, failure: 'signature', reason: 'the webhook-timestamp header is not Unix seconds' };
  const timestampSeconds = Number(stamp);
  // The SDK checks this too; checked first here to tell a stale delivery from a forged one.
  const skew = Math.floor(Date.now() / 1000) - timestampSeconds;
  if (Math.abs(skew) > toleranceSeconds) {
    return {
      ok: false,
      failure: 'stale',
      reason: `the webhook-timestamp is ${skew > 0 ? `${skew} s old` : `${-skew} s ahead`} (tolerance ${toleranceSeconds} s)`,
    };
  }
  for (const secret of secrets.values()) {
    try {
      const payload: unknown = await sdkWebhooks().unwrap(body, given, secret, toleranceSeconds);
      return { ok: true, webhookId, timestampSeconds, payload };
    } catch (error) {
      if (error instanceof InvalidWebhookSignatureError) continue;
      // unwrap parses only once the signature matched.
      if (error instanceof SyntaxError) return { ok: false, failure: 'malformed', reason: 'the body is not valid JSON' };
      throw error;
    }
  }
  return { ok: false, failure: 'signature', reason: 'the signature does not match the configured webhook secret' };
}
