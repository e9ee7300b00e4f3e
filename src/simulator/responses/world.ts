// The live Responses world: finds and lists what exists at a given second, applies client actions
// (create, cancel, delete, new conversations), and answers what every response will finally look
// like (the truth tests compare a client's view with).
import type { Clock } from '../clock.js';
import type { ApiError } from '../errors.js';
import { createPrng, deriveSeed } from '../prng.js';
import type { ApiObject } from '../state.js';
import { createHexIdFactory, type HexIdFactory } from './ids.js';
import { userPromptItem, type ItemContext } from './items.js';
import { buildDraft, continuationDraft, type ResponseKind } from './kinds.js';
import { INCLUDABLE, renderResponse, type RenderOptions } from './render.js';
import type { AgentState, ConversationState, ResponseOrigin, ResponseState } from './state.js';
import { endOf, outputAt, terminalStatusOf } from './timeline.js';
import {
  AGENTS,
  generateResponsesWorld,
  instantiateResponse,
  resolveResponsesWorldSpec,
  toolsOf,
  type ResponsesWorldSpec,
} from './worldgen.js';

const CLIENT_KINDS: readonly ResponseKind[] = ['message', 'message', 'function_call', 'web_search', 'code_interpreter'];
const ALL_INCLUDES: ReadonlySet<string> = new Set(INCLUDABLE);

export interface ResponseFilter {
  agentName?: string;
  /** `name:version`. */
  agentId?: string;
  conversationId?: string;
}

export interface CreateParams {
  model: string | null;
  input: ApiObject[];
  instructions: string | null;
  metadata: Record<string, string>;
  background: boolean;
  previousResponseId: string | null;
  conversationId: string | null;
  agent: AgentState | null;
  tools: ApiObject[] | null;
  maxOutputTokens: number | null;
}

export interface TruthResponse {
  id: string;
  kind: string;
  origin: ResponseOrigin;
  agent: { name: string; version: string } | null;
  background: boolean;
  conversationId: string | null;
  previousResponseId: string | null;
  expectedStatus: string;
  createdAt: number;
  endAt: number;
  finished: boolean;
  deleted: boolean;
  /** What a webhook announces for it (background responses only). */
  webhookEvent: string | null;
  /** The response as the API returns it once ended, every include[] field present. */
  response: ApiObject;
  /** Its input items, oldest first. */
  inputItems: ApiObject[];
}

export interface ResponsesTruth {
  now: number;
  allFinished: boolean;
  responses: TruthResponse[];
  conversations: { id: string; agentName: string | null; createdAt: number; responseIds: string[] }[];
  agents: { name: string; version: string; model: string }[];
}

const matchesAgent = (agent: AgentState | null, filter: ResponseFilter): boolean =>
  (filter.agentName === undefined || agent?.name === filter.agentName) &&
  (filter.agentId === undefined || (agent !== null && `${agent.name}:${agent.version}` === filter.agentId));

const byCreation = <T extends { createdAt: number; seq: number }>(a: T, b: T): number => a.createdAt - b.createdAt || a.seq - b.seq;

export class ResponsesWorld {
  readonly agents: readonly AgentState[] = AGENTS;
  private readonly responseList: ResponseState[];
  private readonly responsesById = new Map<string, ResponseState>();
  private readonly conversationList: ConversationState[];
  private readonly conversationsById = new Map<string, ConversationState>();
  private readonly ids: HexIdFactory;
  private nextClientKind: ResponseKind | null = null;

  constructor(
    readonly seed: number,
    readonly clock: Clock,
    spec: ResponsesWorldSpec = {},
  ) {
    this.ids = createHexIdFactory(seed, 0x2e5);
    const generated = generateResponsesWorld(seed, resolveResponsesWorldSpec(spec), clock.startEpoch, this.ids);
    this.responseList = generated.responses;
    this.conversationList = generated.conversations;
    for (const r of this.responseList) this.responsesById.set(r.id, r);
    for (const c of this.conversationList) this.conversationsById.set(c.id, c);
  }

  now(): number {
    return this.clock.now();
  }

