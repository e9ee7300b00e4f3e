// Pure mapping from API objects and a run's frozen context to spans: a run span, a span per
// step, a span per tool call (README, "The trace of one run"). No I/O, no clock: the same input
// always gives the same spans.
import {
  ATTR_BRIDGE_END_CLAMPED,
  ATTR_BRIDGE_END_UNKNOWN,
  ATTR_BRIDGE_START_FROM_FIRST_SEEN,
  ATTR_BRIDGE_TOOL_CALL_UNANSWERED,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_DESCRIPTION,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RETRIEVAL_DOCUMENTS,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
} from '../../../semconv/attributes.js';
import {
  ATTR_OPENAI_MESSAGE_ID,
  ATTR_OPENAI_RUN_ID,
  ATTR_OPENAI_RUN_INCOMPLETE_DETAILS_REASON,
  ATTR_OPENAI_RUN_STATUS,
  ATTR_OPENAI_RUN_STEP_ID,
  ATTR_OPENAI_RUN_STEP_STATUS,
  ATTR_OPENAI_RUN_STEP_TYPE,
} from '../attributes.js';
import type { RunPayload, StepPayload } from '../payloads.js';
import { isRunTerminal, isStepTerminal } from '../statuses.js';
import { parseTraceparent, runSpanId, stepSpanId, toolCallSpanId, toolSpanId, traceIdForRun } from '../../../mapping/ids.js';
import { AttributeBag, applyLimits, truncate } from '../../../mapping/limits.js';
import { runFinishReasons, setRequestSettings, stepFinishReasons } from './request-settings.js';
import { NO_LINKED_RUNS, runSpanLink, type LinkedRuns } from './run-links.js';
import { nanosFromSeconds, SpanKindName, type SpanEventRecord, type SpanRecord } from '../../../core/span-record.js';
import type { FrozenContext } from './frozen-context.js';
import type { MappingLimits } from '../../../mapping/limits.js';
import { statusFor, toolStatusFor, type MappedStatus } from '../../../mapping/status.js';
import { runTimes, seconds, stepEndSeconds, stepTimes, type SpanTimes } from './times.js';
import { usageAttributes } from '../../../mapping/token-usage.js';
import { describeToolCall, type RetrievedDocument } from './tool-calls.js';

const SAMPLED = 1;

interface TraceIdentity {
  traceId: string;
  traceFlags: number;
  traceState?: string;
  /** The app's span that the run span hangs under, from the frozen traceparent. */
  runParentSpanId?: string;
}

function traceIdentity(runId: string, ctx: FrozenContext): TraceIdentity {
  const parent = parseTraceparent(ctx.traceparent);
  if (!parent) return { traceId: traceIdForRun(runId), traceFlags: SAMPLED };
  return {
    traceId: parent.traceId,
    traceFlags: parent.traceFlags,
    runParentSpanId: parent.spanId,
    ...(ctx.tracestate ? { traceState: ctx.tracestate } : {}),
  };
}

const agentIdOf = (o: { assistant_id?: string | null; agent_id?: string | null }): string | null => o.assistant_id ?? o.agent_id ?? null;

function common(bag: AttributeBag, run: RunPayload, ctx: FrozenContext): void {
  bag
    .set(ATTR_GEN_AI_PROVIDER_NAME, ctx.providerName)
    .set(ATTR_GEN_AI_CONVERSATION_ID, run.thread_id)
    .set(ATTR_GEN_AI_REQUEST_MODEL, run.model)
    .set(ATTR_SERVER_ADDRESS, ctx.serverAddress)
    .set(ATTR_SERVER_PORT, ctx.serverPort);
}

function usage(bag: AttributeBag, u: RunPayload['usage']): void {
  for (const [name, value] of usageAttributes(u)) bag.set(name, value);
}

function timeFlags(bag: AttributeBag, times: SpanTimes): void {
  if (times.clamped) bag.set(ATTR_BRIDGE_END_CLAMPED, true);
  if (times.startFromFirstSeen) bag.set(ATTR_BRIDGE_START_FROM_FIRST_SEEN, true);
  if (times.endUnknown) bag.set(ATTR_BRIDGE_END_UNKNOWN, true);
}

const withEvents = (events: SpanEventRecord[]): { events?: SpanEventRecord[] } => (events.length > 0 ? { events } : {});

const statusOf = (status: MappedStatus): SpanRecord['status'] => ({
  code: status.code,
  ...(status.message ? { message: status.message } : {}),
});

function finish(base: Omit<SpanRecord, 'attributes' | 'droppedAttributesCount'>, bag: AttributeBag, limits: MappingLimits): SpanRecord {
  const { attributes, dropped } = applyLimits(bag.values, limits);
  return { ...base, attributes, droppedAttributesCount: dropped };
}

/** When the run left the queue: lets a trace show queue time, before any step exists. */
function runEvents(run: RunPayload): SpanEventRecord[] {
  const started = seconds(run.started_at);
  return started === null ? [] : [{ name: 'run.started', time: nanosFromSeconds(started), attributes: {} }];
}

