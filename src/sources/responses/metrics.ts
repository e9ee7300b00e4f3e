// The responses source's metric catalog and what one finished response adds to it: responses by
// status and error code, their duration where the end is known, and their tokens in the shared
// gen_ai.client.* instruments (input and output as token types; cached input and reasoning as
// series of their own, never added to input or output). Counted once per response, in the commit
// that emits its spans. Labels say who and what (model, agent, status), never a response id.
import type { MetricObservation } from '../../core/observation.js';
import { truncate } from '../../mapping/limits.js';
import { statusFor } from '../../mapping/status.js';
import { readTokenUsage } from '../../mapping/token-usage.js';
import { GENAI_V010_METRICS, METRICS, type MetricSpec } from '../../metrics/catalog.js';
import { tokenObservations } from '../../metrics/token-observations.js';
import {
  ATTR_BRIDGE_HISTORY,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
} from '../../semconv/attributes.js';
import { ATTR_OPENAI_RESPONSE_STATUS } from './attributes.js';
import type { ResponseContext } from './context.js';
import { agentIdOf, rootOperationOf } from './agent.js';
import type { ResponsePayload } from './payload.js';
import { isResponseHistory, responseDurationSeconds } from './times.js';
import { registerObservedMetrics } from '../../metrics/stored-totals.js';

/** Who and what every response total is about, and whether it is history. */
const RESPONSE_LABELS = [
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_BRIDGE_HISTORY,
] as const;

/** The source's own metrics. */
export const RESPONSE_METRICS = {
  responses: {
    name: 'openai.responses',
    kind: 'counter',
    unit: '{response}',
    description: 'Finished responses, by final status and, for failed ones, error code (error.type).',
    source: 'store',
    attributes: [ATTR_OPENAI_RESPONSE_STATUS, ATTR_ERROR_TYPE, ...RESPONSE_LABELS],
  },
  responseDuration: {
    name: 'openai.response.duration',
    kind: 'histogram',
    unit: 's',
    description:
      'Duration of finished responses, from created_at to completed_at (or the end a webhook reported); responses whose end is not known are left out.',
    source: 'store',
    attributes: [ATTR_OPENAI_RESPONSE_STATUS, ...RESPONSE_LABELS],
    // Background responses wait in a queue and run tools, as runs do: seconds to hours.
    buckets: METRICS.runDuration.buckets,
  },
} as const satisfies Record<string, MetricSpec>;

/** Every metric this source observes: its own, and the shared GenAI instruments it records into. */
export const RESPONSES_OBSERVED_METRICS: readonly MetricSpec[] = [
  RESPONSE_METRICS.responses,
  RESPONSE_METRICS.responseDuration,
  METRICS.tokenUsage,
  METRICS.operationDuration,
  GENAI_V010_METRICS.cacheReadTokens,
  GENAI_V010_METRICS.reasoningTokens,
];
// Known to stored totals as this module loads: a state file opened by a tool or a test stores what it observes.
registerObservedMetrics([{ metrics: RESPONSES_OBSERVED_METRICS }]);

/** Label values come from the payload (models, agent names, error codes): a huge one must not become a huge label value. */
const LABEL_VALUE_MAX = 128;

/** What one finished response adds to the metrics; call it once per response, when its spans are committed. */
export function responseObservations(
  response: ResponsePayload,
  ctx: Pick<ResponseContext, 'firstSeenSeconds' | 'reportedEndSeconds'>,
): MetricObservation[] {
  const history = isResponseHistory(response, ctx);
  const agentId = response.agent ? agentIdOf(response.agent) : null;
  const who: Record<string, string> = {
    [ATTR_GEN_AI_REQUEST_MODEL]: response.model ?? 'unknown',
    // A model's own response is no agent's: it carries no agent labels rather than an `unknown` agent.
    ...(agentId ? { [ATTR_GEN_AI_AGENT_ID]: agentId } : {}),
    ...(response.agent ? { [ATTR_GEN_AI_AGENT_NAME]: response.agent.name } : {}),
  };
  const observe = (spec: MetricSpec, labels: Record<string, string>, value: number): MetricObservation => ({
    name: spec.name,
    labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, truncate(v, LABEL_VALUE_MAX)])),
    value,
    history,
  });
  const status = response.status ?? 'unknown';
  const errorType = statusFor(response.status, response.error).errorType;
  const error: Record<string, string> = errorType ? { [ATTR_ERROR_TYPE]: errorType } : {};
  const operation = { [ATTR_GEN_AI_OPERATION_NAME]: rootOperationOf(response) };

  const out: MetricObservation[] = [observe(RESPONSE_METRICS.responses, { [ATTR_OPENAI_RESPONSE_STATUS]: status, ...error, ...who }, 1)];
  const duration = responseDurationSeconds(response, ctx);
  if (duration !== null) {
    out.push(
      observe(RESPONSE_METRICS.responseDuration, { [ATTR_OPENAI_RESPONSE_STATUS]: status, ...who }, duration),
      observe(METRICS.operationDuration, { ...operation, ...who, ...error }, duration),
    );
  }
  const usage = readTokenUsage(response.usage);
  out.push(...tokenObservations(usage, { ...operation, ...who }, observe));
  return out;
}
