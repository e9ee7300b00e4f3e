// Attribute names every source shares: the OpenTelemetry semantic conventions the bridge follows
// (GenAI, server, error, resource) and the bridge's own. A source's protocol-specific names live
// with the source. The GenAI names are still experimental, so they are spelled here rather than
// imported from @opentelemetry/semantic-conventions/incubating (which is not meant to be
// depended on); test/semconv/attributes.test.ts holds them to that package's spelling.

// ---- GenAI semantic conventions ----
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature';
export const ATTR_GEN_AI_REQUEST_TOP_P = 'gen_ai.request.top_p';
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
export const ATTR_GEN_AI_OUTPUT_TYPE = 'gen_ai.output.type';
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const ATTR_GEN_AI_AGENT_ID = 'gen_ai.agent.id';
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name';
export const ATTR_GEN_AI_AGENT_DESCRIPTION = 'gen_ai.agent.description';
export const ATTR_GEN_AI_AGENT_VERSION = 'gen_ai.agent.version';
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
export const ATTR_GEN_AI_SYSTEM_INSTRUCTIONS = 'gen_ai.system_instructions';
export const ATTR_GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages';
export const ATTR_GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages';
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
export const ATTR_GEN_AI_TOOL_TYPE = 'gen_ai.tool.type';
export const ATTR_GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id';
export const ATTR_GEN_AI_TOOL_CALL_ARGUMENTS = 'gen_ai.tool.call.arguments';
export const ATTR_GEN_AI_TOOL_CALL_RESULT = 'gen_ai.tool.call.result';
export const ATTR_GEN_AI_RETRIEVAL_DOCUMENTS = 'gen_ai.retrieval.documents';
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens';
export const ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens';
export const ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type';
/** The token counters of the GenAI conventions v0.1.0 (not in the core conventions). */
export const ATTR_GEN_AI_TOKEN_MODALITY = 'gen_ai.token.modality';

export const GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT = 'invoke_agent';
export const GEN_AI_OPERATION_NAME_VALUE_CHAT = 'chat';
export const GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL = 'execute_tool';
export const GEN_AI_TOKEN_TYPE_VALUE_INPUT = 'input';
export const GEN_AI_TOKEN_TYPE_VALUE_OUTPUT = 'output';

// ---- General semantic conventions ----
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
export const ATTR_ERROR_TYPE = 'error.type';
/** `error.type` when nothing more precise is known. */
export const ERROR_TYPE_VALUE_OTHER = '_OTHER';
export const ATTR_SERVICE_NAME = 'service.name';
export const ATTR_SERVICE_VERSION = 'service.version';
export const ATTR_TELEMETRY_SDK_LANGUAGE = 'telemetry.sdk.language';
export const ATTR_TELEMETRY_SDK_NAME = 'telemetry.sdk.name';

// ---- The bridge's own: how a span's times or content were inferred, and what is history ----
/** The end preceded the start and was moved to it. */
export const ATTR_BRIDGE_END_CLAMPED = 'assistants_bridge.end_clamped';
/** The payload had no usable start; the time the bridge first saw the work stands in. */
export const ATTR_BRIDGE_START_FROM_FIRST_SEEN = 'assistants_bridge.start_from_first_seen';
/** Nothing said when the work ended: the span ends where it starts. */
export const ATTR_BRIDGE_END_UNKNOWN = 'assistants_bridge.end_unknown';
/** A function call whose step ended without the app's output. */
export const ATTR_BRIDGE_TOOL_CALL_UNANSWERED = 'assistants_bridge.tool_call.unanswered';

/** On every run total: `true` for history, `false` for news (metrics/history.ts). */
export const ATTR_BRIDGE_HISTORY = 'assistants_bridge.history';

// ---- Labels of the bridge's health metrics ----
/** API requests: the route template, the HTTP method, the attempt's outcome. */
export const LABEL_ROUTE = 'route';
export const LABEL_METHOD = 'method';
/** Of API requests, polls and exported spans. */
export const LABEL_OUTCOME = 'outcome';
/** Queued API requests: the priority class. */
export const LABEL_PRIORITY = 'priority';
/** Tracked runs: active or finished. */
export const LABEL_STATE = 'state';
/** Upstream deletions: which kind of object. */
export const LABEL_OBJECT = 'object';
/** Refused webhook deliveries: why. */
export const LABEL_REASON = 'reason';
