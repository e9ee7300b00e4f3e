// Dedupe keys and ids of the agents source. A published span is exported once: its key is its
// trace id and span id, so a trace read again adds only spans not yet exported. The synthetic span
// of a turn whose trace never came has ids and a key from the turn id alone.
import { hashHex } from '../../mapping/ids.js';

export const publishedSpanKey = (traceId: string, spanId: string): string => `agents:span:${traceId}:${spanId}`;
export const syntheticSpanKey = (turnId: string): string => `agents:turn:${turnId}`;

export const syntheticTraceId = (turnId: string): string => hashHex(16, 'trace', 'agents.turn', turnId);
export const syntheticSpanId = (turnId: string): string => hashHex(8, 'span', 'agents.turn', turnId);
