// Totals that describe runs (runs and steps by status, token and duration histograms): computed
// with the spans they come from and committed in the same transaction, so a crash neither loses
// nor repeats them. Histograms are stored as per-bucket counts plus a sum, which add up like any
// other total; the metric producer turns them into exact histogram points.
//
// Labels carry what a run says (status, type, model, agent id); never a run or thread id. The
// cap on distinct agent ids (and models) is applied when the totals are read, see label-cap.ts.
import { statusFor } from '../mapping/status.js';
import { stepEndSeconds } from '../mapping/times.js';
import type { RunPayload, StepPayload } from '../source/payloads.js';
import { METRICS, type MetricSpec } from './catalog.js';

export interface MetricDelta {
  name: string;
  labels: Record<string, string>;
  delta: number;
}

export const RUN_TOTAL = METRICS.runs.name;
export const STEP_TOTAL = METRICS.steps.name;

/** Stored name of a histogram's per-bucket counts (label `le`: the bucket's upper bound, or `+Inf`). */
export const bucketTotalName = (metric: string): string => `${metric}#bucket`;
/** Stored name of a histogram's sum. */
export const sumTotalName = (metric: string): string => `${metric}#sum`;

export const OVERFLOW_BUCKET = '+Inf';

/** The `le` of the (non-cumulative) bucket `value` falls in: the first bound >= value. */
export function bucketFor(value: number, bounds: readonly number[]): string {
  for (const bound of bounds) if (value <= bound) return String(bound);
  return OVERFLOW_BUCKET;
}

/** One histogram observation as the deltas that record it. */
export function observation(spec: MetricSpec, labels: Record<string, string>, value: number): MetricDelta[] {
  const bounds = spec.buckets ?? [];
  return [
    { name: bucketTotalName(spec.name), labels: { ...labels, le: bucketFor(value, bounds) }, delta: 1 },
    { name: sumTotalName(spec.name), labels, delta: value },
  ];
}

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * @param runFinished the run span is committed now: count the run once
 * @param newSteps steps whose spans are committed now (each counted once)
 * @param latestStepEnd latest end (API seconds) among the run's emitted steps: the run's end when it has no end time of its own
 */
export function metricDeltasFor(run: RunPayload, runFinished: boolean, newSteps: readonly StepPayload[], latestStepEnd: number | null = null): MetricDelta[] {
  const model = run.model ?? 'unknown';
  const agent = run.assistant_id ?? run.agent_id ?? 'unknown';
  const deltas: MetricDelta[] = [];
  let newestEnd = latestStepEnd;
  for (const step of newSteps) {
    const type = step.type ?? step.step_details?.type ?? 'unknown';
    const status = step.status ?? 'unknown';
    deltas.push({
      name: STEP_TOTAL,
      labels: { 'openai.run_step.status': status, 'openai.run_step.type': type, 'gen_ai.request.model': model, 'gen_ai.agent.id': agent },
      delta: 1,
    });
    const usage = step.usage;
    if (usage) {
      for (const [tokenType, count] of [['input', usage.prompt_tokens], ['output', usage.completion_tokens]] as const) {
        if (!finite(count)) continue;
        deltas.push(
          ...observation(METRICS.tokenUsage, { 'gen_ai.operation.name': 'chat', 'gen_ai.token.type': tokenType, 'gen_ai.request.model': model, 'gen_ai.agent.id': agent }, count),
        );
      }
    }
    const end = stepEndSeconds(step);
    if (end !== null && finite(step.created_at)) {
      const errorType = statusFor(status, step.last_error).errorType;
      deltas.push(
        ...observation(
          METRICS.operationDuration,
          { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model, 'gen_ai.agent.id': agent, ...(errorType ? { 'error.type': errorType } : {}) },
          Math.max(0, end - Math.floor(step.created_at)),
        ),
      );
      if (newestEnd === null || end > newestEnd) newestEnd = end;
    }
  }
  if (runFinished) {
    const labels = { 'openai.run.status': run.status ?? 'unknown', 'gen_ai.request.model': model, 'gen_ai.agent.id': agent };
    deltas.push({ name: RUN_TOTAL, labels, delta: 1 });
    const duration = runDurationSeconds(run, newestEnd);
    if (duration !== null) deltas.push(...observation(METRICS.runDuration, labels, duration));
  }
  return deltas;
}

/**
 * As the run span measures it: created_at to the first of completed/failed/cancelled_at, else
 * the latest step end; a run with neither (expired, say) is measured to its expires_at deadline,
 * the moment it expired. Null without a usable start or end.
 */
export function runDurationSeconds(run: RunPayload, latestStepEnd: number | null): number | null {
  if (!finite(run.created_at)) return null;
  const start = Math.floor(run.created_at);
  const ends = [run.completed_at, run.failed_at, run.cancelled_at].filter(finite);
  const end = ends.length > 0 ? Math.min(...ends) : (latestStepEnd ?? (run.status === 'expired' && finite(run.expires_at) ? run.expires_at : null));
  return end === null ? null : Math.max(0, Math.floor(end) - start);
}
