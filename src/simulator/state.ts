// The world's state: assistants, threads and the runs on them, each run a plan placed in time.
import type { RunKind, RunPlan } from './plans.js';
import type { Interactions, Timeline } from './timeline.js';

export type ApiObject = Record<string, unknown>;

export interface AssistantState {
  id: string;
  createdAt: number;
  name: string | null;
  description: string | null;
  model: string;
  instructions: string;
  tools: ApiObject[];
  temperature: number;
  topP: number;
  responseFormat: unknown;
  /** Index into ASSISTANT_SEEDS (its function names). */
  seedIndex: number;
}

export type RunOrigin = 'backfill' | 'live' | 'client' | 'control';

export interface RunState {
  id: string;
  /** Creation sequence, the tie-breaker after created_at. */
  seq: number;
  threadId: string;
  assistant: AssistantState;
  origin: RunOrigin;
  plan: RunPlan;
  model: string;
  instructions: string;
  tools: ApiObject[];
  metadata: Record<string, string>;
  temperature: number;
  topP: number;
  maxPromptTokens: number | null;
  maxCompletionTokens: number | null;
  responseFormat: unknown;
  /** One per planned step, in plan order (steps that never come to exist keep theirs unused). */
  stepIds: string[];
  messageIds: (string | null)[];
  callIds: string[][];
  interactions: Interactions;
  timeline: Timeline;
}

/** A live run scheduled to start on a thread; it is created once the thread is free. */
export interface PendingRun {
  startAt: number;
  plan: RunPlan;
}

export interface ThreadState {
  id: string;
  seq: number;
  createdAt: number;
  metadata: Record<string, string>;
  /** In creation order. */
  runs: RunState[];
  /** By start time. */
  pending: PendingRun[];
}

export interface RunOverrides {
  model?: string;
  instructions?: string;
  metadata?: Record<string, string>;
  tools?: ApiObject[];
  temperature?: number;
  topP?: number;
  maxPromptTokens?: number | null;
  maxCompletionTokens?: number | null;
  responseFormat?: unknown;
}

export interface TruthRun {
  threadId: string;
  runId: string;
  kind: RunKind;
  origin: RunOrigin;
  expectedStatus: string;
  finished: boolean;
  /** The run as the API returns it once terminal (assuming no further client action). */
  run: ApiObject;
  /** All its steps as the API returns them once terminal, ascending, file_search content included. */
  steps: ApiObject[];
}

export interface Truth {
  now: number;
  allFinished: boolean;
  runs: TruthRun[];
  pending: { threadId: string; kind: RunKind; scheduledAt: number }[];
  assistants: { id: string; name: string | null; description: string | null; model: string }[];
}
