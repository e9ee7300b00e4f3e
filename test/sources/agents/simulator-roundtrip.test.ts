// The simulator's published traces, every turn kind and the hostile ones, read by the agents
// source and compared field by field with what a strict OTLP/JSON receiver decodes from the same
// JSON, and with the simulator's truth of which spans exist, which end and which must be refused.
import { describe, expect, it } from 'vitest';
import { ATTR_BRIDGE_END_UNKNOWN } from '../../../src/semconv/attributes.js';
import { forwardTrace } from '../../../src/sources/agents/forward.js';
import { publishedSpanKey } from '../../../src/sources/agents/keys.js';
import { parseOtlpTrace, type PublishedSpan } from '../../../src/sources/agents/otlp-json.js';
import { spansOfOtlp } from '../../simulator/agents-helpers.js';
import type { ReceivedSpan } from '../../support/otlp-receiver/types.js';
import { CONTENT_ON, forwardInput, LIMITS, plainAttributes, simulatedTurns } from './helpers.js';

const world = simulatedTurns(31, { hostileTraces: true, sessions: 5, backfillTurns: 22, liveSessions: 1, liveTurns: 2 });

/** What the receiver decodes, in the fields a published span record carries. */
function received(span: ReceivedSpan) {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    traceFlags: span.flags & 0xff,
    traceState: span.traceState,
    name: span.name,
    kind: Math.max(span.kind - 1, 0),
    start: span.startTimeUnixNano,
    end: span.endTimeUnixNano === '0' ? null : span.endTimeUnixNano,
    status: span.status,
    attributes: span.attributes,
    droppedAttributesCount: span.droppedAttributesCount,
    events: span.events.map((e) => ({ name: e.name, time: e.timeUnixNano, attributes: e.attributes })),
    links: span.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, traceFlags: l.flags & 0xff, attributes: l.attributes })),
    resource: span.resource,
    scope: span.scope,
  };
}

function mine(span: PublishedSpan) {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parent?.spanId ?? '',
    traceFlags: span.traceFlags,
    traceState: span.traceState ?? '',
    name: span.name,
    kind: span.kind,
    start: span.start,
    end: span.end,
    status: { code: span.status.code, message: span.status.message ?? '' },
    attributes: plainAttributes(span.attributes),
    droppedAttributesCount: span.droppedAttributesCount,
    events: (span.events ?? []).map((e) => ({ name: e.name, time: e.time, attributes: plainAttributes(e.attributes) })),
    links: (span.links ?? []).map((l) => ({
      traceId: l.traceId,
      spanId: l.spanId,
      traceFlags: l.traceFlags,
      attributes: plainAttributes(l.attributes),
    })),
    resource: plainAttributes(span.resource?.attributes ?? {}),
    scope: { name: span.scope?.name ?? '', version: span.scope?.version ?? '' },
  };
}

const published = world.turns.filter((t) => t.parts.length > 0);
const shape = (t: (typeof published)[number]) => t.turn.plan.trace;