/**
 * `gen_ai.retrieval.documents` as the conventions' JSON (id and score per document, plus the
 * file name); the text of each hit only with content capture on, cut to the content limit. The
 * lowest-ranked documents are left out rather than letting the value limit cut the JSON.
 */
function documentsJson(documents: readonly RetrievedDocument[], ctx: FrozenContext, max: number): string {
  const shown = documents.map(({ content, ...doc }) =>
    ctx.captureContent && content !== undefined ? { ...doc, content: truncate(content, ctx.contentMaxLength) } : doc,
  );
  for (let n = shown.length; n > 0; n -= 1) {
    const json = JSON.stringify(shown.slice(0, n));
    if (json.length <= max) return json;
  }
  return '[]';
}

/**
 * The semconv parts array with the text cut to the content limit, and cut further if the JSON
 * would not fit the attribute limit (the limit would otherwise cut the JSON, which then would not parse).
 */
function instructionsJson(text: string, contentMax: number, max: number): string {
  let content = truncate(text, contentMax);
  for (;;) {
    const json = JSON.stringify([{ type: 'text', content }]);
    if (json.length <= max || content.length === 0) return json;
    content = truncate(content, Math.max(0, content.length - (json.length - max)));
  }
}

/** Names are for people and indexes: a megabyte tool or agent name must not become a megabyte span name. */
const NAME_PART_MAX = 128;
const namePart = (value: string): string => truncate(value, NAME_PART_MAX);

/** The run span. `latestStepEnd` is the latest end among the run's steps, for runs without an end timestamp. */
export function mapRunSpan(run: RunPayload, ctx: FrozenContext, latestStepEnd: number | null, limits: MappingLimits): SpanRecord {
  const id = traceIdentity(run.id, ctx);
  const times = runTimes(run, latestStepEnd, ctx.firstSeenSeconds, ctx.expiresAt ?? null);
  const status = statusFor(run.status, run.last_error);
  const bag = new AttributeBag().set(ATTR_GEN_AI_OPERATION_NAME, GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT);
  common(bag, run, ctx);
  bag
    .set(ATTR_GEN_AI_AGENT_ID, agentIdOf(run))
    .set(ATTR_GEN_AI_AGENT_NAME, ctx.agentName)
    .set(ATTR_GEN_AI_AGENT_DESCRIPTION, ctx.agentDescription)
    .set(ATTR_GEN_AI_RESPONSE_FINISH_REASONS, runFinishReasons(run))
    .set(ATTR_OPENAI_RUN_ID, run.id)
    .set(ATTR_OPENAI_RUN_STATUS, run.status)
    .set(ATTR_OPENAI_RUN_INCOMPLETE_DETAILS_REASON, run.incomplete_details?.reason)
    .set(ATTR_ERROR_TYPE, status.errorType);
  setRequestSettings(bag, run);
  usage(bag, run.usage);
  if (ctx.captureContent && typeof run.instructions === 'string' && run.instructions.length > 0) {
    bag.set(ATTR_GEN_AI_SYSTEM_INSTRUCTIONS, instructionsJson(run.instructions, ctx.contentMaxLength, limits.attributeValueLengthLimit));
  }
  timeFlags(bag, times);
  return finish(
    {
      traceId: id.traceId,
      spanId: runSpanId(run.id),
      // The app's span, from the frozen traceparent: in another process.
      parent: id.runParentSpanId ? { spanId: id.runParentSpanId, remote: true } : null,
      traceFlags: id.traceFlags,
      ...(id.traceState ? { traceState: id.traceState } : {}),
      name: ctx.agentName
        ? `${GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT} ${namePart(ctx.agentName)}`
        : GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
      kind: SpanKindName.CLIENT,
      start: nanosFromSeconds(times.start),
      end: nanosFromSeconds(times.end),
      status: statusOf(status),
      ...withEvents(runEvents(run)),
      key: run.id,
      unit: run.id,
    },
    bag,
    limits,
  );
}

/**
 * The span of one step and a child span per tool call in it. `linkedRuns` holds what the bridge
 * recorded of runs the step's calls started (a connected agent's), for links into their traces.
 */
