// Hostile published traces, forwarded: invalid ids, 1 MB values, unknown fields, spans that never
// end, 10,000 spans, JSON that is not OTLP. Known parts go out exact; the rest is counted.
import { describe, expect, it } from 'vitest';
import { ATTR_BRIDGE_END_UNKNOWN } from '../../../src/semconv/attributes.js';
import { forwardTrace } from '../../../src/sources/agents/forward.js';
import { BIG_VALUE_LENGTH } from '../../../src/simulator/agents/traces.js';
import { CHILD_ID, CONTENT_ON, forwardInput, LIMITS, otlpSpan, request, ROOT_ID, rootSpan, simulatedTurns, TRACE_ID } from './helpers.js';

const str = (stringValue: string) => ({ stringValue });
const MB = 'm'.repeat(1 << 20);

describe('hostile traces', () => {
  it('invalid ids: the spans are refused and counted, the rest forwarded exact', () => {
    const otlp = request([
      rootSpan(),
      otlpSpan({ spanId: 'zz-not-a-span-id' }),
      otlpSpan({ traceId: 'abc123', spanId: 'aaaaaaaaaaaaaaaa' }),
      otlpSpan({ spanId: '0000000000000000' }),
      otlpSpan({ spanId: 'aaaaaaaaaaaaaaab', parentSpanId: 'xyz' }),
      otlpSpan(),
    ]);
    const result = forwardTrace(forwardInput(otlp));
    expect(result.records.map((r) => r.spanId)).toEqual([ROOT_ID, CHILD_ID]);
    expect(result.records[1]).toMatchObject({
      traceId: TRACE_ID,
      start: '1760000000123456789',
      end: '1760000001987654321',
      name: 'chat gpt-5.1',
    });
    expect(result.problems.reduce((n, p) => n + p.count, 0)).toBe(4);
  });

  it('1 MB values: cut to the length limit in attributes and events, or removed as content with capture off', () => {
    const otlp = request([
      otlpSpan({
        attributes: [
          { key: 'gen_ai.tool.call.result', value: str(MB) },
          { key: 'app.blob', value: str(MB) },
          { key: 'app.list', value: { arrayValue: { values: [str(MB), { kvlistValue: { values: [{ key: 'k', value: str(MB) }] } }] } } },
        ],
        events: [
          {
            name: 'openai.agents.context.snapshot',
            timeUnixNano: '1760000000200000000',
            attributes: [{ key: 'openai.agents.context', value: str(MB) }],
          },
        ],
      }),
    ]);
    const off = forwardTrace(forwardInput(otlp)).records[0]!;
    const cut = 'm'.repeat(LIMITS.attributeValueLengthLimit);
    expect(off.attributes).toEqual({ 'app.blob': cut, 'app.list': [cut, { kvlist: [{ key: 'k', value: cut }] }] });
    expect(off.events?.[0]?.attributes).toEqual({ 'openai.agents.context': cut });
    const on = forwardTrace(forwardInput(otlp, { content: { capture: true, maxLength: 100 } })).records[0]!;
    expect(on.attributes['gen_ai.tool.call.result']).toBe('m'.repeat(100));
    expect(JSON.stringify(on).length).toBeLessThan(5 * LIMITS.attributeValueLengthLimit);
  });

  it('unknown fields everywhere are ignored; an attribute whose value is of an unknown kind is dropped, counted', () => {
    const otlp = {
      futureTopLevelField: 'ignored',
      resourceSpans: [
        {
          futureResourceField: { kept: false },
          resource: { attributes: [{ key: 'service.name', value: str('openai-agents') }], futureField: 1 },
          scopeSpans: [
            {
              futureScopeField: 1,
              scope: { name: 'openai.agents', version: '1.0.0', futureField: [] },
              spans: [
                rootSpan({
                  futureSpanField: 'ignored',
                  attributes: [
                    { key: 'openai.agents.future', value: { futureValue: { x: 1 } } },
                    { key: 'known', value: str('x'), futureKeyValueField: true },
                  ],
                  events: [{ name: 'e', timeUnixNano: '1760000000500000000', attributes: [], futureEventField: true }],
                  links: [{ traceId: TRACE_ID, spanId: CHILD_ID, flags: 0x101, attributes: [], futureLinkField: [] }],
                  status: { code: 0, futureStatusField: 1 },
                }),
              ],
            },
          ],
        },
      ],
    };
    const result = forwardTrace(forwardInput(otlp));
    expect(result.problems.map((p) => [p.code, p.count])).toEqual([['unknown_value', 1]]);
    const [root] = result.records;
    expect(root?.attributes).toMatchObject({ known: 'x' });
    expect(root?.attributes).not.toHaveProperty('openai.agents.future');
    expect(root?.events).toEqual([{ name: 'e', time: '1760000000500000000', attributes: {} }]);
    expect(root?.links).toEqual([{ traceId: TRACE_ID, spanId: CHILD_ID, traceFlags: 1, attributes: {} }]);
    expect(root?.scope).toEqual({ name: 'openai.agents', version: '1.0.0' });
  });

  it('spans that never end: held while the turn runs on, then out with the turn end, marked', () => {
    const otlp = request([rootSpan({ endTimeUnixNano: undefined }), otlpSpan({ endTimeUnixNano: undefined })]);
    expect(forwardTrace(forwardInput(otlp))).toMatchObject({ records: [], waiting: 2, published: 2 });
    const settled = forwardTrace(forwardInput(otlp, { settled: true, turnEnd: '1760000130000000000' }));
    expect(settled.records.map((r) => [r.end, r.attributes[ATTR_BRIDGE_END_UNKNOWN]])).toEqual([
      ['1760000130000000000', true],
      ['1760000130000000000', true],
    ]);
  });

  it('a trace of 10,000 spans: every one forwarded once, exact', () => {
    const spans = Array.from({ length: 10_000 }, (_, i) =>
      i === 0
        ? rootSpan()
        : otlpSpan({
            spanId: (i + 1).toString(16).padStart(16, '0'),
            startTimeUnixNano: `17600000001${String(i).padStart(8, '0')}`,
            name: `span ${String(i)}`,
          }),
    );
    const result = forwardTrace(forwardInput(request(spans)));
    expect(result.records).toHaveLength(10_000);
    expect(new Set(result.records.map((r) => r.key)).size).toBe(10_000);
    expect(result.records[9_999]).toMatchObject({
      spanId: '0000000000002710',
      name: 'span 9999',
      start: '1760000000100009999',
      parent: { spanId: ROOT_ID },
    });
    expect(result.problems).toEqual([]);
  });

  it('JSON that is not OTLP: nothing forwarded, never a throw, and it says so', () => {
    const notOtlp = {
      resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 42, spanId: true, name: ['chat'], startTimeUnixNano: 'yesterday' }] }] }],
      format: 'zipkin-v2',
    };
    for (const otlp of [notOtlp, [{ traceId: TRACE_ID }], 'OTLP', 17, null, { data: [] }]) {
      const result = forwardTrace(forwardInput(otlp, { settled: true }));
      expect(result.records).toEqual([]);
      expect(result.published).toBe(0);
    }
    expect(forwardTrace(forwardInput(notOtlp)).problems.map((p) => p.code)).toEqual(['invalid_trace_id']);
    expect(forwardTrace(forwardInput('OTLP')).problems.map((p) => p.code)).toEqual(['not_otlp']);
  });
});

