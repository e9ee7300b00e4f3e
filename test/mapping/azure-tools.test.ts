// Azure AI Foundry Agent Service's tool calls become execute_tool spans with a sensible name and
// gen_ai.tool.type, their ids and labels as attributes, and their content only with capture on.
import { describe, expect, it } from 'vitest';
import { mapStepSpans } from '../../src/sources/assistants/mapping/map-run.js';
import type { SpanRecord } from '../../src/core/span-record.js';
import { byRole, context, functionCall, LIMITS, run, toolStep } from './fixtures.js';

const SECRET_QUERY = 'confidential merger plans';
const SECRET_OUTPUT = 'the board approved it';

const CALLS = {
  bing: {
    id: 'call_bing',
    type: 'bing_grounding',
    bing_grounding: {
      requesturl: `https://api.bing.microsoft.com/v7.0/search?q=${encodeURIComponent(SECRET_QUERY)}`,
      response_metadata: `{'market': 'en-US', 'note': '${SECRET_OUTPUT}'}`,
    },
  },
  bingCustom: { id: 'call_bc', type: 'bing_custom_search', bing_custom_search: { requesturl: `https://x/?q=${SECRET_QUERY}` } },
  search: { id: 'call_ais', type: 'azure_ai_search', azure_ai_search: { input: SECRET_QUERY, output: SECRET_OUTPUT } },
  sharepoint: { id: 'call_sp', type: 'sharepoint_grounding', sharepoint_grounding: { input: SECRET_QUERY, output: SECRET_OUTPUT } },
  fabric: { id: 'call_fab', type: 'fabric_dataagent', fabric_dataagent: { input: SECRET_QUERY, output: SECRET_OUTPUT } },
  openapi: {
    id: 'call_oa',
    type: 'openapi',
    openapi: { name: 'weather_GetCurrentWeather', arguments: `{"q":"${SECRET_QUERY}"}`, output: SECRET_OUTPUT },
  },
  openapiAsFunction: {
    id: 'call_oaf',
    type: 'openapi',
    openapi: {},
    function: { name: 'tickets_Create', arguments: SECRET_QUERY, output: SECRET_OUTPUT },
  },
  azureFunction: {
    id: 'call_af',
    type: 'azure_function',
    azure_function: { name: 'get_stock_price', arguments: SECRET_QUERY, output: SECRET_OUTPUT },
  },
  connected: {
    id: 'call_ca',
    type: 'connected_agent',
    connected_agent: {
      name: 'stock_price_bot',
      arguments: SECRET_QUERY,
      output: SECRET_OUTPUT,
      assistant_id: 'asst_sub',
      thread_id: 'thread_sub',
      run_id: 'run_sub',
    },
  },
  mcp: {
    id: 'call_mcp',
    type: 'mcp',
    server_label: 'mslearn',
    name: 'microsoft_docs_search',
    arguments: SECRET_QUERY,
    output: SECRET_OUTPUT,
  },
  deepResearch: { id: 'call_dr', type: 'deep_research', deep_research: { input: SECRET_QUERY, output: SECRET_OUTPUT } },
  browser: {
    id: 'call_ba',
    type: 'browser_automation',
    browser_automation: { input: SECRET_QUERY, output: SECRET_OUTPUT, steps: [{}, {}, {}] },
  },
  computer: {
    id: 'call_cu',
    type: 'computer_use_preview',
    computer_use_preview: { action: { type: 'type', text: SECRET_QUERY }, pending_safety_checks: [{}], output: {} },
  },
} as const;

function spansOf(calls: readonly unknown[], captureContent = false): SpanRecord[] {
  return byRole(mapStepSpans(run(), toolStep([...calls]), context({ captureContent }), LIMITS), 'tool');
}

const oneSpan = (call: unknown, captureContent = false): SpanRecord => spansOf([call], captureContent)[0]!;

