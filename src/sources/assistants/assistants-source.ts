// The only module that calls the Assistants API. Lists ask for order=asc and limit=100 (the
// API defaults are desc and 20) and follow has_more to the end; what arrives is parsed as
// unknown through the passthrough schemas, so unknown fields and types survive.
import type OpenAI from 'openai';
import { meaningOf } from '../../core/errors.js';
import { PRIORITY_HEADER } from '../../scheduler/budgeted-fetch.js';
import type { Priority } from '../../scheduler/priorities.js';
import { CursorPage } from 'openai/pagination';
import { credentialHintsOf, type CredentialHints } from '../../api/auth/credential-hints.js';
import { classifyApiError, TransientFailure } from '../../api/errors.js';
import { heldRun } from './held-run.js';
import { parseRun, parseStep, type ParseResult, type RunPayload, type StepPayload } from './payloads.js';

export const FILE_SEARCH_CONTENT = 'step_details.tool_calls[*].file_search.results[*].content' as const;

export interface ListResult<T> {
  items: T[];
  /** Items that could not be parsed (no id): counted and skipped, never fatal. */
  skipped: number;
  requests: number;
}

export interface AssistantsSourceOptions {
  client: OpenAI;
  /** Ask for file search result text (content capture on). */
  includeFileSearchContent: boolean;
  /** Page size; 100 is the API's maximum. */
  pageSize?: number;
  /** Keep each run's `instructions` (see held-run.ts). Default: includeFileSearchContent (content capture on). */
  keepInstructions?: boolean;
}

/** A thread as GET /threads lists it (Azure AI Foundry Agent Service has that route; OpenAI does not). */
/** What a run's frozen context takes from its assistant. */
export interface AssistantInfo {
  name: string | null;
  description: string | null;
}

const nonEmptyString = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

export interface ThreadSummary {
  id: string;
  createdAt: number | null;
  metadata: Record<string, unknown>;
}

export interface ThreadPage {
  items: ThreadSummary[];
  /** Threads that could not be parsed (no id): counted and skipped. */
  skipped: number;
  hasMore: boolean;
  /** Pass as `after` for the next page; null when the page was empty. */
  lastId: string | null;
}

function parseThread(raw: unknown): ThreadSummary | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const t = raw as { id?: unknown; created_at?: unknown; metadata?: unknown };
  if (typeof t.id !== 'string' || t.id === '') return null;
  const metadata =
    typeof t.metadata === 'object' && t.metadata !== null && !Array.isArray(t.metadata) ? (t.metadata as Record<string, unknown>) : {};
  return { id: t.id, createdAt: typeof t.created_at === 'number' && Number.isFinite(t.created_at) ? t.created_at : null, metadata };
}

export class AssistantsSource {
  private readonly client: OpenAI;
  private readonly hints: CredentialHints;
  private readonly pageSize: number;
  private readonly include: (typeof FILE_SEARCH_CONTENT)[];
  private readonly parseHeldRun: (raw: unknown) => ParseResult<RunPayload>;

  constructor(options: AssistantsSourceOptions) {
    this.client = options.client;
    this.hints = credentialHintsOf(options.client);
    this.pageSize = options.pageSize ?? 100;
    this.include = options.includeFileSearchContent ? [FILE_SEARCH_CONTENT] : [];
    const held = { keepInstructions: options.keepInstructions ?? options.includeFileSearchContent };
    // Runs are handed out as the watch loop holds them: the fields the bridge reads, nothing else.
    this.parseHeldRun = (raw) => {
      const parsed = parseRun(raw);
      return parsed.ok ? { ok: true, value: heldRun(parsed.value, held) } : parsed;
    };
  }

  async retrieveRun(threadId: string, runId: string): Promise<RunPayload> {
    const raw: unknown = await this.call(`run ${runId}`, () => this.client.beta.threads.runs.retrieve(runId, { thread_id: threadId }));
    const parsed = this.parseHeldRun(raw);
    if (!parsed.ok) throw new TransientFailure(`run ${runId}: ${parsed.error}`);
    return parsed.value;
  }

  /**
   * Every run of a thread after `after` (oldest first). `priority` is `finishing` when the list
   * stands in for polling an active run's status, `discovery` when it only looks for new runs.
   */
  async listRuns(threadId: string, after: string | null, priority: Priority = 'discovery'): Promise<ListResult<RunPayload>> {
    return this.collect(`thread ${threadId}`, this.parseHeldRun, () =>
      this.client.beta.threads.runs.list(
        threadId,
        { order: 'asc', limit: this.pageSize, ...(after ? { after } : {}) },
        { headers: { [PRIORITY_HEADER]: priority } },
      ),
    );
  }

