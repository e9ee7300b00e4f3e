// Builds the initial world from the seed: assistants, threads, finished (backfill) runs laid out
// in the past without overlapping on a thread, and live runs scheduled over the coming seconds.
import { present } from '../core/present.js';
import type { IdFactory } from './ids.js';
import { assistantTools } from './objects.js';
import { ASSISTANT_SEEDS, buildPlan, drawFillKind, servedKinds, type RunKind, type RunPlan } from './plans.js';
import { createPrng, deriveSeed } from './prng.js';
import type { AssistantState, RunOrigin, RunOverrides, RunState, ThreadState } from './state.js';
import { buildTimeline } from './timeline.js';

export interface WorldSpec {
  /** Threads the runs are spread over. Default 8. */
  threads?: number;
  /** Runs already finished when the simulator starts. Default 30. */
  backfillRuns?: number;
  /** Runs that start over the next `liveWindowSeconds` virtual seconds. Default 10. */
  liveRuns?: number;
  /** Default 300. */
  liveWindowSeconds?: number;
  /** Add runs calling Azure AI Foundry's tools (Bing, AI Search, OpenAPI, MCP, ...) and give agents those tools. Default false. */
  azureTools?: boolean;
  /** Include runs with step and tool types no spec documents. Default true. */
  unknownTypes?: boolean;
}

export const DEFAULT_WORLD: Required<WorldSpec> = {
  threads: 8,
  backfillRuns: 30,
  liveRuns: 10,
  liveWindowSeconds: 300,
  azureTools: false,
  unknownTypes: true,
};

/** Azure AI Foundry tool definitions an agent in an Azure world carries (connection ids are made up). */
const AZURE_TOOL_DEFINITIONS: Record<string, unknown>[] = [
  { type: 'bing_grounding', bing_grounding: { search_configurations: [{ connection_id: 'conn-bing-sim' }] } },
  { type: 'azure_ai_search' },
  { type: 'openapi', openapi: { name: 'weather', spec: {}, auth: { type: 'anonymous' } } },
  { type: 'connected_agent', connected_agent: { id: 'asst_connected_sim', name: 'stock_price_bot', description: 'Looks up stock prices' } },
  { type: 'mcp', server_label: 'mslearn', server_url: 'https://learn.microsoft.com/api/mcp' },
];

