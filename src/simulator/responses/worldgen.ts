// Builds the Responses world from the seed: Foundry agents, and sessions of one to three
// responses (alone, chained by previous_response_id, or in a conversation), finished ones laid out
// before the start and live ones starting over the coming seconds.
import { createPrng, deriveSeed, type Prng } from '../prng.js';
import type { ApiObject } from '../state.js';
import type { HexIdFactory } from './ids.js';
import { toolFor, userPromptItem, type ItemContext } from './items.js';
import { buildContinuation, buildDraft, RESPONSE_KINDS, waitsForApp, type ResponseDraft, type ResponseKind } from './kinds.js';
import type { AgentState, ConversationState, ResponseOrigin, ResponseState } from './state.js';
import { placeDraft } from './timeline.js';

export interface ResponsesWorldSpec {
  /** Responses already finished when the simulator starts. Default 30. */
  backfillResponses?: number;
  /** Responses created over the next `liveWindowSeconds` virtual seconds. Default 10. */
  liveResponses?: number;
  /** Default 300. */
  liveWindowSeconds?: number;
}

export const DEFAULT_RESPONSES_WORLD: Required<ResponsesWorldSpec> = { backfillResponses: 30, liveResponses: 10, liveWindowSeconds: 300 };

/** Foundry agent versions (one agent in two versions, so `agent_id=name:version` filters something). */
export const AGENTS: readonly AgentState[] = [
  { name: 'support-triage', version: '2', model: 'gpt-4.1', instructions: 'Route customer questions; look orders up before answering.' },
  { name: 'support-triage', version: '3', model: 'gpt-4.1', instructions: 'Route customer questions; open a ticket when stuck.' },
  { name: 'research-scout', version: '1', model: 'o4-mini', instructions: 'Search the web and the handbook; cite sources.' },
  { name: 'code-reviewer', version: '4', model: 'gpt-5-mini', instructions: 'Review patches, run the tests, propose fixes.' },
];
const MODELS = ['gpt-4.1-mini', 'gpt-5', 'o4-mini'];
const FILL_KINDS: readonly ResponseKind[] = [
  'message',
  'message',
  'message',
  'function_call',
  'function_call',
  'web_search',
  'file_search',
  'code_interpreter',
  'mcp',
  'failed',
  'incomplete',
];

export function resolveResponsesWorldSpec(spec: ResponsesWorldSpec = {}): Required<ResponsesWorldSpec> {
  const out = { ...DEFAULT_RESPONSES_WORLD };
  for (const key of Object.keys(out) as (keyof ResponsesWorldSpec)[]) {
    const value = spec[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`responses.${key} must be a non-negative integer`);
    out[key] = value;
  }
  if (out.liveWindowSeconds < 1) throw new RangeError('responses.liveWindowSeconds must be at least 1');
  return out;
}

export interface NewResponse {
  draft: ResponseDraft;
  input: ApiObject[];
  createdAt: number;
  background: boolean;
  /** A synchronous create: done in the second it was made. */
  instant?: boolean;
  origin: ResponseOrigin;
  agent: AgentState | null;
  model: string;
  instructions: string | null;
  metadata: Record<string, string>;
  conversationId: string | null;
  previousResponseId: string | null;
  tools: ApiObject[];
}

export function instantiateResponse(ids: HexIdFactory, n: NewResponse): ResponseState {
  const id = ids.next('resp');
  const placed = placeDraft(n.draft, n.createdAt, n.background, n.instant);
  return {
    id,
    seq: ids.count,
    kind: n.draft.kind,
    origin: n.origin,
    agent: n.agent,
    model: n.model,
    instructions: n.instructions,
    metadata: n.metadata,
    background: n.background,
    conversationId: n.conversationId,
    previousResponseId: n.previousResponseId,
    tools: n.tools,
    reasoningEffort: n.draft.reasoningEffort,
    maxOutputTokens: n.draft.maxOutputTokens,
    input: n.input,
    output: placed.output,
    createdAt: n.createdAt,
    startedAt: placed.startedAt,
    endAt: placed.endAt,
    endStatus: placed.endStatus,
    cancelledAt: null,
    usage: n.draft.usage,
    error: n.draft.error,
    incompleteReason: n.draft.incompleteReason,
    deleted: false,
  };
}

