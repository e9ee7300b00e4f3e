// `--all-threads`: follows every thread the service lists. The first pass reads newest first and
// stops at `since` (never an unbounded historical backfill); later passes read what is newer than
// the last thread seen. The cursor lives in the state file, so a restart resumes.
import type { Logger } from 'pino';
import type { BridgeConfig } from '../../config/types.js';
import { meaningOf } from '../../core/errors.js';
import type { PollPolicy } from '../../scheduler/poll-policy.js';
import type { AssistantsSource, ThreadPage } from './assistants-source.js';
import { ThreadListUnavailable } from '../../api/errors.js';

interface DiscoveryCursor {
  /** The newest thread seen; later passes list after it, oldest first. */
  cursor: string | null;
  /** Threads created before this Unix time are not followed. */
  since: number;
  /** The first pass (newest first, back to `since`) is done. */
  bootstrapped: boolean;
}

export interface ThreadDiscoveryOptions {
  source: Pick<AssistantsSource, 'listThreads'>;
  config: BridgeConfig;
  log: Logger;
  policy: PollPolicy;
  /** Where the cursor is kept (JSON), across restarts. */
  cursor: { read(): string | null; write(value: string): void };
  /** Tracks a thread found; true when it was not tracked before. */
  follow: (threadId: string) => boolean;
  nowSeconds?: () => number;
}

export class ThreadDiscovery {
  /** Passes done since the start. */
  passes = 0;
  #delayMs: number | undefined;
  readonly #options: ThreadDiscoveryOptions;

  constructor(options: ThreadDiscoveryOptions) {
    this.#options = options;
  }

  /**
   * Says from when threads are followed, fixing that time in the state file at the first start
   * (so a first pass that fails and is retried later keeps it).
   */
  announce(): void {
    const { cursor, config, log } = this.#options;
    const stored = cursor.read();
    const given = config.watch.sinceSeconds;
    let since: number;
    let why: string;
    if (stored) {
      since = (JSON.parse(stored) as DiscoveryCursor).since;
      why = `fixed at the first start with this state file${given !== null && given !== since ? '; the since setting applies only to a new state file' : ''}`;
    } else {
      since = given ?? this.#now();
      why = given !== null ? 'the since setting' : 'this first start: older threads are not backfilled (--since to go back)';
      cursor.write(JSON.stringify({ cursor: null, since, bootstrapped: false } satisfies DiscoveryCursor));
    }
    const from = new Date(since * 1000).toISOString();
    log.info({ since: from }, `--all-threads: watching every thread the service lists, new ones included, created since ${from} (${why})`);
  }

  /** One pass; returns the delay before the next. */
  async pass(): Promise<number> {
    const { cursor, config, follow, policy } = this.#options;
    const stored = cursor.read();
    const meta: DiscoveryCursor = stored
      ? (JSON.parse(stored) as DiscoveryCursor)
      : { cursor: null, since: config.watch.sinceSeconds ?? this.#now(), bootstrapped: false };
    let foundNew = false;
    if (!meta.bootstrapped) {
      let after: string | null = null;
      let newest: string | null = null;
      for (let reachedSince = false; !reachedSince;) {
        const page = await this.#page(after, 'desc');
        for (const thread of page.items) {
          newest ??= thread.id;
          if (thread.createdAt !== null && thread.createdAt < meta.since) {
            reachedSince = true;
            break;
          }
          if (follow(thread.id)) foundNew = true;
        }
        if (!page.hasMore || !page.lastId) break;
        after = page.lastId;
      }
      meta.cursor = newest ?? meta.cursor;
      meta.bootstrapped = true;
    } else {
      for (;;) {
        const page = await this.#page(meta.cursor, 'asc');
        for (const thread of page.items) if (follow(thread.id)) foundNew = true;
        if (page.lastId) meta.cursor = page.lastId;
        if (!page.hasMore || !page.lastId) break;
      }
    }
    cursor.write(JSON.stringify(meta));
    this.passes += 1;
    this.#delayMs = policy.nextDiscoveryDelay({ foundNew, previousDelayMs: this.#delayMs });
    return this.#delayMs;
  }

  #now(): number {
    return this.#options.nowSeconds?.() ?? Math.floor(Date.now() / 1000);
  }

  /** A page of GET /threads. Its 404 says the route is missing, not that a unit is gone: fatal. */
  async #page(after: string | null, order: 'asc' | 'desc'): Promise<ThreadPage> {
    try {
      return await this.#options.source.listThreads(after, 100, order);
    } catch (error) {
      throw meaningOf(error) === 'gone' ? new ThreadListUnavailable(error) : error;
    }
  }
}