describe('Azure tool calls', () => {
  it.each([
    ['bing_grounding', CALLS.bing, 'bing_grounding', 'extension', {}],
    ['bing_custom_search', CALLS.bingCustom, 'bing_custom_search', 'extension', {}],
    ['azure_ai_search', CALLS.search, 'azure_ai_search', 'datastore', {}],
    ['sharepoint_grounding', CALLS.sharepoint, 'sharepoint_grounding', 'datastore', {}],
    ['fabric_dataagent', CALLS.fabric, 'fabric_dataagent', 'datastore', {}],
    ['openapi (named in its body)', CALLS.openapi, 'weather_GetCurrentWeather', 'extension', {}],
    ['openapi (as a function object)', CALLS.openapiAsFunction, 'tickets_Create', 'extension', {}],
    ['azure_function', CALLS.azureFunction, 'get_stock_price', 'extension', {}],
    [
      'connected_agent',
      CALLS.connected,
      'stock_price_bot',
      'extension',
      {
        'azure.ai.agents.connected_agent.id': 'asst_sub',
        'azure.ai.agents.connected_agent.thread_id': 'thread_sub',
        'azure.ai.agents.connected_agent.run_id': 'run_sub',
      },
    ],
    ['mcp', CALLS.mcp, 'microsoft_docs_search', 'extension', { 'azure.ai.agents.mcp.server_label': 'mslearn' }],
    ['deep_research', CALLS.deepResearch, 'deep_research', 'extension', {}],
    ['browser_automation', CALLS.browser, 'browser_automation', 'extension', { 'azure.ai.agents.browser_automation.step_count': 3 }],
    [
      'computer_use_preview',
      CALLS.computer,
      'computer_use_preview',
      'function',
      { 'azure.ai.agents.computer_use.action': 'type', 'azure.ai.agents.computer_use.pending_safety_checks': 1 },
    ],
  ])('%s: named %s', (_label, call, name, toolType, details) => {
    const span = oneSpan(call);
    expect(span.name).toBe(`execute_tool ${name}`);
    expect(span.attributes).toEqual({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': name,
      'gen_ai.tool.call.id': call.id,
      'gen_ai.tool.type': toolType,
      'openai.tool_call.type': call.type,
      ...details,
    });
  });

  it('exports no query, argument or output of any of them with capture off', () => {
    const text = JSON.stringify(spansOf(Object.values(CALLS)));
    expect(text).not.toContain('confidential');
    expect(text).not.toContain('merger');
    expect(text).not.toContain(SECRET_OUTPUT);
  });

  it('exports their inputs and outputs with capture on', () => {
    const on = (call: unknown) => oneSpan(call, true).attributes;
    expect(on(CALLS.bing)['gen_ai.tool.call.arguments']).toBe(CALLS.bing.bing_grounding.requesturl);
    expect(on(CALLS.bing)['gen_ai.tool.call.result']).toContain(SECRET_OUTPUT);
    for (const call of [
      CALLS.search,
      CALLS.sharepoint,
      CALLS.fabric,
      CALLS.deepResearch,
      CALLS.azureFunction,
      CALLS.connected,
      CALLS.mcp,
      CALLS.openapiAsFunction,
    ]) {
      expect(on(call), call.type).toMatchObject({
        'gen_ai.tool.call.arguments': expect.stringContaining(SECRET_QUERY),
        'gen_ai.tool.call.result': SECRET_OUTPUT,
      });
    }
    expect(on(CALLS.computer)['gen_ai.tool.call.arguments']).toContain(SECRET_QUERY);
  });

  it('reads an MCP call nested under `mcp` as well as on the call itself', () => {
    const nested = oneSpan({ id: 'c', type: 'mcp', mcp: { server_label: 'github', name: 'search_issues' } });
    expect(nested.name).toBe('execute_tool search_issues');
    expect(nested.attributes['azure.ai.agents.mcp.server_label']).toBe('github');
    expect(oneSpan({ id: 'c', type: 'mcp', server_label: 'github' }).name).toBe('execute_tool github');
    expect(oneSpan({ id: 'c', type: 'mcp' }).name).toBe('execute_tool mcp');
  });

  it('falls back to the type when a body is missing or odd', () => {
    for (const type of ['openapi', 'azure_function', 'connected_agent', 'deep_research', 'bing_grounding']) {
      for (const body of [undefined, null, 'text', [1, 2], { name: 42 }]) {
        const span = oneSpan({ id: 'c', type, [type]: body });
        expect(span.name).toBe(`execute_tool ${type}`);
        expect(span.attributes['openai.tool_call.type']).toBe(type);
      }
    }
  });

  it('a step mixing Azure and OpenAI tools gets one span per call, in order', () => {
    const spans = spansOf([
      CALLS.bing,
      functionCall('call_f', 'lookup'),
      CALLS.mcp,
      { id: 'call_ci', type: 'code_interpreter', code_interpreter: { input: 'x', outputs: [] } },
    ]);
    expect(spans.map((s) => s.name)).toEqual([
      'execute_tool bing_grounding',
      'execute_tool lookup',
      'execute_tool microsoft_docs_search',
      'execute_tool code_interpreter',
    ]);
    expect(spans[1]!.attributes['gen_ai.tool.type']).toBe('function');
    expect(spans[1]!.attributes).not.toHaveProperty('openai.tool_call.type');
    expect(spans[3]!.attributes['gen_ai.tool.type']).toBe('extension');
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(4);
  });
});
