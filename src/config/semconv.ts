// Which GenAI semantic conventions the bridge emits, chosen as OpenTelemetry instrumentations
// choose it: OTEL_SEMCONV_STABILITY_OPT_IN, a comma-separated list, switches to the latest GenAI
// conventions when it contains `gen_ai_latest_experimental`; without it the names stay those of
// the core semantic conventions (1.37 and earlier) that dashboards and backends read today.
// This is the only place the variable is read.

export const SEMCONV_OPT_IN_ENV = 'OTEL_SEMCONV_STABILITY_OPT_IN';
export const GEN_AI_LATEST_OPT_IN = 'gen_ai_latest_experimental';

/**
 * `default`: `gen_ai.client.token.usage` and `gen_ai.client.operation.duration`, usage attributes
 * `gen_ai.usage.input_tokens` / `output_tokens`. `genai-0.1.0`: the names of the
 * semantic-conventions-genai repository's release v0.1.0 (pinned: its main branch has renamed the
 * token metrics since).
 */
export type GenAiConventions = 'default' | 'genai-0.1.0';

export function genAiConventionsOf(env: Readonly<Record<string, string | undefined>>): GenAiConventions {
  const values = (env[SEMCONV_OPT_IN_ENV] ?? '').split(',').map((v) => v.trim());
  return values.includes(GEN_AI_LATEST_OPT_IN) ? 'genai-0.1.0' : 'default';
}

/** The process's choice, read once at start. */
export const GEN_AI_CONVENTIONS: GenAiConventions = genAiConventionsOf(process.env);
