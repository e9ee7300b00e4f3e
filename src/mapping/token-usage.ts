// Token usage in one shape, whatever the API called it: Assistants' prompt/completion tokens,
// the Agents and Responses APIs' input/output tokens, and the cache and reasoning details where
// a service sends them (Chat Completions style `*_tokens_details`, or the Responses style). Metrics
// and span attributes both read usage through this, so they never disagree.
import { GEN_AI_CONVENTIONS, type GenAiConventions } from '../config/semconv.js';
import {
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
} from '../semconv/attributes.js';
import { isObj } from './json-values.js';

export interface TokenUsage {
  input: number | null;
  output: number | null;
  /** Input tokens served from the provider's cache (part of `input`). */
  cacheRead: number | null;
  /** Output tokens spent on reasoning (part of `output`). */
  reasoning: number | null;
}

const count = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);
const detail = (details: unknown, key: string): number | null => (isObj(details) ? count(details[key]) : null);

/** Null when the payload has no usage object at all. */
export function readTokenUsage(usage: unknown): TokenUsage | null {
  if (!isObj(usage)) return null;
  return {
    input: count(usage.prompt_tokens) ?? count(usage.input_tokens),
    output: count(usage.completion_tokens) ?? count(usage.output_tokens),
    cacheRead: detail(usage.prompt_tokens_details, 'cached_tokens') ?? detail(usage.input_tokens_details, 'cached_tokens'),
    reasoning: detail(usage.completion_tokens_details, 'reasoning_tokens') ?? detail(usage.output_tokens_details, 'reasoning_tokens'),
  };
}

/** The usage reports a token count (a usage object of nulls reports none). */
export function carriesUsage(usage: unknown): boolean {
  const u = readTokenUsage(usage);
  return u !== null && (u.input !== null || u.output !== null);
}

/**
 * Usage attributes of a run or step span. Both conventions name input and output tokens alike;
 * the GenAI v0.1.0 ones add the cache and reasoning counts when the service reports them.
 */
export function usageAttributes(usage: unknown, conventions: GenAiConventions = GEN_AI_CONVENTIONS): [string, number][] {
  const u = readTokenUsage(usage);
  if (!u) return [];
  const out: [string, number][] = [];
  if (u.input !== null) out.push([ATTR_GEN_AI_USAGE_INPUT_TOKENS, u.input]);
  if (u.output !== null) out.push([ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, u.output]);
  if (conventions === 'genai-0.1.0') {
    if (u.cacheRead !== null) out.push([ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, u.cacheRead]);
    if (u.reasoning !== null) out.push([ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, u.reasoning]);
  }
  return out;
}
