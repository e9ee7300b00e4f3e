// Where a look at a Foundry agent's responses resumes, kept as the unit's cursor (plain JSON,
// committed with the spans and metrics it covers).
//
// The list is read oldest first after an anchor, an exclusive id cursor. Foundry's filtered lists
// are eventually consistent (a response may show up after others created later than itself), so
// the anchor stays an overlap behind the newest response seen: every response created since then
// is listed again at each look, and the window (the responses listed after the anchor, each
// already dealt with) keeps any of them from being traced twice. The anchor is the response
// listed just before the last one created before the cutoff; that one (the window's first, the
// sentinel) must show again in every list read from the anchor, so a list that shows none of the
// window says the anchor is no longer known (deleted): the look then reads back from the newest
// response, newest first, to set a new one.
//
// The first look reads back the same way (newest first, down to the start point), so an agent
// with a long past costs one page, not its whole history, when followed from now.
import { hashHex } from '../../mapping/ids.js';
import { isObj } from '../../mapping/json-values.js';
import { StateError } from '../../state/errors.js';
import type { LinkedResponseContext } from './links.js';

export const AGENT_CURSOR_VERSION = 1;

/** A response the list showed, by its key (seenKey) and created_at (null: it gave none). */
export interface SeenResponse {
  key: string;
  at: number | null;
  /** It joined an app's trace (its metadata's traceparent, as recorded): a link to it goes there. */
  tp?: string;
  ts?: string;
  /** The bridge read it but did not trace it, and it names a trace of its own: no link can reach it. */
  nolink?: true;
}

/** A position in the list: a response's id (one a URL can carry) and its created_at. */
export interface ListMark {
  id: string;
  at: number | null;
}

/** Reading back, newest first, to the start point (the first look) or to a new anchor. */
export interface ReadBack {
  /** Desc pages continue after this response; null: from the newest. */
  after: ListMark | null;
  /** Reading ends once a response created before this was read (and the new anchor is known). */
  stopAt: number;
  /** The new window keeps what was created at or after it; null: set from the newest response, on the first page. */
  cutoff: number | null;
  /** The new window, newest first: what was read before the new anchor. */
  read: SeenResponse[];
  /** The first response created before the cutoff (the new window's sentinel) was read. */
  sentinel: boolean;
  /** The new anchor, once read. */
  anchor: ListMark | null;
  /**
   * The place `after` named vanished between two looks and reading started again from the newest:
   * every response created after this, and those of `doneKeys` created at it, was dealt with already.
   */
  doneAbove: number | null;
  doneKeys: string[];
  /** Keys of the responses read so far that were created in the second of `after`. */
  sameSecond: string[];
}

export interface AgentCursor {
  v: typeof AGENT_CURSOR_VERSION;
  /** The start point (Unix seconds): responses created before it are not traced. */
  since: number;
  /** When the bridge first looked at the agent: its responses that ended long before are history. */
  firstSeen: number;
  /** The newest created_at seen. */
  newest: number | null;
  /** The list is read after it; null: from its first response. */
  anchor: ListMark | null;
  /** The responses listed after the anchor, in list order, each dealt with. */
  window: SeenResponse[];
  /** The last look stopped at its page limit: the next one reads on after this response. */
  resume: string | null;
  /** Reading back in progress: the next look goes on with it. */
  back: ReadBack | null;
}

export function newAgentCursor(sinceSeconds: number, nowSeconds: number): AgentCursor {
  return {
    v: AGENT_CURSOR_VERSION,
    since: sinceSeconds,
    firstSeen: nowSeconds,
    newest: null,
    anchor: null,
    window: [],
    resume: null,
    back: newReadBack(sinceSeconds, null),
  };
}

export const newReadBack = (stopAt: number, cutoff: number | null): ReadBack => ({
  after: null,
  stopAt,
  cutoff,
  read: [],
  sentinel: false,
  anchor: null,
  doneAbove: null,
  doneKeys: [],
  sameSecond: [],
});

/** Ids a list URL can carry as a cursor (URL-safe, short); a response with another id is traced but never a position. */
const PLAIN_ID = /^[A-Za-z0-9._:~-]{1,256}$/;
export const isPlainId = (id: string): boolean => PLAIN_ID.test(id);

/** How the window knows a response: its id, or (`#` and a hash) of one too long or odd to keep. */
export const seenKey = (id: string): string => (isPlainId(id) ? id : `#${hashHex(16, 'responses.list-id', id)}`);

/** The list position a window entry stands for; null for one known by hash only. */
const markOf = (entry: SeenResponse): ListMark | null => (isPlainId(entry.key) ? { id: entry.key, at: entry.at } : null);

/** Where the window starts: responses created at or after it are listed again. */
export const cutoffOf = (cursor: Pick<AgentCursor, 'since' | 'newest'>, overlapSeconds: number): number =>
  cursor.newest === null ? cursor.since : Math.max(cursor.since, cursor.newest - overlapSeconds);

/**
 * Oldest first (the list's order: by created_at), the order they were listed in kept within a
 * second; those without a time last, as they never become a position.
 */
