// Output and input items of every type the Responses API names (plus one it does not name yet),
// built from the seed. Each builder returns the item as it reads once done.
import { present } from '../../core/present.js';
import type { Prng } from '../prng.js';
import type { ApiObject } from '../state.js';
import type { HexIdFactory } from './ids.js';

export interface ItemContext {
  p: Prng;
  ids: HexIdFactory;
}

const FUNCTIONS: readonly { name: string; args: (p: Prng) => ApiObject; description: string }[] = [
  {
    name: 'get_weather',
    description: 'Current weather for a city',
    args: (p) => ({ city: p.pick(['Lisbon', 'Oslo', 'Nairobi', 'Lima']) }),
  },
  { name: 'lookup_order', description: 'An order by its number', args: (p) => ({ order_id: `ORD-${p.int(10_000, 99_999)}` }) },
  {
    name: 'create_ticket',
    description: 'Opens a support ticket',
    args: (p) => ({ summary: 'Login fails after reset', priority: p.pick(['low', 'high']) }),
  },
];
const ANSWERS = [
  'Here is what I found.',
  'The order shipped yesterday and should arrive on Friday.',
  'It is 18 °C and clear in Lisbon right now.',
  'I opened ticket T-4821 for you.',
  'The report is attached below, with the three figures you asked for.',
];
const QUERIES = ['latest OpenTelemetry GenAI conventions', 'refund policy for damaged items', 'status of the Oslo datacenter migration'];
const MCP_SERVER = { label: 'mslearn', url: 'https://learn.microsoft.com/api/mcp' };
const MCP_TOOLS = ['microsoft_docs_search', 'microsoft_docs_fetch'];
/** A 1x1 PNG, so image results are real images without weighing anything. */
export const TINY_PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
/** A type the SDK does not know: clients must keep such items, not choke on them. */
export const FUTURE_ITEM_TYPE = 'holodeck_call';

const callId = (c: ItemContext): string => `call_${c.p.alnum(24)}`;

export function messageItem(c: ItemContext, text = c.p.pick(ANSWERS), annotations: ApiObject[] = []): ApiObject {
  return {
    id: c.ids.next('msg'),
    type: 'message',
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text, annotations, logprobs: [] }],
  };
}

export function reasoningItem(c: ItemContext): ApiObject {
  return {
    id: c.ids.next('rs'),
    type: 'reasoning',
    summary: [{ type: 'summary_text', text: '**Planning the answer**\n\nChecking what the user needs first.' }],
    encrypted_content: `gAAAA${c.p.alnum(64)}`,
  };
}

export function functionCallItem(c: ItemContext, index?: number): ApiObject {
  const fn = index === undefined ? c.p.pick(FUNCTIONS) : present(FUNCTIONS[index % FUNCTIONS.length], 'function');
  return {
    id: c.ids.next('fc'),
    type: 'function_call',
    status: 'completed',
    call_id: callId(c),
    name: fn.name,
    arguments: JSON.stringify(fn.args(c.p)),
  };
}

/** A function call whose arguments are about `bytes` long: hostile input for clients. */
export function largeFunctionCallItem(c: ItemContext, bytes: number): ApiObject {
  const item = functionCallItem(c, 1);
  return { ...item, arguments: JSON.stringify({ blob: 'x'.repeat(Math.max(0, bytes - 12)) }) };
}

export function webSearchItem(c: ItemContext, status = 'completed'): ApiObject {
  const query = c.p.pick(QUERIES);
  return {
    id: c.ids.next('ws'),
    type: 'web_search_call',
    status,
    action: { type: 'search', query, sources: [{ type: 'url', url: 'https://opentelemetry.io/docs/specs/semconv/gen-ai/' }] },
  };
}

export function openPageItem(c: ItemContext): ApiObject {
  return {
    id: c.ids.next('ws'),
    type: 'web_search_call',
    status: 'completed',
    action: { type: 'open_page', url: 'https://opentelemetry.io/docs/specs/semconv/gen-ai/' },
  };
}

export function fileSearchItem(c: ItemContext): ApiObject {
  return {
    id: c.ids.next('fs'),
    type: 'file_search_call',
    status: 'completed',
    queries: [c.p.pick(QUERIES)],
    results: [
      {
        file_id: `file-${c.p.alnum(22)}`,
        filename: 'handbook.pdf',
        score: 0.87,
        text: 'Refunds are issued within 14 days of the return.',
        attributes: {},
      },
    ],
  };
}

