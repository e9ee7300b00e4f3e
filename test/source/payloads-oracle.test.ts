// The hand-written payload reader against the zod schemas it replaced (kept here as the oracle):
// for hostile payloads both give the same result — same ok/error, same fields in the same order,
// same coercions and nulls, unknown values passed through by reference, known objects copied.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseRun, parseStep, type ParseResult } from '../../src/sources/assistants/payloads.js';

// --- the oracle: src/sources/assistants/payloads.ts as it was with zod ------------------------------------

const str = z.string().nullish().catch(null);
const num = z.number().nullish().catch(null);
const unixSeconds = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^\d{1,15}$/)
      .transform(Number),
  ])
  .nullish()
  .catch(null);
const lastError = z.looseObject({ code: str, message: str }).nullish().catch(null);
const usage = z.looseObject({ prompt_tokens: num, completion_tokens: num, total_tokens: num }).nullish().catch(null);
const metadata = z.record(z.string(), z.unknown()).nullish().catch(null);

const RunSchema = z.looseObject({
  id: z.string().min(1),
  object: str,
  thread_id: str,
  assistant_id: str,
  agent_id: str,
  status: str,
  model: str,
  instructions: str,
  created_at: unixSeconds,
  started_at: unixSeconds,
  expires_at: unixSeconds,
  completed_at: unixSeconds,
  failed_at: unixSeconds,
  cancelled_at: unixSeconds,
  last_error: lastError,
  incomplete_details: z.looseObject({ reason: str }).nullish().catch(null),
  usage,
  metadata,
  temperature: num,
  top_p: num,
  max_completion_tokens: num,
});
const StepSchema = z.looseObject({
  id: z.string().min(1),
  object: str,
  run_id: str,
  thread_id: str,
  assistant_id: str,
  agent_id: str,
  type: str,
  status: str,
  created_at: unixSeconds,
  completed_at: unixSeconds,
  failed_at: unixSeconds,
  cancelled_at: unixSeconds,
  expired_at: unixSeconds,
  last_error: lastError,
  usage,
  metadata,
  step_details: z
    .looseObject({
      type: str,
      tool_calls: z.array(z.unknown()).nullish().catch(null),
      message_creation: z.looseObject({ message_id: str }).nullish().catch(null),
    })
    .nullish()
    .catch(null),
});

function parseWith<T>(schema: z.ZodType<T>, what: string, input: unknown): ParseResult<T> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : what;
  const reason = issue?.code === 'invalid_type' ? `missing or not a ${issue.expected}` : (issue?.message ?? 'invalid');
  return { ok: false, error: `${what}: ${where}: ${reason}` };
}
const oracle = {
  run: (input: unknown) => parseWith(RunSchema, 'run', input),
  step: (input: unknown) => parseWith(StepSchema, 'run step', input),
};

// --- sameness ----------------------------------------------------------------------------------

function reachable(value: unknown, into = new Set<object>()): Set<object> {
  if (typeof value !== 'object' || value === null || into.has(value)) return into;
  into.add(value);
  for (const key of Reflect.ownKeys(value)) reachable((value as Record<PropertyKey, unknown>)[key], into);
  return into;
}

/** The first difference between two outputs (null when none): keys and their order, Object.is on leaves, sharing with the input. */
function difference(a: unknown, b: unknown, inputObjects: Set<object>, path = '$'): string | null {
  if (Object.is(a, b)) return null;
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return `${path}: ${String(a)} vs ${String(b)}`;
  if (inputObjects.has(a) || inputObjects.has(b)) return `${path}: one is the input's object, the other is not the same one`;
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs object`;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: prototypes differ`;
  const keysA = Reflect.ownKeys(a).map(String);
  const keysB = Reflect.ownKeys(b).map(String);
  if (keysA.join('\u0000') !== keysB.join('\u0000')) return `${path}: keys [${keysA.join(',')}] vs [${keysB.join(',')}]`;
  for (const key of Reflect.ownKeys(a)) {
    const d = difference(
      (a as Record<PropertyKey, unknown>)[key],
      (b as Record<PropertyKey, unknown>)[key],
      inputObjects,
      `${path}.${String(key)}`,
    );
    if (d) return d;
  }
  return null;
}

function expectSame(actual: unknown, expected: unknown, input: unknown): void {
  expect(difference(actual, expected, reachable(input))).toBeNull();
}

// --- hostile payloads --------------------------------------------------------------------------

const oddNumbers = fc.constantFrom(
  NaN,
  Infinity,
  -Infinity,
  -0,
  0,
  1e300,
  -1e300,
  Number.MAX_SAFE_INTEGER + 2,
  5e-324,
  1.5,
  -1,
  1_760_000_000,
);
const oddStrings = fc.constantFrom(
  '',
  '0',
  '000000000000001',
  '123456789012345',
  '1234567890123456',
  '12a',
  ' 12',
  '12 ',
  '-1',
  '1.5',
  '1e3',
  '１２',
  '1760000000',
  'completed',
  '__proto__',
);
const oddObjects = fc
  .constantFrom<() => unknown>(
    () => Object.create(null) as unknown,
    () => Object.assign(Object.create(null) as object, { code: 'x', message_id: 'm', prompt_tokens: 1 }),
    () => new Date(0),
    () => new Map([['a', 1]]),
    () => [],
    () => ({ constructor: 'not a function' }),
    () => ({ constructor: () => 0 }),
    () => new Array(3) as unknown,
    () => Object.assign(new Array(3), { 1: 'b' }) as unknown,
    () => ({ [Symbol('s')]: 1, a: 1 }),
    () => JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as unknown,
  )
  .map((make) => make());
