// Which output items are tool calls, and what each says: its tool's name and type, its call id,
// non-sensitive details, its content (arguments and result, read only when content is captured)
// and any failure it reports. Every item is a tool call but messages, reasoning, compaction,
// approvals, tool lists and `*_output` items; types the bridge does not know are calls too, named
// after what they name or their type without `_call`.
import { isObj, nonEmpty, stringify, type Obj } from '../../mapping/json-values.js';
import type { Attributes } from '../../core/span-record.js';
import { ERROR_TYPE_VALUE_OTHER } from '../../semconv/attributes.js';
import {
  ATTR_OPENAI_CODE_INTERPRETER_OUTPUT_COUNT,
  ATTR_OPENAI_FILE_SEARCH_FILE_IDS,
  ATTR_OPENAI_FILE_SEARCH_RESULT_COUNT,
} from '../../semconv/openai-tool-attributes.js';
import {
  ATTR_OPENAI_APPLY_PATCH_OPERATION_TYPE,
  ATTR_OPENAI_CODE_INTERPRETER_CONTAINER_ID,
  ATTR_OPENAI_COMPUTER_ACTION_TYPE,
  ATTR_OPENAI_MCP_SERVER_LABEL,
  ATTR_OPENAI_MCP_TOOL_COUNT,
  ATTR_OPENAI_WEB_SEARCH_ACTION_TYPE,
} from './attributes.js';

/** `gen_ai.tool.type`: function (the app runs it), extension (the service runs it), datastore (retrieval). */
export type ToolType = 'function' | 'extension' | 'datastore';

export interface ToolContent {
  arguments?: string;
  result?: string;
}

export interface ToolItem {
  /** Stable key for the span ID: the call id, else the item id, else `#` and its position. */
  key: string;
  /** `gen_ai.tool.call.id`: the item's `call_id`, else its id. */
  callId: string | null;
  itemId: string | null;
  /** The item's `type` as it came. */
  itemType: string;
  status: string | null;
  name: string;
  toolType: ToolType;
  /** Non-sensitive details, already named attributes. */
  details: Attributes;
  /** The item reports a failure: an `error`, or status `failed`. */
  error: { type: string; message?: string } | null;
  /** Sensitive: read only when content is captured (arguments can be megabytes). */
  content: () => ToolContent;
}

/** Items that answer calls (the app's `*_output` items), by the call id they answer. */
export type Answers = ReadonlyMap<string, Obj>;

const NOT_CALLS: ReadonlySet<string> = new Set([
  'message',
  'reasoning',
  'compaction',
  'compaction_trigger',
  // Tools made available to the model, not a use of one.
  'additional_tools',
  // Foundry's: an agent's structured result, and a request for the user's consent (an approval).
  'structured_outputs',
  'oauth_consent_request',
]);

/** Whether an item of this type is a tool call (types not yet known are). */
export const isToolCallType = (type: string): boolean => !NOT_CALLS.has(type) && !type.endsWith('_output') && !type.includes('approval');

/** The call id an answer item answers: `call_id`, or the id of a local shell call's output (which is its call's). */
function answeredCallId(item: Obj): string | undefined {
  const type = nonEmpty(item.type);
  if (type === undefined || !type.endsWith('_output')) return undefined;
  return nonEmpty(item.call_id) ?? (type === 'local_shell_call_output' ? nonEmpty(item.id) : undefined);
}

/** Answers among `items` (a response's own output, its conversation, the next response's input): the first per call id. */
export function indexAnswers(...lists: readonly (readonly unknown[])[]): Answers {
  const answers = new Map<string, Obj>();
  for (const list of lists) {
    for (const item of list) {
      if (!isObj(item)) continue;
      const callId = answeredCallId(item);
      if (callId !== undefined && !answers.has(callId)) answers.set(callId, item);
    }
  }
  return answers;
}

interface Described {
  name?: string | undefined;
  toolType?: ToolType;
  details?: Attributes;
  /** What the call was given and what it gave back, as the item holds them (read lazily). */
  args?: (item: Obj) => unknown;
  result?: (item: Obj) => unknown;
}

const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const texts = (items: Obj[], key: string): string[] => items.map((i) => i[key]).filter((t): t is string => typeof t === 'string');
/** Attributes whose value is known; an absent value is left out rather than set empty. */
function known(entries: Record<string, string | number | string[] | undefined>): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(entries))
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) out[key] = value;
  return out;
}

/** Data stores among Foundry's tools (its preview ones are named `..._preview_call`). */
const DATASTORES: ReadonlySet<string> = new Set([
  'file_search',
  'azure_ai_search',
  'sharepoint_grounding',
  'fabric_dataagent',
  'memory_search',
]);

