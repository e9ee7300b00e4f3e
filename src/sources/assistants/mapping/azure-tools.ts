// Tool calls that Azure AI Foundry Agent Service (and Azure OpenAI) add to the protocol. Their
// shapes come from the Agents REST spec as the Azure SDKs generate it: most carry a
// `{ [type]: {...} }` body of strings (input/output, or the Bing request URL), MCP calls put
// their fields on the call itself, connected agents name the agent and its own run.
// Content (queries, arguments, outputs) goes to `content`, exported only with capture on; ids
// and labels go to `details`.
import {
  ATTR_AZURE_AI_AGENTS_BROWSER_AUTOMATION_STEP_COUNT,
  ATTR_AZURE_AI_AGENTS_COMPUTER_USE_ACTION,
  ATTR_AZURE_AI_AGENTS_COMPUTER_USE_PENDING_SAFETY_CHECKS,
  ATTR_AZURE_AI_AGENTS_CONNECTED_AGENT_ID,
  ATTR_AZURE_AI_AGENTS_CONNECTED_AGENT_RUN_ID,
  ATTR_AZURE_AI_AGENTS_CONNECTED_AGENT_THREAD_ID,
  ATTR_AZURE_AI_AGENTS_MCP_SERVER_LABEL,
  ATTR_AZURE_AI_AGENTS_OPENAPI_OPERATION_ID,
} from '../attributes.js';
import type { Attributes } from '../../../core/span-record.js';
import { isObj, nonEmpty, stringify, type Obj } from '../../../mapping/json-values.js';

export interface DescribedCall {
  name: string;
  /** `gen_ai.tool.type`: function (the client runs it), extension (the service runs it), datastore (retrieval). */
  toolType: string;
  content: { arguments?: string; result?: string };
  details: Attributes;
}

function content(args: unknown, result: unknown): DescribedCall['content'] {
  const out: DescribedCall['content'] = {};
  const a = stringify(args);
  const r = stringify(result);
  if (a !== undefined) out.arguments = a;
  if (r !== undefined) out.result = r;
  return out;
}

/** Search and grounding tools whose body is a dictionary of request and response strings. */
const GROUNDING: Record<string, string> = {
  bing_grounding: 'extension',
  bing_custom_search: 'extension',
  azure_ai_search: 'datastore',
  sharepoint_grounding: 'datastore',
  fabric_dataagent: 'datastore',
};

function grounding(body: Obj, type: string, toolType: string): DescribedCall {
  // Bing puts the query in the request URL: content, like any other input.
  return {
    name: type,
    toolType,
    content: content(body.requesturl ?? body.input ?? body.arguments, body.response_metadata ?? body.output),
    details: {},
  };
}

function openapi(call: Obj, body: Obj): DescribedCall {
  // The spec reserves the body ("for future use"); services fill it with the operation, and
  // some send it as a `function` object, as function calls do.
  const fn = isObj(call.function) ? call.function : {};
  const name = nonEmpty(body.name) ?? nonEmpty(fn.name) ?? nonEmpty(body.operation_id) ?? nonEmpty(body.operationId) ?? 'openapi';
  const details: Attributes = {};
  const operationId = nonEmpty(body.operation_id) ?? nonEmpty(body.operationId);
  if (operationId && operationId !== name) details[ATTR_AZURE_AI_AGENTS_OPENAPI_OPERATION_ID] = operationId;
  return { name, toolType: 'extension', content: content(body.arguments ?? fn.arguments, body.output ?? fn.output), details };
}

function azureFunction(body: Obj): DescribedCall {
  return {
    name: nonEmpty(body.name) ?? 'azure_function',
    toolType: 'extension',
    content: content(body.arguments, body.output),
    details: {},
  };
}

function connectedAgent(body: Obj): DescribedCall {
  const details: Attributes = {};
  const agentId = nonEmpty(body.assistant_id) ?? nonEmpty(body.agent_id);
  if (agentId) details[ATTR_AZURE_AI_AGENTS_CONNECTED_AGENT_ID] = agentId;
  // The connected agent's own thread and run: where its trace (and this bridge's, if it
  // watches that thread) can be found.
  const threadId = nonEmpty(body.thread_id);
  const runId = nonEmpty(body.run_id);
  if (threadId) details[ATTR_AZURE_AI_AGENTS_CONNECTED_AGENT_THREAD_ID] = threadId;
  if (runId) details[ATTR_AZURE_AI_AGENTS_CONNECTED_AGENT_RUN_ID] = runId;
  return { name: nonEmpty(body.name) ?? 'connected_agent', toolType: 'extension', content: content(body.arguments, body.output), details };
}

function mcp(call: Obj): DescribedCall {
  // Documented on the call itself; some services nest it under `mcp` like other tools.
  const body = isObj(call.mcp) ? call.mcp : call;
  const label = nonEmpty(body.server_label);
  const details: Attributes = {};
  if (label) details[ATTR_AZURE_AI_AGENTS_MCP_SERVER_LABEL] = label;
  // The tool that ran is the server's function; the label says which server.
  return { name: nonEmpty(body.name) ?? label ?? 'mcp', toolType: 'extension', content: content(body.arguments, body.output), details };
}

function deepResearch(body: Obj): DescribedCall {
  return { name: 'deep_research', toolType: 'extension', content: content(body.input, body.output), details: {} };
}

function browserAutomation(body: Obj): DescribedCall {
  const details: Attributes = {};
  if (Array.isArray(body.steps)) details[ATTR_AZURE_AI_AGENTS_BROWSER_AUTOMATION_STEP_COUNT] = body.steps.length;
  return { name: 'browser_automation', toolType: 'extension', content: content(body.input, body.output), details };
}

function computerUse(body: Obj): DescribedCall {
  const details: Attributes = {};
  const action = isObj(body.action) ? body.action : undefined;
  const actionType = nonEmpty(action?.type);
  if (actionType) details[ATTR_AZURE_AI_AGENTS_COMPUTER_USE_ACTION] = actionType;
  if (Array.isArray(body.pending_safety_checks))
    details[ATTR_AZURE_AI_AGENTS_COMPUTER_USE_PENDING_SAFETY_CHECKS] = body.pending_safety_checks.length;
  // The client carries out the action and sends the screenshot back: a client-side tool.
  return { name: 'computer_use_preview', toolType: 'function', content: content(action, undefined), details };
}

/** The Azure tool call types this module knows; null for any other type. */
export function describeAzureToolCall(call: Obj, type: string): DescribedCall | null {
  const body = isObj(call[type]) ? call[type] : {};
  const groundingType = GROUNDING[type];
  if (groundingType) return grounding(body, type, groundingType);
  switch (type) {
    case 'openapi':
      return openapi(call, body);
    case 'azure_function':
      return azureFunction(body);
    case 'connected_agent':
      return connectedAgent(body);
    case 'mcp':
      return mcp(call);
    case 'deep_research':
      return deepResearch(body);
    case 'browser_automation':
      return browserAutomation(body);
    case 'computer_use_preview':
      return computerUse(body);
    default:
      return null;
  }
}
