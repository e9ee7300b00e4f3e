// What each kind of Agents API turn does, drawn from the seed: its model calls, tool calls,
// subagents, outcome, usage and how its trace is published. Durations are nanoseconds relative
// to the step before; layout.ts places a plan in time.
import { present } from '../../core/present.js';
import type { Prng } from '../prng.js';

/** Turn kinds every world holds at least once. */
export const AGENT_TURN_KINDS = [
  'message',
  'tools',
  'subagent',
  'waiting',
  'failed',
  'cancelled',
  'two_parts',
  'never_published',
  'late',
  'too_large_with_others',
  'too_large_alone',
  'no_end',
] as const;
/** Traces a careful reader must survive; only in worlds that ask for them. */
export const HOSTILE_TURN_KINDS = ['invalid_ids', 'big_values', 'unknown_fields', 'many_spans', 'not_otlp'] as const;
export type AgentTurnKind = (typeof AGENT_TURN_KINDS)[number] | (typeof HOSTILE_TURN_KINDS)[number];
/** What a client-created turn does when nothing scripted it. */
export const CLIENT_TURN_KINDS: readonly AgentTurnKind[] = ['message', 'tools', 'tools', 'subagent'];

export function isAgentTurnKind(value: unknown): value is AgentTurnKind {
  return typeof value === 'string' && ([...AGENT_TURN_KINDS, ...HOSTILE_TURN_KINDS] as readonly string[]).includes(value);
}

export type TurnErrorCode = 'server_error' | 'context_length_exceeded' | 'rate_limit_exceeded' | 'sandbox_error' | 'request_timeout';

export const TURN_ERRORS: Record<TurnErrorCode, string> = {
  server_error: 'The model service encountered an unexpected error.',
  context_length_exceeded: 'The request exceeds the model context window.',
  rate_limit_exceeded: 'The request exceeds the available rate limit.',
  sandbox_error: 'The command could not complete in its execution environment.',
  request_timeout: 'The request timed out before the model service responded.',
};

export interface TokenCounts {
  input: number;
  output: number;
  cached: number;
  reasoning: number;
}

export interface ModelCallPlan {
  type: 'model';
  durationNs: number;
  usage: TokenCounts;
  finish: 'stop' | 'tool_calls';
  text: string;
  reasoningSummary: string | null;
}

export type ToolKind = 'function' | 'web_search' | 'command' | 'mcp';

export interface ToolCallPlan {
  type: 'tool';
  tool: ToolKind;
  name: string;
  arguments: string;
  result: string;
  durationNs: number;
  /** The tool itself fails (its span is an error); the turn goes on. */
  error?: string;
  /** A function call the client must answer: the turn is `waiting` until it does. */
  awaitsClient?: boolean;
}

export interface SubagentPlan {
  name: string;
  model: string;
  task: string;
  steps: (ModelCallPlan | ToolCallPlan)[];
}

export interface SubagentsStepPlan {
  type: 'subagents';
  /** From the spawn to each subagent's first step. */
  startupNs: number;
  subagents: SubagentPlan[];
}

export type StepPlan = ModelCallPlan | ToolCallPlan | SubagentsStepPlan;

export type TraceShape =
  | 'normal'
  | 'too_large_with_others'
  | 'too_large_alone'
  | 'no_end'
  | 'invalid_ids'
  | 'big_values'
  | 'unknown_fields'
  | 'many_spans'
  | 'not_otlp';

export interface PublicationPlan {
  /** Never: no span of this turn is ever published. */
  mode: 'once' | 'two_parts' | 'never';
  /** Seconds after the turn ends until the (first part of the) trace is listed. */
  delaySeconds: number;
  /** Two parts: seconds after the first part until the rest is listed. */
  secondPartAfterSeconds: number;
}

export interface TurnPlan {
  kind: AgentTurnKind;
  input: string;
  queuedNs: number;
  /** Between consecutive steps. */
  gapNs: number;
  steps: StepPlan[];
  /** The step during which the turn fails (that step's span is the error). */
  failAtStep: number | null;
  error: { code: TurnErrorCode; message: string } | null;
  /** A cancellation scripted this long after creation. */
  cancelAfterNs: number | null;
  /** Seconds a waiting function call waits before the simulator answers it for the client; null never. */
  autoAnswerAfterSeconds: number | null;
  publication: PublicationPlan;
  trace: TraceShape;
  /** Usage recorded later than completion (it is best effort): output tokens added this long after. */
  usageRevision: { afterSeconds: number; extraOutput: number } | null;
  /** Which of the root span's identifying attributes the published trace carries. */
  rootHas: { conversationId: boolean; agentId: boolean; turnId: boolean };
}

export interface AgentSeed {
  name: string | null;
  model: string;
  instructions: string | null;
  functions: readonly string[];
  multiAgent: boolean;
}

