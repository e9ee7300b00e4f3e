// Places a turn's plan in time, given what clients did (answered its function call, cancelled
// it). Pure: the same plan and interactions always give the same layout. Times are nanoseconds
// from the turn's creation (a whole world second), so sub-second precision survives.
import type { ModelCallPlan, ToolCallPlan, TurnPlan } from './plans.js';

export const NS_PER_SECOND = 1_000_000_000;

export interface TurnInteractions {
  /** When a client answered the awaited function call. */
  answeredAtNs?: number;
  answer?: { success: boolean; output: string | null; error: string | null };
  /** When a client, or a deletion, cancelled the turn. */
  cancelAtNs?: number;
}

export type StepOutcome = 'completed' | 'failed' | 'cancelled';

export interface TimedStep {
  index: number;
  startNs: number;
  endNs: number;
  outcome: StepOutcome;
}

export interface TimedSubagent {
  index: number;
  startNs: number;
  endNs: number;
  outcome: StepOutcome;
  steps: TimedStep[];
}

export interface TimedRootStep extends TimedStep {
  /** An awaited function call: when the answer came (Infinity while none will). */
  answeredNs?: number;
  subagents?: TimedSubagent[];
}

export interface TurnLayout {
  /** Null when the turn was cancelled before it started. */
  startNs: number | null;
  /** Infinity for a turn that waits for an answer that never comes. */
  endNs: number;
  status: 'completed' | 'failed' | 'cancelled';
  /** The turn is `waiting` during [fromNs, untilNs). */
  waiting: { stepIndex: number; fromNs: number; untilNs: number } | null;
  steps: TimedRootStep[];
}

const cut = (step: TimedStep, at: number): TimedStep => ({ ...step, endNs: Math.max(step.startNs, at), outcome: 'cancelled' });

function layoutSequence(steps: readonly (ModelCallPlan | ToolCallPlan)[], startNs: number, gapNs: number, cancelAt: number): TimedStep[] {
  const out: TimedStep[] = [];
  let cursor = startNs;
  for (const [index, step] of steps.entries()) {
    const start = index === 0 ? cursor : cursor + gapNs;
    if (cancelAt <= start) break;
    const timed: TimedStep = {
      index,
      startNs: start,
      endNs: start + step.durationNs,
      outcome: step.type === 'tool' && step.error ? 'failed' : 'completed',
    };
    if (cancelAt < timed.endNs) {
      out.push(cut(timed, cancelAt));
      break;
    }
    out.push(timed);
    cursor = timed.endNs;
  }
  return out;
}

export function layoutTurn(plan: TurnPlan, ix: TurnInteractions = {}): TurnLayout {
  const cancelAt = Math.min(plan.cancelAfterNs ?? Infinity, ix.cancelAtNs ?? Infinity);
  const layout: TurnLayout = { startNs: plan.queuedNs, endNs: 0, status: 'completed', waiting: null, steps: [] };
  const cancel = (at: number): TurnLayout => {
    layout.endNs = at;
    layout.status = 'cancelled';
    if (layout.waiting) layout.waiting.untilNs = Math.min(layout.waiting.untilNs, at);
    return layout;
  };
  if (cancelAt < plan.queuedNs) {
    layout.startNs = null;
    return cancel(cancelAt);
  }
  let cursor = plan.queuedNs;
  for (const [index, step] of plan.steps.entries()) {
    const start = index === 0 ? cursor : cursor + plan.gapNs;
    if (cancelAt <= start) return cancel(cancelAt);
    let timed: TimedRootStep;
    if (step.type === 'subagents') {
      const subagents: TimedSubagent[] = [];
      for (const [j, s] of step.subagents.entries()) {
        // Staggered by a millisecond: spawned one after the other.
        const subStart = start + step.startupNs + j * 1_000_000;
        if (cancelAt <= subStart) break;
        const steps = layoutSequence(s.steps, subStart, plan.gapNs, cancelAt);
        const last = steps[steps.length - 1];
        const cancelled = !last || steps.length < s.steps.length || last.outcome === 'cancelled';
        subagents.push({
          index: j,
          startNs: subStart,
          endNs: cancelled ? cancelAt : last.endNs,
          outcome: cancelled ? 'cancelled' : 'completed',
          steps,
        });
      }
      // A subagent the cancellation kept from starting leaves the step unfinished (cut below).
      const end = subagents.length === step.subagents.length ? Math.max(...subagents.map((s) => s.endNs)) + plan.gapNs : Infinity;
      timed = { index, startNs: start, endNs: end, outcome: 'completed', subagents };
    } else if (step.type === 'tool' && step.awaitsClient) {
      const auto = plan.autoAnswerAfterSeconds === null ? Infinity : start + plan.autoAnswerAfterSeconds * NS_PER_SECOND;
      const byClient = ix.answeredAtNs !== undefined && ix.answeredAtNs >= start ? ix.answeredAtNs : Infinity;
      const answered = Math.min(auto, byClient);
      layout.waiting = { stepIndex: index, fromNs: start, untilNs: answered };
      const failed = byClient <= auto && ix.answer?.success === false;
      timed = { index, startNs: start, endNs: answered + step.durationNs, outcome: failed ? 'failed' : 'completed', answeredNs: answered };
    } else {
      timed = {
        index,
        startNs: start,
        endNs: start + step.durationNs,
        outcome: step.type === 'tool' && step.error ? 'failed' : 'completed',
      };
    }
    if (cancelAt < timed.endNs) {
      layout.steps.push({ ...timed, endNs: Math.max(start, cancelAt), outcome: 'cancelled' });
      return cancel(cancelAt);
    }
    if (plan.failAtStep === index) {
      layout.steps.push({ ...timed, outcome: 'failed' });
      layout.endNs = timed.endNs + plan.gapNs;
      layout.status = 'failed';
      return layout;
    }
    layout.steps.push(timed);
    cursor = timed.endNs;
  }
  const end = cursor + plan.gapNs;
  if (cancelAt < end) return cancel(cancelAt);
  layout.endNs = end;
  return layout;
}

export type TurnStatus = 'queued' | 'in_progress' | 'waiting' | 'completed' | 'failed' | 'cancelled';

export function statusAt(layout: TurnLayout, offsetNs: number): TurnStatus {
  if (offsetNs >= layout.endNs) return layout.status;
  if (layout.startNs === null || offsetNs < layout.startNs) return 'queued';
  const w = layout.waiting;
  if (w && offsetNs >= w.fromNs && offsetNs < w.untilNs) return 'waiting';
  return 'in_progress';
}

/** Whole seconds since the epoch of a time `offsetNs` after `baseSeconds` (Infinity stays). */
export const secondsAt = (baseSeconds: number, offsetNs: number): number => baseSeconds + Math.floor(offsetNs / NS_PER_SECOND);

/** Exact Unix nanoseconds as a decimal string, never through a float. */
export const unixNano = (baseSeconds: number, offsetNs: number): string =>
  (BigInt(baseSeconds) * 1_000_000_000n + BigInt(offsetNs)).toString();
