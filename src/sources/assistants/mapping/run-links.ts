// Links from a tool call to the run it started (a connected agent's run): the same IDs the
// bridge gives that run's own span, so the link lands on it whether the bridge watches that run
// or not.
import { ATTR_OPENAI_RUN_ID } from '../attributes.js';
import type { StepPayload } from '../payloads.js';
import { parseTraceparent, runSpanId, traceIdForRun } from '../../../mapping/ids.js';
import { isObj } from '../../../mapping/json-values.js';
import type { FrozenContext } from './frozen-context.js';
import type { SpanLinkRecord } from '../../../core/span-record.js';
import { childRunOf } from './tool-calls.js';

/** What the bridge recorded of a run it tracks: the app trace the run joined, if any. */
export type LinkedRunContext = Pick<FrozenContext, 'traceparent' | 'tracestate'>;

/** Recorded contexts of the runs tool calls point at, by run id. */
export type LinkedRuns = ReadonlyMap<string, LinkedRunContext>;

export const NO_LINKED_RUNS: LinkedRuns = new Map();

const SAMPLED = 1;

/** The link to `runId`'s run span: in the trace it joined when recorded so, else in its own computed trace. */
export function runSpanLink(runId: string, linked: LinkedRuns): SpanLinkRecord {
  const recorded = linked.get(runId);
  const parent = parseTraceparent(recorded?.traceparent ?? null);
  const base = { spanId: runSpanId(runId), attributes: { [ATTR_OPENAI_RUN_ID]: runId } };
  if (!parent) return { traceId: traceIdForRun(runId), traceFlags: SAMPLED, ...base };
  return {
    traceId: parent.traceId,
    traceFlags: parent.traceFlags,
    ...(recorded?.tracestate ? { traceState: recorded.tracestate } : {}),
    ...base,
  };
}

/** Run ids that the steps' connected-agent calls started: the runs whose recorded context linking needs. */
export function linkedRunIds(steps: readonly StepPayload[]): string[] {
  const ids = new Set<string>();
  for (const step of steps) {
    for (const call of step.step_details?.tool_calls ?? []) {
      const child = isObj(call) ? childRunOf(call, call.type) : null;
      if (child) ids.add(child.runId);
    }
  }
  return [...ids];
}
