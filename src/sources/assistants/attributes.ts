// Attribute names of the Assistants protocol's own objects (runs, run steps, messages, tool
// calls), which the GenAI conventions do not name, and of the tool calls Azure AI Foundry Agent
// Service adds to it. The names every source shares are in semconv/attributes.ts.

export const ATTR_OPENAI_RUN_ID = 'openai.run.id';
export const ATTR_OPENAI_RUN_STATUS = 'openai.run.status';
export const ATTR_OPENAI_RUN_INCOMPLETE_DETAILS_REASON = 'openai.run.incomplete_details.reason';
export const ATTR_OPENAI_RUN_STEP_ID = 'openai.run_step.id';
export const ATTR_OPENAI_RUN_STEP_TYPE = 'openai.run_step.type';
export const ATTR_OPENAI_RUN_STEP_STATUS = 'openai.run_step.status';
export const ATTR_OPENAI_MESSAGE_ID = 'openai.message.id';

export const ATTR_AZURE_AI_AGENTS_OPENAPI_OPERATION_ID = 'azure.ai.agents.openapi.operation_id';
export const ATTR_AZURE_AI_AGENTS_CONNECTED_AGENT_ID = 'azure.ai.agents.connected_agent.id';
export const ATTR_AZURE_AI_AGENTS_CONNECTED_AGENT_THREAD_ID = 'azure.ai.agents.connected_agent.thread_id';
export const ATTR_AZURE_AI_AGENTS_CONNECTED_AGENT_RUN_ID = 'azure.ai.agents.connected_agent.run_id';
export const ATTR_AZURE_AI_AGENTS_MCP_SERVER_LABEL = 'azure.ai.agents.mcp.server_label';
export const ATTR_AZURE_AI_AGENTS_BROWSER_AUTOMATION_STEP_COUNT = 'azure.ai.agents.browser_automation.step_count';
export const ATTR_AZURE_AI_AGENTS_COMPUTER_USE_ACTION = 'azure.ai.agents.computer_use.action';
export const ATTR_AZURE_AI_AGENTS_COMPUTER_USE_PENDING_SAFETY_CHECKS = 'azure.ai.agents.computer_use.pending_safety_checks';
