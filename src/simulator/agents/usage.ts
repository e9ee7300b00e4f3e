// Token usage as the API records it: the model calls an agent finished by a given time. A turn's
// usage is its own agent's calls; a root turn's does not include its subagents' (their turns
// carry theirs), and a failed or cancelled call counts nothing.
import type { TimedStep } from './layout.js';
import type { ModelCallPlan, StepPlan, TokenCounts, ToolCallPlan } from './plans.js';

/** Null until a model call has finished (the API reports usage as unknown). */
export function usageAt(
  steps: readonly (StepPlan | ModelCallPlan | ToolCallPlan)[],
  timed: readonly TimedStep[],
  offsetNs = Infinity,
): TokenCounts | null {
  let total: TokenCounts | null = null;
  for (const t of timed) {
    const step = steps[t.index];
    if (step?.type !== 'model' || t.outcome !== 'completed' || t.endNs > offsetNs) continue;
    total ??= { input: 0, output: 0, cached: 0, reasoning: 0 };
    total.input += step.usage.input;
    total.output += step.usage.output;
    total.cached += step.usage.cached;
    total.reasoning += step.usage.reasoning;
  }
  return total;
}

export const ZERO_USAGE: TokenCounts = { input: 0, output: 0, cached: 0, reasoning: 0 };
