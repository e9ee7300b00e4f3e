// An agent's discovery pass: the whole sessions list, newest first, one request a page; a session
// shown on two pages (it moved while the list was read) counted once; items that are no session
// skipped; a session counts when active since the start point; the cursor read back strictly.
import { describe, expect, it } from 'vitest';
import {
  activeSince,
  listAgentSessions,
  newAgentDiscoveryCursor,
  readAgentDiscoveryCursor,
  type ListedSession,
} from '../../../src/sources/agents/agent-discovery.js';
import type { AgentsDiscoveryApi, ListPage } from '../../../src/sources/agents/client.js';
import { StateError } from '../../../src/state/errors.js';

/** A sessions list served from `items` in pages of `limit`, each page after the last one served (the cursor is a position), every call recorded. */
function listOf(items: unknown[]): AgentsDiscoveryApi & { calls: { after: string | null; limit: number }[] } {
  const calls: { after: string | null; limit: number }[] = [];
  let next = 0;
  return {
    calls,
    listSessions(_agentId, after, limit): Promise<ListPage> {
      calls.push({ after, limit });
      const start = after === null ? 0 : next;
      const page = items.slice(start, start + limit);
      next = start + page.length;
      const last = page.at(-1) as { id?: unknown } | undefined;
      return Promise.resolve({
        items: page,
        hasMore: next < items.length,
        lastId: typeof last?.id === 'string' ? last.id : null,
      });
    },
  };
}

const session = (id: string, lastActiveAt: number | null, createdAt = 100): Record<string, unknown> => ({
  id,
  object: 'agent.session',
  created_at: createdAt,
  last_active_at: lastActiveAt,
  status: 'idle',
});

describe("an agent's discovery pass", () => {
  it('reads the whole list a page at a time, each session once, skipping what is no session', async () => {
    const items = [session('s5', 500), session('s4', 400), 'junk', session('s3', 300), { id: '' }, session('s4', 410), session('s1', 100)];
    const api = listOf(items);
    const pass = await listAgentSessions(api, 'agent_1', 2);
    expect(pass.sessions.map((s) => s.id)).toEqual(['s5', 's4', 's3', 's1']);
    expect(pass.sessions[1]).toMatchObject({ lastActiveAt: 400, createdAt: 100, status: 'idle' });
    expect(pass.skipped).toBe(2);
    expect(pass.requests).toBe(4);
    expect(api.calls.map((c) => c.after)).toEqual([null, 's4', 's3', 's4']);
  });

  it('counts a session active since the start point by last_active_at, else its creation', () => {
    const listed = (lastActiveAt: number | null, createdAt: number | null): ListedSession => ({
      id: 's',
      lastActiveAt,
      createdAt,
      status: null,
      raw: {},
    });
    expect(activeSince(listed(200, 50), 100)).toBe(true);
    expect(activeSince(listed(99, 50), 100)).toBe(false);
    expect(activeSince(listed(null, 150), 100)).toBe(true);
    expect(activeSince(listed(null, 50), 100)).toBe(false);
    expect(activeSince(listed(null, null), 100)).toBe(true);
  });

  it('reads its cursor back, and refuses one it did not write', () => {
    expect(readAgentDiscoveryCursor(null, 'agent_1')).toBeNull();
    const cursor = { ...newAgentDiscoveryCursor(1_700_000_000), passes: 3 };
    expect(readAgentDiscoveryCursor(JSON.parse(JSON.stringify(cursor)), 'agent_1')).toEqual(cursor);
    expect(() => readAgentDiscoveryCursor({ v: 2, since: 1, passes: 0 }, 'agent_1')).toThrow(StateError);
    expect(() => readAgentDiscoveryCursor({ v: 1, since: 'x', passes: 0 }, 'agent_1')).toThrow(/agent agent_1/);
  });
});
