// What a tool call is, whatever its type: documented ones (function, code_interpreter,
// file_search) by their shape, Azure's by theirs (azure-tools.ts), any other by its `type` and
// the object under that key.
import { describeAzureToolCall } from './azure-tools.js';
import type { Attributes } from './span-record.js';
import { isObj, nonEmpty, str, stringify, type Obj } from './json-values.js';

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
}

function describeFunction(call: Obj): Pick<ToolCallDescription, 'name' | 'toolType' | 'content' | 'details'> {
  const fn = isObj(call.function) ? call.function : {};
  const content: ToolCallDescription['content'] = {};
  const args = stringify(fn.arguments);
  const output = stringify(fn.output);
  if (args !== undefined) content.arguments = args;
  if (output !== undefined) content.result = output;
  return { name: nonEmpty(fn.name) ?? 'function', toolType: 'function', content, details: {} };
}

function describeCodeInterpreter(call: Obj): Pick<ToolCallDescription, 'name' | 'toolType' | 'content' | 'details'> {
  const ci = isObj(call.code_interpreter) ? call.code_interpreter : {};
  const outputs = Array.isArray(ci.outputs) ? ci.outputs.filter(isObj) : [];
  const logs = outputs.map((o) => str(o.logs)).filter((l): l is string => l !== undefined);
  const content: ToolCallDescription['content'] = {};
  const input = str(ci.input);
  if (input !== undefined) content.arguments = input;
  if (logs.length > 0) content.result = logs.join('\n');
  const details: Attributes = { 'openai.code_interpreter.output_count': outputs.length };
  const imageCount = outputs.filter((o) => o.type === 'image').length;
  if (imageCount > 0) details['openai.code_interpreter.image_count'] = imageCount;
  return { name: 'code_interpreter', toolType: 'extension', content, details };
}

function describeFileSearch(call: Obj): Pick<ToolCallDescription, 'name' | 'toolType' | 'content' | 'details'> {
  const fs = isObj(call.file_search) ? call.file_search : {};
  const results = Array.isArray(fs.results) ? fs.results.filter(isObj) : [];
  const details: Attributes = { 'openai.file_search.result_count': results.length };
  const ranking = isObj(fs.ranking_options) ? fs.ranking_options : undefined;
  if (ranking && typeof ranking.ranker === 'string') details['openai.file_search.ranker'] = ranking.ranker;
  if (ranking && typeof ranking.score_threshold === 'number') details['openai.file_search.score_threshold'] = ranking.score_threshold;
  const ids = results.map((r) => str(r.file_id)).filter((id): id is string => id !== undefined);
  if (ids.length > 0) details['openai.file_search.file_ids'] = ids;
  const content: ToolCallDescription['content'] = {};
  // Result text is only there when the request asked for it with include[].
  const texts = results.flatMap((r) =>
    (Array.isArray(r.content) ? r.content.filter(isObj) : []).map((c) => str(c.text)).filter((t): t is string => t !== undefined),
  );
  if (texts.length > 0) content.result = texts.join('\n');
  return { name: 'file_search', toolType: 'datastore', content, details };
}

/** Names an undocumented tool from the object under its type key, as services that extend the protocol do. */
function describeOther(call: Obj, type: string): Pick<ToolCallDescription, 'name' | 'toolType' | 'content' | 'details'> {
  const body = isObj(call[type]) ? (call[type] as Obj) : {};
  const name = nonEmpty(body.name) ?? nonEmpty(body.server_label) ?? nonEmpty(body.operation_id) ?? type;
  const content: ToolCallDescription['content'] = {};
  const args = stringify(body.arguments ?? body.input);
  const output = stringify(body.output ?? body.outputs ?? body.results);
  if (args !== undefined) content.arguments = args;
  if (output !== undefined) content.result = output;
  return { name, toolType: 'extension', content, details: { 'openai.tool_call.type': type } };
}

/** A type some service documents (Azure's), else named from its body; the raw type is kept either way. */
function describeService(call: Obj, type: string): Pick<ToolCallDescription, 'name' | 'toolType' | 'content' | 'details'> {
  const azure = describeAzureToolCall(call, type);
  if (!azure) return describeOther(call, type);
  return { ...azure, details: { 'openai.tool_call.type': type, ...azure.details } };
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
  return { key: callId ?? `#${index}`, callId, ...described };
}