export const stableByTime = (entries: readonly SeenResponse[]): SeenResponse[] =>
  entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (a.e.at ?? Infinity) - (b.e.at ?? Infinity) || a.i - b.i)
    .map(({ e }) => e);

/**
 * The new anchor and window after a look, from `listed`: what it listed from the anchor, in list
 * order (or on from where the last look stopped, the window first). The window starts at the last
 * response created before the cutoff (the sentinel); the anchor is the last one before it whose
 * id can be a cursor. With no such pair the anchor stays and the window keeps all.
 */
export function advanceWindow(
  anchor: ListMark | null,
  listed: readonly SeenResponse[],
  cutoff: number,
): { anchor: ListMark | null; window: SeenResponse[] } {
  const ordered = stableByTime(listed);
  let sentinel = -1;
  ordered.forEach((entry, i) => {
    if (entry.at !== null && entry.at < cutoff) sentinel = i;
  });
  for (let i = sentinel - 1; i >= 0; i -= 1) {
    const entry = ordered[i];
    const mark = entry ? markOf(entry) : null;
    if (mark) return { anchor: mark, window: ordered.slice(i + 1) };
  }
  return { anchor, window: ordered };
}

/**
 * The responses a `previous_response_id` link may point at, as the window knows them: those traced
 * (in the app's trace they joined, else their own), and those read but not traced that joined none.
 */
export function linkedFromWindow(window: readonly SeenResponse[]): Map<string, LinkedResponseContext> {
  const linked = new Map<string, LinkedResponseContext>();
  for (const entry of window) {
    if (entry.nolink || !isPlainId(entry.key)) continue;
    linked.set(entry.key, { traceparent: entry.tp ?? null, tracestate: entry.ts ?? null });
  }
  return linked;
}

/** The agent's list has been read to its end: nothing waits in it. */
export const isListedToEnd = (cursor: AgentCursor | null): boolean => cursor !== null && cursor.back === null && cursor.resume === null;

/** A stored cursor read back; null when none was stored. */
export function readAgentCursor(raw: unknown, agentName: string): AgentCursor | null {
  if (raw === null || raw === undefined) return null;
  const cursor = parseCursor(raw);
  if (cursor === null)
    throw new StateError('corrupt', `the state file's cursor of Foundry agent ${agentName} is not one this version of the bridge reads`);
  return cursor;
}

const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isTimeOrNull = (v: unknown): v is number | null => v === null || isTime(v);
const isIdOrNull = (v: unknown): v is string | null => v === null || (typeof v === 'string' && isPlainId(v));
const isKeys = (v: unknown): v is string[] => Array.isArray(v) && v.every((k) => typeof k === 'string');

function parseMark(raw: unknown): ListMark | null | undefined {
  if (raw === null) return null;
  if (!isObj(raw) || typeof raw.id !== 'string' || !isPlainId(raw.id) || !isTimeOrNull(raw.at)) return undefined;
  return { id: raw.id, at: raw.at };
}

function parseSeen(raw: unknown): SeenResponse | null {
  if (!isObj(raw) || typeof raw.key !== 'string' || !isTimeOrNull(raw.at)) return null;
  const entry: SeenResponse = { key: raw.key, at: raw.at };
  if (typeof raw.tp === 'string') entry.tp = raw.tp;
  if (typeof raw.ts === 'string') entry.ts = raw.ts;
  if (raw.nolink === true) entry.nolink = true;
  return entry;
}

function parseSeenList(raw: unknown): SeenResponse[] | null {
  if (!Array.isArray(raw)) return null;
  const out: SeenResponse[] = [];
  for (const item of raw) {
    const entry = parseSeen(item);
    if (entry === null) return null;
    out.push(entry);
  }
  return out;
}

function parseBack(raw: unknown): ReadBack | null | undefined {
  if (raw === null) return null;
  if (!isObj(raw) || !isTime(raw.stopAt) || !isTimeOrNull(raw.cutoff) || typeof raw.sentinel !== 'boolean') return undefined;
  const after = parseMark(raw.after);
  const read = parseSeenList(raw.read);
  const anchor = parseMark(raw.anchor);
  if (after === undefined || read === null || anchor === undefined || !isTimeOrNull(raw.doneAbove)) return undefined;
  if (!isKeys(raw.doneKeys) || !isKeys(raw.sameSecond)) return undefined;
  return {
    after,
    stopAt: raw.stopAt,
    cutoff: raw.cutoff,
    read,
    sentinel: raw.sentinel,
    anchor,
    doneAbove: raw.doneAbove,
    doneKeys: raw.doneKeys,
    sameSecond: raw.sameSecond,
  };
}

function parseCursor(raw: unknown): AgentCursor | null {
  if (!isObj(raw) || raw.v !== AGENT_CURSOR_VERSION) return null;
  const { since, firstSeen, newest, resume } = raw;
  if (!isTime(since) || !isTime(firstSeen) || !isTimeOrNull(newest) || !isIdOrNull(resume)) return null;
  const anchor = parseMark(raw.anchor);
  const window = parseSeenList(raw.window);
  const back = parseBack(raw.back);
  if (anchor === undefined || window === null || back === undefined) return null;
  return { v: AGENT_CURSOR_VERSION, since, firstSeen, newest, anchor, window, resume, back };
}
