// Totals that describe runs (tokens, runs and steps by status): computed with the spans they
// come from and committed in the same transaction, so a crash neither loses nor repeats them.
import type { RunPayload, StepPayload } from '../source/payloads.js';

export interface MetricDelta {
  name: string;
  labels: Record<string, string>;
  delta: number;
}

export const RUN_TOTAL = 'runs';
export const STEP_TOTAL = 'steps';
export const TOKEN_TOTAL = 'tokens';

export function metricDeltasFor(run: RunPayload, runFinished: boolean, newSteps: readonly StepPayload[]): MetricDelta[] {
  const model = run.model ?? 'unknown';
  const agent = run.assistant_id ?? run.agent_id ?? 'unknown';
  const deltas: MetricDelta[] = [];
  if (runFinished) deltas.push({ name: RUN_TOTAL, labels: { status: run.status ?? 'unknown', model, agent }, delta: 1 });
  for (const step of newSteps) {
    const type = step.type ?? step.step_details?.type ?? 'unknown';
    deltas.push({ name: STEP_TOTAL, labels: { status: step.status ?? 'unknown', type, model, agent }, delta: 1 });
    const input = step.usage?.prompt_tokens ?? 0;
    const output = step.usage?.completion_tokens ?? 0;
    if (input > 0) deltas.push({ name: TOKEN_TOTAL, labels: { type: 'input', model, agent }, delta: input });
    if (output > 0) deltas.push({ name: TOKEN_TOTAL, labels: { type: 'output', model, agent }, delta: output });
  }
  return deltas;
}
