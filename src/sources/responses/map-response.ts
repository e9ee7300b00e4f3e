// Pure mapping of one response to its spans: a root span (`invoke_agent {agent}` for an agent's
// response, else `chat {model}`) and an `execute_tool {tool}` child per tool-call output item. No
// I/O, no clock: the same response, context and answers always give the same spans.
import { nanosFromSeconds, SpanKindName, type SpanLinkRecord, type SpanRecord } from '../../core/span-record.js';
import { parseTraceparent } from '../../mapping/ids.js';
import { AttributeBag, applyLimits, truncate } from '../../mapping/limits.js';
import { outputTypeOf } from '../../mapping/output-type.js';
import type { MappingLimits } from '../../mapping/limits.js';
import { statusFor } from '../../mapping/status.js';
import { readTokenUsage } from '../../mapping/token-usage.js';
import {
  ATTR_BRIDGE_END_CLAMPED,
  ATTR_BRIDGE_END_UNKNOWN,
  ATTR_BRIDGE_START_FROM_FIRST_SEEN,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_AGENT_VERSION,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
} from '../../semconv/attributes.js';
import {
  ATTR_BRIDGE_TIMING,
  ATTR_GEN_AI_REQUEST_PREVIOUS_RESPONSE_ID,
  ATTR_OPENAI_API_TYPE,
  ATTR_OPENAI_RESPONSE_BACKGROUND,
  ATTR_OPENAI_RESPONSE_INCOMPLETE_DETAILS_REASON,
  ATTR_OPENAI_RESPONSE_ITEM_ID,
  ATTR_OPENAI_RESPONSE_ITEM_STATUS,
  ATTR_OPENAI_RESPONSE_ITEM_TYPE,
  ATTR_OPENAI_RESPONSE_SERVICE_TIER,
  ATTR_OPENAI_RESPONSE_STATUS,
  OPENAI_API_TYPE_VALUE_RESPONSES,
  TIMING_VALUE_RESPONSE,
} from './attributes.js';
import { instructionTexts, systemInstructionsJson } from './content.js';
import type { ResponseContext } from './context.js';
import { responseItemSpanId, responseKey, responseSpanId, traceIdForResponse } from './ids.js';
import { NO_LINKED_RESPONSES, responseSpanLink, type LinkedResponses } from './links.js';
import type { ResponsePayload } from './payload.js';
import { agentIdOf, rootOperationOf } from './agent.js';
import { isResponseHistory, responseTimes, type ResponseTimes } from './times.js';
import { describeToolItem, indexAnswers, type ToolItem } from './tool-items.js';

export interface ResponseMappingInput {
  response: ResponsePayload;
  ctx: ResponseContext;
  limits: MappingLimits;
  /** The unit the response belongs to (a Foundry agent's name, or the response id when tracked alone): every span's `unit`. */
  unit: string;
  /**
   * Items that may answer the response's calls (`function_call_output` and the other `*_output`
   * items): its conversation's items, or the input of the response that continues it. The
   * response's own output is always searched too.
   */
  answers?: readonly unknown[];
  /** What the bridge knows of other responses, for the `previous_response_id` link. */
  linked?: LinkedResponses;
}

const SAMPLED = 1;

/** Names are for people and indexes: a megabyte agent, model or tool name must not become a megabyte span name. */
const NAME_PART_MAX = 128;
const spanName = (operation: string, part: string | null): string => (part ? `${operation} ${truncate(part, NAME_PART_MAX)}` : operation);

/** Why the response stopped, in the conventions' finish reasons; none for a cancelled one or one still going. */
function finishReasons(response: ResponsePayload, tools: readonly ToolItem[]): string[] | undefined {
  switch (response.status) {
    case 'completed':
      // Stopped to have the app run a tool (its output comes in the next response).
      return [tools.some((t) => t.toolType === 'function') ? 'tool_call' : 'stop'];
    case 'failed':
      return ['error'];
    case 'incomplete':
      if (response.incompleteReason === null) return undefined;
      return [response.incompleteReason === 'max_output_tokens' ? 'length' : response.incompleteReason];
    default:
      return undefined;
  }
}

function usage(bag: AttributeBag, raw: unknown): void {
  const u = readTokenUsage(raw);
  if (!u) return;
  // The Responses API reports cached input and reasoning tokens; they are parts of input and output.
  bag
    .set(ATTR_GEN_AI_USAGE_INPUT_TOKENS, u.input)
    .set(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, u.output)
    .set(ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, u.cacheRead)
    .set(ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, u.reasoning);
}

