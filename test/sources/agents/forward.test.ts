// One read of a published trace as records to commit: once per span (late spans added), open
// spans held until the turn settles, the root turn span completed, limits, resource, marks.
import { describe, expect, it } from 'vitest';
import { ATTR_BRIDGE_END_CLAMPED, ATTR_BRIDGE_END_UNKNOWN } from '../../../src/semconv/attributes.js';
import { forwardSpans, forwardTrace } from '../../../src/sources/agents/forward.js';
import { publishedSpanKey } from '../../../src/sources/agents/keys.js';
import { closeOpenSpan } from '../../../src/sources/agents/open-span.js';
import { parseOtlpTrace } from '../../../src/sources/agents/otlp-json.js';
import { completeRootSpan, rootTurnAttributes } from '../../../src/sources/agents/root-turn.js';
import { CHILD_ID, forwardInput, otlpSpan, request, ROOT_ID, rootSpan, TRACE_ID } from './helpers.js';

const str = (stringValue: string) => ({ stringValue });
const OTHER_ID = 'eee19b7ec3c1b172';

describe('the root turn span', () => {
  const identity = { sessionId: 'sess_1', turnId: 'turn_1', agentId: 'agent_1' };

  it('gets the attributes it lacks, first, and keeps every value it has', () => {
    const root = parseOtlpTrace(
      request([
        rootSpan({
          attributes: [
            { key: 'gen_ai.operation.name', value: str('invoke_agent') },
            { key: 'gen_ai.agent.id', value: str('agent_published') },
          ],
        }),
      ]),
    ).spans[0]!;
    const out = completeRootSpan(root, identity);
    expect(Object.entries(out.attributes)).toEqual([
      ['gen_ai.conversation.id', 'sess_1'],
      ['gen_ai.provider.name', 'openai'],
      ['openai.agents.session.id', 'sess_1'],
      ['openai.agents.turn.id', 'turn_1'],
      ['gen_ai.operation.name', 'invoke_agent'],
      ['gen_ai.agent.id', 'agent_published'],
    ]);
  });

  it('never changes a value that is present, whatever its type, and is left as it was when it lacks nothing', () => {
    const present = Object.keys(rootTurnAttributes(identity)).map((key) => ({ key, value: { intValue: '7' } }));
    const root = parseOtlpTrace(request([rootSpan({ attributes: present })])).spans[0]!;
    expect(completeRootSpan(root, identity)).toBe(root);
  });

  it('leaves out what is not known: the agent and the turn', () => {
    expect(rootTurnAttributes({ sessionId: 's', turnId: null, agentId: null })).toEqual({
      'gen_ai.conversation.id': 's',
      'gen_ai.provider.name': 'openai',
      'openai.agents.session.id': 's',
    });
  });

  it('is the span with no parent, whatever its name; the others are forwarded untouched', () => {
    const otlp = request([otlpSpan({ name: 'invoke_agent Support Triage' }), rootSpan({ name: 'anything at all' })]);
    const { records } = forwardTrace(forwardInput(otlp));
    expect(records.map((r) => [r.name, r.attributes['gen_ai.conversation.id']])).toEqual([
      ['invoke_agent Support Triage', undefined],
      ['anything at all', 'sess_1'],
    ]);
    expect(records.map((r) => r.lagSample)).toEqual([undefined, true]);
  });
});

