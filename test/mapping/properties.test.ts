// Property-based: whatever arrives, parse then map never throws and gives well-formed spans.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { freezeContext } from '../../src/sources/assistants/mapping/frozen-context.js';
import { stepSpanId } from '../../src/mapping/ids.js';
import { truncate } from '../../src/mapping/limits.js';
import { latestStepEnd, mapRunTrace } from '../../src/sources/assistants/mapping/map-run.js';
import { isStepTerminal } from '../../src/sources/assistants/statuses.js';
import { statusFor } from '../../src/mapping/status.js';
import { runDurationSeconds } from '../../src/sources/assistants/run-totals.js';
import type { MappingLimits } from '../../src/mapping/limits.js';
import type { SpanRecord } from '../../src/core/span-record.js';
import { parseRun, parseStep, type StepPayload } from '../../src/sources/assistants/payloads.js';
import { HEX16, HEX32, LONE_SURROGATE, secondsOf, roleOf } from './fixtures.js';

// --- arbitraries -------------------------------------------------------------------------------

/** Any UTF-16 unit, lone surrogates included. */
const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string({ unit: anyUnit }));
/** Strings with whole code points only (surrogates always paired). */
const wellFormedText = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));
const longText = fc.integer({ min: 0, max: 5000 }).chain((n) => fc.constantFrom('a', 'é', '\u{1F600}', '{"k":1}').map((c) => c.repeat(n)));

/** JSON-ish values of any shape, deeply nested, with any keys. */
const odd: fc.Arbitrary<unknown> = fc.anything({
  key: fc.oneof(text, fc.constantFrom('type', 'id', 'function', 'name', 'arguments', 'output', 'results', 'content', 'text', '__proto__')),
  values: [text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null)],
  maxDepth: 4,
  maxKeys: 5,
});

const maybe = (arb: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: odd });

const seconds = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 1_700_000_000, max: 1_700_000_100 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 ** 40 }).map(String) },
  { weight: 1, arbitrary: fc.oneof(fc.double(), fc.integer(), fc.constant(null), fc.constant('9'.repeat(400)), odd) },
);

const runStatus = fc.constantFrom(
  'queued',
  'in_progress',
  'requires_action',
  'cancelling',
  'cancelled',
  'failed',
  'completed',
  'incomplete',
  'expired',
  'new_status',
);
const stepStatus = fc.constantFrom('in_progress', 'cancelled', 'failed', 'completed', 'expired', 'new_status');
const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: n, maxLength: n });
const traceparent = fc.oneof(
  fc
    .tuple(fc.constantFrom('00', '01', 'ff'), hex(32), hex(16), fc.constantFrom('00', '01', '03'))
    .map(([v, t, s, f]) => `${v}-${t}-${s}-${f}`),
  text,
);
const lastError = fc.record(
  { code: maybe(fc.oneof(text, fc.constantFrom('server_error', 'rate_limit_exceeded'))), message: maybe(text) },
  { requiredKeys: [] },
);
const usage = fc.record(
  { prompt_tokens: maybe(fc.nat()), completion_tokens: maybe(fc.nat()), total_tokens: maybe(fc.nat()) },
  { requiredKeys: [] },
);

/** Call ids from a small set, so duplicates and look-alikes of generated keys come up often. */
const callId = fc.oneof(fc.constantFrom('call_1', 'call_1#1', 'call_1#2', '#0', '#1', '#2', ''), text);

