// Dedupe key and deterministic IDs of a response's spans, in namespaces apart from other sources':
// the same response always gives the same key, trace and span IDs, so a re-map after a crash is
// an identical duplicate. A response is committed once, when it has finished, its tool spans with it.
import { hashHex } from '../../mapping/ids.js';

export const responseKey = (responseId: string): string => `responses:response:${responseId}`;

export const traceIdForResponse = (responseId: string): string => hashHex(16, 'trace', 'responses.response', responseId);
export const responseSpanId = (responseId: string): string => hashHex(8, 'span', 'responses.response', responseId);
/**
 * An output item's span, by the response and the item's key: its `call_id` where it has one (what
 * an app that ran the call knows, so it can link to this span), else its id, else its position.
 */
export const responseItemSpanId = (responseId: string, itemKey: string): string =>
  hashHex(8, 'span', 'responses.item', responseId, itemKey);
