// What a receiver got compared with what it should have got, when some re-sending is allowed:
// every expected span at least once with the right content, nothing unexpected, and each
// duplicate traced back to the request that first carried it.
import { expect } from 'vitest';
import type { SpanRecord } from '../../src/core/span-record.js';
import { expectSpanMatches } from './expected-spans.js';
import type { ReceivedRequest, ReceivedSpan } from './otlp-receiver/index.js';

export interface DeliveryAudit {
  expected: number;
  /** Spans received, re-sent ones counted each time. */
  received: number;
  distinct: number;
  /** Spans received more than once. */
  duplicated: number;
  /** Received copies beyond the first. */
  extraCopies: number;
  missing: string[];
  unexpected: string[];
  /** Duplicated span keys by the request that first carried them. */
  duplicatesByFirstRequest: Map<number, string[]>;
}

export const spanKey = (s: { traceId: string; spanId: string }): string => `${s.traceId}/${s.spanId}`;

export function auditDelivery(received: readonly ReceivedSpan[], expected: readonly SpanRecord[]): DeliveryAudit {
  const copies = new Map<string, ReceivedSpan[]>();
  for (const r of received) copies.set(spanKey(r), [...(copies.get(spanKey(r)) ?? []), r]);
  const expectedKeys = new Set(expected.map(spanKey));
  const duplicatesByFirstRequest = new Map<number, string[]>();
  let duplicated = 0;
  let extraCopies = 0;
  for (const [key, list] of copies) {
    if (list.length < 2) continue;
    duplicated += 1;
    extraCopies += list.length - 1;
    const first = list[0]!.requestId;
    duplicatesByFirstRequest.set(first, [...(duplicatesByFirstRequest.get(first) ?? []), key]);
  }
  return {
    expected: expected.length,
    received: received.length,
    distinct: copies.size,
    duplicated,
    extraCopies,
    missing: expected.filter((e) => !copies.has(spanKey(e))).map((e) => `${e.name} ${e.spanId}`),
    unexpected: received.filter((r) => !expectedKeys.has(spanKey(r))).map((r) => `${r.name} ${r.spanId}`),
    duplicatesByFirstRequest,
  };
}

/** Nothing missing, nothing unexpected, every expected span's first copy exactly as mapped, and every later copy identical to it. */
export function expectNothingLost(received: readonly ReceivedSpan[], expected: readonly SpanRecord[]): DeliveryAudit {
  const audit = auditDelivery(received, expected);
  expect(audit.missing, 'spans never received').toEqual([]);
  expect(audit.unexpected, 'spans nobody expected').toEqual([]);
  const byKey = new Map<string, ReceivedSpan[]>();
  for (const r of received) byKey.set(spanKey(r), [...(byKey.get(spanKey(r)) ?? []), r]);
  for (const e of expected) {
    const [first, ...again] = byKey.get(spanKey(e))!;
    expectSpanMatches(first!, e);
    for (const copy of again) expect(content(copy), `re-sent copy of ${e.name} ${e.spanId}`).toEqual(content(first!));
  }
  return audit;
}

/** A span as sent, without what the receiver adds on arrival. */
function content(span: ReceivedSpan): Omit<ReceivedSpan, 'receivedAt' | 'requestId' | 'encoding'> {
  const { receivedAt: _at, requestId: _id, encoding: _enc, ...rest } = span;
  return rest;
}

/** Span keys a request carried (as recorded: a request that was not recorded carried none). */
export function spanKeysOfRequest(received: readonly ReceivedSpan[], requestId: number): string[] {
  return received.filter((s) => s.requestId === requestId).map(spanKey);
}

export function traceRequests(requests: readonly ReceivedRequest[]): ReceivedRequest[] {
  return requests.filter((r) => r.signal === 'traces');
}

/** One line a lead can quote. */
export function outcomeLine(label: string, audit: DeliveryAudit, extra: Record<string, string | number> = {}): string {
  const parts = [
    `expected=${audit.expected}`,
    `received=${audit.received}`,
    `distinct=${audit.distinct}`,
    `duplicated=${audit.duplicated}`,
    `missing=${audit.missing.length}`,
    ...Object.entries(extra).map(([k, v]) => `${k}=${v}`),
  ];
  return `[${label}] ${parts.join(' ')}`;
}
