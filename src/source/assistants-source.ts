// The only module that calls the Assistants API. Lists ask for order=asc and limit=100 (the
// API defaults are desc and 20) and follow has_more to the end; what arrives is parsed as
// unknown through the passthrough schemas, so unknown fields and types survive.
import OpenAI, { APIError, APIConnectionError, APIConnectionTimeoutError } from 'openai';
import { PRIORITY_HEADER } from '../scheduler/budgeted-fetch.js';
import type { Priority } from '../scheduler/priorities.js';
import { parseRun, parseStep, type RunPayload, type StepPayload } from './payloads.js';

export const FILE_SEARCH_CONTENT = 'step_details.tool_calls[*].file_search.results[*].content' as const;

/** The API says the object is gone (deleted thread or run). */
export class NotFound extends Error {
  constructor(readonly what: string) {
    super(`${what} was not found (deleted?)`);
    this.name = 'NotFound';
  }
}

/** The key or token is wrong: nothing will work until the user fixes it. */
export class AuthFailure extends Error {
  constructor(readonly status: number) {
    super(
      status === 401
        ? 'the API rejected the key (401): check OPENAI_API_KEY, or api.api_key_env in the config file'
        : 'the API refused access (403): the key lacks permission for the Assistants API on this project',
    );
    this.name = 'AuthFailure';
  }
}

/** A failure that may pass: 429/5xx after the budgeted fetch gave up, network, timeout, a body that was not JSON. */
export class TransientFailure extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'TransientFailure';
  }
}

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
}

export class AssistantsSource {
  private readonly client: OpenAI;
  private readonly pageSize: number;
  private readonly include: typeof FILE_SEARCH_CONTENT[];

  constructor(options: AssistantsSourceOptions) {
    this.client = options.client;
    this.pageSize = options.pageSize ?? 100;
    this.include = options.includeFileSearchContent ? [FILE_SEARCH_CONTENT] : [];
  }

  async retrieveRun(threadId: string, runId: string): Promise<RunPayload> {
    const raw: unknown = await this.call(`run ${runId}`, () => this.client.beta.threads.runs.retrieve(runId, { thread_id: threadId }));
    const parsed = parseRun(raw);
    if (!parsed.ok) throw new TransientFailure(`run ${runId}: ${parsed.error}`);
    return parsed.value;
  }

  /**
   * Every run of a thread after `after` (oldest first). `priority` is `finishing` when the list
   * stands in for polling an active run's status, `discovery` when it only looks for new runs.
   */
  async listRuns(threadId: string, after: string | null, priority: Priority = 'discovery'): Promise<ListResult<RunPayload>> {
    return this.collect(`thread ${threadId}`, parseRun, () =>
      this.client.beta.threads.runs.list(
        threadId,
        { order: 'asc', limit: this.pageSize, ...(after ? { after } : {}) },
        { headers: { [PRIORITY_HEADER]: priority } },
      ),
    );
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
   * The assistant's name; null when it has none or the service has no such assistant (404).
   * A transient failure throws, so the caller can try again before freezing the run's context.
   */
  async assistantName(assistantId: string): Promise<string | null> {
    try {
      const raw: unknown = await this.call(`assistant ${assistantId}`, () => this.client.beta.assistants.retrieve(assistantId));
      const name = typeof raw === 'object' && raw !== null ? (raw as { name?: unknown }).name : null;
      return typeof name === 'string' && name.length > 0 ? name : null;
    } catch (error) {
      if (error instanceof NotFound) return null;
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
      throw classify(what, error);
    }
  }
}

function classify(what: string, error: unknown): Error {
  if (error instanceof APIError) {
    if (error.status === 404) return new NotFound(what);
    if (error.status === 401 || error.status === 403) return new AuthFailure(error.status);
    if (error instanceof APIConnectionTimeoutError) return new TransientFailure(`${what}: request timed out`);
    if (error instanceof APIConnectionError) return new TransientFailure(`${what}: connection failed (${error.message})`);
    return new TransientFailure(`${what}: HTTP ${error.status ?? '?'}: ${firstLine(error.message)}`, error.status);
  }
  // A body that is not JSON surfaces as a SyntaxError from the SDK.
  return new TransientFailure(`${what}: ${firstLine(error instanceof Error ? error.message : String(error))}`);
}

const firstLine = (s: string): string => s.split('\n')[0]?.slice(0, 300) ?? '';
