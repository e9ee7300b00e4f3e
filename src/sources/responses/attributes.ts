// Attribute names of the Responses protocol's own objects (a response, its output items and the
// tools behind them), which the GenAI conventions do not name, and the bridge's mark on times it
// inferred. The names every source shares are in semconv/attributes.ts; those the Assistants
// source already gives the same meaning (file search and code interpreter counts) are reused from it.

/** `responses` on every response span: which OpenAI API the work went through (a published convention). */
export const ATTR_OPENAI_API_TYPE = 'openai.api.type';
export const OPENAI_API_TYPE_VALUE_RESPONSES = 'responses';

/**
 * The response this one continues (`previous_response_id`). Named in the GenAI namespace as the
 * bridge's design names it; the published conventions have no attribute for it yet.
 */
export const ATTR_GEN_AI_REQUEST_PREVIOUS_RESPONSE_ID = 'gen_ai.request.previous_response.id';

export const ATTR_OPENAI_RESPONSE_STATUS = 'openai.response.status';
export const ATTR_OPENAI_RESPONSE_INCOMPLETE_DETAILS_REASON = 'openai.response.incomplete_details.reason';
/** The tier that served the response (a published convention). */
export const ATTR_OPENAI_RESPONSE_SERVICE_TIER = 'openai.response.service_tier';
/** The response ran in background mode (the only kind that can be cancelled or reported by webhook). */
export const ATTR_OPENAI_RESPONSE_BACKGROUND = 'openai.response.background';

/** An output item as the API names it: its id, raw `type` (kept for types the bridge does not know) and status. */
export const ATTR_OPENAI_RESPONSE_ITEM_ID = 'openai.response.item.id';
export const ATTR_OPENAI_RESPONSE_ITEM_TYPE = 'openai.response.item.type';
export const ATTR_OPENAI_RESPONSE_ITEM_STATUS = 'openai.response.item.status';

export const ATTR_OPENAI_MCP_SERVER_LABEL = 'openai.mcp.server_label';
/** Tools an `mcp_list_tools` item found on its server. */
export const ATTR_OPENAI_MCP_TOOL_COUNT = 'openai.mcp.tool_count';
/** `search`, `open_page`, `find_in_page`: what a web search call did (its query and URL are content). */
export const ATTR_OPENAI_WEB_SEARCH_ACTION_TYPE = 'openai.web_search.action.type';
/** `click`, `type`, `screenshot`, ...: what a computer call asked of the app. */
export const ATTR_OPENAI_COMPUTER_ACTION_TYPE = 'openai.computer.action.type';
export const ATTR_OPENAI_CODE_INTERPRETER_CONTAINER_ID = 'openai.code_interpreter.container_id';
/** `create_file`, `update_file`, `delete_file` (the path and diff are content). */
export const ATTR_OPENAI_APPLY_PATCH_OPERATION_TYPE = 'openai.apply_patch.operation.type';

/** Where a span's times come from when the work has none of its own: `response`, the whole response's interval. */
export const ATTR_BRIDGE_TIMING = 'assistants_bridge.timing';
export const TIMING_VALUE_RESPONSE = 'response';