describe("the simulator's published traces", () => {
  it('cover every shape the source must read', () => {
    const shapes = new Set(published.map(shape));
    for (const s of ['normal', 'no_end', 'invalid_ids', 'big_values', 'unknown_fields', 'many_spans', 'not_otlp'])
      expect(shapes).toContain(s);
    expect(published.some((t) => t.parts.length === 2)).toBe(true);
  });

  it('read exactly as a strict OTLP/JSON receiver decodes them, every part of every valid trace', () => {
    let compared = 0;
    for (const t of published.filter((p) => !['invalid_ids', 'not_otlp', 'unknown_fields'].includes(shape(p)))) {
      for (const part of t.parts) {
        const parsed = parseOtlpTrace(part.otlp);
        expect(parsed.problems).toEqual([]);
        expect(parsed.spans.map(mine)).toEqual(spansOfOtlp(part.otlp).map(received));
        compared += parsed.spans.length;
      }
    }
    expect(compared).toBeGreaterThan(10_000);
  });

  it('hold exactly the spans of the truth, their parents, and the ends they have, part by part', () => {
    for (const t of published.filter((p) => shape(p) !== 'not_otlp')) {
      const model = world.world.traceModel(t.turn);
      for (const [i, part] of t.parts.entries()) {
        const parsed = parseOtlpTrace(part.otlp);
        const listed = new Map(model.spans.filter((s) => s.part <= i + 1).map((s) => [s.spanId, s]));
        expect(new Set(parsed.spans.map((s) => s.spanId))).toEqual(new Set(listed.keys()));
        expect(parsed.spans).toHaveLength(listed.size);
        for (const span of parsed.spans) {
          const truth = listed.get(span.spanId)!;
          expect(span.parent?.spanId ?? null).toBe(truth.parentSpanId);
          expect(span.name).toBe(truth.name);
          // The first of two parts lists the root span not yet ended.
          const ended = truth.ends && !(model.parts === 2 && i === 0 && span.spanId === model.rootSpanId);
          expect([span.spanId, span.end !== null]).toEqual([span.spanId, ended]);
        }
        const roots = parsed.spans.filter((s) => s.parent === null);
        expect(roots.map((s) => s.spanId)).toEqual([model.rootSpanId]);
      }
    }
  });

  it('refuse the invalid-id spans, count them, and read the unknown fields as the spec says (ignored; an attribute left without a value dropped)', () => {
    for (const t of published.filter((p) => shape(p) === 'invalid_ids')) {
      const part = t.parts.at(-1)!;
      const parsed = parseOtlpTrace(part.otlp);
      const model = world.world.traceModel(t.turn);
      expect(parsed.spans).toHaveLength(model.spans.length);
      const refused = parsed.problems.filter((p) => p.code === 'invalid_span_id' || p.code === 'invalid_trace_id');
      expect(refused.reduce((n, p) => n + p.count, 0)).toBe(model.invalidSpans);
    }
    for (const t of published.filter((p) => shape(p) === 'unknown_fields')) {
      const part = t.parts.at(-1)!;
      const parsed = parseOtlpTrace(part.otlp);
      expect(parsed.problems.map((p) => [p.code, p.count])).toEqual([['unknown_value', 1]]);
      const fromReceiver = spansOfOtlp(part.otlp).map(received);
      // The attribute of an unknown kind reads as the empty value, and an attribute without a value is dropped.
      const root = parsed.spans.find((s) => s.parent === null)!;
      const rootFromReceiver = fromReceiver.find((s) => s.spanId === root.spanId)!;
      expect(rootFromReceiver.attributes['openai.agents.future']).toBeNull();
      delete rootFromReceiver.attributes['openai.agents.future'];
      expect(parsed.spans.map(mine)).toEqual(fromReceiver);
      expect(root.attributes['openai.agents.checksum']).toEqual({ bytes: '3q2+7w==' });
      expect(root.attributes['openai.agents.sampling.ratio']).toEqual({ double: 1 });
      expect(root.attributes['openai.agents.labels']).toEqual({
        kvlist: [
          { key: 'team', value: 'support' },
          { key: 'tier', value: 2 },
        ],
      });
      expect(root.resource?.schemaUrl).toBe('https://opentelemetry.io/schemas/1.37.0');
    }
  });

  it('give nothing for the trace that is not OTLP, and say so', () => {
    for (const t of published.filter((p) => shape(p) === 'not_otlp')) {
      const parsed = parseOtlpTrace(t.parts[0]!.otlp);
      expect(parsed.spans).toEqual([]);
      expect(parsed.problems.length).toBeGreaterThan(0);
      const forwarded = forwardTrace(forwardInput(t.parts[0]!.otlp, { settled: true }));
      expect(forwarded).toMatchObject({ records: [], published: 0 });
    }
  });

  it('forward each span once over the parts, late spans added, open ones held until the turn settles', () => {
    for (const t of published.filter((p) => shape(p) !== 'not_otlp')) {
      const exported = new Set<string>();
      const model = world.world.traceModel(t.turn);
      const session = t.sessionId;
      for (const [i, part] of t.parts.entries()) {
        const last = i === t.parts.length - 1;
        const result = forwardTrace(
          forwardInput(part.otlp, {
            turn: { sessionId: session, turnId: t.turn.id, agentId: 'agent_x' },
            settled: last,
            exported: (key) => exported.has(key),
            content: CONTENT_ON,
            limits: { ...LIMITS, attributeValueLengthLimit: 2_000_000 },
          }),
        );
        for (const r of result.records) {
          expect(exported.has(r.key)).toBe(false);
          exported.add(r.key);
          expect(r.unit).toBe(session);
        }
        if (!last) expect(result.waiting).toBeGreaterThan(0);
        else expect(result.waiting).toBe(0);
      }
      expect([...exported].sort()).toEqual(model.spans.map((s) => publishedSpanKey(model.traceId, s.spanId)).sort());
    }
  });

  it("close a span that never ends at the turn's end (its root span's), marked end_unknown, only when the turn settles", () => {
    const noEnd = published.filter((p) => shape(p) === 'no_end');
    expect(noEnd.length).toBeGreaterThan(0);
    for (const t of noEnd) {
      const model = world.world.traceModel(t.turn);
      const open = model.spans.filter((s) => !s.ends).map((s) => s.spanId);
      expect(open).toHaveLength(1);
      const otlp = t.parts.at(-1)!.otlp;
      const before = forwardTrace(forwardInput(otlp));
      expect(before.waiting).toBe(1);
      expect(before.records.map((r) => r.spanId)).not.toContain(open[0]);
      const rootEnd = before.records.find((r) => r.parent === null)!.end;
      const after = forwardTrace(
        forwardInput(otlp, { settled: true, turnEnd: '1760009999000000000', exported: (k) => before.records.some((r) => r.key === k) }),
      );
      expect(after.records.map((r) => r.spanId)).toEqual(open);
      expect(after.records[0]).toMatchObject({ end: rootEnd, attributes: { [ATTR_BRIDGE_END_UNKNOWN]: true } });
    }
  });
});
