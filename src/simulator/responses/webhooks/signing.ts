// Standard Webhooks signatures as OpenAI sends them: `webhook-signature: v1,<base64>` where the
// base64 is HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the secret's
// bytes (a `whsec_` secret is base64 after the prefix, as the SDK's webhooks.unwrap reads it).
import { createHmac, randomBytes } from 'node:crypto';

/** The simulator's documented test secret (like its API key `sk-sim-local`): never a real one. */
export const DEFAULT_WEBHOOK_SECRET = `whsec_${Buffer.from('assistants-otel-bridge simulator key').toString('base64')}`;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Null when the secret is usable; else why not. */
export function checkSecret(secret: string): string | null {
  if (secret === '') return 'secret must not be empty';
  if (!secret.startsWith('whsec_')) return null;
  const encoded = secret.slice('whsec_'.length);
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0) return "a 'whsec_' secret must be base64 after the prefix";
  const bytes = Buffer.from(encoded, 'base64').length;
  return bytes >= 24 && bytes <= 64 ? null : `a 'whsec_' secret must hold 24 to 64 bytes (got ${bytes})`;
}

function keyOf(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
}

export function signature(secret: string, webhookId: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', keyOf(secret)).update(`${webhookId}.${timestamp}.${body}`).digest('base64')}`;
}

/** A well-formed signature under a key nobody holds. */
export function forgedSignature(webhookId: string, timestamp: number, body: string): string {
  return signature(`whsec_${randomBytes(32).toString('base64')}`, webhookId, timestamp, body);
}
