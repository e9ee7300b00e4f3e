// What a run's progress adds to the metrics (runs and steps by status, tokens and durations), as
// observations computed with the spans they come from and committed in the same transaction, so
// a crash neither loses nor repeats them (stored-totals.ts turns them into stored totals).
//
// Labels carry what a run says (status, type, model, agent id and name, tool); each observation
// says whether it is history (history.ts); never a run, thread or call id. The caps on distinct
// values are applied when the totals are read, see label-cap.ts.
import type { MetricObservation } from '../../core/observation.js';
import { truncate } from '../../mapping/limits.js';
import type { FrozenContext } from './mapping/frozen-context.js';
import { statusFor } from '../../mapping/status.js';
import { runEndSeconds, stepEndSeconds } from './mapping/times.js';
import { carriesUsage, readTokenUsage, type TokenUsage } from '../../mapping/token-usage.js';
import { tokenObservations } from '../../metrics/token-observations.js';
import { describeToolCall } from './mapping/tool-calls.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ERROR_TYPE_VALUE_OTHER,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
} from '../../semconv/attributes.js';
import { ATTR_OPENAI_RUN_STATUS, ATTR_OPENAI_RUN_STEP_STATUS, ATTR_OPENAI_RUN_STEP_TYPE } from './attributes.js';
import type { RunPayload, StepPayload } from './payloads.js';
import { GENAI_V010_METRICS, METRICS, type MetricSpec } from '../../metrics/catalog.js';
import { isHistory } from '../../metrics/history.js';
import { registerObservedMetrics } from '../../metrics/stored-totals.js';

/** The metrics the Assistants mapping observes (runs, steps, their durations, and the shared gen_ai.client.* ones). */
export const ASSISTANTS_OBSERVED_METRICS: readonly MetricSpec[] = [
  METRICS.runs,
  METRICS.steps,
  METRICS.tokenUsage,
  METRICS.operationDuration,
  METRICS.runDuration,
  METRICS.queueDuration,
  GENAI_V010_METRICS.cacheReadTokens,
  GENAI_V010_METRICS.reasoningTokens,
];
// Known to stored totals as this module loads: a state file opened by a tool or a test stores what it observes.
registerObservedMetrics([{ metrics: ASSISTANTS_OBSERVED_METRICS }]);

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** Agent names are for people: a huge one must not become a huge label value. */
const AGENT_NAME_MAX = 128;

export interface RunObservations {
  run: RunPayload;
  /** The run's frozen context: its agent's name, when the bridge first saw it (the history rule), the deadline it saw while the run was pending. */
  ctx: Pick<FrozenContext, 'agentName' | 'firstSeenSeconds' | 'expiresAt'>;
  /** The run span is committed now: count the run once. */
  runFinished: boolean;
  /** Steps whose spans are committed now (each counted once). */
  newSteps: readonly StepPayload[];
  /** Latest end (API seconds) among the run's emitted steps: the run's end when it has no end time of its own. */
  latestStepEnd?: number | null;
  /** A step of the run committed before reported usage. */
  stepUsageSeen?: boolean;
}

export interface RunMetrics {
  observations: MetricObservation[];
  /** Some step of the run so far reported usage: its tokens come from the steps, never from the run. */
  stepUsageSeen: boolean;
}

/** A step that ended long before the bridge first saw its run (history.ts). */
export const isStepHistory = (step: StepPayload, firstSeenSeconds: number): boolean => isHistory(stepEndSeconds(step), firstSeenSeconds);

/** Labels of one of a run's observations, and whether it is history. */
interface Who {
  labels: Record<string, string>;
  history: boolean;
}

const observe = (spec: MetricSpec, who: Who, labels: Record<string, string>, value: number): MetricObservation => ({
  name: spec.name,
  labels,
  value,
  history: who.history,
});

