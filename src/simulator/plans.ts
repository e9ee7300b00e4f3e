// What each kind of run does, drawn from the seed: its steps, tool calls, durations and outcome.
// A plan holds relative durations only; timeline.ts places it in time.
import { present } from '../core/present.js';
import type { Prng } from './prng.js';

export const RUN_KINDS = [
  'message',
  'tools',
  'requires_action',
  'failed',
  'cancelled',
  'expired',
  'incomplete',
  'huge',
  'extra_fields',
  'unknown_types',
  'traceparent',
] as const;
/** Kinds only Azure worlds have: runs calling Azure AI Foundry's own tools. */
export const AZURE_RUN_KINDS = ['azure_tools'] as const;
export type RunKind = (typeof RUN_KINDS)[number] | (typeof AZURE_RUN_KINDS)[number];

export function isRunKind(value: unknown): value is RunKind {
  return typeof value === 'string' && ([...RUN_KINDS, ...AZURE_RUN_KINDS] as readonly string[]).includes(value);
}

/** What a world's service can run: Foundry's own tools, and step and tool types no spec documents. */
export interface ServedTypes {
  azureTools: boolean;
  unknownTypes: boolean;
}

/** The kinds of run a service with `served` has, one of each, in a fixed order. */
export function servedKinds(served: ServedTypes): RunKind[] {
  const kinds: RunKind[] = RUN_KINDS.filter((kind) => served.unknownTypes || kind !== 'unknown_types');
  return served.azureTools ? [...kinds, ...AZURE_RUN_KINDS] : kinds;
}

export type RunErrorCode = 'server_error' | 'rate_limit_exceeded' | 'invalid_prompt';
export type StepErrorCode = 'server_error' | 'rate_limit_exceeded';
export type IncompleteReason = 'max_completion_tokens' | 'max_prompt_tokens';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface FileSearchHit {
  file_id: string;
  file_name: string;
  score: number;
  text: string;
}

export type ToolCallPlan =
  | { type: 'function'; name: string; arguments: string; output: string }
  | { type: 'code_interpreter'; input: string; logs: string; imageFileId: string }
  | { type: 'file_search'; results: FileSearchHit[] }
  /** A tool type OpenAI's docs do not list (an Azure tool, say); rendered as `{ id, ...raw }`. */
  | { type: 'undocumented'; raw: Record<string, unknown> };

export interface StepPlan {
  /** Seconds between the previous step's end (or the run's start) and this step's creation. */
  gapBefore: number;
  /** Seconds from creation to completion; for an action step, from the tool outputs to completion. */
  duration: number;
  type: 'message_creation' | 'tool_calls' | 'undocumented';
  toolCalls: ToolCallPlan[];
  /** For an undocumented step type: its `type` and `step_details`. */
  undocumented?: { type: string; details: Record<string, unknown> };
  /** Function calls that wait for tool outputs (the run is `requires_action` meanwhile). */
  action: boolean;
  fails?: { code: StepErrorCode; message: string };
  usage: Usage;
  /** Fields the docs do not list, sent as they are. */
  extra?: Record<string, unknown>;
}

export interface RunPlan {
  kind: RunKind;
  assistantIndex: number;
  queuedFor: number;
  steps: StepPlan[];
  /** Seconds between the last step's end and the run's end. */
  endGap: number;
  /** Outcome when nothing intervenes (a failing step makes it `failed`). */
  outcome: 'completed' | 'failed' | 'incomplete';
  lastError?: { code: RunErrorCode; message: string };
  incompleteReason?: IncompleteReason;
  /** A cancellation scripted this many seconds after creation. */
  cancelAfter?: number;
  /** Tool outputs are submitted for the client this long after the run starts waiting; null never. */
  autoSubmitAfter: number | null;
  metadata: Record<string, string>;
  extra?: Record<string, unknown>;
  maxPromptTokens: number | null;
  maxCompletionTokens: number | null;
}

