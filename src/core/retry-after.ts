// How long a server asks us to wait before retrying: `Retry-After` (RFC 9110), and the
// millisecond `retry-after-ms` the OpenAI SDKs read before it. Each returns null for what it cannot
// read, so one odd header falls through to the next source instead of failing the request.

const NON_NEGATIVE_DECIMAL = /^\d+(?:\.\d+)?$/;

/** `retry-after-ms`: a non-negative number of milliseconds. */
export function parseRetryAfterMs(value: string | null | undefined): number | null {
  const text = value?.trim();
  if (!text || !NON_NEGATIVE_DECIMAL.test(text)) return null;
  return Number(text);
}

/**
 * `Retry-After`: delay-seconds or an HTTP date, in milliseconds from `nowMs`. A date in the past
 * means "now" (0). Decimal seconds are accepted too, since some servers send them.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  const text = value?.trim();
  if (!text) return null;
  if (NON_NEGATIVE_DECIMAL.test(text)) return Number(text) * 1_000;
  // Only something that looks like a date: Date.parse also reads bare numbers such as "-1".
  if (!/[a-z]/i.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}
