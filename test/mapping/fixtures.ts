// Shared inputs for the mapping tests: realistic payloads (samples/runs.json and builders on the
// same shape), a frozen context and limits, and small helpers to find spans.
import { readFileSync } from 'node:fs';
import { parseRun, parseStep, type RunPayload, type StepPayload } from '../../src/sources/assistants/payloads.js';
import type { FrozenContext } from '../../src/sources/assistants/mapping/frozen-context.js';
import type { MappingLimits } from '../../src/mapping/limits.js';
import type { Nanos, SpanRecord } from '../../src/core/span-record.js';
import { runSpanId, stepSpanId } from '../../src/mapping/ids.js';

type Json = Record<string, unknown>;

export const HEX32 = /^[0-9a-f]{32}$/;
export const HEX16 = /^[0-9a-f]{16}$/;
/** A UTF-16 surrogate half without its partner. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const LIMITS: MappingLimits = { attributeValueLengthLimit: 8192, attributeCountLimit: 128 };

export function context(overrides: Partial<FrozenContext> = {}): FrozenContext {
  return {
    agentName: 'Weather Helper',
    traceparent: null,
    tracestate: null,
    captureContent: false,
    contentMaxLength: 2048,
    providerName: 'openai',
    serverAddress: 'api.openai.com',
    serverPort: 443,
    firstSeenSeconds: 1_800_000_000,
    ...overrides,
  };
}

export function runOf(raw: unknown): RunPayload {
  const parsed = parseRun(raw);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

export function stepOf(raw: unknown): StepPayload {
  const parsed = parseStep(raw);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

export const T0 = 1_760_000_000;

/** A completed run shaped like the API's, with `overrides` on top (null removes nothing: it sets null). */
export function run(overrides: Json = {}): RunPayload {
  return runOf({
    id: 'run_abc',
    object: 'thread.run',
    created_at: T0,
    assistant_id: 'asst_1',
    thread_id: 'thread_1',
    status: 'completed',
    started_at: T0 + 1,
    expires_at: null,
    cancelled_at: null,
    failed_at: null,
    completed_at: T0 + 9,
    last_error: null,
    model: 'gpt-4o',
    instructions: 'Be brief.',
    tools: [],
    metadata: {},
    incomplete_details: null,
    usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
    ...overrides,
  });
}

/** A completed message_creation step of `run()`, with `overrides` on top. */
export function step(overrides: Json = {}): StepPayload {
  return stepOf({
    id: 'step_1',
    object: 'thread.run.step',
    created_at: T0 + 1,
    run_id: 'run_abc',
    assistant_id: 'asst_1',
    thread_id: 'thread_1',
    type: 'message_creation',
    status: 'completed',
    cancelled_at: null,
    completed_at: T0 + 3,
    expired_at: null,
    failed_at: null,
    last_error: null,
    step_details: { type: 'message_creation', message_creation: { message_id: 'msg_1' } },
    usage: { prompt_tokens: 40, completion_tokens: 8, total_tokens: 48 },
    metadata: {},
    ...overrides,
  });
}

/** A completed tool_calls step holding `calls`. */
export function toolStep(calls: unknown[], overrides: Json = {}): StepPayload {
  return step({ id: 'step_tools', type: 'tool_calls', step_details: { type: 'tool_calls', tool_calls: calls }, ...overrides });
}

export const functionCall = (id: string, name: string, args: unknown = '{}', output: unknown = null): Json => ({
  id,
  type: 'function',
  function: { name, arguments: args, output },
});

export interface SampleRun {
  run: RunPayload;
  steps: StepPayload[];
}

export interface Samples {
  assistantName: string;
  runs: Map<string, SampleRun>;
}

/** samples/runs.json: an assistant, then runs with their steps inline (an array or a list page). */
export function loadSamples(): Samples {
  const raw = JSON.parse(readFileSync(new URL('../../samples/runs.json', import.meta.url), 'utf8')) as Json[];
  let assistantName = '';
  const runs = new Map<string, SampleRun>();
  for (const item of raw) {
    if (item.object === 'assistant') {
      assistantName = String(item.name);
      continue;
    }
    const stepsRaw = Array.isArray(item.steps) ? item.steps : ((item.steps as { data?: unknown[] } | undefined)?.data ?? []);
    const r = runOf(item);
    runs.set(r.id, { run: r, steps: stepsRaw.map(stepOf) });
  }
  return { assistantName, runs };
}

export function sample(id: string): SampleRun {
  const found = loadSamples().runs.get(id);
  if (!found) throw new Error(`no sample ${id}`);
  return found;
}

/** What a span of a run's trace describes. */
export type Role = 'run' | 'step' | 'tool';

/**
 * A span's role from its ids, which limits cannot drop as they drop attributes: a run's span id
 * comes from its run (its unit), a step's from the run and the step (its key); a tool call's span
 * shares its step's key under another id.
 */
export function roleOf(span: SpanRecord): Role {
  if (span.spanId === runSpanId(span.unit)) return 'run';
  return span.spanId === stepSpanId(span.unit, span.key) ? 'step' : 'tool';
}

/** A span time in whole seconds; throws when it has a fraction (the Assistants API gives whole seconds). */
export function secondsOf(time: Nanos): number {
  const nanos = BigInt(time);
  if (nanos % 1_000_000_000n !== 0n) throw new Error(`${time} ns is not a whole second`);
  return Number(nanos / 1_000_000_000n);
}

export const byRole = (spans: SpanRecord[], role: Role): SpanRecord[] => spans.filter((s) => roleOf(s) === role);

export function only(spans: SpanRecord[], role: Role): SpanRecord {
  const found = byRole(spans, role);
  if (found.length !== 1) throw new Error(`expected one ${role} span, got ${found.length}`);
  return found[0] as SpanRecord;
}

export function named(spans: SpanRecord[], name: string): SpanRecord {
  const found = spans.find((s) => s.name === name);
  if (!found) throw new Error(`no span named ${name} among ${spans.map((s) => s.name).join(', ')}`);
  return found;
}

/** A string attribute of a span; throws when the span has none by that key, or another type. */
export function stringAttribute(span: SpanRecord | undefined, key: string): string {
  const value = span?.attributes[key];
  if (typeof value !== 'string') throw new Error(`attribute ${key} is ${JSON.stringify(value)}, not a string`);
  return value;
}

/** Every key any span carries. */
export const allKeys = (spans: SpanRecord[]): Set<string> => new Set(spans.flatMap((s) => Object.keys(s.attributes)));
