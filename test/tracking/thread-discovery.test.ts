// Thread discovery with a fake thread list: the first pass reads newest first back to `since`,
// later passes read what is newer than the cursor, the cursor survives in its store, the pace
// backs off while nothing new appears, and a missing thread list route is fatal.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/cli/logger.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { BridgeError } from '../../src/core/errors.js';
import { PollPolicy } from '../../src/scheduler/poll-policy.js';
import type { ThreadPage, ThreadSummary } from '../../src/sources/assistants/assistants-source.js';
import { ThreadListUnavailable } from '../../src/api/errors.js';
import { ThreadDiscovery } from '../../src/sources/assistants/thread-discovery.js';

const policy = new PollPolicy({ activeIntervalMs: 100, discoveryIntervalMs: 1_000, discoveryMaxMs: 4_000 });

/** The threads given, listed two to a page in either order, `after` an id, as the API does. */
function fakeList(threads: ThreadSummary[]) {
  const calls: { after: string | null; order: 'asc' | 'desc' }[] = [];
  const listThreads = (after: string | null, _limit?: number, order: 'asc' | 'desc' = 'asc'): Promise<ThreadPage> => {
    calls.push({ after, order });
    const sorted = [...threads].sort((a, b) => (order === 'asc' ? 1 : -1) * ((a.createdAt ?? 0) - (b.createdAt ?? 0)));
    const from = after === null ? 0 : sorted.findIndex((t) => t.id === after) + 1;
    const items = sorted.slice(from, from + 2);
    return Promise.resolve({ items, skipped: 0, hasMore: from + 2 < sorted.length, lastId: items.at(-1)?.id ?? null });
  };
  return { listThreads, calls };
}

const thread = (i: number): ThreadSummary => ({ id: `thread_${i}`, createdAt: 1000 + i, metadata: {} });

function discovery(threads: ThreadSummary[], sinceSeconds: number | null, stored: string | null = null) {
  const config = resolveConfig({ flags: {}, env: { OPENAI_API_KEY: 'sk-test' } });
  config.watch = { ...config.watch, sinceSeconds };
  const list = fakeList(threads);
  const followed = new Set<string>();
  const cursor = { value: stored };
  const d = new ThreadDiscovery({
    source: { listThreads: list.listThreads },
    config,
    log: createLogger({ level: 'silent', format: 'json' }),
    policy,
    cursor: { read: () => cursor.value, write: (value) => (cursor.value = value) },
    follow: (id) => {
      if (followed.has(id)) return false;
      followed.add(id);
      return true;
    },
    nowSeconds: () => 5000,
  });
  return { d, list, followed, cursor, threads };
}

describe('thread discovery', () => {
  it('reads newest first back to since on the first pass, then only what is newer, oldest first', async () => {
    const { d, list, followed, cursor, threads } = discovery([1, 2, 3, 4, 5, 6].map(thread), 1003);
    d.announce();
    expect(JSON.parse(cursor.value!)).toEqual({ cursor: null, since: 1003, bootstrapped: false });
    expect(await d.pass()).toBe(1_000);
    expect([...followed]).toEqual(['thread_6', 'thread_5', 'thread_4', 'thread_3']);
    // Stops at the first thread older than since: the last page is never read.
    expect(list.calls).toEqual([
      { after: null, order: 'desc' },
      { after: 'thread_5', order: 'desc' },
      { after: 'thread_3', order: 'desc' },
    ]);
    expect(JSON.parse(cursor.value!)).toEqual({ cursor: 'thread_6', since: 1003, bootstrapped: true });
    threads.push(thread(7), thread(8), thread(9));
    list.calls.length = 0;
    expect(await d.pass()).toBe(1_000);
    expect([...followed].slice(4)).toEqual(['thread_7', 'thread_8', 'thread_9']);
    expect(list.calls).toEqual([
      { after: 'thread_6', order: 'asc' },
      { after: 'thread_8', order: 'asc' },
    ]);
    expect(JSON.parse(cursor.value!)).toMatchObject({ cursor: 'thread_9' });
    expect(d.passes).toBe(2);
  });

  it('backs off while nothing new appears', async () => {
    const { d } = discovery([thread(1)], null);
    d.announce();
    const delays = [];
    for (let i = 0; i < 4; i++) delays.push(await d.pass());
    expect(delays).toEqual([1_000, 2_000, 4_000, 4_000]);
  });

  it('keeps the since fixed at the first start, and starts from now without one', () => {
    const fresh = discovery([], null);
    fresh.d.announce();
    expect(JSON.parse(fresh.cursor.value!)).toMatchObject({ since: 5000 });
    const stored = JSON.stringify({ cursor: 'thread_2', since: 1234, bootstrapped: true });
    const resumed = discovery([], 1003, stored);
    resumed.d.announce();
    expect(resumed.cursor.value).toBe(stored);
  });

  it('says a 404 of the thread list is a missing route: fatal, not a unit gone', async () => {
    const gone = new BridgeError('gone', 'not found');
    const failing = new ThreadDiscovery({
      source: { listThreads: () => Promise.reject(gone) },
      config: resolveConfig({ flags: {}, env: { OPENAI_API_KEY: 'sk-test' } }),
      log: createLogger({ level: 'silent', format: 'json' }),
      policy,
      cursor: { read: () => null, write: () => undefined },
      follow: () => true,
    });
    await expect(failing.pass()).rejects.toBeInstanceOf(ThreadListUnavailable);
    expect(failing.passes).toBe(0);
  });
});