const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  oddNumbers,
  oddStrings,
  oddObjects,
  fc.constantFrom(undefined, null, true, false, 10n),
  fc.double(),
  fc.string(),
);

/** An object with some of `known` (each a plausible value or anything) and extra fields. */
function hostileObject(known: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.fromEntries(Object.entries(known).map(([k, plausible]) => [k, fc.oneof(plausible, leaf)]));
  const extraKey = fc.oneof(
    fc.string(),
    fc.constantFrom('__proto__', 'constructor', 'toString', '0', '10', 'steps', 'tools', ...Object.keys(known)),
  );
  return fc
    .tuple(fc.record(fields, { requiredKeys: [] }), fc.array(fc.tuple(extraKey, leaf), { maxLength: 6 }), fc.boolean())
    .map(([base, extras, viaJson]) => {
      const out: Record<string, unknown> = { ...base };
      for (const [k, v] of extras) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      // JSON.parse gives own `__proto__` fields and drops undefined: what the sources really see.
      return viaJson
        ? (JSON.parse(JSON.stringify(out, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))) as Record<string, unknown>)
        : out;
    });
}

const ids = fc.oneof(fc.constantFrom('run_1', 'step_1', 'x', ''), fc.string(), leaf);
const text = fc.oneof(fc.string(), oddStrings);
const seconds = fc.oneof(fc.integer(), oddNumbers, oddStrings);
const count = fc.oneof(fc.nat(), oddNumbers);
const lastErrorArb = hostileObject({ code: text, message: text });
const usageArb = hostileObject({ prompt_tokens: count, completion_tokens: count, total_tokens: count });
const metadataArb = fc.oneof(fc.dictionary(fc.string(), fc.oneof(fc.string(), leaf)), oddObjects);
const toolCallArb = hostileObject({
  id: text,
  type: fc.constantFrom('function', 'code_interpreter', 'file_search', 'x'),
  function: fc.jsonValue(),
});
const stepDetailsArb = hostileObject({
  type: fc.constantFrom('tool_calls', 'message_creation', 'x'),
  tool_calls: fc.array(fc.oneof(toolCallArb, leaf), { maxLength: 4 }),
  message_creation: hostileObject({ message_id: text }),
});
const common = {
  id: ids,
  object: text,
  thread_id: text,
  assistant_id: text,
  agent_id: text,
  status: fc.oneof(fc.constantFrom('completed', 'failed', 'in_progress'), text),
  created_at: seconds,
  completed_at: seconds,
  failed_at: seconds,
  cancelled_at: seconds,
  last_error: lastErrorArb,
  usage: usageArb,
  metadata: metadataArb,
};
const runArb = hostileObject({
  ...common,
  model: text,
  instructions: text,
  started_at: seconds,
  expires_at: seconds,
  incomplete_details: hostileObject({ reason: text }),
  temperature: count,
  top_p: count,
  max_completion_tokens: count,
});
const stepArb = hostileObject({ ...common, run_id: text, type: text, expired_at: seconds, step_details: stepDetailsArb });

const RUNS = { numRuns: 2000 };

describe('payload reader matches the zod oracle', () => {
  it('runs', () => {
    fc.assert(
      fc.property(fc.oneof(runArb, stepArb, leaf), (input) => {
        expectSame(parseRun(input), oracle.run(input), input);
      }),
      RUNS,
    );
  });

  it('run steps', () => {
    fc.assert(
      fc.property(fc.oneof(stepArb, runArb, leaf), (input) => {
        expectSame(parseStep(input), oracle.step(input), input);
      }),
      RUNS,
    );
  });

  it('the examples that decide ok or not', () => {
    const cases: unknown[] = [
      null,
      undefined,
      [],
      'run_1',
      3,
      {},
      { id: '' },
      { id: 7 },
      { id: null },
      { id: ['a'] },
      new Date(0),
      Object.create(null),
      { id: 'r', status: 5 },
    ];
    for (const input of cases) {
      expectSame(parseRun(input), oracle.run(input), input);
      expectSame(parseStep(input), oracle.step(input), input);
    }
    // Too rare for the generators: holes in tool_calls come out as undefined entries.
    const holes = { id: 's', step_details: { tool_calls: Object.assign(new Array(3), { 1: 'b' }) } };
    expectSame(parseStep(holes), oracle.step(holes), holes);
    expect(parseRun({ id: '' })).toEqual({ ok: false, error: 'run: id: Too small: expected string to have >=1 characters' });
    expect(parseStep([])).toEqual({ ok: false, error: 'run step: run step: missing or not a object' });
  });

  it('a backlog run and step as the API returns them', () => {
    const step = {
      id: 'step_1',
      object: 'thread.run.step',
      created_at: 1_760_000_001,
      run_id: 'run_1',
      type: 'tool_calls',
      status: 'completed',
      expired_at: null,
      last_error: null,
      metadata: null,
      usage: { prompt_tokens: 812, completion_tokens: 64, total_tokens: 876 },
      step_details: { type: 'tool_calls', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
    };
    const run = {
      id: 'run_1',
      object: 'thread.run',
      created_at: '1760000000',
      status: 'completed',
      metadata: {},
      tools: [{ type: 'function' }],
      temperature: 1,
    };
    expectSame(parseStep(step), oracle.step(step), step);
    expectSame(parseRun(run), oracle.run(run), run);
  });
});