export interface AssistantSeed {
  name: string | null;
  description: string | null;
  model: string;
  instructions: string;
  functions: readonly string[];
  /** Sampling settings and response format: the assistant's, which its runs use unless they override them. */
  temperature: number;
  topP: number;
  responseFormat: unknown;
}

export const ASSISTANT_SEEDS: readonly AssistantSeed[] = [
  {
    name: 'Support Agent',
    description: 'Answers order and return questions.',
    model: 'gpt-4o',
    instructions: 'You help customers with orders and returns. Be concise.',
    functions: ['get_order_status', 'create_ticket'],
    temperature: 0.3,
    topP: 1,
    responseFormat: 'auto',
  },
  {
    name: 'Research Assistant',
    description: 'Finds answers in the attached documents.',
    model: 'gpt-4.1',
    instructions: 'Answer from the attached documents and cite them.',
    functions: ['lookup_paper'],
    temperature: 0.2,
    topP: 0.9,
    responseFormat: { type: 'json_object' },
  },
  {
    name: 'Data Analyst',
    description: null,
    model: 'gpt-4o-mini',
    instructions: 'Analyse the uploaded data with code and explain the result.',
    functions: ['fetch_dataset', 'get_weather'],
    temperature: 1,
    topP: 1,
    responseFormat: { type: 'text' },
  },
  {
    name: null,
    description: null,
    model: 'gpt-4o-mini',
    instructions: 'You are a helpful assistant.',
    functions: ['get_weather'],
    temperature: 1,
    topP: 1,
    responseFormat: 'auto',
  },
];

const FUNCTION_EXAMPLES: Record<string, { args: () => string; output: (p: Prng) => string }> = {
  get_order_status: {
    args: () => '{"order_id":"A-1042"}',
    output: (p) => JSON.stringify({ status: p.pick(['shipped', 'processing', 'delivered']) }),
  },
  create_ticket: {
    args: () => '{"subject":"Refund request","priority":"high"}',
    output: (p) => JSON.stringify({ ticket: `T-${p.int(1000, 9999)}` }),
  },
  lookup_paper: { args: () => '{"doi":"10.1145/3360575"}', output: () => '{"title":"Attention Is All You Need","year":2017}' },
  fetch_dataset: { args: () => '{"name":"sales_q3"}', output: (p) => JSON.stringify({ rows: p.int(100, 5000) }) },
  get_weather: {
    args: () => '{"city":"Lisbon","unit":"c"}',
    output: (p) => JSON.stringify({ temperature: p.int(8, 31), conditions: p.pick(['sunny', 'cloudy', 'rain']) }),
  },
};

const CODE_SNIPPETS = [
  "import pandas as pd\ndf = pd.read_csv('/mnt/data/sales.csv')\nprint(df.describe())",
  'import math\nprint(sum(math.sqrt(i) for i in range(100)))',
  "import matplotlib.pyplot as plt\nplt.plot([1, 4, 9, 16])\nplt.savefig('/mnt/data/plot.png')",
];
const FILE_NAMES = ['handbook.pdf', 'returns-policy.md', 'pricing-2025.xlsx', 'faq.txt', 'architecture.docx'];
const PASSAGES = [
  'Refunds are issued within 14 days of receiving the returned item.',
  'The premium tier includes priority support and a 99.9% uptime target.',
  'All deployments go through the staging environment first.',
  'Customers can change the delivery address until the order ships.',
];

const usage = (p: Prng, prompt: [number, number], completion: [number, number]): Usage => {
  const prompt_tokens = p.int(prompt[0], prompt[1]);
  const completion_tokens = p.int(completion[0], completion[1]);
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
};

const fileId = (p: Prng): string => `file-${p.alnum(22)}`;

function functionCall(p: Prng, assistant: AssistantSeed): ToolCallPlan {
  const name = p.pick(assistant.functions);
  const example = FUNCTION_EXAMPLES[name];
  return { type: 'function', name, arguments: example ? example.args() : '{}', output: example ? example.output(p) : '{}' };
}