describe("the simulator's hostile traces, forwarded", () => {
  const { world, turns } = simulatedTurns(47, { hostileTraces: true, sessions: 4, backfillTurns: 20, liveSessions: 0, liveTurns: 0 });
  const ofShape = (shape: string) => turns.filter((t) => t.turn.plan.trace === shape && t.parts.length > 0);

  it('big values: the 1 MiB tool result and event attribute go out cut to the limit (capture on)', () => {
    const big = ofShape('big_values');
    expect(big.length).toBeGreaterThan(0);
    for (const t of big) {
      const result = forwardTrace(forwardInput(t.parts.at(-1)!.otlp, { settled: true, content: CONTENT_ON }));
      const values = result.records.flatMap((r) => [
        ...Object.values(r.attributes),
        ...(r.events ?? []).flatMap((e) => Object.values(e.attributes)),
      ]);
      expect(values.some((v) => typeof v === 'string' && v.length === CONTENT_ON.maxLength)).toBe(true);
      for (const v of values) if (typeof v === 'string') expect(v.length).toBeLessThanOrEqual(LIMITS.attributeValueLengthLimit);
      expect(BIG_VALUE_LENGTH).toBeGreaterThan(LIMITS.attributeValueLengthLimit);
    }
  });

  it('many spans: all 10,000 forwarded, once', () => {
    const many = ofShape('many_spans');
    expect(many.length).toBeGreaterThan(0);
    for (const t of many) {
      const result = forwardTrace(forwardInput(t.parts.at(-1)!.otlp, { settled: true }));
      expect(result.records).toHaveLength(world.traceModel(t.turn).spans.length);
      expect(result.records).toHaveLength(10_000);
    }
  });
});
