// A turn of an Agents API session as mapping reads it: the SDK's `Turn` fields, each read from
// unknown and null when absent or of the wrong type, so an odd value costs that field only.
import type { Turn } from 'openai/resources/beta/agents/sessions/turns/turns';
import { nanosFromSeconds, type Nanos } from '../../core/span-record.js';
import { isObj } from '../../mapping/json-values.js';

export interface TurnFacts {
  id: string;
  status: string | null;
  agentId: string | null;
  /** Null for a root turn (the one a trace is published for). */
  subagentId: string | null;
  createdAt: number | null;
  startedAt: number | null;
  completedAt: number | null;
  /** Best effort; it may change until the turn is settled. Read with readTokenUsage. */
  usage: unknown;
  error: { code: string | null; message: string | null } | null;
}

/** The statuses after which a turn changes no more (its usage still may, for a while). */
export const TERMINAL_TURN_STATUSES: readonly Turn['status'][] = ['completed', 'failed', 'cancelled'];

export const isTerminalTurn = (turn: TurnFacts): boolean => TERMINAL_TURN_STATUSES.some((s) => s === turn.status);

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const time = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 18_446_744_073 ? v : null);

/** The turn, or null when it has no string id. */
export function readTurn(raw: unknown): TurnFacts | null {
  if (!isObj(raw) || typeof raw.id !== 'string') return null;
  const fields: Record<keyof Turn, unknown> = raw as Record<keyof Turn, unknown>;
  const error = isObj(fields.error) ? { code: text(fields.error.code), message: text(fields.error.message) } : null;
  return {
    id: raw.id,
    status: text(fields.status),
    agentId: text(fields.agent_id),
    subagentId: text(fields.subagent_id),
    createdAt: time(fields.created_at),
    startedAt: time(fields.started_at),
    completedAt: time(fields.completed_at),
    usage: fields.usage,
    error,
  };
}

/**
 * Where the turn ended: `completed_at`, else the latest time it shows (a turn settled without
 * one, as a deleted session's are); null when it shows none.
 */
export function turnEndNanos(turn: TurnFacts): Nanos | null {
  const end = turn.completedAt ?? latest(turn.startedAt, turn.createdAt);
  return end === null ? null : nanosFromSeconds(end);
}

export const turnStartNanos = (turn: TurnFacts): Nanos | null => (turn.createdAt === null ? null : nanosFromSeconds(turn.createdAt));

function latest(...times: (number | null)[]): number | null {
  let out: number | null = null;
  for (const t of times) if (t !== null && (out === null || t > out)) out = t;
  return out;
}