export function resolveWorldSpec(spec: WorldSpec = {}): Required<WorldSpec> {
  const out = { ...DEFAULT_WORLD, ...stripUndefined(spec) };
  for (const [key, value] of Object.entries(out)) {
    if (key === 'azureTools' || key === 'unknownTypes') {
      if (typeof value !== 'boolean') throw new RangeError(`world.${key} must be a boolean`);
    } else if (!Number.isInteger(value) || (value as number) < 0) {
      throw new RangeError(`world.${key} must be a non-negative integer`);
    }
  }
  if (out.threads < 1) throw new RangeError('world.threads must be at least 1');
  if (out.liveWindowSeconds < 1) throw new RangeError('world.liveWindowSeconds must be at least 1');
  return out;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Gives a plan its ids and places it in time. */
export function instantiateRun(
  ids: IdFactory,
  thread: ThreadState,
  assistant: AssistantState,
  plan: RunPlan,
  createdAt: number,
  origin: RunOrigin,
  overrides: RunOverrides = {},
): RunState {
  const id = ids.next('run');
  const seq = ids.count;
  const stepIds: string[] = [];
  const messageIds: (string | null)[] = [];
  const callIds: string[][] = [];
  for (const step of plan.steps) {
    stepIds.push(ids.next('step'));
    messageIds.push(step.type === 'message_creation' ? ids.next('msg') : null);
    callIds.push(step.toolCalls.map(() => ids.next('call')));
  }
  const run: RunState = {
    id,
    seq,
    threadId: thread.id,
    assistant,
    origin,
    plan,
    model: overrides.model ?? assistant.model,
    instructions: overrides.instructions ?? assistant.instructions,
    tools: overrides.tools ?? assistant.tools,
    metadata: overrides.metadata ?? { ...plan.metadata },
    temperature: overrides.temperature ?? assistant.temperature,
    topP: overrides.topP ?? assistant.topP,
    maxPromptTokens: overrides.maxPromptTokens !== undefined ? overrides.maxPromptTokens : plan.maxPromptTokens,
    maxCompletionTokens: overrides.maxCompletionTokens !== undefined ? overrides.maxCompletionTokens : plan.maxCompletionTokens,
    responseFormat: overrides.responseFormat ?? assistant.responseFormat,
    stepIds,
    messageIds,
    callIds,
    interactions: {},
    timeline: buildTimeline(plan, createdAt),
  };
  thread.runs.push(run);
  return run;
}

export interface GeneratedWorld {
  assistants: AssistantState[];
  threads: ThreadState[];
}

interface Draft {
  plan: RunPlan;
  thread: number;
  createdAt: number;
}

export function generateWorld(seed: number, spec: Required<WorldSpec>, startEpoch: number, ids: IdFactory): GeneratedWorld {
  const p = createPrng(deriveSeed(seed, 0x301d));
  const assistants: AssistantState[] = ASSISTANT_SEEDS.map((s, i) => ({
    id: ids.next('asst'),
    createdAt: startEpoch - 30 * 86_400 + i * 3_600,
    name: s.name,
    description: s.description,
    model: s.model,
    instructions: s.instructions,
    temperature: s.temperature,
    topP: s.topP,
    responseFormat: s.responseFormat,
    tools: spec.azureTools ? [...assistantTools(s.functions), ...AZURE_TOOL_DEFINITIONS] : assistantTools(s.functions),
    seedIndex: i,
  }));

  // One run of every kind first (in the backfill while it has room), then a seeded mix.
  const required = p.shuffle<RunKind>(servedKinds(spec));
  const backfillKinds: RunKind[] = required.slice(0, Math.min(spec.backfillRuns, required.length));
  const liveKinds: RunKind[] = required.slice(backfillKinds.length, backfillKinds.length + spec.liveRuns);
  while (backfillKinds.length < spec.backfillRuns) backfillKinds.push(drawFillKind(p, false, spec));
  while (liveKinds.length < spec.liveRuns) liveKinds.push(drawFillKind(p, true, spec));

  const draft = (kind: RunKind): Draft => ({
    plan: buildPlan(kind, createPrng(p.int(0, 0x7fffffff)), p.int(0, assistants.length - 1)),
    thread: p.int(0, spec.threads - 1),
    createdAt: 0,
  });
  const backfill = p.shuffle(backfillKinds).map(draft);
  const live = p.shuffle(liveKinds).map(draft);

  // Backfill: on each thread, runs end before the start and never overlap (one active run per thread).
  const firstCreated: number[] = [];
  for (let t = 0; t < spec.threads; t++) {
    let cursor = startEpoch - p.int(5, 90);
    const mine = backfill.filter((d) => d.thread === t);
    for (const d of mine.toReversed()) {
      d.createdAt = cursor - buildTimeline(d.plan, 0).endAt;
      cursor = d.createdAt - p.int(5, 240);
    }
    firstCreated.push(mine[0]?.createdAt ?? startEpoch - p.int(60, 600));
  }

  const threadDrafts = firstCreated.map((first, index) => ({ index, createdAt: first - p.int(0, 120) }));
  threadDrafts.sort((a, b) => a.createdAt - b.createdAt || a.index - b.index);
  const threads: ThreadState[] = new Array<ThreadState>(spec.threads);
  for (const td of threadDrafts) {
    threads[td.index] = { id: ids.next('thread'), seq: ids.count, createdAt: td.createdAt, metadata: {}, runs: [], pending: [] };
  }

  const order = backfill.map((d, i) => ({ d, i })).sort((a, b) => a.d.createdAt - b.d.createdAt || a.i - b.i);
  for (const { d } of order) {
    instantiateRun(
      ids,
      present(threads[d.thread], 'thread'),
      present(assistants[d.plan.assistantIndex], 'assistant'),
      d.plan,
      d.createdAt,
      'backfill',
    );
  }
  for (const d of live) {
    present(threads[d.thread], 'thread').pending.push({ startAt: startEpoch + p.int(1, spec.liveWindowSeconds), plan: d.plan });
  }
  for (const thread of threads) thread.pending.sort((a, b) => a.startAt - b.startAt);
  return { assistants, threads: [...threads].sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq) };
}
