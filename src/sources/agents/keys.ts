// Dedupe keys and ids of the agents source. A published span is exported once: its key is its
// trace id and span id, so a trace read again adds only spans not yet exported. The synthetic span
// of a turn whose trace never came has ids and a key from the turn id alone.
import { hashHex } from '../../mapping/ids.js';

export const publishedSpanKey = (traceId: string, spanId: string): string => `agents:span:${traceId}:${spanId}`;
export const syntheticSpanKey = (turnId: string): string => `agents:turn:${turnId}`;
/**
 * Marks which trace a root turn's published spans are in, committed with them (the span keys name
 * no turn): what `trace-id TURN_ID` reads back from the state file.
 */
export const turnTraceKey = (turnId: string, traceId: string): string => `${turnTracePrefix(turnId)}${traceId}`;
export const turnTracePrefix = (turnId: string): string => `agents:turn-trace:${turnId}:`;

export const syntheticTraceId = (turnId: string): string => hashHex(16, 'trace', 'agents.turn', turnId);
export const syntheticSpanId = (turnId: string): string => hashHex(8, 'span', 'agents.turn', turnId);