  /** A response that exists at `t` (created, not deleted). */
  find(id: string, t: number): ResponseState | undefined {
    const r = this.responsesById.get(id);
    return r && r.createdAt <= t && !r.deleted ? r : undefined;
  }

  /** Responses that exist at `t`, oldest first; filtered by agent, only those the list's index shows by then. */
  list(t: number, filter: ResponseFilter = {}): ResponseState[] {
    const byAgent = filter.agentName !== undefined || filter.agentId !== undefined;
    return this.responseList
      .filter(
        (r) =>
          r.createdAt <= t &&
          !r.deleted &&
          (!byAgent || (r.listedFrom ?? r.createdAt) <= t) &&
          matchesAgent(r.agent, filter) &&
          (filter.conversationId === undefined || r.conversationId === filter.conversationId),
      )
      .sort(byCreation);
  }

  findConversation(id: string, t: number): ConversationState | undefined {
    const c = this.conversationsById.get(id);
    return c && c.createdAt <= t ? c : undefined;
  }

  listConversations(t: number, filter: ResponseFilter = {}): ConversationState[] {
    return this.conversationList.filter((c) => c.createdAt <= t && matchesAgent(c.agent, filter)).sort(byCreation);
  }

  /**
   * A conversation's items at `t` in the order they were added: each response's input, then its
   * output so far (deleting a response leaves what it added to the conversation).
   */
  conversationItems(conversation: ConversationState, t: number): ApiObject[] {
    const items = [...conversation.initialItems];
    const responses = this.responseList.filter((r) => r.conversationId === conversation.id && r.createdAt <= t).sort(byCreation);
    for (const r of responses) items.push(...r.input, ...outputAt(r, t));
    return items;
  }

  findAgent(name: string, version: string | undefined): AgentState | undefined {
    const versions = this.agents.filter((a) => a.name === name);
    return version === undefined ? versions[versions.length - 1] : versions.find((a) => a.version === version);
  }

  createConversation(t: number, metadata: Record<string, string>, items: ApiObject[], agent: AgentState | null = null): ConversationState {
    const conversation: ConversationState = { id: this.ids.next('conv'), seq: 0, createdAt: t, metadata, agent, initialItems: [] };
    conversation.seq = this.ids.count;
    conversation.initialItems = items.map((item) => ({ ...item, id: typeof item.id === 'string' ? item.id : this.ids.next('msg') }));
    this.conversationList.push(conversation);
    this.conversationsById.set(conversation.id, conversation);
    return conversation;
  }

  /** The next response a client creates does `kind` (for a test or bench that plays the app). */
  scriptNextClientResponse(kind: ResponseKind | null): void {
    this.nextClientKind = kind;
  }

  /** POST /responses. A synchronous one is answered finished, done in its creation second. */
  create(t: number, params: CreateParams, origin: ResponseOrigin = 'client', kind?: ResponseKind): ResponseState {
    const c: ItemContext = { p: createPrng(deriveSeed(this.seed, 0xc7ea7e, this.ids.count)), ids: this.ids };
    const scripted = kind ?? this.nextClientKind ?? undefined;
    if (origin === 'client') this.nextClientKind = null;
    const answers = params.input.some(
      (item) => typeof item.type === 'string' && (item.type.endsWith('_output') || item.type === 'mcp_approval_response'),
    );
    const draft =
      scripted !== undefined
        ? buildDraft(scripted, c)
        : answers
          ? continuationDraft(c, params.input)
          : buildDraft(c.p.pick(CLIENT_KINDS), c);
    const agent = params.agent;
    const background = params.background || draft.backgroundOnly;
    const conversation = params.conversationId === null ? undefined : this.conversationsById.get(params.conversationId);
    if (conversation && agent && !conversation.agent) conversation.agent = agent;
    const r = instantiateResponse(this.ids, {
      draft,
      input: params.input.map((item) => ({ ...item, id: typeof item.id === 'string' ? item.id : this.ids.next('msg') })),
      createdAt: t,
      background,
      instant: !background,
      origin,
      agent,
      model: params.model ?? agent?.model ?? 'gpt-4.1-mini',
      instructions: params.instructions ?? agent?.instructions ?? null,
      metadata: params.metadata,
      conversationId: params.conversationId,
      previousResponseId: params.previousResponseId,
      tools: params.tools ?? toolsOf(draft.items.map((i) => i.body)),
    });
    if (params.maxOutputTokens !== null) r.maxOutputTokens = params.maxOutputTokens;
    this.responseList.push(r);
    this.responsesById.set(r.id, r);
    return r;
  }