export function codeInterpreterItem(c: ItemContext): ApiObject {
  return {
    id: c.ids.next('ci'),
    type: 'code_interpreter_call',
    status: 'completed',
    code: 'import statistics\nprint(statistics.mean([3, 5, 8]))',
    container_id: `cntr_${c.p.hex(48)}`,
    outputs: [{ type: 'logs', logs: '5.333333333333333\n' }],
  };
}

export function mcpListToolsItem(c: ItemContext): ApiObject {
  return {
    id: c.ids.next('mcpl'),
    type: 'mcp_list_tools',
    server_label: MCP_SERVER.label,
    tools: MCP_TOOLS.map((name) => ({
      name,
      description: `${name} on Microsoft Learn`,
      input_schema: { type: 'object', properties: { query: { type: 'string' } } },
      annotations: null,
    })),
    error: null,
  };
}

export function mcpCallItem(
  c: ItemContext,
  outcome: 'completed' | 'failed' = 'completed',
  approvalRequestId: string | null = null,
): ApiObject {
  const base = {
    id: c.ids.next('mcp'),
    type: 'mcp_call',
    server_label: MCP_SERVER.label,
    name: c.p.pick(MCP_TOOLS),
    arguments: JSON.stringify({ query: c.p.pick(QUERIES) }),
    approval_request_id: approvalRequestId,
  };
  return outcome === 'completed'
    ? {
        ...base,
        status: 'completed',
        output: '[{"title":"Semantic conventions for GenAI","url":"https://learn.microsoft.com/"}]',
        error: null,
      }
    : { ...base, status: 'failed', output: null, error: { type: 'http_error', code: 502, message: 'Bad Gateway from the MCP server' } };
}

export function mcpApprovalRequestItem(c: ItemContext): ApiObject {
  return {
    id: c.ids.next('mcpr'),
    type: 'mcp_approval_request',
    server_label: MCP_SERVER.label,
    name: 'microsoft_docs_fetch',
    arguments: JSON.stringify({ url: 'https://learn.microsoft.com/azure/ai-foundry/' }),
  };
}

export function computerCallItem(c: ItemContext): ApiObject {
  return {
    id: c.ids.next('cu'),
    type: 'computer_call',
    status: 'completed',
    call_id: callId(c),
    action: { type: 'click', button: 'left', x: c.p.int(0, 1023), y: c.p.int(0, 767) },
    pending_safety_checks: [],
  };
}

export function imageGenerationItem(c: ItemContext): ApiObject {
  return {
    id: c.ids.next('ig'),
    type: 'image_generation_call',
    status: 'completed',
    action: 'generate',
    background: 'opaque',
    output_format: 'png',
    quality: 'low',
    size: '1024x1024',
    revised_prompt: 'A lighthouse at dusk, watercolour',
    result: TINY_PNG_BASE64,
  };
}

export function customToolCallItem(c: ItemContext): ApiObject {
  return {
    id: c.ids.next('ctc'),
    type: 'custom_tool_call',
    call_id: callId(c),
    name: 'run_sql',
    input: "SELECT count(*) FROM orders WHERE status = 'late'",
  };
}

export function localShellCallItem(c: ItemContext): ApiObject {
  return {
    id: c.ids.next('lsh'),
    type: 'local_shell_call',
    status: 'completed',
    call_id: callId(c),
    action: { type: 'exec', command: ['ls', '-la'], env: {}, timeout_ms: 10_000, user: null, working_directory: '/workspace' },
  };
}

export function shellCallItem(c: ItemContext): ApiObject {
  return {
    id: c.ids.next('sh'),
    type: 'shell_call',
    status: 'completed',
    call_id: callId(c),
    action: { commands: ['npm test'], max_output_length: null, timeout_ms: 60_000 },
    environment: null,
  };
}

export function applyPatchCallItem(c: ItemContext): ApiObject {
  return {
    id: c.ids.next('apc'),
    type: 'apply_patch_call',
    status: 'completed',
    call_id: callId(c),
    operation: {
      type: 'update_file',
      path: 'src/greet.ts',
      diff: '@@\n-export const greet = () => "hi";\n+export const greet = (name: string) => `hi ${name}`;\n',
    },
  };
}