describe('forwarding a read', () => {
  it('gives each new span as a record keyed by trace and span id, in the unit of its session', () => {
    const { records, published, waiting, problems } = forwardTrace(forwardInput(request([rootSpan(), otlpSpan()])));
    expect(records.map((r) => [r.key, r.unit])).toEqual([
      [publishedSpanKey(TRACE_ID, ROOT_ID), 'sess_1'],
      [publishedSpanKey(TRACE_ID, CHILD_ID), 'sess_1'],
    ]);
    expect({ published, waiting, problems }).toEqual({ published: 2, waiting: 0, problems: [] });
    expect(records[1]).toEqual({
      ...parseOtlpTrace(request([otlpSpan()])).spans[0],
      resource: { attributes: { 'service.name': 'openai-agents' } },
      key: publishedSpanKey(TRACE_ID, CHILD_ID),
      unit: 'sess_1',
    });
  });

  it('adds only spans not yet exported: a trace read again gives its late spans, once', () => {
    const exported = new Set<string>();
    const read = (spans: unknown[]) => {
      const result = forwardTrace(forwardInput(request(spans), { exported: (k) => exported.has(k) }));
      for (const r of result.records) exported.add(r.key);
      return result.records.map((r) => r.spanId);
    };
    expect(read([rootSpan({ endTimeUnixNano: undefined }), otlpSpan()])).toEqual([CHILD_ID]);
    expect(read([rootSpan({ endTimeUnixNano: undefined }), otlpSpan()])).toEqual([]);
    expect(read([rootSpan(), otlpSpan(), otlpSpan({ spanId: OTHER_ID })])).toEqual([ROOT_ID, OTHER_ID]);
    expect(read([rootSpan(), otlpSpan(), otlpSpan({ spanId: OTHER_ID })])).toEqual([]);
  });

  it('holds a span without an end while the turn is unsettled, and ends it at the turn end once settled', () => {
    const otlp = request([rootSpan({ endTimeUnixNano: undefined }), otlpSpan({ endTimeUnixNano: undefined })]);
    const before = forwardTrace(forwardInput(otlp));
    expect([before.records.length, before.waiting]).toEqual([0, 2]);
    const after = forwardTrace(forwardInput(otlp, { settled: true, turnEnd: '1760000130000000000' }));
    expect(after.waiting).toBe(0);
    expect(after.records[1]).toMatchObject({ spanId: CHILD_ID, start: '1760000000123456789', end: '1760000130000000000' });
    expect(after.records[1]?.attributes).toEqual({ 'gen_ai.operation.name': 'chat', [ATTR_BRIDGE_END_UNKNOWN]: true });
  });

  it('hands out what it holds as it may be kept (no content, limits applied); those end later exactly as a settled read ends them', () => {
    const long = 'y'.repeat(100);
    const held = (extra: Record<string, unknown>) =>
      otlpSpan({
        endTimeUnixNano: undefined,
        attributes: [
          { key: 'gen_ai.input.messages', value: str('secret') },
          { key: 'a', value: str(long) },
          { key: 'b', value: str('short') },
          { key: 'c', value: str('dropped') },
        ],
        events: [{ name: 'e', timeUnixNano: '1', attributes: [{ key: 'x', value: str(long) }] }],
        ...extra,
      });
    const otlp = request([rootSpan({ endTimeUnixNano: undefined, attributes: [] }), held({})]);
    const limits = { attributeValueLengthLimit: 10, attributeCountLimit: 2 };
    const before = forwardTrace(forwardInput(otlp, { limits }));
    expect(before.held.map((s) => s.spanId)).toEqual([ROOT_ID, CHILD_ID]);
    expect(before.held[1]).toMatchObject({ attributes: { a: 'y'.repeat(10), b: 'short' }, droppedAttributesCount: 1, end: null });
    expect(before.held[1]!.events![0]!.attributes).toEqual({ x: 'y'.repeat(10) });
    const settled = { settled: true, limits, turnEnd: '1760000130000000000' };
    const later = forwardSpans(JSON.parse(JSON.stringify(before.held)) as typeof before.held, forwardInput(otlp, settled));
    expect(later.records).toEqual(forwardTrace(forwardInput(otlp, settled)).records);
    expect(later.records[0]!.attributes['gen_ai.conversation.id']).toBe('sess_1');
  });

  it("takes the turn's end from its root span, to the nanosecond, when the root span has one", () => {
    const otlp = request([rootSpan({ endTimeUnixNano: '1760000002000000123' }), otlpSpan({ endTimeUnixNano: undefined })]);
    const after = forwardTrace(forwardInput(otlp, { settled: true, turnEnd: '1760000130000000000' }));
    expect(after.records[1]).toMatchObject({
      spanId: CHILD_ID,
      end: '1760000002000000123',
      attributes: { [ATTR_BRIDGE_END_UNKNOWN]: true },
    });
  });

  it('ends an open span at its start when the turn end (whole seconds) is before it, or unknown, and says so', () => {
    const open = parseOtlpTrace(request([otlpSpan({ endTimeUnixNano: undefined })])).spans[0]!;
    expect(closeOpenSpan(open, '1760000000000000000')).toMatchObject({
      end: open.start,
      attributes: { [ATTR_BRIDGE_END_UNKNOWN]: true, [ATTR_BRIDGE_END_CLAMPED]: true },
    });
    const unknown = closeOpenSpan(open, null);
    expect(unknown.end).toBe(open.start);
    expect(unknown.attributes[ATTR_BRIDGE_END_CLAMPED]).toBeUndefined();
  });

  it('cuts values to the length limit (events and links too) and drops attributes past the count limit, added to the published count', () => {
    const long = 'y'.repeat(100);
    const otlp = request([
      otlpSpan({
        droppedAttributesCount: 2,
        attributes: [
          { key: 'a', value: str(long) },
          { key: 'b', value: { arrayValue: { values: [str(long)] } } },
          { key: 'c', value: str('short') },
        ],
        events: [{ name: 'e', timeUnixNano: '1', attributes: [{ key: 'x', value: str(long) }] }],
        links: [
          {
            traceId: TRACE_ID,
            spanId: ROOT_ID,
            attributes: [{ key: 'l', value: { kvlistValue: { values: [{ key: 'v', value: str(long) }] } } }],
          },
        ],
      }),
    ]);
    const [record] = forwardTrace(forwardInput(otlp, { limits: { attributeValueLengthLimit: 10, attributeCountLimit: 2 } })).records;
    expect(record?.attributes).toEqual({ a: 'y'.repeat(10), b: ['y'.repeat(10)] });
    expect(record?.droppedAttributesCount).toBe(3);
    expect(record?.events?.[0]?.attributes).toEqual({ x: 'y'.repeat(10) });
    expect(record?.links?.[0]?.attributes).toEqual({ l: { kvlist: [{ key: 'v', value: 'y'.repeat(10) }] } });
  });

  it('keeps the published resource, the configured one filling only keys it lacks; a span without one gets none of its own', () => {
    const otlp = {
      resourceSpans: [
        { resource: { attributes: [{ key: 'service.name', value: str('openai-agents') }] }, scopeSpans: [{ spans: [rootSpan()] }] },
        { scopeSpans: [{ spans: [otlpSpan()] }] },
      ],
    };
    const { records } = forwardTrace(
      forwardInput(otlp, { resource: { 'service.name': 'openai-assistants', 'deployment.environment.name': 'prod' } }),
    );
    expect(records[0]?.resource).toEqual({ attributes: { 'service.name': 'openai-agents', 'deployment.environment.name': 'prod' } });
    expect(records[1]?.resource).toBeUndefined();
  });

  it('marks history, and then no lag sample', () => {
    const { records } = forwardTrace(forwardInput(request([rootSpan(), otlpSpan()]), { history: true }));
    expect(records.map((r) => [r.history, r.lagSample])).toEqual([
      [true, undefined],
      [true, undefined],
    ]);
  });

  it('counts the content it removes, from the spans it forwards only', () => {
    const withContent = (extra: Record<string, unknown>) =>
      otlpSpan({
        ...extra,
        attributes: [{ key: 'gen_ai.input.messages', value: str('[]') }],
        events: [{ name: 'e', timeUnixNano: '1', attributes: [{ key: 'gen_ai.output.messages', value: str('[]') }] }],
      });
    const otlp = request([withContent({}), withContent({ spanId: OTHER_ID, endTimeUnixNano: undefined })]);
    const result = forwardTrace(forwardInput(otlp));
    expect(result.removed).toEqual({ attributes: 2, events: 1 });
    expect(result.records[0]?.attributes).toEqual({});
    expect(result.records[0]?.events).toBeUndefined();
  });
});