// A Map, not an object: an item type such as `constructor` must not find Object's members.
const DESCRIBE: ReadonlyMap<string, (item: Obj) => Described> = new Map(
  Object.entries({
    function_call: (item) => ({ name: nonEmpty(item.name), toolType: 'function', args: (i) => i.arguments }),
    custom_tool_call: (item) => ({ name: nonEmpty(item.name), toolType: 'function', args: (i) => i.input }),
    web_search_call: (item) => {
      const action = obj(item.action);
      return {
        details: known({ [ATTR_OPENAI_WEB_SEARCH_ACTION_TYPE]: nonEmpty(action.type) }),
        args: () => action.query ?? action.queries ?? action.url ?? action.pattern,
        result: () => action.sources,
      };
    },
    file_search_call: (item) => {
      const results = Array.isArray(item.results) ? list(item.results) : null;
      return {
        details: known({
          [ATTR_OPENAI_FILE_SEARCH_RESULT_COUNT]: results?.length,
          [ATTR_OPENAI_FILE_SEARCH_FILE_IDS]: results ? texts(results, 'file_id') : undefined,
        }),
        args: (i) => i.queries,
        result: () => (results ? texts(results, 'text').join('\n') || undefined : undefined),
      };
    },
    code_interpreter_call: (item) => {
      const outputs = Array.isArray(item.outputs) ? list(item.outputs) : null;
      return {
        toolType: 'extension',
        details: known({
          [ATTR_OPENAI_CODE_INTERPRETER_CONTAINER_ID]: nonEmpty(item.container_id),
          [ATTR_OPENAI_CODE_INTERPRETER_OUTPUT_COUNT]: outputs?.length,
        }),
        args: (i) => i.code,
        result: () => (outputs ? texts(outputs, 'logs').join('\n') || undefined : undefined),
      };
    },
    computer_call: (item) => {
      const action = isObj(item.action) ? item.action : list(item.actions)[0];
      return {
        toolType: 'function',
        details: known({ [ATTR_OPENAI_COMPUTER_ACTION_TYPE]: nonEmpty(action?.type) }),
        args: (i) => i.action ?? i.actions,
      };
    },
    // The image itself (base64, often megabytes) is never content worth a span attribute.
    image_generation_call: () => ({ args: (i) => i.revised_prompt }),
    local_shell_call: () => ({ toolType: 'function', args: (i) => i.action }),
    // Runs in the app's environment unless the call names a hosted container.
    shell_call: (item) => ({
      toolType: obj(item.environment).type === 'container_reference' ? 'extension' : 'function',
      args: (i) => i.action,
    }),
    apply_patch_call: (item) => ({
      toolType: 'function',
      details: known({ [ATTR_OPENAI_APPLY_PATCH_OPERATION_TYPE]: nonEmpty(obj(item.operation).type) }),
      args: (i) => i.operation,
    }),
    mcp_call: (item) => ({
      name: nonEmpty(item.name),
      details: known({ [ATTR_OPENAI_MCP_SERVER_LABEL]: nonEmpty(item.server_label) }),
      args: (i) => i.arguments,
      result: (i) => i.output,
    }),
    mcp_list_tools: (item) => ({
      details: known({
        [ATTR_OPENAI_MCP_SERVER_LABEL]: nonEmpty(item.server_label),
        [ATTR_OPENAI_MCP_TOOL_COUNT]: Array.isArray(item.tools) ? item.tools.length : undefined,
      }),
      result: (i) => i.tools,
    }),
    tool_search_call: (item) => ({ toolType: item.execution === 'client' ? 'function' : 'extension', args: (i) => i.arguments }),
    program: () => ({ args: (i) => i.code }),
  } satisfies Record<string, (item: Obj) => Described>),
);

/** A type the bridge does not know: named from the item as services that extend the protocol name things. */
function describeOther(item: Obj): Described {
  return {
    name: nonEmpty(item.name) ?? nonEmpty(item.server_label),
    args: (i) => i.arguments ?? i.input ?? i.action ?? i.query,
    result: (i) => i.output ?? i.result ?? i.results,
  };
}

/** The tool's own name without `_call` (and without Foundry's `_preview`, for its type only). */
const baseName = (type: string): string => (type.endsWith('_call') ? type.slice(0, -'_call'.length) : type) || type;
const defaultToolType = (base: string): ToolType => (DATASTORES.has(base.replace(/_preview$/, '')) ? 'datastore' : 'extension');

/**
 * A failure the item reports: an `error` (a string is the message; an object may name a code or a
 * type, as MCP's `{type: 'http_error', code: 502}` does), or status `failed` without one.
 */
function ownError(item: Obj): ToolItem['error'] {
  const raw = item.error;
  if (typeof raw === 'string' && raw.length > 0) return { type: ERROR_TYPE_VALUE_OTHER, message: raw };
  if (isObj(raw)) {
    const type = nonEmpty(raw.code) ?? nonEmpty(raw.type) ?? (typeof raw.code === 'number' ? String(raw.code) : undefined);
    const message = nonEmpty(raw.message);
    return { type: type ?? ERROR_TYPE_VALUE_OTHER, ...(message !== undefined ? { message } : {}) };
  }
  return item.status === 'failed' ? { type: ERROR_TYPE_VALUE_OTHER } : null;
}

/** The tool call an output item is, or null when it is not one (a message, an output, no type at all). */
export function describeToolItem(item: Obj, index: number, answers: Answers): ToolItem | null {
  const type = nonEmpty(item.type);
  if (type === undefined || !isToolCallType(type)) return null;
  const describe = DESCRIBE.get(type) ?? describeOther;
  const d = describe(item);
  const base = baseName(type);
  const itemId = nonEmpty(item.id) ?? null;
  const callId = nonEmpty(item.call_id) ?? itemId;
  const answer = callId === null ? undefined : answers.get(callId);
  return {
    key: callId ?? `#${index}`,
    callId,
    itemId,
    itemType: type,
    status: nonEmpty(item.status) ?? null,
    name: d.name ?? base,
    toolType: d.toolType ?? defaultToolType(base),
    details: d.details ?? {},
    error: ownError(item),
    content: () => {
      const content: ToolContent = {};
      const args = stringify(d.args?.(item));
      // The call's own result, else the app's answer to it.
      const result = stringify(d.result?.(item)) ?? stringify(answer?.output);
      if (args !== undefined) content.arguments = args;
      if (result !== undefined) content.result = result;
      return content;
    },
  };
}