export function compactionItem(c: ItemContext): ApiObject {
  return { id: c.ids.next('cmp'), type: 'compaction', encrypted_content: `gAAAA${c.p.alnum(48)}` };
}

export function futureItem(c: ItemContext): ApiObject {
  return {
    id: c.ids.next('hd'),
    type: FUTURE_ITEM_TYPE,
    status: 'completed',
    call_id: callId(c),
    program: 'warp_core_diagnostics',
    input: '{"deck":7}',
  };
}

export function userMessageItem(c: ItemContext, text: string): ApiObject {
  return { id: c.ids.next('msg'), type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text }] };
}

const USER_PROMPTS = [
  'Where is my order?',
  'What is the weather like?',
  'Summarise the GenAI conventions.',
  'Fix the failing test.',
  'Draw me a lighthouse.',
];

export function userPromptItem(c: ItemContext): ApiObject {
  return userMessageItem(c, c.p.pick(USER_PROMPTS));
}

/** What the app sends back for an item that waits for it, or null when the item waits for nothing. */
export function appOutputFor(c: ItemContext, item: ApiObject): ApiObject | null {
  const call_id = item.call_id;
  switch (item.type) {
    case 'function_call':
      return { id: c.ids.next('fco'), type: 'function_call_output', call_id, output: '{"ok":true}', status: 'completed' };
    case 'computer_call':
      return {
        id: c.ids.next('cuo'),
        type: 'computer_call_output',
        call_id,
        output: { type: 'computer_screenshot', image_url: `data:image/png;base64,${TINY_PNG_BASE64}` },
        acknowledged_safety_checks: [],
        status: 'completed',
      };
    case 'custom_tool_call':
      return { id: c.ids.next('ctco'), type: 'custom_tool_call_output', call_id, output: '42', status: 'completed' };
    case 'local_shell_call':
      return {
        id: call_id,
        type: 'local_shell_call_output',
        output: '{"stdout":"README.md\\nsrc\\n","stderr":"","exit_code":0}',
        status: 'completed',
      };
    case 'shell_call':
      return {
        id: c.ids.next('sho'),
        type: 'shell_call_output',
        call_id,
        max_output_length: null,
        output: [{ stdout: '12 passed\n', stderr: '', outcome: { type: 'exit', exit_code: 0 } }],
        status: 'completed',
      };
    case 'apply_patch_call':
      return { id: c.ids.next('apo'), type: 'apply_patch_call_output', call_id, status: 'completed', output: 'Patched src/greet.ts' };
    case 'mcp_approval_request':
      return { id: c.ids.next('mcpa'), type: 'mcp_approval_response', approval_request_id: item.id, approve: true, reason: null };
    default:
      return null;
  }
}

/** The tool definition a response carries for an item it produced (null for non-tool items). */
export function toolFor(item: ApiObject): ApiObject | null {
  switch (item.type) {
    case 'function_call': {
      const fn = FUNCTIONS.find((f) => f.name === item.name);
      return {
        type: 'function',
        name: item.name,
        description: fn?.description ?? null,
        parameters: { type: 'object', properties: {}, additionalProperties: true },
        strict: false,
      };
    }
    case 'web_search_call':
      return { type: 'web_search', search_context_size: 'medium', user_location: null };
    case 'file_search_call':
      return { type: 'file_search', vector_store_ids: ['vs_sim_handbook'], max_num_results: 20 };
    case 'code_interpreter_call':
      return { type: 'code_interpreter', container: { type: 'auto' } };
    case 'mcp_call':
    case 'mcp_list_tools':
    case 'mcp_approval_request':
      return {
        type: 'mcp',
        server_label: MCP_SERVER.label,
        server_url: MCP_SERVER.url,
        require_approval: 'always',
        allowed_tools: null,
        headers: null,
      };
    case 'computer_call':
      return { type: 'computer_use_preview', display_width: 1024, display_height: 768, environment: 'browser' };
    case 'image_generation_call':
      return { type: 'image_generation', size: '1024x1024', quality: 'low', output_format: 'png' };
    case 'custom_tool_call':
      return { type: 'custom', name: item.name, description: 'Runs a read-only SQL query' };
    case 'local_shell_call':
      return { type: 'local_shell' };
    case 'shell_call':
      return { type: 'shell' };
    case 'apply_patch_call':
      return { type: 'apply_patch' };
    default:
      return null;
  }
}
