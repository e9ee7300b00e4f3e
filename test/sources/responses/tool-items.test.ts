// Tool-call output items, type by type: which items become `execute_tool` spans, their names,
// tool types, call ids, details, content (only with capture on), answers from the app's output
// items, and failures.
import { describe, expect, it } from 'vitest';
import type { SpanRecord } from '../../../src/core/span-record.js';
import { isToolCallType } from '../../../src/sources/responses/tool-items.js';
import { context, map, only, root, tools, withOutput } from './fixtures.js';

const captureOn = context({ captureContent: true, contentMaxLength: 2048 });

/** The one tool span of a response whose output is `item` (plus a message), mapped with capture on. */
const toolOf = (item: Record<string, unknown>, answers?: unknown[]): SpanRecord =>
  only(
    map(withOutput([item, { id: 'msg_9', type: 'message', role: 'assistant', status: 'completed', content: [] }]), {
      ctx: captureOn,
      ...(answers ? { answers } : {}),
    }),
  );

describe('which items are tool calls', () => {
  it.each([
    'message',
    'reasoning',
    'compaction',
    'mcp_approval_request',
    'mcp_approval_response',
    'function_call_output',
    'computer_call_output',
    'local_shell_call_output',
    'additional_tools',
    'oauth_consent_request',
    'structured_outputs',
  ])('%s is not', (type) => {
    expect(isToolCallType(type)).toBe(false);
    expect(tools(map(withOutput([{ id: 'x', type, status: 'completed' }])))).toEqual([]);
  });

  it.each([
    'function_call',
    'web_search_call',
    'file_search_call',
    'computer_call',
    'code_interpreter_call',
    'image_generation_call',
    'local_shell_call',
    'shell_call',
    'apply_patch_call',
    'mcp_call',
    'mcp_list_tools',
    'custom_tool_call',
    'tool_search_call',
    'program',
    'holodeck_call',
    'bing_grounding_call',
  ])('%s is', (type) => {
    expect(isToolCallType(type)).toBe(true);
    expect(tools(map(withOutput([{ id: 'x', type }])))).toHaveLength(1);
  });

  it('gives each tool call its own span under the root, in output order, and skips items without a type', () => {
    const spans = map(
      withOutput([
        { id: 'rs_1', type: 'reasoning', summary: [] },
        { id: 'fc_1', type: 'function_call', call_id: 'call_a', name: 'get_weather', arguments: '{}' },
        { id: 'untyped' },
        { id: 'ws_1', type: 'web_search_call', status: 'completed', action: { type: 'search' } },
        { id: 'msg_1', type: 'message', content: [] },
      ]),
    );
    expect(spans.map((s) => s.name)).toEqual(['chat gpt-4.1-mini', 'execute_tool get_weather', 'execute_tool web_search']);
    for (const t of tools(spans)) expect(t.parent).toEqual({ spanId: root(spans).spanId, remote: false });
    expect(tools(spans).map((t) => t.kind)).toEqual([0, 0]);
  });
});

