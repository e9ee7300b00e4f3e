// A Response read from JSON parsed as `unknown`. The SDK's types describe OpenAI's documented
// shape; Azure AI Foundry adds an agent reference and item types of its own, and every service
// adds fields. Each field the mapping reads falls back to null when its type is wrong, so one odd
// value never costs the span; the object itself is kept as it came (`raw`), items included.
import { isObj, nonEmpty, type Obj } from '../../mapping/json-values.js';

/** The agent that made a response: Foundry's `agent` (or `agent_reference`), `{type, name, version}`. */
export interface AgentReference {
  name: string;
  version: string | null;
}

export interface ResponsePayload {
  id: string;
  status: string | null;
  /** Unix seconds, possibly with a fraction; null when absent or not a time. */
  createdAt: number | null;
  /** Set by the API only for a completed response. */
  completedAt: number | null;
  model: string | null;
  /** The `error` of a failed response, when it carries one. */
  error: { code: string | null; message: string | null } | null;
  incompleteReason: string | null;
  conversationId: string | null;
  previousResponseId: string | null;
  metadata: Readonly<Obj>;
  agent: AgentReference | null;
  /** A string, or input items (a prompt template's), as the API returns it. */
  instructions: unknown;
  usage: unknown;
  /** The output items that are objects, in order, as they came. */
  output: readonly Obj[];
  temperature: number | null;
  topP: number | null;
  maxOutputTokens: number | null;
  /** `text.format`, for the output type. */
  textFormat: unknown;
  serviceTier: string | null;
  background: boolean | null;
  /** The response as it came: what the bridge does not read survives here. */
  raw: Readonly<Obj>;
}

/** The last whole second whose nanoseconds OTLP's fixed64 times can carry. */
const MAX_SECONDS = 18_446_744_073;
const DIGITS = /^\d{1,15}$/;

/** Unix seconds an OTLP time can carry, else null; digit strings too, as some services send them. */
export function apiSeconds(v: unknown): number | null {
  const n = typeof v === 'string' && DIGITS.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= MAX_SECONDS ? n : null;
}

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A code may arrive as a number (an HTTP status, say): kept as its digits. */
const code = (v: unknown): string | null => nonEmpty(v) ?? (typeof v === 'number' && Number.isFinite(v) ? String(v) : null);

function errorOf(v: unknown): ResponsePayload['error'] {
  if (!isObj(v)) return null;
  return { code: code(v.code), message: nonEmpty(v.message) ?? null };
}

/** An agent reference object, or a bare name. */
export function agentOf(v: unknown): AgentReference | null {
  if (typeof v === 'string') return v.length > 0 ? { name: v, version: null } : null;
  if (!isObj(v)) return null;
  const name = nonEmpty(v.name);
  if (name === undefined) return null;
  const version = nonEmpty(v.version) ?? (typeof v.version === 'number' && Number.isFinite(v.version) ? String(v.version) : null);
  return { name, version };
}

/** `conversation: {id}` as OpenAI returns it, or a bare id. */
const conversationOf = (v: unknown): string | null => nonEmpty(v) ?? (isObj(v) ? (nonEmpty(v.id) ?? null) : null);

/** Null when `raw` is not a response at all (not an object, or no string id). */
export function readResponse(raw: unknown): ResponsePayload | null {
  if (!isObj(raw)) return null;
  const id = nonEmpty(raw.id);
  if (id === undefined) return null;
  const incomplete = isObj(raw.incomplete_details) ? raw.incomplete_details : {};
  const textConfig = isObj(raw.text) ? raw.text : {};
  return {
    id,
    status: nonEmpty(raw.status) ?? null,
    createdAt: apiSeconds(raw.created_at),
    completedAt: apiSeconds(raw.completed_at),
    model: nonEmpty(raw.model) ?? null,
    error: errorOf(raw.error),
    incompleteReason: nonEmpty(incomplete.reason) ?? null,
    conversationId: conversationOf(raw.conversation),
    previousResponseId: nonEmpty(raw.previous_response_id) ?? null,
    metadata: isObj(raw.metadata) ? raw.metadata : {},
    agent: agentOf(raw.agent) ?? agentOf(raw.agent_reference),
    instructions: raw.instructions,
    usage: raw.usage,
    output: Array.isArray(raw.output) ? raw.output.filter(isObj) : [],
    temperature: finite(raw.temperature),
    topP: finite(raw.top_p),
    maxOutputTokens: finite(raw.max_output_tokens),
    textFormat: textConfig.format,
    serviceTier: nonEmpty(raw.service_tier) ?? null,
    background: typeof raw.background === 'boolean' ? raw.background : null,
    raw,
  };
}

/** The documented end states: a response in one never changes again. */
const TERMINAL: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled', 'incomplete']);

/** Finished: `queued`, `in_progress` and statuses a service adds are not (they may yet change). */
export const isResponseTerminal = (response: Pick<ResponsePayload, 'status'>): boolean =>
  response.status !== null && TERMINAL.has(response.status);
