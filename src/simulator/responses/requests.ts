// Request bodies of the Responses and Conversations routes, checked as the API checks them.
import { badRequest, invalidType, invalidValue, missingParameter, type ApiError } from '../errors.js';
import type { ApiObject } from '../state.js';
import { isError, isObject, optionalNumber, optionalString, parseMetadata } from '../validate.js';
import type { ResponsesDialect } from './dialect.js';
import { INCLUDABLE } from './render.js';
import type { AgentState } from './state.js';
import type { CreateParams, ResponsesWorld } from './world.js';

export const notFoundError = (message: string, param: string | null = null): ApiError => ({
  status: 404,
  message,
  type: 'invalid_request_error',
  param,
  code: null,
});

const unknownParameter = (param: string): ApiError => badRequest(`Unknown parameter: '${param}'.`, param, 'unknown_parameter');

/** `input` or conversation `items`: a string is one user message; objects without a type are messages. */
export function parseItems(value: unknown, param: string): ApiObject[] | ApiError {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string')
    return [{ type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text: value }] }];
  if (!Array.isArray(value)) return invalidType(param, 'a string or an array', value);
  const items: ApiObject[] = [];
  for (const [i, item] of value.entries()) {
    if (!isObject(item)) return invalidType(`${param}[${i}]`, 'an object', item);
    if (item.type !== undefined && typeof item.type !== 'string') return invalidType(`${param}[${i}].type`, 'a string', item.type);
    if (item.type === undefined || item.type === 'message') {
      if (typeof item.role !== 'string') return missingParameter(`${param}[${i}].role`);
      if (item.content === undefined || item.content === null) return missingParameter(`${param}[${i}].content`);
      const content =
        typeof item.content === 'string'
          ? [{ type: item.role === 'assistant' ? 'output_text' : 'input_text', text: item.content }]
          : item.content;
      items.push({ ...item, type: 'message', content, status: item.status ?? 'completed' });
    } else {
      items.push(item);
    }
  }
  return items;
}

export function parseInclude(query: URLSearchParams): Set<string> | ApiError {
  const values = [...query.getAll('include[]'), ...query.getAll('include')];
  for (const [i, v] of values.entries()) if (!INCLUDABLE.includes(v)) return invalidValue(`include[${i}]`, v, INCLUDABLE);
  return new Set(values);
}

function parseAgent(body: ApiObject, world: ResponsesWorld, dialect: ResponsesDialect): AgentState | null | ApiError {
  const key = 'agent_reference' in body ? 'agent_reference' : 'agent' in body ? 'agent' : null;
  if (key === null || body[key] === null) return null;
  if (!dialect.acceptsAgent) return unknownParameter(key);
  const ref = body[key];
  if (!isObject(ref)) return invalidType(key, 'an object', ref);
  if (ref.type !== 'agent_reference')
    return badRequest(`Invalid value for '${key}.type': expected 'agent_reference'.`, `${key}.type`, 'invalid_value');
  if (typeof ref.name !== 'string' || ref.name === '') return missingParameter(`${key}.name`);
  if (ref.version !== undefined && typeof ref.version !== 'string') return invalidType(`${key}.version`, 'a string', ref.version);
  return (
    world.findAgent(ref.name, ref.version) ??
    notFoundError(`Agent '${ref.name}'${ref.version === undefined ? '' : ` version '${ref.version}'`} not found.`, `${key}.name`)
  );
}

export function parseCreate(body: unknown, t: number, world: ResponsesWorld, dialect: ResponsesDialect): CreateParams | ApiError {
  const b = body === undefined ? {} : body;
  if (!isObject(b)) return invalidType('body', 'an object', b);
  if (b.stream === true) return badRequest('Streaming is not supported by the simulator.', 'stream', 'unsupported_value');
  const agent = parseAgent(b, world, dialect);
  if (isError(agent)) return agent;
  const model = optionalString(b, 'model');
  if (isError(model)) return model;
  if (model === undefined && agent === null) return missingParameter('model');
  const instructions = optionalString(b, 'instructions');
  if (isError(instructions)) return instructions;
  const metadata = parseMetadata(b.metadata);
  if (isError(metadata)) return metadata;
  if (b.background !== undefined && b.background !== null && typeof b.background !== 'boolean')
    return invalidType('background', 'a boolean', b.background);
  const input = parseItems(b.input, 'input');
  if (isError(input)) return input;
  const previous = optionalString(b, 'previous_response_id');
  if (isError(previous)) return previous;
  const conversation = isObject(b.conversation) ? b.conversation.id : b.conversation;
  if (conversation !== undefined && conversation !== null && typeof conversation !== 'string')
    return invalidType('conversation', 'a string or an object with an id', b.conversation);
  if (previous !== undefined && typeof conversation === 'string') {
    return badRequest(
      "Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or 'conversation'.",
      null,
      'mutually_exclusive_parameters',
    );
  }
  if (previous !== undefined && !world.find(previous, t))
    return notFoundError(`Previous response with id '${previous}' not found.`, 'previous_response_id');
  if (typeof conversation === 'string' && !world.findConversation(conversation, t))
    return notFoundError(`Conversation with id '${conversation}' not found.`, 'conversation');
  if (b.tools !== undefined && b.tools !== null && (!Array.isArray(b.tools) || !b.tools.every(isObject)))
    return invalidType('tools', 'an array of objects', b.tools);
  const maxOutput = optionalNumber(b, 'max_output_tokens', true);
  if (isError(maxOutput)) return maxOutput;
  return {
    model: model ?? null,
    input,
    instructions: instructions ?? null,
    metadata: metadata ?? {},
    background: b.background === true,
    previousResponseId: previous ?? null,
    conversationId: typeof conversation === 'string' ? conversation : null,
    agent,
    tools: Array.isArray(b.tools) ? b.tools.filter(isObject) : null,
    maxOutputTokens: maxOutput ?? null,
  };
}