function codeCall(p: Prng): ToolCallPlan {
  return {
    type: 'code_interpreter',
    input: p.pick(CODE_SNIPPETS),
    logs: `count    ${p.int(10, 999)}\nmean     ${p.int(1, 99)}.${p.int(0, 9)}`,
    imageFileId: fileId(p),
  };
}

function fileSearchCall(p: Prng): ToolCallPlan {
  const hits = p.int(1, 3);
  const results: FileSearchHit[] = [];
  for (let i = 0; i < hits; i++) {
    results.push({
      file_id: fileId(p),
      file_name: p.pick(FILE_NAMES),
      score: Math.round((0.95 - i * 0.1 - p.next() * 0.05) * 1000) / 1000,
      text: p.pick(PASSAGES),
    });
  }
  return { type: 'file_search', results };
}

interface StepOptions {
  gap?: [number, number];
  duration?: [number, number];
  action?: boolean;
}

function toolStep(p: Prng, calls: ToolCallPlan[], o: StepOptions = {}): StepPlan {
  return {
    gapBefore: p.int(...(o.gap ?? [0, 1])),
    duration: p.int(...(o.duration ?? [0, 4])),
    type: 'tool_calls',
    toolCalls: calls,
    action: o.action ?? false,
    usage: usage(p, [300, 3000], [10, 200]),
  };
}

function messageStep(p: Prng, o: StepOptions = {}): StepPlan {
  return {
    gapBefore: p.int(...(o.gap ?? [0, 1])),
    duration: p.int(...(o.duration ?? [0, 4])),
    type: 'message_creation',
    toolCalls: [],
    action: false,
    usage: usage(p, [300, 3000], [20, 600]),
  };
}

const azure = (raw: Record<string, unknown>): ToolCallPlan => ({ type: 'undocumented', raw });
const QUERIES = ['returns policy for damaged items', 'premium tier uptime target', 'staging deployment checklist'];

/** Azure AI Foundry Agent Service's tool calls, shaped as its REST spec has them. */
function azureToolCalls(p: Prng): ToolCallPlan[][] {
  const query = p.pick(QUERIES);
  const passage = p.pick(PASSAGES);
  const io = (type: string): ToolCallPlan =>
    azure({ type, [type]: { input: JSON.stringify({ query }), output: JSON.stringify([{ text: passage }]) } });
  const bing = (type: string): ToolCallPlan =>
    azure({
      type,
      [type]: {
        requesturl: `https://api.bing.microsoft.com/v7.0/search?q=${encodeURIComponent(query)}`,
        response_metadata: `{'market': 'en-US', 'num_docs_retrieved': ${p.int(3, 10)}, 'num_docs_actually_used': ${p.int(1, 3)}}`,
      },
    });
  const symbol = p.pick(['MSFT', 'NVDA', 'AAPL']);
  return [
    [bing('bing_grounding'), io('azure_ai_search')],
    [
      azure({
        type: 'openapi',
        openapi: { name: 'weather_GetCurrentWeather', arguments: '{"location":"Lisbon"}', output: `{"temperature":${p.int(8, 31)}}` },
      }),
      azure({
        type: 'azure_function',
        azure_function: {
          name: 'get_stock_price',
          arguments: `{"symbol":"${symbol}"}`,
          output: `{"price":${p.int(100, 900)}.${p.int(0, 99)}}`,
        },
      }),
    ],
    [
      azure({
        type: 'connected_agent',
        connected_agent: {
          name: 'stock_price_bot',
          arguments: `{"query":"${symbol}"}`,
          output: `The price of ${symbol} is up today.`,
          assistant_id: `asst_${p.alnum(24)}`,
          thread_id: `thread_${p.alnum(24)}`,
          run_id: `run_${p.alnum(24)}`,
        },
      }),
      // MCP calls carry their fields on the call itself.
      azure({ type: 'mcp', server_label: 'mslearn', name: 'microsoft_docs_search', arguments: JSON.stringify({ query }), output: passage }),
    ],
    [
      azure({ type: 'deep_research', deep_research: { input: `Research: ${query}`, output: `Findings: ${passage}` } }),
      io('fabric_dataagent'),
      io('sharepoint_grounding'),
      bing('bing_custom_search'),
    ],
  ];
}