describe('each documented type', () => {
  it('function_call: named after the function, a client tool, call_id as the call id, arguments as content', () => {
    const span = toolOf({
      id: 'fc_1',
      type: 'function_call',
      status: 'completed',
      call_id: 'call_1',
      name: 'get_weather',
      arguments: '{"city":"Oslo"}',
    });
    expect(span.name).toBe('execute_tool get_weather');
    expect(span.attributes).toEqual({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'get_weather',
      'gen_ai.tool.call.id': 'call_1',
      'gen_ai.tool.type': 'function',
      'openai.response.item.type': 'function_call',
      'openai.response.item.id': 'fc_1',
      'openai.response.item.status': 'completed',
      'assistants_bridge.timing': 'response',
      'gen_ai.tool.call.arguments': '{"city":"Oslo"}',
    });
  });

  it("function_call: the app's function_call_output, from the conversation or the next input, is its result", () => {
    const call = { id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{}' };
    const answer = { id: 'fco_1', type: 'function_call_output', call_id: 'call_1', output: '{"ok":true}' };
    expect(toolOf(call, [answer]).attributes['gen_ai.tool.call.result']).toBe('{"ok":true}');
    expect(toolOf(call, [{ ...answer, call_id: 'call_2' }]).attributes).not.toHaveProperty('gen_ai.tool.call.result');
    // An answer in the response's own output counts too.
    const spans = map(withOutput([call, answer]), { ctx: captureOn });
    expect(only(spans).attributes['gen_ai.tool.call.result']).toBe('{"ok":true}');
  });

  it('custom_tool_call: named after the tool, its input as arguments, its output answer as result', () => {
    const span = toolOf({ id: 'ctc_1', type: 'custom_tool_call', call_id: 'call_9', name: 'run_sql', input: 'SELECT 1' }, [
      { type: 'custom_tool_call_output', call_id: 'call_9', output: '1' },
    ]);
    expect(span.name).toBe('execute_tool run_sql');
    expect(span.attributes).toMatchObject({
      'gen_ai.tool.type': 'function',
      'gen_ai.tool.call.id': 'call_9',
      'gen_ai.tool.call.arguments': 'SELECT 1',
      'gen_ai.tool.call.result': '1',
    });
  });

  it('web_search_call: a service tool named web_search, the item id as the call id, the action type as a detail', () => {
    const span = toolOf({
      id: 'ws_1',
      type: 'web_search_call',
      status: 'completed',
      action: { type: 'search', query: 'otel genai', sources: [{ type: 'url', url: 'https://opentelemetry.io/' }] },
    });
    expect(span.name).toBe('execute_tool web_search');
    expect(span.attributes).toMatchObject({
      'gen_ai.tool.type': 'extension',
      'gen_ai.tool.call.id': 'ws_1',
      'openai.web_search.action.type': 'search',
      'gen_ai.tool.call.arguments': 'otel genai',
      'gen_ai.tool.call.result': '[{"type":"url","url":"https://opentelemetry.io/"}]',
    });
  });

  it('file_search_call: a datastore, result count and file ids as details, queries and result text as content', () => {
    const span = toolOf({
      id: 'fs_1',
      type: 'file_search_call',
      status: 'completed',
      queries: ['refunds'],
      results: [{ file_id: 'file-1', filename: 'handbook.pdf', score: 0.9, text: 'Within 14 days.' }],
    });
    expect(span.name).toBe('execute_tool file_search');
    expect(span.attributes).toMatchObject({
      'gen_ai.tool.type': 'datastore',
      'openai.file_search.result_count': 1,
      'openai.file_search.file_ids': ['file-1'],
      'gen_ai.tool.call.arguments': '["refunds"]',
      'gen_ai.tool.call.result': 'Within 14 days.',
    });
    // Without include[]=file_search_call.results the API sends results: null: no count rather than a false 0.
    expect(toolOf({ id: 'fs_2', type: 'file_search_call', queries: [], results: null }).attributes).not.toHaveProperty(
      'openai.file_search.result_count',
    );
  });

  it('code_interpreter_call: container and output count as details, code and logs as content', () => {
    const span = toolOf({
      id: 'ci_1',
      type: 'code_interpreter_call',
      status: 'completed',
      code: 'print(1)',
      container_id: 'cntr_1',
      outputs: [
        { type: 'logs', logs: '1\n' },
        { type: 'image', url: 'https://x/y.png' },
      ],
    });
    expect(span.name).toBe('execute_tool code_interpreter');
    expect(span.attributes).toMatchObject({
      'gen_ai.tool.type': 'extension',
      'openai.code_interpreter.container_id': 'cntr_1',
      'openai.code_interpreter.output_count': 2,
      'gen_ai.tool.call.arguments': 'print(1)',
      'gen_ai.tool.call.result': '1\n',
    });
  });

  it('computer_call: a client tool named computer, its call_id, the action type, the screenshot answer as result', () => {
    const span = toolOf(
      { id: 'cu_1', type: 'computer_call', status: 'completed', call_id: 'call_c', action: { type: 'click', x: 1, y: 2 } },
      [{ type: 'computer_call_output', call_id: 'call_c', output: { type: 'computer_screenshot', image_url: 'data:...' } }],
    );
    expect(span.name).toBe('execute_tool computer');
    expect(span.attributes).toMatchObject({
      'gen_ai.tool.type': 'function',
      'gen_ai.tool.call.id': 'call_c',
      'openai.computer.action.type': 'click',
      'gen_ai.tool.call.arguments': '{"type":"click","x":1,"y":2}',
      'gen_ai.tool.call.result': '{"type":"computer_screenshot","image_url":"data:..."}',
    });
    const batched = toolOf({ id: 'cu_2', type: 'computer_call', call_id: 'call_d', actions: [{ type: 'scroll' }] });
    expect(batched.attributes['openai.computer.action.type']).toBe('scroll');
  });

  it('image_generation_call: never the image itself, the revised prompt as content', () => {
    const span = toolOf({
      id: 'ig_1',
      type: 'image_generation_call',
      status: 'completed',
      result: 'iVBORw0KGgo'.repeat(1000),
      revised_prompt: 'A lighthouse',
    });
    expect(span.name).toBe('execute_tool image_generation');
    expect(span.attributes['gen_ai.tool.type']).toBe('extension');
    expect(span.attributes['gen_ai.tool.call.arguments']).toBe('A lighthouse');
    expect(span.attributes).not.toHaveProperty('gen_ai.tool.call.result');
  });

  it("local_shell_call: a client tool; its output item's id is the call's", () => {
    const span = toolOf(
      { id: 'lsh_1', type: 'local_shell_call', status: 'completed', call_id: 'call_l', action: { type: 'exec', command: ['ls'] } },
      [{ id: 'call_l', type: 'local_shell_call_output', output: 'README.md' }],
    );
    expect(span.name).toBe('execute_tool local_shell');
    expect(span.attributes).toMatchObject({
      'gen_ai.tool.type': 'function',
      'gen_ai.tool.call.id': 'call_l',
      'gen_ai.tool.call.arguments': '{"type":"exec","command":["ls"]}',
      'gen_ai.tool.call.result': 'README.md',
    });
  });

  it('shell_call: the app runs it unless it names a hosted container', () => {
    const local = toolOf({ id: 'sh_1', type: 'shell_call', call_id: 'c1', action: { commands: ['npm test'] }, environment: null });
    expect(local.name).toBe('execute_tool shell');
    expect(local.attributes['gen_ai.tool.type']).toBe('function');
    const hosted = toolOf({
      id: 'sh_2',
      type: 'shell_call',
      call_id: 'c2',
      action: {},
      environment: { type: 'container_reference', container_id: 'x' },
    });
    expect(hosted.attributes['gen_ai.tool.type']).toBe('extension');
  });

  it('apply_patch_call: the operation type as a detail, the operation as content', () => {
    const span = toolOf({
      id: 'apc_1',
      type: 'apply_patch_call',
      status: 'completed',
      call_id: 'c',
      operation: { type: 'update_file', path: 'a.ts', diff: '@@' },
    });
    expect(span.name).toBe('execute_tool apply_patch');
    expect(span.attributes).toMatchObject({ 'gen_ai.tool.type': 'function', 'openai.apply_patch.operation.type': 'update_file' });
  });

  it('mcp_call: named after the MCP tool, the server label as a detail, arguments and output as content', () => {
    const span = toolOf({
      id: 'mcp_1',
      type: 'mcp_call',
      status: 'completed',
      server_label: 'mslearn',
      name: 'microsoft_docs_search',
      arguments: '{"query":"x"}',
      output: '[]',
      error: null,
    });
    expect(span.name).toBe('execute_tool microsoft_docs_search');
    expect(span.status).toEqual({ code: 0 });
    expect(span.attributes).toMatchObject({
      'gen_ai.tool.type': 'extension',
      'openai.mcp.server_label': 'mslearn',
      'gen_ai.tool.call.arguments': '{"query":"x"}',
      'gen_ai.tool.call.result': '[]',
    });
  });

  it('mcp_list_tools: named after its type, with the server and how many tools it found', () => {
    const span = toolOf({
      id: 'mcpl_1',
      type: 'mcp_list_tools',
      server_label: 'mslearn',
      tools: [{ name: 'a' }, { name: 'b' }],
      error: null,
    });
    expect(span.name).toBe('execute_tool mcp_list_tools');
    expect(span.attributes).toMatchObject({
      'openai.mcp.server_label': 'mslearn',
      'openai.mcp.tool_count': 2,
      'gen_ai.tool.call.id': 'mcpl_1',
    });
  });

  it('tool_search_call: a client tool when the client executes it', () => {
    expect(
      toolOf({ id: 'ts_1', type: 'tool_search_call', call_id: null, execution: 'client', arguments: {} }).attributes['gen_ai.tool.type'],
    ).toBe('function');
    expect(toolOf({ id: 'ts_2', type: 'tool_search_call', execution: 'server' }).attributes['gen_ai.tool.type']).toBe('extension');
  });
});

describe('types the bridge does not know', () => {
  it('still get a span, named after their type without _call, keeping the raw type and the call id', () => {
    const span = toolOf({
      id: 'hd_1',
      type: 'holodeck_call',
      status: 'completed',
      call_id: 'call_h',
      program: 'warp',
      input: '{"deck":7}',
    });
    expect(span.name).toBe('execute_tool holodeck');
    expect(span.attributes).toMatchObject({
      'gen_ai.tool.name': 'holodeck',
      'gen_ai.tool.type': 'extension',
      'gen_ai.tool.call.id': 'call_h',
      'openai.response.item.type': 'holodeck_call',
      'gen_ai.tool.call.arguments': '{"deck":7}',
    });
  });

  it('are named after what they name when they do, and Foundry search tools are datastores', () => {
    expect(toolOf({ id: 'x', type: 'vendor_call', name: 'lookup' }).name).toBe('execute_tool lookup');
    const search = toolOf({ id: 'x', type: 'azure_ai_search_call', call_id: 'c', arguments: '{}' }, [
      { type: 'azure_ai_search_call_output', call_id: 'c', output: 'hits' },
    ]);
    expect(search.attributes).toMatchObject({
      'gen_ai.tool.name': 'azure_ai_search',
      'gen_ai.tool.type': 'datastore',
      'gen_ai.tool.call.result': 'hits',
    });
    expect(toolOf({ id: 'x', type: 'sharepoint_grounding_preview_call' }).attributes['gen_ai.tool.type']).toBe('datastore');
    expect(toolOf({ id: 'x', type: 'bing_grounding_call' }).attributes['gen_ai.tool.type']).toBe('extension');
  });

  it('never pick up members of Object as describers (a type named constructor or toString)', () => {
    for (const type of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const span = toolOf({ id: 'x', type });
      expect(span.name).toBe(`execute_tool ${type}`);
      expect(span.attributes['gen_ai.tool.type']).toBe('extension');
    }
  });
});

describe('failures', () => {
  it('makes an item with an error object ERROR, with its code, else its type, and its message', () => {
    const span = toolOf({
      id: 'mcp_2',
      type: 'mcp_call',
      status: 'failed',
      name: 'fetch',
      error: { type: 'http_error', code: 502, message: 'Bad Gateway' },
    });
    expect(span.status).toEqual({ code: 2, message: 'Bad Gateway' });
    expect(span.attributes['error.type']).toBe('http_error');
    expect(
      toolOf({ id: 'i', type: 'image_generation_call', error: { code: 'moderation_blocked', message: 'no' } }).attributes['error.type'],
    ).toBe('moderation_blocked');
  });

  it('makes an item with a string error ERROR as _OTHER with that message (the SDK documents a string for MCP)', () => {
    const span = toolOf({ id: 'mcpl_2', type: 'mcp_list_tools', server_label: 's', tools: [], error: 'connection refused' });
    expect(span.status).toEqual({ code: 2, message: 'connection refused' });
    expect(span.attributes['error.type']).toBe('_OTHER');
  });

  it('makes a failed item ERROR even without an error', () => {
    const span = toolOf({ id: 'ws_9', type: 'web_search_call', status: 'failed', action: { type: 'search' } });
    expect(span.status).toEqual({ code: 2 });
    expect(span.attributes['error.type']).toBe('_OTHER');
  });

  it("leaves items UNSET otherwise, even in a failed response (the response's failure is its own)", () => {
    const spans = map(
      withOutput([{ id: 'ws_1', type: 'web_search_call', status: 'completed', action: { type: 'search' } }], {
        status: 'failed',
        error: { code: 'server_error', message: 'x' },
      }),
    );
    expect(only(spans).status).toEqual({ code: 0 });
    expect(only(spans).attributes).not.toHaveProperty('error.type');
    expect(tools(map(withOutput([{ id: 'i', type: 'web_search_call', status: 'incomplete' }])))[0]?.status).toEqual({ code: 0 });
  });
});

describe('content capture and keys', () => {
  it('records no arguments or results with capture off', () => {
    const spans = map(withOutput([{ id: 'fc_1', type: 'function_call', call_id: 'c', name: 'f', arguments: '{"secret":1}' }]), {
      answers: [{ type: 'function_call_output', call_id: 'c', output: 'secret' }],
    });
    expect(only(spans).attributes).not.toHaveProperty('gen_ai.tool.call.arguments');
    expect(only(spans).attributes).not.toHaveProperty('gen_ai.tool.call.result');
    expect(JSON.stringify(spans)).not.toContain('secret');
  });

  it('cuts content to the content limit', () => {
    const spans = map(withOutput([{ id: 'fc_1', type: 'function_call', call_id: 'c', name: 'f', arguments: 'a'.repeat(100) }]), {
      ctx: context({ captureContent: true, contentMaxLength: 7 }),
    });
    expect(only(spans).attributes['gen_ai.tool.call.arguments']).toBe('aaaaaaa');
  });

  it('keeps items sharing a call id apart, each with a span id of its own', () => {
    const call = { type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{}' };
    const spans = map(withOutput([call, call, { ...call, call_id: 'call_1#1' }, { type: 'web_search_call' }, { type: 'web_search_call' }]));
    const ids = tools(spans).map((t) => t.spanId);
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
    // All five name the call they are, whatever key their span id came from.
    expect(tools(spans).map((t) => t.attributes['gen_ai.tool.call.id'])).toEqual(['call_1', 'call_1', 'call_1#1', undefined, undefined]);
  });
});