export function mapStepSpans(
  run: RunPayload,
  step: StepPayload,
  ctx: FrozenContext,
  limits: MappingLimits,
  linkedRuns: LinkedRuns = NO_LINKED_RUNS,
): SpanRecord[] {
  const id = traceIdentity(run.id, ctx);
  const times = stepTimes(step, run, ctx.firstSeenSeconds);
  const status = statusFor(step.status, step.last_error);
  const spanId = stepSpanId(run.id, step.id);
  const stepType = step.type ?? step.step_details?.type ?? null;
  const bag = new AttributeBag().set(ATTR_GEN_AI_OPERATION_NAME, GEN_AI_OPERATION_NAME_VALUE_CHAT);
  // Under its run, whatever thread or run the step names (a mismatch is the service's, and logged where it is seen).
  common(bag, run, ctx);
  bag
    .set(ATTR_GEN_AI_AGENT_ID, agentIdOf(step) ?? agentIdOf(run))
    .set(ATTR_GEN_AI_RESPONSE_FINISH_REASONS, stepFinishReasons(step, stepType))
    .set(ATTR_OPENAI_RUN_ID, run.id)
    .set(ATTR_OPENAI_RUN_STEP_ID, step.id)
    .set(ATTR_OPENAI_RUN_STEP_TYPE, stepType)
    .set(ATTR_OPENAI_RUN_STEP_STATUS, step.status)
    .set(ATTR_OPENAI_MESSAGE_ID, step.step_details?.message_creation?.message_id)
    .set(ATTR_ERROR_TYPE, status.errorType);
  setRequestSettings(bag, run);
  usage(bag, step.usage);
  timeFlags(bag, times);
  const shared = {
    traceId: id.traceId,
    traceFlags: id.traceFlags,
    ...(id.traceState ? { traceState: id.traceState } : {}),
    start: nanosFromSeconds(times.start),
    end: nanosFromSeconds(times.end),
    // The step is what the run's cursor and the outbox count once: its tool calls go with it.
    key: step.id,
    unit: run.id,
  };
  const spans: SpanRecord[] = [
    finish(
      {
        ...shared,
        spanId,
        parent: { spanId: runSpanId(run.id), remote: false },
        name: run.model ? `${GEN_AI_OPERATION_NAME_VALUE_CHAT} ${namePart(run.model)}` : GEN_AI_OPERATION_NAME_VALUE_CHAT,
        kind: SpanKindName.CLIENT,
        status: statusOf(status),
        // The export lag is a step's: from its end to its span's acknowledgement.
        lagSample: true,
      },
      bag,
      limits,
    ),
  ];
  const calls = step.step_details?.tool_calls ?? [];
  const seen = new Set<string>();
  calls.forEach((raw, index) => {
    const call = describeToolCall(raw, index);
    // Two calls sharing an id in one step would share a span ID; keep both by position
    // (and further, should a real id already look like `{id}#{index}`).
    let key = call.key;
    for (let n = index; seen.has(key); n += 1) key = `${call.key}#${n}`;
    seen.add(key);
    // The first call with a given id gets the id an app can compute from (run, call id) alone.
    const toolSpan = call.callId !== null && key === call.callId ? toolCallSpanId(run.id, call.callId) : toolSpanId(run.id, step.id, key);
    const toolStatus = toolStatusFor(status, call.error);
    const toolBag = new AttributeBag()
      .set(ATTR_GEN_AI_OPERATION_NAME, GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL)
      .set(ATTR_GEN_AI_TOOL_NAME, call.name)
      .set(ATTR_GEN_AI_TOOL_CALL_ID, call.callId)
      .set(ATTR_GEN_AI_TOOL_TYPE, call.toolType);
    for (const [k, v] of Object.entries(call.details)) toolBag.set(k, v);
    // Spans are mapped once their step has ended: a function call still without output never got one.
    if (call.unanswered) toolBag.set(ATTR_BRIDGE_TOOL_CALL_UNANSWERED, true);
    if (call.documents && call.documents.length > 0)
      toolBag.set(ATTR_GEN_AI_RETRIEVAL_DOCUMENTS, documentsJson(call.documents, ctx, limits.attributeValueLengthLimit));
    toolBag.set(ATTR_ERROR_TYPE, toolStatus.errorType);
    if (ctx.captureContent) {
      if (call.content.arguments !== undefined)
        toolBag.set(ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, truncate(call.content.arguments, ctx.contentMaxLength));
      if (call.content.result !== undefined) toolBag.set(ATTR_GEN_AI_TOOL_CALL_RESULT, truncate(call.content.result, ctx.contentMaxLength));
    }
    spans.push(
      finish(
        {
          ...shared,
          spanId: toolSpan,
          parent: { spanId, remote: false },
          name: `${GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL} ${namePart(call.name)}`,
          kind: SpanKindName.INTERNAL,
          status: statusOf(toolStatus),
          ...(call.childRun ? { links: [runSpanLink(call.childRun.runId, linkedRuns)] } : {}),
        },
        toolBag,
        limits,
      ),
    );
  });
  return spans;
}

/** The latest end among terminal steps, for a run span without its own end. */
export function latestStepEnd(steps: readonly StepPayload[]): number | null {
  let latest: number | null = null;
  for (const step of steps) {
    const end = stepEndSeconds(step);
    if (end !== null && (latest === null || end > latest)) latest = end;
  }
  return latest;
}

/** Every span of a finished run at once (what `import` needs): terminal steps, and the run span when the run is terminal. */
export function mapRunTrace(
  run: RunPayload,
  steps: readonly StepPayload[],
  ctx: FrozenContext,
  limits: MappingLimits,
  linkedRuns: LinkedRuns = NO_LINKED_RUNS,
): SpanRecord[] {
  const terminalSteps = steps.filter(isStepTerminal);
  const spans = terminalSteps.flatMap((step) => mapStepSpans(run, step, ctx, limits, linkedRuns));
  if (isRunTerminal(run)) spans.unshift(mapRunSpan(run, ctx, latestStepEnd(terminalSteps), limits));
  return spans;
}
