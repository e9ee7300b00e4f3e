// Property-based: whatever arrives, read then map never throws and gives well-formed spans: valid
// and stable ids, every tool span inside the response's trace under its root, times ordered or
// flagged, limits kept, no content unless captured, and metrics that agree with the span.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MetricObservation } from '../../../src/core/observation.js';
import { compareNanos, isNanos, nanosFromSeconds, nanosToSeconds, type SpanRecord } from '../../../src/core/span-record.js';
import type { MappingLimits } from '../../../src/mapping/limits.js';
import { freezeResponseContext } from '../../../src/sources/responses/context.js';
import { responseKey, responseSpanId } from '../../../src/sources/responses/ids.js';
import { mapResponseTrace } from '../../../src/sources/responses/map-response.js';
import { responseObservations } from '../../../src/sources/responses/metrics.js';
import { apiSeconds, readResponse, type ResponsePayload } from '../../../src/sources/responses/payload.js';
import { isToolCallType } from '../../../src/sources/responses/tool-items.js';

// --- arbitraries -------------------------------------------------------------------------------

/** Any UTF-16 unit, lone surrogates included. */
const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string({ unit: anyUnit }));
const longText = fc.integer({ min: 0, max: 5000 }).chain((n) => fc.constantFrom('a', 'é', '\u{1F600}', '{"k":1}').map((c) => c.repeat(n)));

/** JSON-ish values of any shape, with keys the mapping reads among them. */
const odd: fc.Arbitrary<unknown> = fc.anything({
  key: fc.oneof(
    text,
    fc.constantFrom(
      'type',
      'id',
      'call_id',
      'name',
      'arguments',
      'output',
      'error',
      'status',
      'action',
      'results',
      '__proto__',
      'constructor',
    ),
  ),
  values: [text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null)],
  maxDepth: 4,
  maxKeys: 5,
});

const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: odd });

const seconds = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 1_700_000_000, max: 1_700_000_100 }) },
  { weight: 1, arbitrary: fc.double({ min: 1_700_000_000, max: 1_700_000_100, noNaN: true }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 ** 40 }).map(String) },
  {
    weight: 1,
    arbitrary: fc.oneof(fc.double(), fc.integer(), fc.constant(null), fc.constant(18_446_744_073.5), fc.constant('9'.repeat(400)), odd),
  },
);

const status = fc.constantFrom('queued', 'in_progress', 'completed', 'failed', 'cancelled', 'incomplete', 'new_status');
const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: n, maxLength: n });
const traceparent = fc.oneof(
  fc
    .tuple(fc.constantFrom('00', '01', 'ff'), hex(32), hex(16), fc.constantFrom('00', '01', '03'))
    .map(([v, t, s, f]) => `${v}-${t}-${s}-${f}`),
  text,
);
/** Call ids from a small set, so duplicates and look-alikes of generated keys come up often. */
const callId = fc.oneof(fc.constantFrom('call_1', 'call_1#1', 'call_1#2', '#0', '#1', '#2', ''), text);
const itemType = fc.oneof(
  fc.constantFrom(
    'message',
    'reasoning',
    'function_call',
    'function_call_output',
    'web_search_call',
    'file_search_call',
    'computer_call',
    'code_interpreter_call',
    'image_generation_call',
    'local_shell_call',
    'shell_call',
    'apply_patch_call',
    'mcp_call',
    'mcp_list_tools',
    'mcp_approval_request',
    'custom_tool_call',
    'compaction',
    'holodeck_call',
    'constructor',
  ),
  text,
);

const item: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      {
        type: maybe(itemType),
        id: maybe(callId),
        call_id: maybe(callId),
        name: maybe(text),
        status: maybe(fc.constantFrom('completed', 'failed', 'incomplete', 'in_progress')),
        arguments: maybe(fc.oneof(text, longText)),
        input: maybe(longText),
        output: maybe(fc.oneof(text, longText)),
        server_label: maybe(text),
        error: maybe(fc.oneof(text, fc.record({ code: maybe(fc.oneof(text, fc.integer())), type: maybe(text), message: maybe(text) }))),
        action: maybe(fc.record({ type: maybe(text), query: maybe(text) }, { requiredKeys: [] })),
        results: maybe(fc.array(fc.record({ file_id: maybe(text), text: maybe(longText) }, { requiredKeys: [] }), { maxLength: 3 })),
        extra: odd,
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: odd },
);

