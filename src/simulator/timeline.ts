// Places a run's plan in time, given what clients did to it (tool outputs, a cancellation).
// Pure: the same plan, creation time and interactions always give the same timeline.
import { present } from '../core/present.js';
import type { RunPlan } from './plans.js';

/** The documented lifetime of a run before it expires (10 minutes). */
export const RUN_EXPIRY_SECONDS = 600;
/** How long a run stays `cancelling`. */
export const CANCELLING_SECONDS = 1;

export type TerminalRunStatus = 'completed' | 'failed' | 'cancelled' | 'expired' | 'incomplete';
export type TerminalStepStatus = 'completed' | 'failed' | 'cancelled' | 'expired';
export type RunStatus = 'queued' | 'in_progress' | 'requires_action' | 'cancelling' | TerminalRunStatus;

export interface Interactions {
  /** When a client submitted tool outputs, and what. */
  submitted?: { at: number; outputs: Record<string, string> };
  /** When a client asked to cancel. */
  cancelAt?: number;
}

export interface StepTimeline {
  /** Index into the plan's steps. */
  index: number;
  createdAt: number;
  endAt: number;
  endStatus: TerminalStepStatus;
}

export interface Timeline {
  createdAt: number;
  /** Null when the run was cancelled while queued. */
  startedAt: number | null;
  expiresAt: number;
  /** Only the steps that come to exist. */
  steps: StepTimeline[];
  /** The run is `requires_action` during [from, until). */
  action: { stepIndex: number; from: number; until: number } | null;
  /** Whether the tool outputs were the simulator's own (unattended) rather than a client's. */
  autoSubmitted: boolean;
  cancellingFrom: number | null;
  endAt: number;
  endStatus: TerminalRunStatus;
}

export function buildTimeline(plan: RunPlan, createdAt: number, ix: Interactions = {}): Timeline {
  const expiresAt = createdAt + RUN_EXPIRY_SECONDS;
  const scripted = plan.cancelAfter === undefined ? Infinity : createdAt + plan.cancelAfter;
  const cancelAt = Math.min(scripted, ix.cancelAt ?? Infinity);
  const plannedStart = createdAt + plan.queuedFor;
  const timeline: Timeline = {
    createdAt,
    startedAt: plannedStart,
    expiresAt,
    steps: [],
    action: null,
    autoSubmitted: false,
    cancellingFrom: null,
    endAt: 0,
    endStatus: plan.outcome,
  };
  const cancel = (): Timeline => {
    timeline.cancellingFrom = cancelAt;
    timeline.endAt = cancelAt + CANCELLING_SECONDS;
    timeline.endStatus = 'cancelled';
    return timeline;
  };
  if (cancelAt < plannedStart) {
    timeline.startedAt = null;
    return cancel();
  }
  let cursor = plannedStart;
  for (let index = 0; index < plan.steps.length; index++) {
    const step = present(plan.steps[index], 'plan step');
    const createdAtStep = cursor + step.gapBefore;
    if (cancelAt < createdAtStep) return cancel();
    if (step.action) {
      const auto = plan.autoSubmitAfter === null ? Infinity : createdAtStep + plan.autoSubmitAfter;
      const byClient = ix.submitted && ix.submitted.at >= createdAtStep ? ix.submitted.at : Infinity;
      const outputsAt = Math.min(auto, byClient);
      const waitEnd = Math.min(outputsAt, expiresAt, cancelAt);
      timeline.action = { stepIndex: index, from: createdAtStep, until: waitEnd };
      if (cancelAt === waitEnd && cancelAt < outputsAt) {
        timeline.steps.push({ index, createdAt: createdAtStep, endAt: cancelAt + CANCELLING_SECONDS, endStatus: 'cancelled' });
        return cancel();
      }
      if (expiresAt === waitEnd && expiresAt < outputsAt) {
        timeline.steps.push({ index, createdAt: createdAtStep, endAt: expiresAt, endStatus: 'expired' });
        timeline.endAt = expiresAt;
        timeline.endStatus = 'expired';
        return timeline;
      }
      timeline.autoSubmitted = byClient > auto;
      const endAt = outputsAt + step.duration;
      if (cancelAt < endAt) {
        timeline.steps.push({ index, createdAt: createdAtStep, endAt: cancelAt + CANCELLING_SECONDS, endStatus: 'cancelled' });
        return cancel();
      }
      timeline.steps.push({ index, createdAt: createdAtStep, endAt, endStatus: 'completed' });
      cursor = endAt;
      continue;
    }
    const endAt = createdAtStep + step.duration;
    if (cancelAt < endAt) {
      timeline.steps.push({ index, createdAt: createdAtStep, endAt: cancelAt + CANCELLING_SECONDS, endStatus: 'cancelled' });
      return cancel();
    }
    if (step.fails) {
      timeline.steps.push({ index, createdAt: createdAtStep, endAt, endStatus: 'failed' });
      timeline.endAt = endAt;
      timeline.endStatus = 'failed';
      return timeline;
    }
    timeline.steps.push({ index, createdAt: createdAtStep, endAt, endStatus: 'completed' });
    cursor = endAt;
  }
  const endAt = cursor + plan.endGap;
  if (cancelAt < endAt) return cancel();
  timeline.endAt = endAt;
  timeline.endStatus = plan.outcome === 'failed' ? 'failed' : plan.outcome;
  return timeline;
}

export function runStatusAt(tl: Timeline, t: number): RunStatus {
  if (t >= tl.endAt) return tl.endStatus;
  if (tl.cancellingFrom !== null && t >= tl.cancellingFrom) return 'cancelling';
  if (tl.startedAt === null || t < tl.startedAt) return 'queued';
  if (tl.action && t >= tl.action.from && t < tl.action.until) return 'requires_action';
  return 'in_progress';
}