function timeFlags(bag: AttributeBag, times: ResponseTimes): void {
  if (times.clamped) bag.set(ATTR_BRIDGE_END_CLAMPED, true);
  if (times.startFromFirstSeen) bag.set(ATTR_BRIDGE_START_FROM_FIRST_SEEN, true);
  if (times.endUnknown) bag.set(ATTR_BRIDGE_END_UNKNOWN, true);
}

/** A status message comes from the payload like any attribute value, and is held to the same length limit. */
const statusOf = (status: { code: SpanRecord['status']['code']; message?: string }, limits: MappingLimits): SpanRecord['status'] => ({
  code: status.code,
  ...(status.message ? { message: truncate(status.message, limits.attributeValueLengthLimit) } : {}),
});

/** The output items that are tool calls, each with a key unique within the response. */
function toolItemsOf(response: ResponsePayload, answers: readonly unknown[]): ToolItem[] {
  const index = indexAnswers(response.output, answers);
  const seen = new Set<string>();
  const tools: ToolItem[] = [];
  response.output.forEach((item, position) => {
    const tool = describeToolItem(item, position, index);
    if (!tool) return;
    // Two items sharing a call id would share a span ID; keep both by position (and further,
    // should a real id already look like `{id}#{position}`).
    let key = tool.key;
    for (let n = position; seen.has(key); n += 1) key = `${tool.key}#${n}`;
    seen.add(key);
    tools.push({ ...tool, key });
  });
  return tools;
}

/** The root span's attributes: what the conventions and the protocol say of the response, usage, content, time flags. */
function rootAttributes(
  response: ResponsePayload,
  ctx: ResponseContext,
  limits: MappingLimits,
  derived: { operation: string; errorType: string | undefined; tools: readonly ToolItem[]; times: ResponseTimes },
): AttributeBag {
  const maxTokens = response.maxOutputTokens;
  const bag = new AttributeBag()
    .set(ATTR_GEN_AI_OPERATION_NAME, derived.operation)
    .set(ATTR_GEN_AI_PROVIDER_NAME, ctx.providerName)
    .set(ATTR_OPENAI_API_TYPE, OPENAI_API_TYPE_VALUE_RESPONSES)
    .set(ATTR_GEN_AI_RESPONSE_ID, response.id)
    .set(ATTR_GEN_AI_CONVERSATION_ID, response.conversationId)
    .set(ATTR_GEN_AI_REQUEST_PREVIOUS_RESPONSE_ID, response.previousResponseId)
    .set(ATTR_GEN_AI_AGENT_NAME, response.agent?.name)
    .set(ATTR_GEN_AI_AGENT_VERSION, response.agent?.version)
    .set(ATTR_GEN_AI_AGENT_ID, response.agent ? agentIdOf(response.agent) : null)
    .set(ATTR_GEN_AI_REQUEST_MODEL, response.model)
    .set(ATTR_GEN_AI_REQUEST_TEMPERATURE, response.temperature)
    .set(ATTR_GEN_AI_REQUEST_TOP_P, response.topP)
    .set(ATTR_GEN_AI_REQUEST_MAX_TOKENS, maxTokens !== null && Number.isSafeInteger(maxTokens) && maxTokens >= 0 ? maxTokens : null)
    .set(ATTR_GEN_AI_OUTPUT_TYPE, outputTypeOf(response.textFormat))
    .set(ATTR_GEN_AI_RESPONSE_FINISH_REASONS, finishReasons(response, derived.tools))
    .set(ATTR_OPENAI_RESPONSE_STATUS, response.status)
    .set(ATTR_OPENAI_RESPONSE_INCOMPLETE_DETAILS_REASON, response.incompleteReason)
    .set(ATTR_OPENAI_RESPONSE_SERVICE_TIER, response.serviceTier)
    .set(ATTR_OPENAI_RESPONSE_BACKGROUND, response.background)
    .set(ATTR_ERROR_TYPE, derived.errorType)
    .set(ATTR_SERVER_ADDRESS, ctx.serverAddress)
    .set(ATTR_SERVER_PORT, ctx.serverPort);
  usage(bag, response.usage);
  if (ctx.captureContent)
    bag.set(
      ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
      systemInstructionsJson(instructionTexts(response.instructions), ctx.contentMaxLength, limits.attributeValueLengthLimit),
    );
  timeFlags(bag, derived.times);
  return bag;
}

