// Token counts as observations in the shared instruments, one rule for every source: input and
// output as token types of gen_ai.client.token.usage; cached input and reasoning as series of
// their own, never added to input or output.
import type { MetricObservation } from '../core/observation.js';
import type { TokenUsage } from '../mapping/token-usage.js';
import { ATTR_GEN_AI_TOKEN_TYPE, GEN_AI_TOKEN_TYPE_VALUE_INPUT, GEN_AI_TOKEN_TYPE_VALUE_OUTPUT } from '../semconv/attributes.js';
import { GENAI_V010_METRICS, METRICS, type MetricSpec } from './catalog.js';

/** How a source makes one observation: it adds its own labels and the history flag. */
export type Observe = (spec: MetricSpec, labels: Record<string, string>, value: number) => MetricObservation;

export function tokenObservations(usage: TokenUsage | null, labels: Record<string, string>, observe: Observe): MetricObservation[] {
  if (!usage) return [];
  const out: MetricObservation[] = [];
  if (usage.input !== null)
    out.push(observe(METRICS.tokenUsage, { ...labels, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_INPUT }, usage.input));
  if (usage.output !== null)
    out.push(observe(METRICS.tokenUsage, { ...labels, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_OUTPUT }, usage.output));
  if (usage.cacheRead !== null) out.push(observe(GENAI_V010_METRICS.cacheReadTokens, labels, usage.cacheRead));
  if (usage.reasoning !== null) out.push(observe(GENAI_V010_METRICS.reasoningTokens, labels, usage.reasoning));
  return out;
}
