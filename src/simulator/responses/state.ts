// The Responses world's state: agents, conversations and responses, each response placed in time.
import type { ApiObject } from '../state.js';

export type TerminalStatus = 'completed' | 'failed' | 'cancelled' | 'incomplete';
export type ResponseStatus = 'queued' | 'in_progress' | TerminalStatus;
export type ResponseOrigin = 'backfill' | 'live' | 'client' | 'control';

/** A Foundry agent version; responses made by it carry a reference to it. */
export interface AgentState {
  name: string;
  version: string;
  model: string;
  instructions: string;
}

export interface OutputItemState {
  /** The item as it reads once done. */
  body: ApiObject;
  /** World seconds: visible from appearAt, done from doneAt. */
  appearAt: number;
  doneAt: number;
}

export interface Usage {
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}

export interface ResponseState {
  id: string;
  /** Creation sequence, the tie-breaker after created_at. */
  seq: number;
  kind: string;
  origin: ResponseOrigin;
  agent: AgentState | null;
  model: string;
  instructions: string | null;
  metadata: Record<string, string>;
  background: boolean;
  conversationId: string | null;
  previousResponseId: string | null;
  tools: ApiObject[];
  reasoningEffort: string | null;
  maxOutputTokens: number | null;
  input: ApiObject[];
  output: OutputItemState[];
  createdAt: number;
  startedAt: number;
  /** When it ends unless a client cancels it first. */
  endAt: number;
  endStatus: TerminalStatus;
  /** Set when a client cancelled it (POST /responses/{id}/cancel). */
  cancelledAt: number | null;
  usage: Usage | null;
  error: { code: string; message: string } | null;
  incompleteReason: string | null;
  deleted: boolean;
  /**
   * Foundry's agent-filtered lists are eventually consistent: from when they show it (absent: from
   * its creation). A response shown late may come after others created later than itself.
   */
  listedFrom?: number;
}

export interface ConversationState {
  id: string;
  seq: number;
  createdAt: number;
  metadata: Record<string, string>;
  /** The agent whose responses it holds (Foundry lists conversations by agent). */
  agent: AgentState | null;
  /** Items given when the conversation was created. */
  initialItems: ApiObject[];
}
