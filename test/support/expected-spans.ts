// What the receiver must have got, computed with the bridge's own pure mapping, and the
// comparison of one expected span with one received span, field by field.
import { expect } from 'vitest';
import type { SpanRecord } from '../../src/core/span-record.js';
import type { ReceivedSpan } from './otlp-receiver/index.js';

export function expectSpanMatches(received: ReceivedSpan, expected: SpanRecord): void {
  expect({
    traceId: received.traceId,
    parentSpanId: received.parentSpanId,
    name: received.name,
    kind: received.kind,
    start: received.startTimeUnixNano,
    end: received.endTimeUnixNano,
    status: received.status.code,
    message: received.status.message,
    attributes: received.attributes,
    events: received.events.map((e) => ({ name: e.name, time: e.timeUnixNano, attributes: e.attributes })),
    links: received.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, traceState: l.traceState, attributes: l.attributes })),
  }).toEqual({
    traceId: expected.traceId,
    parentSpanId: expected.parent?.spanId ?? '',
    name: expected.name,
    kind: expected.kind + 1,
    start: expected.start,
    end: expected.end,
    status: expected.status.code,
    message: expected.status.message ?? '',
    attributes: expected.attributes,
    events: (expected.events ?? []).map((e) => ({ name: e.name, time: e.time, attributes: e.attributes })),
    links: (expected.links ?? []).map((l) => ({
      traceId: l.traceId,
      spanId: l.spanId,
      traceState: l.traceState ?? '',
      attributes: l.attributes,
    })),
  });
}

/** Every expected span arrived exactly once, and nothing else did. */
export function expectExactly(received: readonly ReceivedSpan[], expected: readonly SpanRecord[]): void {
  const byId = new Map<string, ReceivedSpan[]>();
  for (const r of received) byId.set(`${r.traceId}/${r.spanId}`, [...(byId.get(`${r.traceId}/${r.spanId}`) ?? []), r]);
  const duplicated = [...byId.entries()].filter(([, list]) => list.length > 1).map(([id]) => id);
  expect(duplicated, 'spans received more than once').toEqual([]);
  const missing = expected.filter((e) => !byId.has(`${e.traceId}/${e.spanId}`)).map((e) => `${e.name} ${e.spanId}`);
  expect(missing, 'spans never received').toEqual([]);
  const expectedIds = new Set(expected.map((e) => `${e.traceId}/${e.spanId}`));
  const unexpected = received.filter((r) => !expectedIds.has(`${r.traceId}/${r.spanId}`)).map((r) => `${r.name} ${r.spanId}`);
  expect(unexpected, 'spans nobody expected').toEqual([]);
  for (const e of expected) expectSpanMatches(byId.get(`${e.traceId}/${e.spanId}`)![0]!, e);
}