const responseRaw = fc.record(
  {
    id: fc.string({ minLength: 1, unit: 'binary' }),
    object: maybe(fc.constant('response')),
    status: maybe(status),
    created_at: seconds,
    completed_at: seconds,
    model: maybe(text),
    agent: maybe(
      fc.oneof(
        text,
        fc.record(
          { type: maybe(fc.constant('agent_id')), name: maybe(text), version: maybe(fc.oneof(text, fc.integer())) },
          { requiredKeys: [] },
        ),
      ),
    ),
    error: maybe(
      fc.record(
        { code: maybe(fc.oneof(text, fc.constantFrom('server_error', 'rate_limit_exceeded'))), message: maybe(text) },
        { requiredKeys: [] },
      ),
    ),
    incomplete_details: maybe(fc.record({ reason: maybe(fc.oneof(fc.constantFrom('max_output_tokens', 'content_filter'), text)) })),
    instructions: maybe(fc.oneof(text, longText, fc.array(odd, { maxLength: 3 }))),
    conversation: maybe(fc.oneof(text, fc.record({ id: maybe(text) }))),
    previous_response_id: maybe(fc.oneof(fc.constantFrom('resp_prev'), text)),
    metadata: maybe(fc.record({ traceparent: maybe(traceparent), tracestate: maybe(text), other: odd }, { requiredKeys: [] })),
    usage: maybe(
      fc.record(
        {
          input_tokens: maybe(fc.nat()),
          output_tokens: maybe(fc.nat()),
          input_tokens_details: maybe(fc.record({ cached_tokens: maybe(fc.nat()) })),
          output_tokens_details: maybe(fc.record({ reasoning_tokens: maybe(fc.nat()) })),
        },
        { requiredKeys: [] },
      ),
    ),
    temperature: maybe(fc.double()),
    max_output_tokens: maybe(fc.oneof(fc.nat(), fc.double())),
    text: maybe(fc.record({ format: maybe(fc.record({ type: maybe(fc.constantFrom('text', 'json_schema', 'json_object')) })) })),
    output: maybe(fc.array(item, { maxLength: 8 })),
    unknown_field: odd,
  },
  { requiredKeys: ['id'] },
);

const inputs = fc.record({
  captureContent: fc.boolean(),
  contentMaxLength: fc.integer({ min: 1, max: 300 }),
  providerName: fc.constantFrom('openai', 'azure.ai.openai'),
  baseURL: fc.oneof(fc.constantFrom('https://api.openai.com/v1', 'http://127.0.0.1:4010/openai/v1', 'http://[::1]:80/'), text),
  firstSeenSeconds: fc.integer({ min: 1_700_000_000, max: 1_800_000_000 }),
  reportedEndSeconds: fc.option(
    seconds.filter((v): v is number => typeof v === 'number'),
    { nil: undefined },
  ),
});

const limits: fc.Arbitrary<MappingLimits> = fc.record({
  attributeValueLengthLimit: fc.integer({ min: 1, max: 200 }),
  attributeCountLimit: fc.integer({ min: 1, max: 40 }),
});

