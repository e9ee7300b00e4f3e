// What a tool call is, whatever its type: documented ones (function, code_interpreter,
// file_search) by their shape, Azure's by theirs (azure-tools.ts), any other by its `type` and
// the object under that key.
import { ERROR_TYPE_VALUE_OTHER } from '../../../semconv/attributes.js';
import {
  ATTR_OPENAI_CODE_INTERPRETER_IMAGE_COUNT,
  ATTR_OPENAI_CODE_INTERPRETER_IMAGE_FILE_IDS,
  ATTR_OPENAI_CODE_INTERPRETER_OUTPUT_COUNT,
  ATTR_OPENAI_FILE_SEARCH_FILE_IDS,
  ATTR_OPENAI_FILE_SEARCH_RANKER,
  ATTR_OPENAI_FILE_SEARCH_RESULT_COUNT,
  ATTR_OPENAI_FILE_SEARCH_SCORE_THRESHOLD,
  ATTR_OPENAI_TOOL_CALL_TYPE,
} from '../../../semconv/openai-tool-attributes.js';
import { describeAzureToolCall } from './azure-tools.js';
import type { Attributes } from '../../../core/span-record.js';
import { isObj, nonEmpty, str, stringify, type Obj } from '../../../mapping/json-values.js';

/** One file search hit, as `gen_ai.retrieval.documents` describes a document. */
export interface RetrievedDocument {
  id?: string;
  name?: string;
  score?: number;
  /** Sensitive: only exported with content capture on. */
  content?: string;
}

export interface ToolCallDescription {
  /** Stable key for the span ID: the call's id, else its position in the step. */
  key: string;
  callId: string | null;
  name: string;
  /** `gen_ai.tool.type`: function, extension (runs on the agent's side) or datastore. */
  toolType: string;
  /** Sensitive: only exported with content capture on. */
  content: { arguments?: string; result?: string };
  /** Non-sensitive details, already prefixed attribute names. */
  details: Attributes;
  /** A function call without output: the app never answered it (when its step has ended). */
  unanswered: boolean;
  /** The call reports a failure of its own (an MCP call's `error`, say). */
  error: { type: string; message?: string } | null;
  /** A connected agent's own run, whose trace the call links to. */
  childRun: { runId: string; threadId: string | null } | null;
  /** File search hits; null for other tools. */
  documents: RetrievedDocument[] | null;
}

type Described = Pick<ToolCallDescription, 'name' | 'toolType' | 'content' | 'details'> &
  Partial<Pick<ToolCallDescription, 'unanswered' | 'documents'>>;

function describeFunction(call: Obj): Described {
  const fn = isObj(call.function) ? call.function : {};
  const content: ToolCallDescription['content'] = {};
  const args = stringify(fn.arguments);
  const output = stringify(fn.output);
  if (args !== undefined) content.arguments = args;
  if (output !== undefined) content.result = output;
  return {
    name: nonEmpty(fn.name) ?? 'function',
    toolType: 'function',
    content,
    details: {},
    unanswered: fn.output === null || fn.output === undefined,
  };
}

function describeCodeInterpreter(call: Obj): Described {
  const ci = isObj(call.code_interpreter) ? call.code_interpreter : {};
  const outputs = Array.isArray(ci.outputs) ? ci.outputs.filter(isObj) : [];
  const logs = outputs.map((o) => str(o.logs)).filter((l): l is string => l !== undefined);
  const content: ToolCallDescription['content'] = {};
  const input = str(ci.input);
  if (input !== undefined) content.arguments = input;
  if (logs.length > 0) content.result = logs.join('\n');
  const details: Attributes = { [ATTR_OPENAI_CODE_INTERPRETER_OUTPUT_COUNT]: outputs.length };
  const images = outputs.filter((o) => o.type === 'image');
  if (images.length > 0) details[ATTR_OPENAI_CODE_INTERPRETER_IMAGE_COUNT] = images.length;
  // File ids, not content: what a user needs to fetch the chart the code drew.
  const imageIds = images
    .map((o) => (isObj(o.image) ? nonEmpty(o.image.file_id) : undefined))
    .filter((id): id is string => id !== undefined);
  if (imageIds.length > 0) details[ATTR_OPENAI_CODE_INTERPRETER_IMAGE_FILE_IDS] = imageIds;
  return { name: 'code_interpreter', toolType: 'extension', content, details };
}

