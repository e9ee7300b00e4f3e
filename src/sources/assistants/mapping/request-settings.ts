// What the run asked of the model (sampling, token budget, output format) and what the API says
// about why it stopped, as the GenAI conventions name them. Run and step spans both carry the
// settings: every model call of a run is made with them.
import {
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_P,
} from '../../../semconv/attributes.js';
import type { RunPayload, StepPayload } from '../payloads.js';
import { STATUS } from '../statuses.js';
import { outputTypeOf } from '../../../mapping/output-type.js';
import type { AttributeBag } from '../../../mapping/limits.js';

const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function setRequestSettings(bag: AttributeBag, run: RunPayload): void {
  const maxTokens = finite(run.max_completion_tokens);
  bag
    .set(ATTR_GEN_AI_REQUEST_TEMPERATURE, finite(run.temperature))
    .set(ATTR_GEN_AI_REQUEST_TOP_P, finite(run.top_p))
    // The run's budget of completion tokens over all its steps: the nearest thing it has to max_tokens.
    .set(ATTR_GEN_AI_REQUEST_MAX_TOKENS, maxTokens !== undefined && Number.isInteger(maxTokens) && maxTokens >= 0 ? maxTokens : undefined)
    .set(ATTR_GEN_AI_OUTPUT_TYPE, outputTypeOf(run.response_format));
}

/** Why an incomplete run stopped, in the conventions' finish reasons (`length` for a token limit). */
function incompleteReason(reason: string | null | undefined): string | undefined {
  if (!reason) return undefined;
  if (reason === 'max_completion_tokens' || reason === 'max_prompt_tokens') return 'length';
  return reason;
}

/**
 * `gen_ai.response.finish_reasons` of the run, where its status says why it stopped: the answer
 * was given (`stop`), a token limit or filter cut it (`incomplete`), or it failed (`error`).
 * Cancelled and expired runs stopped for reasons outside the model: none.
 */
export function runFinishReasons(run: RunPayload): string[] | undefined {
  switch (run.status) {
    case STATUS.completed:
      return ['stop'];
    case STATUS.failed:
      return ['error'];
    case STATUS.incomplete: {
      const reason = incompleteReason(run.incomplete_details?.reason);
      return reason ? [reason] : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * A step's: a finished tool-calls step stopped to call tools (`tool_call`), a failed one on an
 * error. A message step's own data does not say whether a limit cut it (the run's status says
 * that, later), so it gets none.
 */
export function stepFinishReasons(step: StepPayload, stepType: string | null): string[] | undefined {
  if (step.status === STATUS.failed) return ['error'];
  if (step.status === STATUS.completed && stepType === 'tool_calls') return ['tool_call'];
  return undefined;
}
