// Where a session look resumes, kept as the unit's cursor (plain JSON, committed with the spans
// and metrics it covers): the turns and traces lists are read after their cursors, and what the
// bridge knows of each turn that has not settled yet rides along, so that nothing is counted or
// forwarded twice and a deleted session can still settle what it knew.
//
// A turn settles once it is terminal and the trace wait has passed since its completed_at (the
// bridge's first sight of it terminal when the API gives none), at once when its session is gone,
// and a root turn at once when its trace is too large to be listed at all. The traces cursor never
// passes the oldest unsettled turn: both cursors move to the end of the settled prefix of the
// turns list, so every unsettled root turn's trace is read again by the next look.
import { StateError } from '../../state/errors.js';
import { isNanos } from '../../core/span-record.js';
import { isObj } from '../../mapping/json-values.js';
import { readTokenUsage } from '../../mapping/token-usage.js';
import { publishedSpanKey } from './keys.js';
import type { PublishedSpan } from './otlp-json.js';
import type { TraceSighting } from './synthetic.js';
import { isTerminalTurn, readTurn, type TurnFacts } from './turn.js';

export const SESSION_CURSOR_VERSION = 1;

/** What the bridge saw of a root turn's published trace while the turn was unsettled. */
export interface TraceProgress extends TraceSighting {
  /**
   * Spans without an end at the last read, as forward.ts holds them (content rule and limits
   * applied): read again until they end, or ended with the turn should it settle unread (deleted).
   */
  held: PublishedSpan[];
  /** Ids of the spans forwarded, by trace id (the dedupe key is trace id + span id). */
  forwarded: Record<string, string[]>;
}

/** A turn listed but not settled. */
export interface OpenTurn {
  id: string;
  /** The turn as last read; usage as token counts only, an error's text cut (see compactTurn). */
  facts: TurnFacts;
  /** Bridge time (Unix seconds) it was first seen terminal, when its status was counted; null while it runs. */
  terminalSeenAt: number | null;
  /** Root turns only. */
  trace: TraceProgress | null;
}

export interface SessionCursor {
  v: typeof SESSION_CURSOR_VERSION;
  /** The turns list is read after this turn (null: from the first); every turn up to it is settled. */
  turnsAfter: string | null;
  /** The traces list is read after this root turn (null: from the first); every root turn up to it is settled. */
  tracesAfter: string | null;
  /** The page size the first traces page after `tracesAfter` was last answered with (lower than the
   *  page size when a trace there is too large to list with others): the next look starts with it. */
  tracesLimit: number;
  /** Unsettled turns after `turnsAfter`, in list order. */
  open: OpenTurn[];
  /** Settled turns after `turnsAfter` (behind an unsettled one): listed again, never counted again. */
  settled: string[];
  /** The session's last_active_at when its turns were last listed, as a sessions list showed it; null: not known. */
  lastActiveAt: number | null;
  /** The session was deleted: nothing more will come. */
  gone: boolean;
}

export function newSessionCursor(pageSize: number): SessionCursor {
  return {
    v: SESSION_CURSOR_VERSION,
    turnsAfter: null,
    tracesAfter: null,
    tracesLimit: pageSize,
    open: [],
    settled: [],
    lastActiveAt: null,
    gone: false,
  };
}

/** Every turn the session showed is settled (and so no unfinished one), or the session is gone. */
export const isSessionIdle = (cursor: SessionCursor | null): boolean => cursor !== null && (cursor.gone || cursor.open.length === 0);

/** When a turn settles by the clock (Unix seconds), given what it showed; null while it is not terminal. */
export function settlesAt(turn: Pick<OpenTurn, 'facts' | 'terminalSeenAt'>, traceWaitSeconds: number): number | null {
  if (!isTerminalTurn(turn.facts)) return null;
  const from = turn.facts.completedAt ?? turn.terminalSeenAt;
  return from === null ? null : from + traceWaitSeconds;
}

/** A turn's position in the turns list, and whether it is settled once this look commits. */
export interface ListedTurn {
  id: string;
  root: boolean;
  settled: boolean;
}

/**
 * Both cursors after a look that listed `listed` (the turns after `turnsAfter`, in list order):
 * the end of the settled prefix, for traces its last root turn.
 */
export function advanceCursors(cursor: Pick<SessionCursor, 'turnsAfter' | 'tracesAfter'>, listed: readonly ListedTurn[]) {
  let { turnsAfter, tracesAfter } = cursor;
  for (const turn of listed) {
    if (!turn.settled) break;
    turnsAfter = turn.id;
    if (turn.root) tracesAfter = turn.id;
  }
  return { turnsAfter, tracesAfter };
}

export const emptyProgress = (): TraceProgress => ({ listed: false, spans: 0, tooLarge: false, held: [], forwarded: {} });

/** The dedupe keys of the spans forwarded so far. */
export function forwardedKeys(progress: TraceProgress): Set<string> {
  const keys = new Set<string>();
  for (const [traceId, spanIds] of Object.entries(progress.forwarded))
    for (const spanId of spanIds) keys.add(publishedSpanKey(traceId, spanId));
  return keys;
}

export function addForwarded(progress: TraceProgress, spans: readonly { traceId: string; spanId: string }[]): void {
  for (const { traceId, spanId } of spans) (progress.forwarded[traceId] ??= []).push(spanId);
}