const RUN_ERRORS: Record<RunErrorCode, string> = {
  server_error: 'Sorry, something went wrong.',
  rate_limit_exceeded: 'You exceeded your current quota, please check your plan and billing details.',
  invalid_prompt: 'Your prompt was flagged as potentially violating our usage policy. Please try again with a different prompt.',
};

/** Draws the plan of one run of `kind`; every draw comes from `p`, so the seed fixes it. */
export function buildPlan(kind: RunKind, p: Prng, assistantIndex: number, options: { minQueuedFor?: number } = {}): RunPlan {
  const assistant = ASSISTANT_SEEDS[assistantIndex] ?? present(ASSISTANT_SEEDS[0], 'assistant seed');
  const plan: RunPlan = {
    kind,
    assistantIndex,
    queuedFor: Math.max(options.minQueuedFor ?? 0, p.int(0, 2)),
    steps: [],
    endGap: p.int(0, 1),
    outcome: 'completed',
    autoSubmitAfter: null,
    metadata: p.chance(0.3) ? { customer_tier: p.pick(['free', 'pro', 'enterprise']) } : {},
    maxPromptTokens: null,
    maxCompletionTokens: null,
  };
  switch (kind) {
    case 'message':
      plan.steps = [messageStep(p)];
      break;
    case 'tools':
      plan.steps = [
        toolStep(p, [codeCall(p)]),
        toolStep(p, [fileSearchCall(p)]),
        toolStep(p, [functionCall(p, assistant), functionCall(p, assistant)], { action: true, duration: [0, 0] }),
        messageStep(p),
      ];
      plan.autoSubmitAfter = p.int(2, 8);
      break;
    case 'requires_action':
      plan.steps = [
        toolStep(
          p,
          Array.from({ length: p.int(1, 3) }, () => functionCall(p, assistant)),
          { action: true, duration: [0, 0] },
        ),
        messageStep(p),
      ];
      plan.autoSubmitAfter = p.int(10, 40);
      break;
    case 'failed': {
      const code = p.pick<RunErrorCode>(['server_error', 'rate_limit_exceeded', 'invalid_prompt']);
      const last = messageStep(p, { duration: [1, 3] });
      // Steps document only two error codes; a flagged prompt fails its step as a server error.
      last.fails = { code: code === 'invalid_prompt' ? 'server_error' : code, message: RUN_ERRORS[code] };
      last.usage = { prompt_tokens: last.usage.prompt_tokens, completion_tokens: 0, total_tokens: last.usage.prompt_tokens };
      plan.steps = [toolStep(p, [p.chance(0.5) ? codeCall(p) : fileSearchCall(p)]), last];
      plan.outcome = 'failed';
      plan.lastError = { code, message: RUN_ERRORS[code] };
      break;
    }
    case 'cancelled': {
      const first = toolStep(p, [fileSearchCall(p)], { gap: [0, 1], duration: [0, 2] });
      const second = messageStep(p, { gap: [0, 1], duration: [3, 6] });
      plan.steps = [first, second];
      // Mid-way through the second step, so that step is the one cancelled.
      plan.cancelAfter = plan.queuedFor + first.gapBefore + first.duration + second.gapBefore + 1;
      break;
    }
    case 'expired':
      plan.steps = [toolStep(p, [functionCall(p, assistant)], { action: true, duration: [0, 0] })];
      break;
    case 'incomplete': {
      plan.incompleteReason = p.pick<IncompleteReason>(['max_completion_tokens', 'max_prompt_tokens']);
      if (plan.incompleteReason === 'max_completion_tokens') plan.maxCompletionTokens = 256;
      else plan.maxPromptTokens = 1024;
      plan.steps = [toolStep(p, [fileSearchCall(p)]), messageStep(p)];
      plan.outcome = 'incomplete';
      break;
    }
    case 'huge':
      for (let i = 0; i < 260; i++) {
        const o: StepOptions = { gap: [0, 0], duration: [0, 1] };
        const which = i % 3;
        plan.steps.push(
          which === 0 ? toolStep(p, [codeCall(p)], o) : which === 1 ? toolStep(p, [fileSearchCall(p)], o) : messageStep(p, o),
        );
      }
      break;
    case 'extra_fields': {
      const step = toolStep(p, [codeCall(p)]);
      step.extra = { x_sim_shard: `shard-${p.int(1, 9)}`, x_sim_annotations: { cached: true, region: 'eu-west-1' } };
      plan.steps = [step, messageStep(p)];
      plan.extra = { x_sim_region: 'eu-west-1', x_sim_billing: { tier: 'sim', credits: p.int(1, 100) } };
      break;
    }
    case 'unknown_types':
      plan.steps = [
        {
          ...messageStep(p),
          type: 'undocumented',
          undocumented: {
            type: 'web_search',
            details: {
              query: 'opentelemetry genai semantic conventions',
              results: [{ url: 'https://opentelemetry.io/docs/specs/semconv/gen-ai/', title: 'GenAI semantic conventions' }],
            },
          },
        },
        toolStep(p, [
          { type: 'undocumented', raw: { type: 'browser', browser: { url: 'https://example.com/pricing' } } },
          fileSearchCall(p),
        ]),
        messageStep(p),
      ];
      break;
    case 'azure_tools':
      plan.steps = [...azureToolCalls(p).map((calls) => toolStep(p, calls)), messageStep(p)];
      break;
    case 'traceparent':
      plan.steps = [toolStep(p, [fileSearchCall(p)]), messageStep(p)];
      plan.metadata = { ...plan.metadata, traceparent: `00-${nonZeroHex(p, 32)}-${nonZeroHex(p, 16)}-01` };
      break;
  }
  return plan;
}

