// Deterministic IDs for a response's spans, in a namespace apart from runs': the same response
// always gives the same trace and span IDs, so a re-map after a crash is an identical duplicate.
import { hashHex } from '../../mapping/ids.js';

export const traceIdForResponse = (responseId: string): string => hashHex(16, 'trace', 'response', responseId);
export const responseSpanId = (responseId: string): string => hashHex(8, 'span', 'response', responseId);
/**
 * An output item's span, by the response and the item's key: its `call_id` where it has one (what
 * an app that ran the call knows, so it can link to this span), else its id, else its position.
 */
export const responseItemSpanId = (responseId: string, itemKey: string): string => hashHex(8, 'span', 'response_item', responseId, itemKey);
