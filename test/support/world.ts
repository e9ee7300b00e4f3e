// The simulator's truth turned into the exact spans the bridge must export.
import { freezeContext } from '../../src/sources/assistants/mapping/frozen-context.js';
import { mapRunTrace } from '../../src/sources/assistants/mapping/map-run.js';
import type { SpanRecord } from '../../src/core/span-record.js';
import { DEFAULTS } from '../../src/config/defaults.js';
import { parseRun, parseStep, type StepPayload } from '../../src/sources/assistants/payloads.js';
import type { Dialect } from '../../src/simulator/dialect.js';
import type { RunningSimulator, Truth } from '../../src/simulator/index.js';

export async function fetchTruth(sim: RunningSimulator): Promise<Truth> {
  const response = await fetch(`${sim.origin}/_sim/truth`);
  return (await response.json()) as Truth;
}

export function threadIdsOf(truth: Truth): string[] {
  return [...new Set(truth.runs.map((r) => r.threadId))];
}

export interface ExpectOptions {
  baseURL: string;
  providerName?: string;
  captureContent?: boolean;
}

/** Every span of every finished run in the truth, mapped as the bridge must map it. */
export function expectedSpans(truth: Truth, options: ExpectOptions): SpanRecord[] {
  const assistants = new Map(truth.assistants.map((a) => [a.id, a]));
  const spans: SpanRecord[] = [];
  for (const r of truth.runs) {
    if (!r.finished) continue;
    const run = parseRun(r.run);
    if (!run.ok) throw new Error(run.error);
    const steps = r.steps
      .map((s) => parseStep(s))
      .filter((s): s is { ok: true; value: StepPayload } => s.ok)
      .map((s) => s.value);
    const assistant = assistants.get(run.value.assistant_id ?? run.value.agent_id ?? '');
    const ctx = freezeContext(run.value, {
      agentName: assistant?.name ?? null,
      agentDescription: assistant?.description ?? null,
      captureContent: options.captureContent ?? false,
      contentMaxLength: DEFAULTS.content.maxLength,
      providerName: options.providerName ?? 'openai',
      baseURL: options.baseURL,
      nowSeconds: 0,
    });
    spans.push(...mapRunTrace(run.value, steps, ctx, DEFAULTS.limits));
  }
  return spans;
}

/** The most requests that started within any `windowMs` window. */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    while (sorted[end]! - sorted[start]! >= windowMs) start += 1;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

/**
 * A service like `base` whose run steps report no token usage (Azure OpenAI's may not), while
 * each finished run reports its usage with the cache and reasoning details newer services send.
 */
export function stepsWithoutUsage(base: Dialect): Dialect {
  return {
    ...base,
    present(kind, body) {
      const shaped = base.present(kind, body);
      if (kind === 'step') return { ...shaped, usage: null };
      const usage = shaped.usage as { prompt_tokens: number; completion_tokens: number } | null | undefined;
      if (kind !== 'run' || !usage) return shaped;
      return {
        ...shaped,
        usage: {
          ...usage,
          prompt_tokens_details: { cached_tokens: Math.floor(usage.prompt_tokens / 4) },
          completion_tokens_details: { reasoning_tokens: Math.floor(usage.completion_tokens / 3) },
        },
      };
    },
  };
}