const toolCall: fc.Arbitrary<unknown> = fc.oneof(
  fc.record(
    {
      id: maybe(callId),
      type: fc.constant('function'),
      function: maybe(
        fc.record(
          { name: maybe(text), arguments: maybe(fc.oneof(text, longText)), output: maybe(fc.oneof(text, longText)) },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record(
    {
      id: maybe(callId),
      type: fc.constant('code_interpreter'),
      code_interpreter: maybe(
        fc.record({
          input: maybe(longText),
          outputs: maybe(fc.array(maybe(fc.record({ type: fc.constantFrom('logs', 'image'), logs: maybe(text) })), { maxLength: 3 })),
        }),
      ),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record(
    {
      id: maybe(callId),
      type: fc.constant('file_search'),
      file_search: maybe(
        fc.record({
          ranking_options: maybe(fc.record({ ranker: maybe(text), score_threshold: maybe(fc.double()) })),
          results: maybe(
            fc.array(
              maybe(
                fc.record({
                  file_id: maybe(text),
                  file_name: maybe(text),
                  score: maybe(fc.double()),
                  content: maybe(fc.array(maybe(fc.record({ type: fc.constant('text'), text: maybe(longText) })), { maxLength: 2 })),
                }),
              ),
              { maxLength: 3 },
            ),
          ),
        }),
      ),
    },
    { requiredKeys: ['type'] },
  ),
  // A connected agent's call, naming the run it started.
  fc.record(
    {
      id: maybe(callId),
      type: fc.constant('connected_agent'),
      connected_agent: maybe(
        fc.record(
          {
            name: maybe(text),
            run_id: maybe(fc.oneof(fc.constantFrom('run_child', ''), text)),
            thread_id: maybe(text),
            output: maybe(text),
          },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: ['type'] },
  ),
  // A call reporting its own error, as MCP calls do.
  fc.record(
    {
      id: maybe(callId),
      type: fc.constant('mcp'),
      server_label: maybe(text),
      error: maybe(fc.oneof(text, fc.record({ code: maybe(text), message: maybe(text) }))),
    },
    { requiredKeys: ['type'] },
  ),
  // An unknown type, named from the object under its key.
  fc
    .tuple(
      fc.oneof(fc.constantFrom('mcp', 'openapi', 'bing_grounding'), text),
      maybe(callId),
      odd,
      maybe(fc.record({ name: maybe(text), server_label: maybe(text), arguments: odd, output: odd }, { requiredKeys: [] })),
    )
    .map(([type, id, extra, body]) => ({ id, type, [type]: body, extra })),
  odd,
);

const runRaw = fc.record(
  {
    id: fc.string({ minLength: 1, unit: 'binary' }),
    object: maybe(fc.constant('thread.run')),
    thread_id: maybe(text),
    assistant_id: maybe(text),
    agent_id: maybe(text),
    status: maybe(runStatus),
    model: maybe(text),
    instructions: maybe(fc.oneof(text, longText)),
    created_at: seconds,
    started_at: seconds,
    expires_at: seconds,
    completed_at: seconds,
    failed_at: seconds,
    cancelled_at: seconds,
    last_error: maybe(lastError),
    incomplete_details: maybe(
      fc.record({ reason: maybe(fc.oneof(fc.constantFrom('max_completion_tokens', 'max_prompt_tokens', 'content_filter'), text)) }),
    ),
    temperature: maybe(fc.double()),
    top_p: maybe(fc.double()),
    max_completion_tokens: maybe(fc.oneof(fc.nat(), fc.double())),
    response_format: maybe(
      fc.oneof(fc.constantFrom('auto', 'json_object'), fc.record({ type: maybe(fc.constantFrom('text', 'json_object', 'json_schema')) })),
    ),
    usage: maybe(usage),
    metadata: maybe(fc.record({ traceparent: maybe(traceparent), tracestate: maybe(text), other: odd }, { requiredKeys: [] })),
    tools: odd,
    unknown_field: odd,
  },
  { requiredKeys: ['id'] },
);

const stepRaw = fc.record(
  {
    id: fc.string({ minLength: 1, unit: 'binary' }),
    thread_id: maybe(text),
    assistant_id: maybe(text),
    agent_id: maybe(text),
    type: maybe(fc.oneof(fc.constantFrom('message_creation', 'tool_calls', 'reasoning'), text)),
    status: maybe(stepStatus),
    created_at: seconds,
    completed_at: seconds,
    failed_at: seconds,
    cancelled_at: seconds,
    expired_at: seconds,
    last_error: maybe(lastError),
    usage: maybe(usage),
    step_details: maybe(
      fc.record(
        {
          type: maybe(fc.constantFrom('message_creation', 'tool_calls', 'reasoning')),
          tool_calls: maybe(fc.array(toolCall, { maxLength: 6 })),
          message_creation: maybe(fc.record({ message_id: maybe(text) })),
          vendor_extra: odd,
        },
        { requiredKeys: [] },
      ),
    ),
    unknown_field: odd,
  },
  { requiredKeys: ['id'] },
);

const contextInputs = fc.record({
  agentName: fc.option(text, { nil: null }),
  agentDescription: fc.option(text, { nil: null }),
  captureContent: fc.boolean(),
  contentMaxLength: fc.integer({ min: 1, max: 300 }),
  providerName: fc.constantFrom('openai', 'azure.ai.openai'),
  baseURL: fc.oneof(fc.constantFrom('https://api.openai.com/v1', 'http://127.0.0.1:4010/v1', 'http://[::1]:80/'), text),
  nowSeconds: fc.integer({ min: 1_700_000_000, max: 1_800_000_000 }),
});

const limits: fc.Arbitrary<MappingLimits> = fc.record({
  attributeValueLengthLimit: fc.integer({ min: 1, max: 200 }),
  attributeCountLimit: fc.integer({ min: 1, max: 40 }),
});

const scenario = fc.record({
  run: runRaw,
  // Step ids are unique within a run in the API.
  steps: fc.uniqueArray(stepRaw, { maxLength: 6, selector: (s) => s.id }),
  inputs: contextInputs,
  limits,
});

// --- helpers -----------------------------------------------------------------------------------

function parsedScenario(s: { run: unknown; steps: unknown[] }) {
  const run = parseRun(s.run);
  if (!run.ok) throw new Error(`generated run did not parse: ${run.error}`);
  const steps = s.steps.map(parseStep).flatMap((p) => (p.ok ? [p.value] : []));
  return { run: run.value, steps };
}

const toolCallCount = (step: StepPayload): number => step.step_details?.tool_calls?.length ?? 0;

function callIdRepeatsAcrossSteps(steps: readonly StepPayload[]): boolean {
  const owner = new Map<string, string>();
  for (const step of steps) {
    for (const call of step.step_details?.tool_calls ?? []) {
      const id = typeof call === 'object' && call !== null ? (call as { id?: unknown }).id : undefined;
      if (typeof id !== 'string' || id === '') continue;
      if ((owner.get(id) ?? step.id) !== step.id) return true;
      owner.set(id, step.id);
    }
  }
  return false;
}

function stringValues(span: SpanRecord): string[] {
  return Object.values(span.attributes).flatMap((v) =>
    typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [],
  );
}

const RUNS = { numRuns: 300 };

// --- properties --------------------------------------------------------------------------------

describe('parse then map, for any input', () => {
  it('never throws and gives valid ids, ordered whole-second times and limited attributes', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { run, steps } = parsedScenario(s);
        const ctx = freezeContext(run, s.inputs);
        const spans = mapRunTrace(run, steps, ctx, s.limits);
        for (const span of spans) {
          expect(span.traceId).toMatch(HEX32);
          expect(span.traceId).not.toMatch(/^0+$/);
          expect(span.spanId).toMatch(HEX16);
          expect(span.spanId).not.toMatch(/^0+$/);
          if (span.parent) expect(span.parent.spanId).toMatch(HEX16);
          expect(Number.isSafeInteger(secondsOf(span.start)) && Number.isSafeInteger(secondsOf(span.end))).toBe(true);
          expect(secondsOf(span.start)).toBeGreaterThanOrEqual(0);
          expect(secondsOf(span.start)).toBeLessThanOrEqual(secondsOf(span.end));
          expect(Object.keys(span.attributes).length).toBeLessThanOrEqual(s.limits.attributeCountLimit);
          expect(span.droppedAttributesCount).toBeGreaterThanOrEqual(0);
          for (const v of stringValues(span)) expect(v.length).toBeLessThanOrEqual(s.limits.attributeValueLengthLimit);
        }
      }),
      RUNS,
    );
  });

  it('gives each terminal step one step span plus one per tool call, all under the run, with distinct ids', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { run, steps } = parsedScenario(s);
        const spans = mapRunTrace(run, steps, freezeContext(run, s.inputs), s.limits);
        const terminal = steps.filter(isStepTerminal);
        const stepSpans = spans.filter((x) => roleOf(x) === 'step');
        expect(stepSpans).toHaveLength(terminal.length);
        const runSpans = spans.filter((x) => roleOf(x) === 'run');
        expect(runSpans.length).toBeLessThanOrEqual(1);
        terminal.forEach((step, i) => {
          const stepSpan = stepSpans[i]!;
          expect(stepSpan.spanId).toBe(stepSpanId(run.id, step.id));
          const tools = spans.filter((x) => roleOf(x) === 'tool' && x.parent?.spanId === stepSpan.spanId);
          expect(tools).toHaveLength(toolCallCount(step));
          for (const t of tools)
            expect([secondsOf(t.start), secondsOf(t.end)]).toEqual([secondsOf(stepSpan.start), secondsOf(stepSpan.end)]);
        });
        expect(spans).toHaveLength(runSpans.length + terminal.reduce((n, st) => n + 1 + toolCallCount(st), 0));
        for (const st of stepSpans) {
          const own = spans.filter((x) => x.spanId === st.spanId || x.parent?.spanId === st.spanId);
          expect(new Set(own.map((x) => x.spanId)).size).toBe(own.length);
        }
        // A tool call's span id comes from (run, call id) so an app can link to it: distinct across
        // the run as long as no call id repeats across its steps, as the API's never do.
        if (!callIdRepeatsAcrossSteps(terminal)) expect(new Set(spans.map((x) => x.spanId)).size).toBe(spans.length);
        expect(new Set(spans.map((x) => x.traceId)).size).toBeLessThanOrEqual(1);
        if (runSpans[0]) for (const st of stepSpans) expect(st.parent?.spanId).toBe(runSpans[0].spanId);
      }),
      RUNS,
    );
  });

  it('is deterministic: the same input maps to the same spans', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const a = parsedScenario(s);
        const b = parsedScenario(structuredClone(s));
        const ctx = freezeContext(a.run, s.inputs);
        expect(mapRunTrace(b.run, b.steps, ctx, s.limits)).toEqual(mapRunTrace(a.run, a.steps, ctx, s.limits));
      }),
      { numRuns: 100 },
    );
  });

  it('records no content at all with capture off', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { run, steps } = parsedScenario(s);
        const spans = mapRunTrace(run, steps, freezeContext(run, { ...s.inputs, captureContent: false }), s.limits);
        for (const span of spans) {
          for (const key of ['gen_ai.system_instructions', 'gen_ai.tool.call.arguments', 'gen_ai.tool.call.result']) {
            expect(span.attributes).not.toHaveProperty(key);
          }
        }
      }),
      RUNS,
    );
  });

  it("gives tool spans their step's outcome, or their own error, and nothing else", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { run, steps } = parsedScenario(s);
        const spans = mapRunTrace(run, steps, freezeContext(run, s.inputs), s.limits);
        for (const stepSpan of spans.filter((x) => roleOf(x) === 'step')) {
          const step = steps.find((st) => stepSpanId(run.id, st.id) === stepSpan.spanId)!;
          const stepStatus = statusFor(step.status, step.last_error);
          for (const tool of spans.filter((x) => roleOf(x) === 'tool' && x.parent?.spanId === stepSpan.spanId)) {
            if (stepStatus.code === 2) {
              expect(tool.status).toEqual(stepSpan.status);
              if (s.limits.attributeCountLimit >= 20)
                expect(tool.attributes['error.type']).toBe(truncate(stepStatus.errorType!, s.limits.attributeValueLengthLimit));
            } else if (tool.status.code === 2) {
              // Only a call reporting its own error: never a function call, whose errors are its output.
              expect(tool.name).not.toMatch(/^execute_tool function$/);
            } else {
              expect(tool.status).toEqual({ code: 0 });
              expect(tool.attributes).not.toHaveProperty('error.type');
            }
          }
        }
      }),
      RUNS,
    );
  });

  it('ends the run span where the run duration metric ends it, and flags the runs it cannot measure', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { run, steps } = parsedScenario(s);
        const ctx = freezeContext(run, s.inputs);
        const runSpan = mapRunTrace(run, steps, ctx, { attributeValueLengthLimit: 200, attributeCountLimit: 128 }).find(
          (x) => roleOf(x) === 'run',
        );
        if (!runSpan) return;
        const duration = runDurationSeconds(run, latestStepEnd(steps.filter(isStepTerminal)), ctx.expiresAt ?? null);
        const unknown = runSpan.attributes['assistants_bridge.end_unknown'] === true;
        const fromFirstSeen = runSpan.attributes['assistants_bridge.start_from_first_seen'] === true;
        if (unknown) expect(duration).toBeNull();
        if (!unknown && !fromFirstSeen) expect(duration).toBe(secondsOf(runSpan.end) - secondsOf(runSpan.start));
      }),
      RUNS,
    );
  });

  it('keeps file search text out of the retrieval documents with capture off, and links well formed', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { run, steps } = parsedScenario(s);
        const spans = mapRunTrace(run, steps, freezeContext(run, { ...s.inputs, captureContent: false }), {
          attributeValueLengthLimit: 100_000,
          attributeCountLimit: 128,
        });
        for (const span of spans) {
          const documents = span.attributes['gen_ai.retrieval.documents'];
          if (documents !== undefined) {
            expect(typeof documents).toBe('string');
            for (const doc of JSON.parse(documents as string) as object[]) expect(doc).not.toHaveProperty('content');
          }
          for (const link of span.links ?? []) {
            expect(link.traceId).toMatch(HEX32);
            expect(link.spanId).toMatch(HEX16);
          }
          for (const event of span.events ?? [])
            expect(Number.isSafeInteger(secondsOf(event.time)) && secondsOf(event.time) >= 0).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('never throws on values that are not runs or steps at all', () => {
    fc.assert(
      fc.property(odd, (value) => {
        const run = parseRun(value);
        const step = parseStep(value);
        if (run.ok)
          mapRunTrace(
            run.value,
            step.ok ? [step.value] : [],
            freezeContext(run.value, {
              agentName: null,
              captureContent: true,
              contentMaxLength: 10,
              providerName: 'openai',
              baseURL: 'x',
              nowSeconds: 0,
            }),
            { attributeValueLengthLimit: 5, attributeCountLimit: 5 },
          );
      }),
      RUNS,
    );
  });
});

