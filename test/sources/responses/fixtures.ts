// Shared inputs for the responses mapping tests: a response shaped as the API returns it (the
// SDK's `Response`, and Foundry's agent reference where asked), a context and limits, and small
// helpers to map and to find spans.
import type { SpanRecord } from '../../../src/core/span-record.js';
import type { MappingLimits } from '../../../src/mapping/limits.js';
import { freezeResponseContext, type ResponseContext } from '../../../src/sources/responses/context.js';
import type { LinkedResponses } from '../../../src/sources/responses/links.js';
import { mapResponseTrace } from '../../../src/sources/responses/map-response.js';
import { readResponse, type ResponsePayload } from '../../../src/sources/responses/payload.js';

type Json = Record<string, unknown>;

export const HEX32 = /^[0-9a-f]{32}$/;
export const HEX16 = /^[0-9a-f]{16}$/;

export const LIMITS: MappingLimits = { attributeValueLengthLimit: 8192, attributeCountLimit: 128 };
export const T0 = 1_780_000_000;
/** When the bridge first saw the unit: a few seconds after the default response ended, so it is news. */
export const FIRST_SEEN = T0 + 30;
export const NANOS = (seconds: number): string => `${seconds}000000000`;

export function context(overrides: Partial<ResponseContext> = {}): ResponseContext {
  return {
    traceparent: null,
    tracestate: null,
    captureContent: false,
    contentMaxLength: 2048,
    providerName: 'openai',
    serverAddress: 'api.openai.com',
    serverPort: 443,
    firstSeenSeconds: FIRST_SEEN,
    ...overrides,
  };
}

/** A completed model response (no agent) as OpenAI returns it, with `overrides` on top. */
export function responseJson(overrides: Json = {}): Json {
  return {
    id: 'resp_abc',
    object: 'response',
    created_at: T0,
    status: 'completed',
    background: false,
    completed_at: T0 + 7,
    error: null,
    incomplete_details: null,
    instructions: 'Answer briefly.',
    max_output_tokens: null,
    model: 'gpt-4.1-mini',
    output: [
      {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: 'Hello.', annotations: [] }],
      },
    ],
    parallel_tool_calls: true,
    previous_response_id: null,
    conversation: null,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: true,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: {
      input_tokens: 120,
      input_tokens_details: { cached_tokens: 64 },
      output_tokens: 30,
      output_tokens_details: { reasoning_tokens: 12 },
      total_tokens: 150,
    },
    user: null,
    metadata: {},
    ...overrides,
  };
}

export function responseOf(raw: unknown): ResponsePayload {
  const r = readResponse(raw);
  if (!r) throw new Error('not a response');
  return r;
}

export const response = (overrides: Json = {}): ResponsePayload => responseOf(responseJson(overrides));

/** A response by Foundry agent `support-triage` version 3. */
export const agentResponse = (overrides: Json = {}): ResponsePayload =>
  response({ agent: { type: 'agent_id', name: 'support-triage', version: '3' }, model: 'gpt-4.1', ...overrides });

export interface MapOptions {
  ctx?: ResponseContext;
  limits?: MappingLimits;
  unit?: string;
  answers?: readonly unknown[];
  linked?: LinkedResponses;
}

export function map(r: ResponsePayload, options: MapOptions = {}): SpanRecord[] {
  return mapResponseTrace({
    response: r,
    ctx: options.ctx ?? context(),
    limits: options.limits ?? LIMITS,
    unit: options.unit ?? 'support-triage',
    ...(options.answers ? { answers: options.answers } : {}),
    ...(options.linked ? { linked: options.linked } : {}),
  });
}

export const root = (spans: SpanRecord[]): SpanRecord => {
  const found = spans.filter((s) => s.parent === null || s.parent.remote === true);
  if (found.length !== 1) throw new Error(`expected one root span, got ${found.length}`);
  return found[0] as SpanRecord;
};

export const tools = (spans: SpanRecord[]): SpanRecord[] => spans.filter((s) => s.parent !== null && s.parent.remote === false);

export function only(spans: SpanRecord[]): SpanRecord {
  const found = tools(spans);
  if (found.length !== 1) throw new Error(`expected one tool span, got ${found.length}`);
  return found[0] as SpanRecord;
}

/** A response whose output is `items`. */
export const withOutput = (items: unknown[], overrides: Json = {}): ResponsePayload => response({ output: items, ...overrides });

export const ctxFor = (r: ResponsePayload, captureContent = false): ResponseContext =>
  freezeResponseContext(r, {
    captureContent,
    contentMaxLength: 2048,
    providerName: 'openai',
    baseURL: 'https://api.openai.com/v1',
    firstSeenSeconds: FIRST_SEEN,
  });
