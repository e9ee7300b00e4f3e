// The Agents API world's state: reusable agents, sessions and their root turns, each turn a plan
// placed in time. Subagents, subagent turns and items are derived from a turn's plan and layout.
import type { ApiObject } from '../state.js';
import type { TurnInteractions, TurnLayout } from './layout.js';
import type { TurnPlan } from './plans.js';

export type AgentsIdPrefix = 'agent' | 'sess' | 'turn' | 'subagent' | 'msg' | 'rs' | 'fc' | 'fco' | 'ws' | 'cmd' | 'sa' | 'call';

export interface AgentRecord {
  id: string;
  seq: number;
  createdAt: number;
  updatedAt: number;
  name: string | null;
  model: string;
  instructions: string | null;
  metadata: Record<string, string>;
  /** As sent (or from the seed); the function tools among them are what its turns call. */
  tools: ApiObject[];
  multiAgent: boolean;
  deletedAt: number | null;
}

/** The agent as a session froze it when it was created (later edits to the agent do not reach it). */
export interface AgentSnapshot {
  id: string;
  name: string | null;
  model: string;
  instructions: string | null;
  tools: ApiObject[];
  multiAgent: boolean;
}

export type TurnOrigin = 'backfill' | 'live' | 'client' | 'control';

export interface TurnRecord {
  id: string;
  seq: number;
  sessionId: string;
  /** Whole world seconds; every time in the layout is an offset from it. */
  createdAt: number;
  origin: TurnOrigin;
  model: string;
  plan: TurnPlan;
  interactions: TurnInteractions;
  layout: TurnLayout;
  /** Ids of everything the turn may produce (items, calls, subagents, their turns), by slot. */
  ids: Map<string, string>;
  /** Creation sequence of each slot's id (the tie-breaker after a time). */
  seqs: Map<string, number>;
  /** Seeds the trace's ids. */
  traceSeed: number;
  /** Its session was deleted before it ended: its unpublished outputs (the trace) were abandoned. */
  abandoned: boolean;
}

/** A turn scheduled on a session; created once the session is free. */
export interface PendingTurn {
  startAt: number;
  plan: TurnPlan;
}

export interface SessionRecord {
  id: string;
  seq: number;
  createdAt: number;
  agent: AgentSnapshot;
  /** Every metadata value with when it was set, so filtered lists can lag behind. */
  metadataHistory: { at: number; value: Record<string, string> }[];
  deletedAt: number | null;
  /** Deleted this long after its last turn ends (a world's scripted deletion). */
  deleteWhenIdleFor: number | null;
  /** In creation order. */
  turns: TurnRecord[];
  pending: PendingTurn[];
}
