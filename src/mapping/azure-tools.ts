// Tool calls that Azure AI Foundry Agent Service (and Azure OpenAI) add to the protocol. Their
// shapes come from the Agents REST spec as the Azure SDKs generate it: most carry a
// `{ [type]: {...} }` body of strings (input/output, or the Bing request URL), MCP calls put
// their fields on the call itself, connected agents name the agent and its own run.
// Content (queries, arguments, outputs) goes to `content`, exported only with capture on; ids
// and labels go to `details`.
import type { Attributes } from './span-record.js';
import { isObj, nonEmpty, stringify, type Obj } from './json-values.js';

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

const PREFIX = 'azure.ai.agents';

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
  return { name: type, toolType, content: content(body.requesturl ?? body.input ?? body.arguments, body.response_metadata ?? body.output), details: {} };
}

function openapi(call: Obj, body: Obj): DescribedCall {
  // The spec reserves the body ("for future use"); services fill it with the operation, and
  // some send it as a `function` object, as function calls do.
  const fn = isObj(call.function) ? call.function : {};
  const name = nonEmpty(body.name) ?? nonEmpty(fn.name) ?? nonEmpty(body.operation_id) ?? nonEmpty(body.operationId) ?? 'openapi';
  const details: Attributes = {};
  const operationId = nonEmpty(body.operation_id) ?? nonEmpty(body.operationId);
  if (operationId && operationId !== name) details[`${PREFIX}.openapi.operation_id`] = operationId;
  return { name, toolType: 'extension', content: content(body.arguments ?? fn.arguments, body.output ?? fn.output), details };
}

function azureFunction(body: Obj): DescribedCall {
  return { name: nonEmpty(body.name) ?? 'azure_function', toolType: 'extension', content: content(body.arguments, body.output), details: {} };
}

function connectedAgent(body: Obj): DescribedCall {
  const details: Attributes = {};
  const agentId = nonEmpty(body.assistant_id) ?? nonEmpty(body.agent_id);
  if (agentId) details[`${PREFIX}.connected_agent.id`] = agentId;
  // The connected agent's own thread and run: where its trace (and this bridge's, if it
  // watches that thread) can be found.
  const threadId = nonEmpty(body.thread_id);
  const runId = nonEmpty(body.run_id);
  if (threadId) details[`${PREFIX}.connected_agent.thread_id`] = threadId;
  if (runId) details[`${PREFIX}.connected_agent.run_id`] = runId;
  return { name: nonEmpty(body.name) ?? 'connected_agent', toolType: 'extension', content: content(body.arguments, body.output), details };
}

function mcp(call: Obj): DescribedCall {
  // Documented on the call itself; some services nest it under `mcp` like other tools.
  const body = isObj(call.mcp) ? call.mcp : call;
  const label = nonEmpty(body.server_label);
  const details: Attributes = {};
  if (label) details[`${PREFIX}.mcp.server_label`] = label;
  // The tool that ran is the server's function; the label says which server.
  return { name: nonEmpty(body.name) ?? label ?? 'mcp', toolType: 'extension', content: content(body.arguments, body.output), details };
}

function deepResearch(body: Obj): DescribedCall {
  return { name: 'deep_research', toolType: 'extension', content: content(body.input, body.output), details: {} };
}

function browserAutomation(body: Obj): DescribedCall {
  const details: Attributes = {};
  if (Array.isArray(body.steps)) details[`${PREFIX}.browser_automation.step_count`] = body.steps.length;
  return { name: 'browser_automation', toolType: 'extension', content: content(body.input, body.output), details };
}

function computerUse(body: Obj): DescribedCall {
  const details: Attributes = {};
  const action = isObj(body.action) ? body.action : undefined;
  const actionType = nonEmpty(action?.type);
  if (actionType) details[`${PREFIX}.computer_use.action`] = actionType;
  if (Array.isArray(body.pending_safety_checks)) details[`${PREFIX}.computer_use.pending_safety_checks`] = body.pending_safety_checks.length;
  // The client carries out the action and sends the screenshot back: a client-side tool.
  return { name: 'computer_use_preview', toolType: 'function', content: content(action, undefined), details };
}

/** The Azure tool call types this module knows; null for any other type. */
export function describeAzureToolCall(call: Obj, type: string): DescribedCall | null {
  const body = isObj(call[type]) ? (call[type] as Obj) : {};
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
