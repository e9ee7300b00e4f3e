// `--agent AGENT_ID`: every session of an agent, present and future. One pass reads the agent's
// sessions list to its end, newest first, one request per 100 sessions; what it shows of each
// session (status, last_active_at) says whether its turns need listing, so a thousand idle
// sessions cost one list per pass, not a thousand turns lists.
//
// The list is filtered by agent_id, and filtered lists are eventually consistent: a new session
// may be missing from a pass and show in the next. A pass reads the whole list rather than back
// to the previous pass's newest (less an overlap): a session created long ago can become active
// again, and only the whole list shows its last_active_at. Whatever a pass shows is compared with
// what is tracked, so reading a session again never tracks it twice.
import { StateError } from '../../state/errors.js';
import { isObj } from '../../mapping/json-values.js';
import type { AgentsDiscoveryApi } from './client.js';

export const AGENT_CURSOR_VERSION = 1;

/** The agent unit's cursor: where its discovery started and how far it has got. */
export interface AgentDiscoveryCursor {
  v: typeof AGENT_CURSOR_VERSION;
  /** Sessions active since this Unix time are traced, and only their turns created since then. */
  since: number;
  /** Passes read to the end of the list (the first one makes the agent idle-capable). */
  passes: number;
}

export const newAgentDiscoveryCursor = (since: number): AgentDiscoveryCursor => ({ v: AGENT_CURSOR_VERSION, since, passes: 0 });

export function readAgentDiscoveryCursor(raw: unknown, agentId: string): AgentDiscoveryCursor | null {
  if (raw === null || raw === undefined) return null;
  if (
    isObj(raw) &&
    raw.v === AGENT_CURSOR_VERSION &&
    typeof raw.since === 'number' &&
    Number.isFinite(raw.since) &&
    typeof raw.passes === 'number' &&
    Number.isSafeInteger(raw.passes)
  )
    return { v: AGENT_CURSOR_VERSION, since: raw.since, passes: raw.passes };
  throw new StateError('corrupt', `the state file's cursor of agent ${agentId} is not one this version of the bridge reads`);
}

/** A session as the agent's sessions list shows it. */
export interface ListedSession {
  id: string;
  createdAt: number | null;
  lastActiveAt: number | null;
  status: string | null;
  /** The list item as read: the session look records the session's context from it. */
  raw: unknown;
}

export interface DiscoveryPass {
  /** Every session the list showed, newest first, each once. */
  sessions: ListedSession[];
  /** List items that were no session (no string id). */
  skipped: number;
  requests: number;
}

const time = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Reads the agent's sessions list to its end. */
export async function listAgentSessions(api: AgentsDiscoveryApi, agentId: string, pageSize: number): Promise<DiscoveryPass> {
  const seen = new Set<string>();
  const sessions: ListedSession[] = [];
  let skipped = 0;
  let requests = 0;
  let after: string | null = null;
  for (;;) {
    requests += 1;
    const page = await api.listSessions(agentId, after, pageSize);
    for (const item of page.items) {
      if (!isObj(item) || typeof item.id !== 'string' || item.id === '') {
        skipped += 1;
        continue;
      }
      // A session that moved between two pages shows twice: once is enough.
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      sessions.push({
        id: item.id,
        createdAt: time(item.created_at),
        lastActiveAt: time(item.last_active_at),
        status: typeof item.status === 'string' ? item.status : null,
        raw: item,
      });
    }
    if (!page.hasMore || page.lastId === null || page.lastId === after) return { sessions, skipped, requests };
    after = page.lastId;
  }
}

/** Active since the start point: by its last_active_at, else its creation; a session that shows neither counts. */
export function activeSince(session: ListedSession, since: number): boolean {
  const at = session.lastActiveAt ?? session.createdAt;
  return at === null || at >= since;
}
