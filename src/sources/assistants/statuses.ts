// The Assistants protocol's run and step statuses, and what each means to the bridge: terminal
// (it never changes again), waiting (on something outside the model: a queue slot, the app's tool
// outputs; its steps do not move) or working (anything else, statuses a service adds included).
import type { UnitPace } from '../../scheduler/poll-policy.js';
import type { Run } from 'openai/resources/beta/threads/runs/runs';
import type { RunStep } from 'openai/resources/beta/threads/runs/steps';

/** The documented statuses, from the SDK's types; services may send others. */
export type DocumentedRunStatus = Run['status'];
export type DocumentedStepStatus = RunStep['status'];

/** Every documented status; a step's are a subset of a run's. */
export const STATUS = {
  queued: 'queued',
  inProgress: 'in_progress',
  requiresAction: 'requires_action',
  cancelling: 'cancelling',
  cancelled: 'cancelled',
  failed: 'failed',
  completed: 'completed',
  incomplete: 'incomplete',
  expired: 'expired',
} as const satisfies Record<string, DocumentedRunStatus>;

export const TERMINAL_RUN_STATUSES: ReadonlySet<string> = new Set<DocumentedRunStatus>([
  STATUS.completed,
  STATUS.failed,
  STATUS.cancelled,
  STATUS.expired,
  STATUS.incomplete,
]);

const TERMINAL_STEP_STATUSES: ReadonlySet<string> = new Set<DocumentedStepStatus>([
  STATUS.completed,
  STATUS.failed,
  STATUS.cancelled,
  STATUS.expired,
]);

const WAITING_RUN_STATUSES: ReadonlySet<string> = new Set<DocumentedRunStatus>([STATUS.queued, STATUS.requiresAction]);

/** A run's status as the poll policy paces it. */
export type RunStatusGroup = UnitPace;

export function runStatusGroup(status: string | null | undefined): RunStatusGroup {
  if (status == null) return 'working';
  if (TERMINAL_RUN_STATUSES.has(status)) return 'terminal';
  return WAITING_RUN_STATUSES.has(status) ? 'waiting' : 'working';
}

export const isTerminalRunStatus = (status: string | null | undefined): boolean => status != null && TERMINAL_RUN_STATUSES.has(status);
export const isWaitingRunStatus = (status: string | null | undefined): boolean => status != null && WAITING_RUN_STATUSES.has(status);

export const isRunTerminal = (run: { status?: string | null }): boolean => isTerminalRunStatus(run.status);
export const isStepTerminal = (step: { status?: string | null }): boolean => step.status != null && TERMINAL_STEP_STATUSES.has(step.status);