/** A tool span's attributes: the tool, the item it is, its failure, and its content with capture on. */
function toolAttributes(tool: ToolItem, ctx: ResponseContext): AttributeBag {
  const bag = new AttributeBag()
    .set(ATTR_GEN_AI_OPERATION_NAME, GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL)
    .set(ATTR_GEN_AI_TOOL_NAME, tool.name)
    .set(ATTR_GEN_AI_TOOL_CALL_ID, tool.callId)
    .set(ATTR_GEN_AI_TOOL_TYPE, tool.toolType)
    .set(ATTR_OPENAI_RESPONSE_ITEM_TYPE, tool.itemType)
    .set(ATTR_OPENAI_RESPONSE_ITEM_ID, tool.itemId)
    .set(ATTR_OPENAI_RESPONSE_ITEM_STATUS, tool.status);
  for (const [k, v] of Object.entries(tool.details)) bag.set(k, v);
  bag.set(ATTR_ERROR_TYPE, tool.error?.type);
  // The API gives items no times of their own: each shows its response's interval, and says so.
  bag.set(ATTR_BRIDGE_TIMING, TIMING_VALUE_RESPONSE);
  if (ctx.captureContent) {
    const content = tool.content();
    if (content.arguments !== undefined) bag.set(ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, truncate(content.arguments, ctx.contentMaxLength));
    if (content.result !== undefined) bag.set(ATTR_GEN_AI_TOOL_CALL_RESULT, truncate(content.result, ctx.contentMaxLength));
  }
  return bag;
}

/**
 * Every span of a response: the root first, then a span per tool-call item in output order. Map a
 * response once it has finished (isResponseTerminal); one still going maps with its end unknown.
 */
export function mapResponseTrace(input: ResponseMappingInput): SpanRecord[] {
  const { response, ctx, limits } = input;
  const appParent = parseTraceparent(ctx.traceparent);
  const trace = {
    traceId: appParent?.traceId ?? traceIdForResponse(response.id),
    traceFlags: appParent?.traceFlags ?? SAMPLED,
    ...(appParent && ctx.tracestate ? { traceState: ctx.tracestate } : {}),
  };
  const times = responseTimes(response, ctx);
  const history = isResponseHistory(response, ctx);
  const shared = {
    ...trace,
    start: nanosFromSeconds(times.start),
    end: nanosFromSeconds(times.end),
    key: responseKey(response.id),
    unit: input.unit,
    ...(history ? { history: true as const } : {}),
  };
  const finish = (base: Omit<SpanRecord, 'attributes' | 'droppedAttributesCount'>, bag: AttributeBag): SpanRecord => {
    const { attributes, dropped } = applyLimits(bag.values, limits);
    return { ...base, attributes, droppedAttributesCount: dropped };
  };

  const tools = toolItemsOf(response, input.answers ?? []);
  const rootId = responseSpanId(response.id);
  const status = statusFor(response.status, response.error);
  const operation = rootOperationOf(response);
  const bag = rootAttributes(response, ctx, limits, { operation, errorType: status.errorType, tools, times });
  const link: SpanLinkRecord | null =
    response.previousResponseId === null
      ? null
      : responseSpanLink(response.previousResponseId, input.linked ?? NO_LINKED_RESPONSES, limits.attributeValueLengthLimit);

  const spans: SpanRecord[] = [
    finish(
      {
        ...shared,
        spanId: rootId,
        // The app's span, from the recorded traceparent: in another process.
        parent: appParent ? { spanId: appParent.spanId, remote: true } : null,
        name: spanName(operation, operation === GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT ? (response.agent?.name ?? null) : response.model),
        kind: SpanKindName.CLIENT,
        status: statusOf(status, limits),
        ...(link ? { links: [link] } : {}),
        // The export lag is measured once per response, from its end; history never enters it.
        ...(history ? {} : { lagSample: true as const }),
      },
      bag,
    ),
  ];

  for (const tool of tools) {
    const toolBag = toolAttributes(tool, ctx);
    spans.push(
      finish(
        {
          ...shared,
          spanId: responseItemSpanId(response.id, tool.key),
          parent: { spanId: rootId, remote: false },
          name: spanName(GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL, tool.name),
          kind: SpanKindName.INTERNAL,
          status: statusOf(tool.error ? { code: 2, ...(tool.error.message ? { message: tool.error.message } : {}) } : { code: 0 }, limits),
        },
        toolBag,
      ),
    );
  }
  return spans;
}