/** The tools a set of items implies, each once. */
export function toolsOf(items: readonly ApiObject[]): ApiObject[] {
  const seen = new Map<string, ApiObject>();
  for (const item of items) {
    const tool = toolFor(item);
    if (tool) seen.set(JSON.stringify(tool), tool);
  }
  return [...seen.values()];
}

function metadataFor(p: Prng): Record<string, string> {
  // Some responses join an app's trace (W3C traceparent in metadata), as the library writes it.
  if (p.chance(0.2)) return { traceparent: `00-${p.hex(32)}-${p.hex(16)}-01` };
  return p.chance(0.3) ? { app: 'sim-shop', user_tier: p.pick(['gold', 'free']) } : {};
}

interface Turn {
  draft: ResponseDraft;
  input: ApiObject[];
  gapAfter: number;
}

export interface GeneratedResponses {
  responses: ResponseState[];
  conversations: ConversationState[];
}

export function generateResponsesWorld(
  seed: number,
  spec: Required<ResponsesWorldSpec>,
  startEpoch: number,
  ids: HexIdFactory,
): GeneratedResponses {
  const p = createPrng(deriveSeed(seed, 0x7e5b));
  const c: ItemContext = { p, ids };
  const out: GeneratedResponses = { responses: [], conversations: [] };
  const required = p.shuffle<ResponseKind>(RESPONSE_KINDS);
  const nextKind = (): ResponseKind => required.shift() ?? p.pick(FILL_KINDS);

  /** One session of at most `budget` responses; `start` places it given its length in seconds. */
  const session = (budget: number, origin: ResponseOrigin, start: (duration: number) => number): number => {
    const agent = p.chance(0.75) ? p.pick(AGENTS) : null;
    const first = buildDraft(nextKind(), c);
    const background = first.backgroundOnly || p.chance(0.5);
    const turns: Turn[] = [{ draft: first, input: [userPromptItem(c), ...first.history], gapAfter: p.int(1, 8) }];
    const firstOutput = first.items.map((i) => i.body);
    if (budget > 1 && first.outcome === 'completed' && waitsForApp(firstOutput)) {
      const next = buildContinuation(c, firstOutput);
      turns.push({ draft: next.draft, input: next.input, gapAfter: p.int(1, 8) });
    } else if (budget > 1 && first.outcome === 'completed' && p.chance(0.3)) {
      turns.push({ draft: buildDraft('message', c), input: [userPromptItem(c)], gapAfter: p.int(1, 8) });
    }
    let mode = p.pick(['conversation', 'conversation', 'chain', 'chain', 'single'] as const);
    if (mode === 'single' && turns.length > 1) mode = 'chain';
    const tools = toolsOf(turns.flatMap((t) => t.draft.items.map((i) => i.body)));
    const metadata = metadataFor(p);
    const model = agent?.model ?? p.pick(MODELS);
    const duration = turns.reduce((sum, t) => sum + (background ? t.draft.queuedFor : 0) + runSeconds(t.draft) + t.gapAfter, 0);
    let cursor = start(duration);
    let conversationId: string | null = null;
    if (mode === 'conversation') {
      const conversation: ConversationState = {
        id: ids.next('conv'),
        seq: ids.count,
        createdAt: cursor - 1,
        metadata: {},
        agent,
        initialItems: [],
      };
      out.conversations.push(conversation);
      conversationId = conversation.id;
    }
    let previous: ResponseState | null = null;
    for (const turn of turns) {
      const r: ResponseState = instantiateResponse(ids, {
        draft: turn.draft,
        input: turn.input,
        createdAt: cursor,
        background,
        origin,
        agent,
        model,
        instructions: agent?.instructions ?? null,
        metadata,
        conversationId,
        previousResponseId: mode === 'chain' && previous ? previous.id : null,
        tools,
      });
      out.responses.push(r);
      previous = r;
      cursor = r.endAt + turn.gapAfter;
    }
    return turns.length;
  };

  for (let made = 0; made < spec.backfillResponses;) {
    made += session(spec.backfillResponses - made, 'backfill', (duration) => startEpoch - p.int(5, 3_600) - duration);
  }
  for (let made = 0; made < spec.liveResponses;) {
    made += session(spec.liveResponses - made, 'live', () => startEpoch + p.int(1, spec.liveWindowSeconds));
  }
  return out;
}

function runSeconds(d: ResponseDraft): number {
  const total = d.items.reduce((sum, i) => sum + i.seconds, 0);
  return d.cancelAfter === null ? total : Math.min(total, d.cancelAfter);
}