  /** POST /_sim/responses: a response of `kind` now, by an agent (a random one unless named). */
  startScripted(
    t: number,
    options: { kind?: ResponseKind; agent?: AgentState | null; background?: boolean; conversation?: boolean; listLagSeconds?: number },
  ): ResponseState {
    const p = createPrng(deriveSeed(this.seed, 0x5c17, this.ids.count));
    const agent = options.agent === undefined ? p.pick(this.agents) : options.agent;
    const conversationId = options.conversation ? this.createConversation(t, {}, [], agent).id : null;
    const c: ItemContext = { p, ids: this.ids };
    const r = this.create(
      t,
      {
        model: null,
        input: [userPromptItem(c)],
        instructions: null,
        metadata: {},
        background: options.background ?? true,
        previousResponseId: null,
        conversationId,
        agent,
        tools: null,
        maxOutputTokens: null,
      },
      'control',
      options.kind ?? p.pick(CLIENT_KINDS),
    );
    if (options.listLagSeconds) r.listedFrom = t + options.listLagSeconds;
    return r;
  }

  /** Null when cancelled (or already ended: cancelling twice returns the final response). */
  cancel(r: ResponseState, t: number): ApiError | null {
    if (!r.background)
      return { status: 400, message: 'Cannot cancel a synchronous response.', type: 'invalid_request_error', param: null, code: null };
    if (t < endOf(r)) r.cancelledAt = t;
    return null;
  }

  delete(r: ResponseState): void {
    r.deleted = true;
  }

  /** Background responses that end within [from, until], for webhooks. */
  backgroundEnded(from: number, until: number): ResponseState[] {
    return this.responseList.filter((r) => r.background && endOf(r) >= from && endOf(r) <= until);
  }

  /** Any response by id, ended or not, deleted or not (for webhooks on request). */
  lookup(id: string): ResponseState | undefined {
    return this.responsesById.get(id);
  }

  summary(): { now: number; responses: number; allFinished: boolean } {
    const now = this.now();
    const existing = this.responseList.filter((r) => r.createdAt <= now);
    return {
      now,
      responses: existing.length,
      allFinished: existing.length === this.responseList.length && existing.every((r) => endOf(r) <= now),
    };
  }

  truth(options: Omit<RenderOptions, 'include'>): ResponsesTruth {
    const now = this.now();
    const responses = [...this.responseList].sort((a, b) => a.seq - b.seq);
    return {
      now,
      allFinished: responses.every((r) => endOf(r) <= now),
      responses: responses.map((r) => ({
        id: r.id,
        kind: r.kind,
        origin: r.origin,
        agent: r.agent ? { name: r.agent.name, version: r.agent.version } : null,
        background: r.background,
        conversationId: r.conversationId,
        previousResponseId: r.previousResponseId,
        expectedStatus: terminalStatusOf(r),
        createdAt: r.createdAt,
        endAt: endOf(r),
        finished: endOf(r) <= now,
        deleted: r.deleted,
        webhookEvent: r.background ? `response.${terminalStatusOf(r)}` : null,
        response: renderResponse(r, Math.max(endOf(r), now), { ...options, include: ALL_INCLUDES }),
        inputItems: r.input,
      })),
      conversations: [...this.conversationList].sort(byCreation).map((c) => ({
        id: c.id,
        agentName: c.agent?.name ?? null,
        createdAt: c.createdAt,
        responseIds: responses
          .filter((r) => r.conversationId === c.id)
          .sort(byCreation)
          .map((r) => r.id),
      })),
      agents: this.agents.map((a) => ({ name: a.name, version: a.version, model: a.model })),
    };
  }
}
