// Response, item and conversation objects as the API returns them at a given second, with the
// fields `include[]` adds, and Foundry's agent reference where the dialect has one.
import type { ApiObject } from '../state.js';
import { isObject } from '../validate.js';
import type { ConversationState, ResponseState } from './state.js';
import { endOf, outputAt, statusAt } from './timeline.js';

/** The `include[]` values the Responses API accepts (the SDK's ResponseIncludable). */
export const INCLUDABLE: readonly string[] = [
  'file_search_call.results',
  'web_search_call.results',
  'web_search_call.action.sources',
  'message.input_image.image_url',
  'computer_call_output.output.image_url',
  'code_interpreter_call.outputs',
  'reasoning.encrypted_content',
  'message.output_text.logprobs',
];

export interface RenderOptions {
  /** Foundry: responses made by an agent carry `agent: {type: 'agent_id', name, version}`. */
  agentReference: boolean;
  include: ReadonlySet<string>;
}

/** Leaves out what only `include[]` asks for. */
export function renderItem(item: ApiObject, include: ReadonlySet<string>): ApiObject {
  switch (item.type) {
    case 'file_search_call':
      return include.has('file_search_call.results') ? item : { ...item, results: null };
    case 'code_interpreter_call':
      return include.has('code_interpreter_call.outputs') ? item : { ...item, outputs: null };
    case 'reasoning': {
      if (include.has('reasoning.encrypted_content')) return item;
      const { encrypted_content: _omitted, ...rest } = item;
      return rest;
    }
    case 'web_search_call': {
      const action = item.action;
      if (include.has('web_search_call.action.sources') || !isObject(action) || !('sources' in action)) return item;
      const { sources: _omitted, ...rest } = action;
      return { ...item, action: rest };
    }
    default:
      return item;
  }
}

export function renderResponse(r: ResponseState, t: number, options: RenderOptions): ApiObject {
  const status = statusAt(r, t);
  const terminal = status !== 'queued' && status !== 'in_progress';
  const usage =
    terminal && r.usage && status !== 'cancelled'
      ? {
          input_tokens: r.usage.input,
          input_tokens_details: { cached_tokens: r.usage.cached, cache_write_tokens: 0 },
          output_tokens: r.usage.output,
          output_tokens_details: { reasoning_tokens: r.usage.reasoning },
          total_tokens: r.usage.input + r.usage.output,
        }
      : null;
  const body: ApiObject = {
    id: r.id,
    object: 'response',
    created_at: r.createdAt,
    status,
    background: r.background,
    completed_at: status === 'completed' ? endOf(r) : null,
    error: status === 'failed' ? r.error : null,
    incomplete_details: status === 'incomplete' ? { reason: r.incompleteReason } : null,
    instructions: r.instructions,
    max_output_tokens: r.maxOutputTokens,
    max_tool_calls: null,
    model: r.model,
    output: outputAt(r, t).map((item) => renderItem(item, options.include)),
    parallel_tool_calls: true,
    previous_response_id: r.previousResponseId,
    conversation: r.conversationId === null ? null : { id: r.conversationId },
    reasoning: { effort: r.reasoningEffort, summary: r.reasoningEffort === null ? null : 'auto' },
    service_tier: 'default',
    store: true,
    temperature: 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: r.tools,
    top_logprobs: 0,
    top_p: 1,
    truncation: 'disabled',
    usage,
    user: null,
    metadata: r.metadata,
    prompt_cache_key: null,
    safety_identifier: null,
  };
  if (options.agentReference && r.agent) body.agent = { type: 'agent_id', name: r.agent.name, version: r.agent.version };
  return body;
}

export function renderConversation(c: ConversationState): ApiObject {
  return { id: c.id, object: 'conversation', created_at: c.createdAt, metadata: c.metadata };
}