export const AGENT_SEEDS: readonly AgentSeed[] = [
  {
    name: 'Support Triage',
    model: 'gpt-5.1',
    instructions: 'Triage support requests and resolve what you can.',
    functions: ['get_order_status', 'create_ticket'],
    multiAgent: false,
  },
  {
    name: 'Research Lead',
    model: 'gpt-5.1',
    instructions: 'Research the question with subagents and cite your sources.',
    functions: ['lookup_paper'],
    multiAgent: true,
  },
  {
    name: 'Release Engineer',
    model: 'gpt-5-mini',
    instructions: 'Run the release checklist in the workspace.',
    functions: ['get_build_status'],
    multiAgent: true,
  },
  { name: null, model: 'gpt-5-mini', instructions: null, functions: ['get_weather'], multiAgent: false },
];

const FUNCTIONS: Record<string, { description: string; args: (p: Prng) => string; result: (p: Prng) => string }> = {
  get_order_status: {
    description: 'Look up the status of an order.',
    args: (p) => JSON.stringify({ order_id: `A-${p.int(1000, 9999)}` }),
    result: (p) => JSON.stringify({ status: p.pick(['shipped', 'processing', 'delivered']) }),
  },
  create_ticket: {
    description: 'Open a support ticket.',
    args: () => '{"subject":"Refund request","priority":"high"}',
    result: (p) => JSON.stringify({ ticket: `T-${p.int(1000, 9999)}` }),
  },
  lookup_paper: {
    description: 'Find a paper by DOI.',
    args: () => '{"doi":"10.1145/3360575"}',
    result: () => '{"title":"Attention Is All You Need","year":2017}',
  },
  get_build_status: {
    description: 'Read the status of a CI build.',
    args: (p) => JSON.stringify({ build: p.int(100, 999) }),
    result: (p) => JSON.stringify({ status: p.pick(['passed', 'failed', 'running']) }),
  },
  get_weather: {
    description: 'Current weather for a city.',
    args: () => '{"city":"Lisbon","unit":"c"}',
    result: (p) => JSON.stringify({ temperature: p.int(8, 31), conditions: p.pick(['sunny', 'cloudy', 'rain']) }),
  },
};

export function functionDescription(name: string): string {
  return FUNCTIONS[name]?.description ?? 'An application function.';
}

const QUESTIONS = [
  'Where is my order A-1042?',
  'Summarise the latest results on sparse attention.',
  'Is the release branch ready to ship?',
  'Will it rain in Lisbon tomorrow?',
  'Open a ticket for the damaged parcel, please.',
];
const ANSWERS = [
  'Your order has shipped and should arrive on Thursday.',
  'Three recent papers report sparse attention matching dense quality at a third of the cost.',
  'The release branch passed every check; it is ready to ship.',
  'Light rain is expected in Lisbon tomorrow afternoon.',
  'I opened ticket T-4821 for the damaged parcel.',
];
const SUMMARIES = [
  'Checking the order system first.',
  'Splitting the research between two helpers.',
  'Reading the build before answering.',
];
const SEARCHES = ['sparse attention 2026 benchmark', 'lisbon weather forecast', 'parcel damage refund policy'];
const COMMANDS = ['npm test', 'git log --oneline -5', 'ls -la dist'];
const SUBAGENT_NAMES = ['scout', 'reviewer', 'summariser'];

const ms = (p: Prng, min: number, max: number): number => p.int(min, max) * 1_000_000 + p.int(0, 999_999);

function model(p: Prng, finish: 'stop' | 'tool_calls', durationMs: [number, number] = [400, 2500]): ModelCallPlan {
  const input = p.int(300, 4000);
  const output = p.int(20, 600);
  const reasoning = p.chance(0.6) ? p.int(0, Math.floor(output / 2)) : 0;
  return {
    type: 'model',
    durationNs: ms(p, ...durationMs),
    usage: { input, output, cached: p.chance(0.5) ? p.int(0, Math.floor(input / 2)) : 0, reasoning },
    finish,
    text: finish === 'stop' ? p.pick(ANSWERS) : '',
    reasoningSummary: reasoning > 0 ? p.pick(SUMMARIES) : null,
  };
}

function functionCall(p: Prng, seed: AgentSeed, awaitsClient = false): ToolCallPlan {
  const name = p.pick(seed.functions);
  const f = FUNCTIONS[name];
  return {
    type: 'tool',
    tool: 'function',
    name,
    arguments: f ? f.args(p) : '{}',
    result: f ? f.result(p) : '{}',
    durationNs: ms(p, 50, 900),
    awaitsClient,
  };
}

function builtinCall(p: Prng): ToolCallPlan {
  if (p.chance(0.5)) {
    const query = p.pick(SEARCHES);
    return {
      type: 'tool',
      tool: 'web_search',
      name: 'web_search',
      arguments: JSON.stringify({ query }),
      result: JSON.stringify({ results: p.int(3, 10) }),
      durationNs: ms(p, 300, 2500),
    };
  }
  const command = p.pick(COMMANDS);
  return {
    type: 'tool',
    tool: 'command',
    name: 'shell',
    arguments: JSON.stringify({ command }),
    result: JSON.stringify({ exit_code: 0, output: 'ok' }),
    durationNs: ms(p, 100, 4000),
  };
}