function describeFileSearch(call: Obj): Described {
  const fs = isObj(call.file_search) ? call.file_search : {};
  const results = Array.isArray(fs.results) ? fs.results.filter(isObj) : [];
  const details: Attributes = { [ATTR_OPENAI_FILE_SEARCH_RESULT_COUNT]: results.length };
  const ranking = isObj(fs.ranking_options) ? fs.ranking_options : undefined;
  if (ranking && typeof ranking.ranker === 'string') details[ATTR_OPENAI_FILE_SEARCH_RANKER] = ranking.ranker;
  if (ranking && typeof ranking.score_threshold === 'number') details[ATTR_OPENAI_FILE_SEARCH_SCORE_THRESHOLD] = ranking.score_threshold;
  const ids = results.map((r) => str(r.file_id)).filter((id): id is string => id !== undefined);
  if (ids.length > 0) details[ATTR_OPENAI_FILE_SEARCH_FILE_IDS] = ids;
  const content: ToolCallDescription['content'] = {};
  // Result text is only there when the request asked for it with include[].
  const texts = results.flatMap((r) =>
    (Array.isArray(r.content) ? r.content.filter(isObj) : []).map((c) => str(c.text)).filter((t): t is string => t !== undefined),
  );
  if (texts.length > 0) content.result = texts.join('\n');
  return { name: 'file_search', toolType: 'datastore', content, details, documents: results.map(retrievedDocument) };
}

function retrievedDocument(result: Obj): RetrievedDocument {
  const doc: RetrievedDocument = {};
  const id = nonEmpty(result.file_id);
  const name = nonEmpty(result.file_name);
  if (id !== undefined) doc.id = id;
  if (name !== undefined) doc.name = name;
  if (typeof result.score === 'number' && Number.isFinite(result.score)) doc.score = result.score;
  const texts = (Array.isArray(result.content) ? result.content.filter(isObj) : [])
    .map((c) => str(c.text))
    .filter((t): t is string => t !== undefined);
  if (texts.length > 0) doc.content = texts.join('\n');
  return doc;
}

/** Names an undocumented tool from the object under its type key, as services that extend the protocol do. */
function describeOther(call: Obj, type: string): Described {
  const body = isObj(call[type]) ? call[type] : {};
  const name = nonEmpty(body.name) ?? nonEmpty(body.server_label) ?? nonEmpty(body.operation_id) ?? type;
  const content: ToolCallDescription['content'] = {};
  const args = stringify(body.arguments ?? body.input);
  const output = stringify(body.output ?? body.outputs ?? body.results);
  if (args !== undefined) content.arguments = args;
  if (output !== undefined) content.result = output;
  return { name, toolType: 'extension', content, details: { [ATTR_OPENAI_TOOL_CALL_TYPE]: type } };
}

/** A type some service documents (Azure's), else named from its body; the raw type is kept either way. */
function describeService(call: Obj, type: string): Described {
  const azure = describeAzureToolCall(call, type);
  if (!azure) return describeOther(call, type);
  return { ...azure, details: { [ATTR_OPENAI_TOOL_CALL_TYPE]: type, ...azure.details } };
}

/**
 * A failure the call reports itself: an `error` on the call or on the body under its type (MCP
 * calls carry one). A string is the message; an object may name a code.
 */
function ownError(call: Obj, type: string): ToolCallDescription['error'] {
  const body = isObj(call[type]) ? call[type] : {};
  const raw = call.error ?? body.error;
  if (typeof raw === 'string') return raw.length > 0 ? { type: ERROR_TYPE_VALUE_OTHER, message: raw } : null;
  if (!isObj(raw)) return null;
  const code = nonEmpty(raw.code) ?? nonEmpty(raw.type) ?? (typeof raw.code === 'number' ? String(raw.code) : undefined);
  const message = nonEmpty(raw.message);
  return { type: code ?? ERROR_TYPE_VALUE_OTHER, ...(message !== undefined ? { message } : {}) };
}

/** The connected agent's run (Azure's `connected_agent` body names it). */
export function childRunOf(call: Obj, type: unknown): ToolCallDescription['childRun'] {
  if (type !== 'connected_agent') return null;
  const body = isObj(call.connected_agent) ? call.connected_agent : {};
  const runId = nonEmpty(body.run_id);
  return runId ? { runId, threadId: nonEmpty(body.thread_id) ?? null } : null;
}

export function describeToolCall(raw: unknown, index: number): ToolCallDescription {
  const call = isObj(raw) ? raw : {};
  const callId = nonEmpty(call.id) ?? null;
  const type = nonEmpty(call.type) ?? 'unknown';
  const described =
    type === 'function'
      ? describeFunction(call)
      : type === 'code_interpreter'
        ? describeCodeInterpreter(call)
        : type === 'file_search'
          ? describeFileSearch(call)
          : describeService(call, type);
  return {
    key: callId ?? `#${index}`,
    callId,
    ...described,
    unanswered: described.unanswered ?? false,
    error: ownError(call, type),
    childRun: childRunOf(call, type),
    documents: described.documents ?? null,
  };
}
