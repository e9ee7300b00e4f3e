// Payloads are parsed as `unknown` by a hand-written reader: the SDK's types describe the
// documented shape, but Assistants-compatible services add fields, step types and tool types,
// and an odd value in one field must never cost the whole span. Each known field falls back to
// null when its type is wrong; unknown fields are kept as they came. The reader replaced zod
// schemas of the same shape and output (kept as the oracle in test/source/payloads-oracle.test.ts),
// which cost about a sixth of the throughput benchmark's CPU, most of it before they warmed up.

type Obj = Record<string, unknown>;
type Nullish<T> = T | null | undefined;
/** A field reader: `undefined` for an absent value, the value, or null when it has the wrong type. */
type Field<T> = (value: unknown) => Nullish<T>;

export type LastErrorPayload = { code?: Nullish<string>; message?: Nullish<string>; [key: string]: unknown };
export type UsagePayload = {
  prompt_tokens?: Nullish<number>;
  completion_tokens?: Nullish<number>;
  total_tokens?: Nullish<number>;
  [key: string]: unknown;
};

/** A run as the bridge reads it: the SDK's `Run`, every field optional, unknown fields kept. */
export type RunPayload = {
  id: string;
  object?: Nullish<string>;
  thread_id?: Nullish<string>;
  assistant_id?: Nullish<string>;
  /** Azure AI Foundry Agent Service names the assistant `agent_id`. */
  agent_id?: Nullish<string>;
  status?: Nullish<string>;
  model?: Nullish<string>;
  instructions?: Nullish<string>;
  created_at?: Nullish<number>;
  started_at?: Nullish<number>;
  expires_at?: Nullish<number>;
  completed_at?: Nullish<number>;
  failed_at?: Nullish<number>;
  cancelled_at?: Nullish<number>;
  last_error?: Nullish<LastErrorPayload>;
  incomplete_details?: Nullish<{ reason?: Nullish<string>; [key: string]: unknown }>;
  usage?: Nullish<UsagePayload>;
  metadata?: Nullish<Record<string, unknown>>;
  /** Sampling settings the run used (the assistant's unless the run overrode them). */
  temperature?: Nullish<number>;
  top_p?: Nullish<number>;
  max_completion_tokens?: Nullish<number>;
  /** `auto`, or `{ type: 'text' | 'json_object' | 'json_schema', ... }`; read as it came. */
  response_format?: unknown;
  [key: string]: unknown;
};

export type StepPayload = {
  id: string;
  object?: Nullish<string>;
  run_id?: Nullish<string>;
  thread_id?: Nullish<string>;
  assistant_id?: Nullish<string>;
  agent_id?: Nullish<string>;
  type?: Nullish<string>;
  status?: Nullish<string>;
  created_at?: Nullish<number>;
  completed_at?: Nullish<number>;
  failed_at?: Nullish<number>;
  cancelled_at?: Nullish<number>;
  expired_at?: Nullish<number>;
  last_error?: Nullish<LastErrorPayload>;
  usage?: Nullish<UsagePayload>;
  metadata?: Nullish<Record<string, unknown>>;
  step_details?: Nullish<{
    type?: Nullish<string>;
    tool_calls?: Nullish<unknown[]>;
    message_creation?: Nullish<{ message_id?: Nullish<string>; [key: string]: unknown }>;
    [key: string]: unknown;
  }>;
  [key: string]: unknown;
};

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

const isObject = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Objects built by `Object` or `Object.create(null)` (and JSON.parse): not class instances such as Date. */
function isPlainObject(value: unknown): value is Obj {
  if (!isObject(value)) return false;
  const ctor: unknown = value.constructor;
  if (typeof ctor !== 'function') return true;
  const proto: unknown = ctor.prototype;
  return isObject(proto) && Object.prototype.hasOwnProperty.call(proto, 'isPrototypeOf');
}

const str: Field<string> = (v) => (v === undefined || v === null || typeof v === 'string' ? v : null);
const num: Field<number> = (v) => (v === undefined || v === null || (typeof v === 'number' && Number.isFinite(v)) ? v : null);
const DIGITS = /^\d{1,15}$/;
/** Seconds since the epoch; some services send them as digit strings. */
const unixSeconds: Field<number> = (v) => {
  if (v === undefined || v === null) return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  return typeof v === 'string' && DIGITS.test(v) ? Number(v) : null;
};