function subagents(p: Prng, seed: AgentSeed, count: number): SubagentsStepPlan {
  const names = p.shuffle(SUBAGENT_NAMES).slice(0, count);
  return {
    type: 'subagents',
    startupNs: ms(p, 100, 600),
    subagents: names.map((name) => ({
      name,
      model: p.pick(['gpt-5-mini', seed.model]),
      task: `As ${name}: ${p.pick(QUESTIONS)}`,
      steps: [model(p, 'tool_calls'), builtinCall(p), model(p, 'stop')],
    })),
  };
}

export interface PlanOptions {
  /** [min, max] seconds from a turn's end until its trace is listed. */
  publishDelaySeconds: readonly [number, number];
}

export const DEFAULT_PUBLISH_DELAY: readonly [number, number] = [2, 30];

/** Draws the plan of one root turn of `kind`; every draw comes from `p`, so the seed fixes it. */
export function buildTurnPlan(
  kind: AgentTurnKind,
  p: Prng,
  seed: AgentSeed,
  options: PlanOptions = { publishDelaySeconds: DEFAULT_PUBLISH_DELAY },
): TurnPlan {
  const [minDelay, maxDelay] = options.publishDelaySeconds;
  const plan: TurnPlan = {
    kind,
    input: p.pick(QUESTIONS),
    queuedNs: ms(p, 20, 1500),
    gapNs: ms(p, 5, 80),
    steps: [],
    failAtStep: null,
    error: null,
    cancelAfterNs: null,
    autoAnswerAfterSeconds: null,
    publication: { mode: 'once', delaySeconds: p.int(minDelay, maxDelay), secondPartAfterSeconds: 0 },
    trace: 'normal',
    usageRevision: p.chance(0.25) ? { afterSeconds: p.int(5, 60), extraOutput: p.int(1, 40) } : null,
    rootHas: { conversationId: p.chance(0.5), agentId: p.chance(0.5), turnId: p.chance(0.5) },
  };
  const withTools = (): StepPlan[] => [
    model(p, 'tool_calls'),
    functionCall(p, seed),
    ...(p.chance(0.5) ? [builtinCall(p)] : []),
    model(p, 'stop'),
  ];
  switch (kind) {
    case 'message':
      plan.steps = [model(p, 'stop')];
      break;
    case 'tools':
    case 'late':
    case 'no_end':
    case 'invalid_ids':
    case 'unknown_fields':
    case 'not_otlp':
      plan.steps = withTools();
      break;
    case 'subagent':
      plan.steps = [model(p, 'tool_calls'), subagents(p, seed, p.int(1, 2)), model(p, 'stop')];
      break;
    case 'waiting':
      plan.steps = [model(p, 'tool_calls'), functionCall(p, seed, true), model(p, 'stop')];
      plan.autoAnswerAfterSeconds = p.int(20, 40);
      break;
    case 'failed':
    case 'never_published': {
      const failing = model(p, 'tool_calls');
      plan.steps = [
        model(p, 'tool_calls'),
        { ...functionCall(p, seed), error: p.chance(0.5) ? 'upstream returned 502' : undefined },
        failing,
      ];
      plan.failAtStep = 2;
      const code =
        kind === 'never_published'
          ? 'server_error'
          : p.pick<TurnErrorCode>(['context_length_exceeded', 'rate_limit_exceeded', 'request_timeout']);
      plan.error = { code, message: TURN_ERRORS[code] };
      break;
    }
    case 'cancelled': {
      plan.steps = withTools();
      const first = present(plan.steps[0], 'first plan step');
      // Cancelled while the second step runs.
      plan.cancelAfterNs = plan.queuedNs + (first.type === 'model' ? first.durationNs : 0) + plan.gapNs + 10_000_000;
      break;
    }
    case 'two_parts':
      plan.steps = [model(p, 'tool_calls'), subagents(p, seed, 1), functionCall(p, seed), model(p, 'stop')];
      plan.publication.mode = 'two_parts';
      plan.publication.secondPartAfterSeconds = p.int(30, 120);
      break;
    case 'too_large_with_others':
    case 'too_large_alone':
    case 'big_values':
      plan.steps = [model(p, 'tool_calls'), functionCall(p, seed), model(p, 'stop')];
      break;
    case 'many_spans':
      plan.steps = [model(p, 'stop')];
      break;
  }
  if (kind === 'never_published') plan.publication.mode = 'never';
  if (kind === 'late') plan.publication.delaySeconds = p.int(300, 600);
  if (
    kind === 'too_large_with_others' ||
    kind === 'too_large_alone' ||
    kind === 'no_end' ||
    (HOSTILE_TURN_KINDS as readonly string[]).includes(kind)
  ) {
    plan.trace = kind as TraceShape;
  }
  return plan;
}