function nonZeroHex(p: Prng, length: number): string {
  for (;;) {
    const hex = p.hex(length);
    if (/[^0]/.test(hex)) return hex;
  }
}

/** Weights of the kinds that fill a world beyond one of each; long or slow kinds only where asked. */
export function fillKindWeights(live: boolean, azure = false, unknownTypes = true): [RunKind, number][] {
  return [
    ['message', 4],
    ['tools', 4],
    ['requires_action', 2],
    ['failed', 1],
    ['cancelled', 1],
    ['incomplete', 1],
    ['extra_fields', 1],
    ['unknown_types', unknownTypes ? 1 : 0],
    ['traceparent', 1],
    ['expired', live ? 0 : 0.5],
    // Last, and weightless outside Azure worlds, so OpenAI worlds draw exactly as before.
    ['azure_tools', azure ? 2 : 0],
  ];
}

/** The entry that `unit` (in [0, 1)) falls on, each taking its weight's share of the line. */
export function pickWeighted<T>(weights: readonly (readonly [T, number])[], unit: number): T {
  const total = weights.reduce((sum, [, w]) => sum + w, 0);
  let roll = unit * total;
  for (const [item, w] of weights) {
    roll -= w;
    if (roll < 0) return item;
  }
  return (weights[0] as readonly [T, number])[0];
}

/** A kind to fill a world beyond one of each. */
export function drawFillKind(p: Prng, live: boolean, served: ServedTypes = { azureTools: false, unknownTypes: true }): RunKind {
  return pickWeighted(fillKindWeights(live, served.azureTools, served.unknownTypes), p.next());
}