/** Metadata: a plain object with string keys (a symbol key made the schema fail), copied one level deep. */
const metadata: Field<Obj> = (v) => {
  if (v === undefined || v === null) return v;
  if (!isPlainObject(v)) return null;
  for (const sym of Object.getOwnPropertySymbols(v)) if (Object.prototype.propertyIsEnumerable.call(v, sym)) return null;
  const out: Obj = {};
  for (const key of Object.keys(v)) if (key !== '__proto__') out[key] = v[key];
  return out;
};

const array: Field<unknown[]> = (v) => {
  if (v === undefined || v === null) return v;
  if (!Array.isArray(v)) return null;
  const out: unknown[] = new Array<unknown>(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i];
  return out;
};

/** Copies the fields `known` does not name, as they came, after the known ones (the order zod gave). */
function copyRest(input: Obj, out: Obj, known: ReadonlySet<string>): Obj {
  // Assigning `__proto__` would replace the result's prototype instead of adding a field.
  for (const key in input) if (!known.has(key) && key !== '__proto__') out[key] = input[key];
  return out;
}

// One reader per object shape, with each field named: V8 then builds every result through the
// same hidden-class transitions, which a table of readers looked up by key did not get.
const LAST_ERROR_KEYS: ReadonlySet<string> = new Set(['code', 'message']);
const lastError: Field<Obj> = (v) => {
  if (v === undefined || v === null) return v;
  if (!isObject(v)) return null;
  const out: Obj = {};
  if ('code' in v) out.code = str(v.code);
  if ('message' in v) out.message = str(v.message);
  return copyRest(v, out, LAST_ERROR_KEYS);
};

const USAGE_KEYS: ReadonlySet<string> = new Set(['prompt_tokens', 'completion_tokens', 'total_tokens']);
const usage: Field<Obj> = (v) => {
  if (v === undefined || v === null) return v;
  if (!isObject(v)) return null;
  const out: Obj = {};
  if ('prompt_tokens' in v) out.prompt_tokens = num(v.prompt_tokens);
  if ('completion_tokens' in v) out.completion_tokens = num(v.completion_tokens);
  if ('total_tokens' in v) out.total_tokens = num(v.total_tokens);
  return copyRest(v, out, USAGE_KEYS);
};

const INCOMPLETE_KEYS: ReadonlySet<string> = new Set(['reason']);
const incompleteDetails: Field<Obj> = (v) => {
  if (v === undefined || v === null) return v;
  if (!isObject(v)) return null;
  const out: Obj = {};
  if ('reason' in v) out.reason = str(v.reason);
  return copyRest(v, out, INCOMPLETE_KEYS);
};

const MESSAGE_CREATION_KEYS: ReadonlySet<string> = new Set(['message_id']);
const messageCreation: Field<Obj> = (v) => {
  if (v === undefined || v === null) return v;
  if (!isObject(v)) return null;
  const out: Obj = {};
  if ('message_id' in v) out.message_id = str(v.message_id);
  return copyRest(v, out, MESSAGE_CREATION_KEYS);
};

const STEP_DETAILS_KEYS: ReadonlySet<string> = new Set(['type', 'tool_calls', 'message_creation']);
const stepDetails: Field<Obj> = (v) => {
  if (v === undefined || v === null) return v;
  if (!isObject(v)) return null;
  const out: Obj = {};
  if ('type' in v) out.type = str(v.type);
  if ('tool_calls' in v) out.tool_calls = array(v.tool_calls);
  if ('message_creation' in v) out.message_creation = messageCreation(v.message_creation);
  return copyRest(v, out, STEP_DETAILS_KEYS);
};