/** An error's text in a cursor; what the API gives beyond it is not worth rewriting at every look. */
const ERROR_TEXT_MAX = 4096;

/**
 * The turn as a cursor keeps it, in the API's own shape so that it reads back through readTurn
 * exactly as it was read: usage reduced to the counts the bridge reads (readTokenUsage gives the
 * same from both), an error's code and message cut to 4096 characters.
 */
export function compactTurn(facts: TurnFacts): Record<string, unknown> {
  const usage = readTokenUsage(facts.usage);
  const cut = (s: string | null): string | null => (s !== null && s.length > ERROR_TEXT_MAX ? s.slice(0, ERROR_TEXT_MAX) : s);
  return {
    id: facts.id,
    status: facts.status,
    agent_id: facts.agentId,
    subagent_id: facts.subagentId,
    created_at: facts.createdAt,
    started_at: facts.startedAt,
    completed_at: facts.completedAt,
    usage: usage && {
      input_tokens: usage.input,
      output_tokens: usage.output,
      input_tokens_details: { cached_tokens: usage.cacheRead },
      output_tokens_details: { reasoning_tokens: usage.reasoning },
    },
    error: facts.error && { code: cut(facts.error.code), message: cut(facts.error.message) },
  };
}

/** The cursor as stored (JSON): open turns in the API's shape. */
export function storedCursor(cursor: SessionCursor): unknown {
  return { ...cursor, open: cursor.open.map((t) => ({ ...t, facts: compactTurn(t.facts) })) };
}

/** A stored cursor read back; null when none was stored. */
export function readSessionCursor(raw: unknown, sessionId: string): SessionCursor | null {
  if (raw === null || raw === undefined) return null;
  const cursor = parseCursor(raw);
  if (cursor === null)
    throw new StateError('corrupt', `the state file's cursor of agent session ${sessionId} is not one this version of the bridge reads`);
  return cursor;
}

const isIdOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

/** A held span as this module wrote it: its identity and shape checked, its values trusted (the bridge wrote them). */
function isHeldSpan(raw: unknown): raw is PublishedSpan {
  if (!isObj(raw) || typeof raw.traceId !== 'string' || !TRACE_ID.test(raw.traceId) || typeof raw.spanId !== 'string') return false;
  if (!SPAN_ID.test(raw.spanId) || typeof raw.name !== 'string' || !isNanos(raw.start) || raw.end !== null) return false;
  const parent = raw.parent;
  if (parent !== null && !(isObj(parent) && typeof parent.spanId === 'string' && SPAN_ID.test(parent.spanId))) return false;
  return (
    isObj(raw.attributes) &&
    isObj(raw.status) &&
    typeof raw.kind === 'number' &&
    isCount(raw.droppedAttributesCount) &&
    isCount(raw.traceFlags)
  );
}
const isIds = (v: unknown): v is string[] => Array.isArray(v) && v.every((id) => typeof id === 'string');

function parseCursor(raw: unknown): SessionCursor | null {
  if (!isObj(raw) || raw.v !== SESSION_CURSOR_VERSION) return null;
  const { turnsAfter, tracesAfter, tracesLimit, open, settled, lastActiveAt, gone } = raw;
  if (!isIdOrNull(turnsAfter) || !isIdOrNull(tracesAfter) || !isCount(tracesLimit) || tracesLimit < 1) return null;
  if (!Array.isArray(open) || !isIds(settled) || typeof gone !== 'boolean') return null;
  if (lastActiveAt !== null && !isTime(lastActiveAt)) return null;
  const turns: OpenTurn[] = [];
  for (const item of open) {
    const turn = parseOpenTurn(item);
    if (turn === null) return null;
    turns.push(turn);
  }
  return { v: SESSION_CURSOR_VERSION, turnsAfter, tracesAfter, tracesLimit, open: turns, settled, lastActiveAt, gone };
}

function parseOpenTurn(raw: unknown): OpenTurn | null {
  if (!isObj(raw) || typeof raw.id !== 'string') return null;
  const facts = readTurn(raw.facts);
  if (facts === null || facts.id !== raw.id) return null;
  const { terminalSeenAt, trace } = raw;
  if (terminalSeenAt !== null && !isTime(terminalSeenAt)) return null;
  if (trace === null) return { id: raw.id, facts, terminalSeenAt, trace: null };
  const progress = parseProgress(trace);
  return progress === null ? null : { id: raw.id, facts, terminalSeenAt, trace: progress };
}

function parseProgress(raw: unknown): TraceProgress | null {
  if (!isObj(raw)) return null;
  const { listed, spans, tooLarge, held, forwarded } = raw;
  if (typeof listed !== 'boolean' || !isCount(spans) || typeof tooLarge !== 'boolean' || !isObj(forwarded)) return null;
  if (!Array.isArray(held) || !held.every(isHeldSpan)) return null;
  const ids: Record<string, string[]> = {};
  for (const [traceId, spanIds] of Object.entries(forwarded)) {
    if (!TRACE_ID.test(traceId) || !isIds(spanIds)) return null;
    ids[traceId] = spanIds;
  }
  return { listed, spans, tooLarge, held, forwarded: ids };
}