const scenario = fc.record({
  raw: responseRaw,
  inputs,
  limits,
  answers: fc.array(
    fc.oneof(
      fc.record(
        {
          type: fc.constantFrom('function_call_output', 'local_shell_call_output'),
          call_id: maybe(callId),
          id: maybe(callId),
          output: maybe(longText),
        },
        { requiredKeys: [] },
      ),
      odd,
    ),
    { maxLength: 4 },
  ),
  linkPrevious: fc.boolean(),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

// --- helpers -----------------------------------------------------------------------------------

function run(s: Scenario): { response: ResponsePayload; spans: SpanRecord[]; observations: MetricObservation[] } {
  const response = readResponse(s.raw);
  if (!response) throw new Error('a generated response did not read');
  const ctx = freezeResponseContext(response, s.inputs);
  const spans = mapResponseTrace({
    response,
    ctx,
    limits: s.limits,
    unit: 'unit',
    answers: s.answers,
    ...(s.linkPrevious && typeof s.raw.previous_response_id === 'string'
      ? { linked: new Map([[s.raw.previous_response_id, { traceparent: null, tracestate: null }]]) }
      : {}),
  });
  return { response, spans, observations: responseObservations(response, ctx) };
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const ZEROS = /^0+$/;

function stringValues(span: SpanRecord): string[] {
  return Object.values(span.attributes).flatMap((v) =>
    typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [],
  );
}

const RUNS = { numRuns: 300 };

// --- properties --------------------------------------------------------------------------------

describe('read then map, for any input', () => {
  it('never throws on values that are not responses at all, nor on the odd ones that read as one', () => {
    fc.assert(
      fc.property(odd, fc.boolean(), (value, capture) => {
        const response = readResponse(value);
        if (!response) return;
        const ctx = freezeResponseContext(response, {
          captureContent: capture,
          contentMaxLength: 10,
          providerName: 'openai',
          baseURL: 'x',
          firstSeenSeconds: 0,
        });
        mapResponseTrace({ response, ctx, limits: { attributeValueLengthLimit: 5, attributeCountLimit: 5 }, unit: 'u', answers: [value] });
        responseObservations(response, ctx);
      }),
      RUNS,
    );
  });

  it('gives valid ids, exportable ordered times and limited attributes', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { spans } = run(s);
        for (const span of spans) {
          expect(span.traceId).toMatch(HEX32);
          expect(span.traceId).not.toMatch(ZEROS);
          expect(span.spanId).toMatch(HEX16);
          expect(span.spanId).not.toMatch(ZEROS);
          if (span.parent) expect(span.parent.spanId).toMatch(HEX16);
          expect(isNanos(span.start) && isNanos(span.end)).toBe(true);
          expect(compareNanos(span.start, span.end)).toBeLessThanOrEqual(0);
          expect(Object.keys(span.attributes).length).toBeLessThanOrEqual(s.limits.attributeCountLimit);
          for (const v of stringValues(span)) expect(v.length).toBeLessThanOrEqual(s.limits.attributeValueLengthLimit);
          if (span.status.message !== undefined) expect(span.status.message.length).toBeLessThanOrEqual(s.limits.attributeValueLengthLimit);
          for (const link of span.links ?? []) {
            expect(link.traceId).toMatch(HEX32);
            expect(link.spanId).toMatch(HEX16);
            for (const v of Object.values(link.attributes))
              if (typeof v === 'string') expect(v.length).toBeLessThanOrEqual(s.limits.attributeValueLengthLimit);
          }
          expect(span.key).toBe(responseKey(s.raw.id));
          expect(span.unit).toBe('unit');
        }
      }),
      RUNS,
    );
  });

  it('gives one root and one child per tool-call item, all in one trace, under the root, with distinct ids and its interval', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { response, spans } = run(s);
        const [first, ...children] = spans;
        expect(first?.spanId).toBe(responseSpanId(response.id));
        if (first?.parent) expect(first.parent.remote).toBe(true);
        const calls = response.output.filter((i) => typeof i.type === 'string' && i.type.length > 0 && isToolCallType(i.type));
        expect(children).toHaveLength(calls.length);
        expect(new Set(spans.map((x) => x.traceId)).size).toBe(1);
        expect(new Set(spans.map((x) => x.spanId)).size).toBe(spans.length);
        for (const child of children) {
          expect(child.parent).toEqual({ spanId: first?.spanId, remote: false });
          expect([child.start, child.end]).toEqual([first?.start, first?.end]);
        }
      }),
      RUNS,
    );
  });

  it('is deterministic: the same input, cloned, maps to the same spans and observations', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const a = run(s);
        const b = run(structuredClone(s));
        expect(b.spans).toEqual(a.spans);
        expect(b.observations).toEqual(a.observations);
      }),
      { numRuns: 100 },
    );
  });

  it('records no content at all with capture off', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { spans } = run({ ...s, inputs: { ...s.inputs, captureContent: false } });
        for (const span of spans)
          for (const key of ['gen_ai.system_instructions', 'gen_ai.tool.call.arguments', 'gen_ai.tool.call.result'])
            expect(span.attributes).not.toHaveProperty(key);
      }),
      RUNS,
    );
  });

  it('keeps the API times exactly when they are usable and ordered, and flags them otherwise', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { response, spans, observations } = run({ ...s, limits: { attributeValueLengthLimit: 200, attributeCountLimit: 128 } });
        const rootSpan = spans[0];
        if (!rootSpan) throw new Error('no root span');
        const flag = (name: string): boolean => rootSpan.attributes[`assistants_bridge.${name}`] === true;
        if (response.createdAt !== null) expect(rootSpan.start).toBe(nanosFromSeconds(response.createdAt));
        else expect(flag('start_from_first_seen')).toBe(true);
        // A reported end is used only when it is a time OTLP can carry, as the API's own are.
        const end = response.completedAt ?? apiSeconds(s.inputs.reportedEndSeconds);
        if (end === null) {
          expect(flag('end_unknown')).toBe(true);
          expect(rootSpan.end).toBe(rootSpan.start);
        } else if (compareNanos(nanosFromSeconds(end), rootSpan.start) < 0) {
          expect(flag('end_clamped')).toBe(true);
        } else {
          expect(rootSpan.end).toBe(nanosFromSeconds(end));
        }
        // The duration metrics measure what the span shows, and leave out what it cannot.
        const durations = observations.filter((o) => o.name === 'openai.response.duration');
        if (flag('end_unknown') || flag('start_from_first_seen')) expect(durations).toEqual([]);
        else expect(durations[0]?.value).toBeCloseTo(nanosToSeconds(rootSpan.end) - nanosToSeconds(rootSpan.start), 5);
      }),
      RUNS,
    );
  });

  it('counts the response once, and agrees with its spans on history', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { spans, observations } = run(s);
        expect(observations.filter((o) => o.name === 'openai.responses')).toHaveLength(1);
        const history = spans[0]?.history === true;
        for (const o of observations) expect(o.history).toBe(history);
        for (const span of spans) expect(span.history === true).toBe(history);
        expect(spans[0]?.lagSample === true).toBe(!history);
      }),
      RUNS,
    );
  });
});