const RUN_KEYS: ReadonlySet<string> = new Set([
  'id',
  'object',
  'thread_id',
  'assistant_id',
  'agent_id',
  'status',
  'model',
  'instructions',
  'created_at',
  'started_at',
  'expires_at',
  'completed_at',
  'failed_at',
  'cancelled_at',
  'last_error',
  'incomplete_details',
  'usage',
  'metadata',
  'temperature',
  'top_p',
  'max_completion_tokens',
]);
function readRun(v: Obj, id: string): Obj {
  const out: Obj = { id };
  if ('object' in v) out.object = str(v.object);
  if ('thread_id' in v) out.thread_id = str(v.thread_id);
  if ('assistant_id' in v) out.assistant_id = str(v.assistant_id);
  if ('agent_id' in v) out.agent_id = str(v.agent_id);
  if ('status' in v) out.status = str(v.status);
  if ('model' in v) out.model = str(v.model);
  if ('instructions' in v) out.instructions = str(v.instructions);
  if ('created_at' in v) out.created_at = unixSeconds(v.created_at);
  if ('started_at' in v) out.started_at = unixSeconds(v.started_at);
  if ('expires_at' in v) out.expires_at = unixSeconds(v.expires_at);
  if ('completed_at' in v) out.completed_at = unixSeconds(v.completed_at);
  if ('failed_at' in v) out.failed_at = unixSeconds(v.failed_at);
  if ('cancelled_at' in v) out.cancelled_at = unixSeconds(v.cancelled_at);
  if ('last_error' in v) out.last_error = lastError(v.last_error);
  if ('incomplete_details' in v) out.incomplete_details = incompleteDetails(v.incomplete_details);
  if ('usage' in v) out.usage = usage(v.usage);
  if ('metadata' in v) out.metadata = metadata(v.metadata);
  if ('temperature' in v) out.temperature = num(v.temperature);
  if ('top_p' in v) out.top_p = num(v.top_p);
  if ('max_completion_tokens' in v) out.max_completion_tokens = num(v.max_completion_tokens);
  return copyRest(v, out, RUN_KEYS);
}

const STEP_KEYS: ReadonlySet<string> = new Set([
  'id',
  'object',
  'run_id',
  'thread_id',
  'assistant_id',
  'agent_id',
  'type',
  'status',
  'created_at',
  'completed_at',
  'failed_at',
  'cancelled_at',
  'expired_at',
  'last_error',
  'usage',
  'metadata',
  'step_details',
]);
function readStep(v: Obj, id: string): Obj {
  const out: Obj = { id };
  if ('object' in v) out.object = str(v.object);
  if ('run_id' in v) out.run_id = str(v.run_id);
  if ('thread_id' in v) out.thread_id = str(v.thread_id);
  if ('assistant_id' in v) out.assistant_id = str(v.assistant_id);
  if ('agent_id' in v) out.agent_id = str(v.agent_id);
  if ('type' in v) out.type = str(v.type);
  if ('status' in v) out.status = str(v.status);
  if ('created_at' in v) out.created_at = unixSeconds(v.created_at);
  if ('completed_at' in v) out.completed_at = unixSeconds(v.completed_at);
  if ('failed_at' in v) out.failed_at = unixSeconds(v.failed_at);
  if ('cancelled_at' in v) out.cancelled_at = unixSeconds(v.cancelled_at);
  if ('expired_at' in v) out.expired_at = unixSeconds(v.expired_at);
  if ('last_error' in v) out.last_error = lastError(v.last_error);
  if ('usage' in v) out.usage = usage(v.usage);
  if ('metadata' in v) out.metadata = metadata(v.metadata);
  if ('step_details' in v) out.step_details = stepDetails(v.step_details);
  return copyRest(v, out, STEP_KEYS);
}

/** The only required field is a non-empty string `id`; every other field is read leniently. */
function parseWith<T extends { id: string }>(read: (input: Obj, id: string) => Obj, what: string, input: unknown): ParseResult<T> {
  if (!isObject(input)) return { ok: false, error: `${what}: ${what}: missing or not a object` };
  const id = input.id;
  if (typeof id !== 'string') return { ok: false, error: `${what}: id: missing or not a string` };
  if (id.length === 0) return { ok: false, error: `${what}: id: Too small: expected string to have >=1 characters` };
  return { ok: true, value: read(input, id) as T };
}

export const parseRun = (input: unknown): ParseResult<RunPayload> => parseWith<RunPayload>(readRun, 'run', input);
export const parseStep = (input: unknown): ParseResult<StepPayload> => parseWith<StepPayload>(readStep, 'run step', input);