/** What one commit adds for a run: its new steps and, once, the run. */
export function metricObservationsFor(o: RunObservations): RunMetrics {
  const { run, ctx } = o;
  const agentName = ctx.agentName ? truncate(ctx.agentName, AGENT_NAME_MAX) : null;
  const who = (history: boolean): Who => ({
    labels: {
      [ATTR_GEN_AI_REQUEST_MODEL]: run.model ?? 'unknown',
      [ATTR_GEN_AI_AGENT_ID]: run.assistant_id ?? run.agent_id ?? 'unknown',
      ...(agentName ? { [ATTR_GEN_AI_AGENT_NAME]: agentName } : {}),
    },
    history,
  });
  const observations: MetricObservation[] = [];
  let stepUsageSeen = o.stepUsageSeen ?? false;
  let newestEnd = o.latestStepEnd ?? null;
  for (const step of o.newSteps) {
    const end = stepEndSeconds(step);
    const by = who(isHistory(end, ctx.firstSeenSeconds));
    const labels = by.labels;
    const type = step.type ?? step.step_details?.type ?? 'unknown';
    const status = step.status ?? 'unknown';
    observations.push(
      observe(METRICS.steps, by, { [ATTR_OPENAI_RUN_STEP_STATUS]: status, [ATTR_OPENAI_RUN_STEP_TYPE]: type, ...labels }, 1),
    );
    if (carriesUsage(step.usage)) stepUsageSeen = true;
    observations.push(
      ...tokensBy(readTokenUsage(step.usage), by, { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT, ...labels }),
    );
    if (end !== null && finite(step.created_at)) {
      const seconds = Math.max(0, end - Math.floor(step.created_at));
      const errorType = statusFor(status, step.last_error).errorType;
      const error: Record<string, string> = errorType ? { [ATTR_ERROR_TYPE]: errorType } : {};
      if (type === 'message_creation') {
        observations.push(
          observe(
            METRICS.operationDuration,
            by,
            { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT, ...labels, ...error },
            seconds,
          ),
        );
      } else if (type === 'tool_calls') {
        observations.push(...toolCallDurations(step, by, errorType, seconds));
      }
      if (newestEnd === null || end > newestEnd) newestEnd = end;
    }
  }
  if (o.runFinished) {
    const duration = runDurationSeconds(run, newestEnd, ctx.expiresAt ?? null);
    const runEnd = duration !== null && finite(run.created_at) ? Math.floor(run.created_at) + duration : null;
    const by = who(isHistory(runEnd, ctx.firstSeenSeconds));
    const labels = by.labels;
    const status = run.status ?? 'unknown';
    observations.push(observe(METRICS.runs, by, { [ATTR_OPENAI_RUN_STATUS]: status, ...labels }, 1));
    if (duration !== null) {
      observations.push(observe(METRICS.runDuration, by, { [ATTR_OPENAI_RUN_STATUS]: status, ...labels }, duration));
      const errorType = statusFor(status, run.last_error).errorType;
      observations.push(
        observe(
          METRICS.operationDuration,
          by,
          {
            [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
            ...labels,
            ...(errorType ? { [ATTR_ERROR_TYPE]: errorType } : {}),
          },
          duration,
        ),
      );
    }
    if (finite(run.created_at) && finite(run.started_at)) {
      observations.push(observe(METRICS.queueDuration, by, labels, Math.max(0, Math.floor(run.started_at) - Math.floor(run.created_at))));
    }
    // Services whose steps report no usage still report the run's: counted once, here.
    if (!stepUsageSeen)
      observations.push(
        ...tokensBy(readTokenUsage(run.usage), by, {
          [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
          ...labels,
        }),
      );
  }
  return { observations, stepUsageSeen };
}

function tokensBy(usage: TokenUsage | null, by: Who, labels: Record<string, string>): MetricObservation[] {
  return tokenObservations(usage, labels, (spec, l, value) => observe(spec, by, l, value));
}

/**
 * One `execute_tool` observation per tool call: tool calls have no times of their own, so each
 * takes its step's (as its span does), and the step's error, or the call's own (an MCP call that
 * reports `error`).
 */
function toolCallDurations(step: StepPayload, by: Who, stepError: string | undefined, seconds: number): MetricObservation[] {
  const calls = step.step_details?.tool_calls;
  if (!Array.isArray(calls)) return [];
  return calls.map((raw, index) => {
    const call = describeToolCall(raw, index);
    const errorType = stepError ?? ownErrorType(raw);
    return observe(
      METRICS.operationDuration,
      by,
      {
        [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
        ...by.labels,
        [ATTR_GEN_AI_TOOL_NAME]: call.name,
        [ATTR_GEN_AI_TOOL_TYPE]: call.toolType,
        ...(errorType ? { [ATTR_ERROR_TYPE]: errorType } : {}),
      },
      seconds,
    );
  });
}

/** The error a tool call reports itself (`error` on the call or under its type), as an error.type. */
function ownErrorType(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const call = raw as Record<string, unknown>;
  const body = typeof call.type === 'string' ? call[call.type] : undefined;
  const errors = [call.error, typeof body === 'object' && body !== null ? (body as Record<string, unknown>).error : undefined];
  for (const error of errors) {
    if (error === undefined || error === null || error === '' || error === false) continue;
    if (typeof error === 'object') {
      const { code, type } = error as { code?: unknown; type?: unknown };
      if (typeof code === 'string' && code !== '') return code;
      if (typeof type === 'string' && type !== '') return type;
    }
    return ERROR_TYPE_VALUE_OTHER;
  }
  return undefined;
}

/**
 * As the run span measures it: created_at to the run's end (runEndSeconds, the rule the span
 * uses). Null without a usable start or a known end: such a run's span is flagged end_unknown
 * and stays out of the duration histograms.
 */
export function runDurationSeconds(run: RunPayload, latestStepEnd: number | null, seenExpiresAt: number | null = null): number | null {
  if (!finite(run.created_at)) return null;
  const end = runEndSeconds(run, latestStepEnd, seenExpiresAt);
  return end === null ? null : Math.max(0, end - Math.floor(run.created_at));
}