  /**
   * The thread's newest runs, one page (newest first): the status of several runs tracked one by
   * one on the same thread in a single request.
   */
  async listRecentRuns(threadId: string, priority: Priority = 'finishing'): Promise<ListResult<RunPayload>> {
    const page = await this.call(`thread ${threadId}`, () =>
      this.client.beta.threads.runs.list(threadId, { order: 'desc', limit: this.pageSize }, { headers: { [PRIORITY_HEADER]: priority } }),
    );
    const result: ListResult<RunPayload> = { items: [], skipped: 0, requests: 1 };
    for (const raw of Array.isArray(page.data) ? (page.data as unknown[]) : []) {
      const parsed = this.parseHeldRun(raw);
      if (parsed.ok) result.items.push(parsed.value);
      else result.skipped += 1;
    }
    return result;
  }

  /** Every step of a run after `after` (oldest first): resumes after the last step already stored. */
  async listSteps(threadId: string, runId: string, after: string | null): Promise<ListResult<StepPayload>> {
    return this.collect(`run ${runId}`, parseStep, () =>
      this.client.beta.threads.runs.steps.list(runId, {
        thread_id: threadId,
        order: 'asc',
        limit: this.pageSize,
        ...(after ? { after } : {}),
        ...(this.include.length > 0 ? { include: this.include } : {}),
      }),
    );
  }

  /**
   * One page of the service's threads after `after`, oldest first by default (GET /threads,
   * which Azure AI Foundry Agent Service has). Services without the route answer 404: that
   * throws NotFound (see ThreadListUnavailable).
   */
  async listThreads(after: string | null, limit: number = this.pageSize, order: 'asc' | 'desc' = 'asc'): Promise<ThreadPage> {
    const page = await this.call('the thread list (GET /threads)', () =>
      this.client.getAPIList('/threads', CursorPage<{ id: string }>, {
        query: { order, limit: Math.max(1, Math.min(100, Math.trunc(limit))), ...(after ? { after } : {}) },
        headers: { 'OpenAI-Beta': 'assistants=v2', [PRIORITY_HEADER]: 'discovery' },
      }),
    );
    const items: ThreadSummary[] = [];
    let skipped = 0;
    for (const raw of Array.isArray(page.data) ? (page.data as unknown[]) : []) {
      const thread = parseThread(raw);
      if (thread) items.push(thread);
      else skipped += 1;
    }
    // A service may leave has_more out, whatever the SDK's type says.
    const hasMore: unknown = page.has_more;
    return { items, skipped, hasMore: hasMore === true && items.length + skipped > 0, lastId: items.at(-1)?.id ?? null };
  }

  /**
   * The assistant's name and description (each null when it has none), both null when the
   * service has no such assistant (404). A transient failure throws, so the caller can try again
   * before freezing the run's context.
   */
  async assistantInfo(assistantId: string): Promise<AssistantInfo> {
    try {
      const raw: unknown = await this.call(`assistant ${assistantId}`, () => this.client.beta.assistants.retrieve(assistantId));
      const { name, description } = typeof raw === 'object' && raw !== null ? (raw as { name?: unknown; description?: unknown }) : {};
      return { name: nonEmptyString(name), description: nonEmptyString(description) };
    } catch (error) {
      if (meaningOf(error) === 'gone') return { name: null, description: null };
      throw error;
    }
  }

  private async collect<T>(
    what: string,
    parse: (raw: unknown) => { ok: true; value: T } | { ok: false; error: string },
    first: () => PromiseLike<{ data: unknown[]; hasNextPage(): boolean; getNextPage(): Promise<unknown> }>,
  ): Promise<ListResult<T>> {
    const result: ListResult<T> = { items: [], skipped: 0, requests: 0 };
    let page = await this.call(what, first);
    for (;;) {
      result.requests += 1;
      for (const raw of Array.isArray(page.data) ? page.data : []) {
        const parsed = parse(raw);
        if (parsed.ok) result.items.push(parsed.value);
        else result.skipped += 1;
      }
      if (!page.hasNextPage()) return result;
      const current = page;
      page = (await this.call(what, () => current.getNextPage())) as typeof page;
    }
  }

  private async call<T>(what: string, fn: () => PromiseLike<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw classifyApiError(what, error, this.hints);
    }
  }
}
