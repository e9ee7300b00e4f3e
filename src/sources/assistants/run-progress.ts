// Pure: what one look at a run and its new steps adds to the outbox, and where its cursor
// moves. A span is planned once, when its object is terminal; the cursor only passes a step
// when it and every step before it are done, so a restart resumes without a gap.
import { mapRunSpan, mapStepSpans } from './mapping/map-run.js';
import { NO_LINKED_RUNS, type LinkedRuns } from './mapping/run-links.js';
import type { FrozenContext } from './mapping/frozen-context.js';
import type { MappingLimits } from '../../mapping/limits.js';
import type { SpanRecord } from '../../core/span-record.js';
import { stepEndSeconds } from './mapping/times.js';
import type { MetricObservation } from '../../core/observation.js';
import { isStepHistory, metricObservationsFor } from './run-totals.js';
import type { RunPayload, StepPayload } from './payloads.js';
import { isRunTerminal, isStepTerminal } from './statuses.js';

export interface RunCursor {
  cursorStepId: string | null;
  /** Steps already in the outbox (or sent). */
  emitted: ReadonlySet<string>;
  latestStepEnd: number | null;
  runSpanEmitted: boolean;
  /** A step emitted before reported token usage (the run's own usage is then never counted). */
  stepUsageSeen?: boolean;
}

export interface ProgressPlan {
  spans: SpanRecord[];
  emittedStepIds: string[];
  cursorStepId: string | null;
  latestStepEnd: number | null;
  /** The run span is among `spans`: the run is done. */
  runSpanEmitted: boolean;
  /** Steps seen that are not terminal yet. */
  pendingSteps: number;
  /**
   * Every pending step waits for the client's tool outputs (function calls without output): the
   * run is in `requires_action` even if its last known status says otherwise.
   */
  awaitingToolOutputs: boolean;
  /**
   * Nothing is pending and the newest step is a finished message: the model has answered, and
   * the run usually ends next rather than starting another step, so its status is the thing to
   * look at next.
   */
  answered: boolean;
  newSteps: number;
  observations: MetricObservation[];
  /** The cursor's stepUsageSeen after this plan. */
  stepUsageSeen: boolean;
  /** Steps mapped now whose own run_id or thread_id names another run or thread than the run's (mapped under the run all the same). */
  misfiledSteps: StepPayload[];
}

/**
 * @param stepsAfterCursor the run's steps listed in ascending order after `cursor.cursorStepId`
 * @param finalize map the run even if some of its steps never turned terminal (a terminal run whose steps lag)
 * @param linkedRuns recorded contexts of the runs the steps' calls started, for links into their traces
 */
export function planProgress(
  run: RunPayload,
  stepsAfterCursor: readonly StepPayload[],
  cursor: RunCursor,
  ctx: FrozenContext,
  limits: MappingLimits,
  finalize = false,
  linkedRuns: LinkedRuns = NO_LINKED_RUNS,
): ProgressPlan {
  const spans: SpanRecord[] = [];
  const emittedStepIds: string[] = [];
  const newlyDone: StepPayload[] = [];
  const misfiledSteps: StepPayload[] = [];
  let cursorStepId = cursor.cursorStepId;
  let latestStepEnd = cursor.latestStepEnd;
  let prefixDone = true;
  let pendingSteps = 0;
  let pendingOnClient = 0;
  const runDone = isRunTerminal(run);
  for (const step of stepsAfterCursor) {
    const already = cursor.emitted.has(step.id);
    const done = isStepTerminal(step) || (finalize && runDone);
    if (!already && done) {
      // History's spans are marked so the export lag leaves them out (the mark is never exported).
      const history = isStepHistory(step, ctx.firstSeenSeconds);
      for (const span of mapStepSpans(run, step, ctx, limits, linkedRuns)) spans.push(history ? asHistory(span) : span);
      if (isMisfiled(run, step)) misfiledSteps.push(step);
      emittedStepIds.push(step.id);
      newlyDone.push(step);
      const end = stepEndSeconds(step) ?? step.created_at ?? null;
      if (end !== null && (latestStepEnd === null || end > latestStepEnd)) latestStepEnd = end;
    }
    if (!already && !done) {
      pendingSteps += 1;
      if (waitsForToolOutputs(step)) pendingOnClient += 1;
    }
    prefixDone = prefixDone && (already || done);
    if (prefixDone) cursorStepId = step.id;
  }
  const runSpanEmitted = !cursor.runSpanEmitted && runDone && pendingSteps === 0;
  if (runSpanEmitted) spans.unshift(mapRunSpan(run, ctx, latestStepEnd, limits));
  const metrics = metricObservationsFor({
    run,
    ctx,
    runFinished: runSpanEmitted,
    newSteps: newlyDone,
    latestStepEnd,
    stepUsageSeen: cursor.stepUsageSeen ?? false,
  });
  return {
    spans,
    emittedStepIds,
    cursorStepId,
    latestStepEnd,
    runSpanEmitted,
    pendingSteps,
    awaitingToolOutputs: pendingSteps > 0 && pendingOnClient === pendingSteps,
    answered: pendingSteps === 0 && newlyDone.length > 0 && stepsAfterCursor.at(-1)?.type === 'message_creation',
    newSteps: newlyDone.length,
    observations: metrics.observations,
    stepUsageSeen: metrics.stepUsageSeen,
    misfiledSteps,
  };
}

/** A span of history: marked so (the mark is never exported), and no lag sample. */
function asHistory(span: SpanRecord): SpanRecord {
  const { lagSample: _lag, ...rest } = span;
  return { ...rest, history: true };
}

/** The step names a run or thread other than the one it was listed under. */
function isMisfiled(run: RunPayload, step: StepPayload): boolean {
  return (
    (typeof step.run_id === 'string' && step.run_id !== run.id) ||
    (typeof step.thread_id === 'string' && typeof run.thread_id === 'string' && step.thread_id !== run.thread_id)
  );
}

/**
 * A step that only the client can move: its calls are all function calls without an output.
 * Function tools run in the app, never on the service, so such a step ends when tool outputs are
 * submitted.
 */
export function waitsForToolOutputs(step: StepPayload): boolean {
  const calls = step.step_details?.tool_calls;
  if (!Array.isArray(calls) || calls.length === 0) return false;
  return calls.every((call) => {
    if (typeof call !== 'object' || call === null) return false;
    const { type, function: fn } = call as { type?: unknown; function?: unknown };
    if (type !== 'function' || typeof fn !== 'object' || fn === null) return false;
    const output = (fn as { output?: unknown }).output;
    return output === null || output === undefined;
  });
}