describe('tool call span ids', () => {
  it('stay distinct within a step whatever the call ids (duplicates, look-alikes of generated keys, none)', () => {
    const id = fc.option(fc.constantFrom('call_1', 'call_1#1', 'call_1#2', 'call_1#3', '#0', '#1', '#2', '#1#2'), { nil: undefined });
    fc.assert(
      fc.property(fc.array(id, { maxLength: 8 }), (ids) => {
        const calls = ids.map((callId) => ({ id: callId, type: 'function', function: { name: 'f' } }));
        const run = parseRun({ id: 'run_1', status: 'completed' });
        const step = parseStep({ id: 'step_1', status: 'completed', step_details: { type: 'tool_calls', tool_calls: calls } });
        if (!run.ok || !step.ok) throw new Error('fixture did not parse');
        const ctx = freezeContext(run.value, {
          agentName: null,
          captureContent: false,
          contentMaxLength: 10,
          providerName: 'openai',
          baseURL: 'x',
          nowSeconds: 0,
        });
        const tools = mapRunTrace(run.value, [step.value], ctx, { attributeValueLengthLimit: 100, attributeCountLimit: 100 }).filter(
          (x) => roleOf(x) === 'tool',
        );
        expect(tools).toHaveLength(ids.length);
        expect(new Set(tools.map((t) => t.spanId)).size).toBe(ids.length);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('truncate, for any string', () => {
  it('gives a prefix of at most max characters, at most one short, never splitting a pair', () => {
    fc.assert(
      fc.property(wellFormedText, fc.integer({ min: 0, max: 50 }), (value, max) => {
        const cut = truncate(value, max);
        expect(value.startsWith(cut)).toBe(true);
        expect(cut.length).toBeLessThanOrEqual(max);
        expect(cut.length).toBeGreaterThanOrEqual(Math.min(value.length, max) - 1);
        expect(cut).not.toMatch(LONE_SURROGATE);
      }),
      { numRuns: 1000 },
    );
  });
});
