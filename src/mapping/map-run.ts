// Pure mapping from API objects and a run's frozen context to spans: a run span, a span per
// step, a span per tool call (README, "The trace of one run"). No I/O, no clock: the same input
// always gives the same spans.
import type { RunPayload, StepPayload } from '../source/payloads.js';
import { TERMINAL_RUN_STATUSES, TERMINAL_STEP_STATUSES } from '../source/payloads.js';
import { parseTraceparent, runSpanId, stepSpanId, toolCallSpanId, toolSpanId, traceIdForRun } from './ids.js';
import { AttributeBag, applyLimits, truncate } from './limits.js';
import { runFinishReasons, setRequestSettings, stepFinishReasons } from './request-settings.js';
import { NO_LINKED_RUNS, runSpanLink, type LinkedRuns } from './run-links.js';
import { SpanKindName, type FrozenContext, type MappingLimits, type SpanEventRecord, type SpanRecord } from './span-record.js';
import { statusFor, toolStatusFor, type MappedStatus } from './status.js';
import { runTimes, seconds, stepEndSeconds, stepTimes, type SpanTimes } from './times.js';
import { usageAttributes } from './token-usage.js';
import { describeToolCall, type RetrievedDocument } from './tool-calls.js';

export const isRunTerminal = (run: RunPayload): boolean => TERMINAL_RUN_STATUSES.has(run.status ?? '');
export const isStepTerminal = (step: StepPayload): boolean => TERMINAL_STEP_STATUSES.has(step.status ?? '');

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

const agentIdOf = (o: { assistant_id?: string | null; agent_id?: string | null }): string | null =>
  o.assistant_id ?? o.agent_id ?? null;

function common(bag: AttributeBag, run: RunPayload, ctx: FrozenContext): void {
  bag
    .set('gen_ai.provider.name', ctx.providerName)
    .set('gen_ai.conversation.id', run.thread_id)
    .set('gen_ai.request.model', run.model)
    .set('server.address', ctx.serverAddress)
    .set('server.port', ctx.serverPort);
}

function usage(bag: AttributeBag, u: RunPayload['usage']): void {
  for (const [name, value] of usageAttributes(u)) bag.set(name, value);
}

function timeFlags(bag: AttributeBag, times: SpanTimes): void {
  if (times.clamped) bag.set('assistants_bridge.end_clamped', true);
  if (times.startFromFirstSeen) bag.set('assistants_bridge.start_from_first_seen', true);
  if (times.endUnknown) bag.set('assistants_bridge.end_unknown', true);
}

const withEvents = (events: SpanEventRecord[]): { events?: SpanEventRecord[] } => (events.length > 0 ? { events } : {});

const statusOf = (status: MappedStatus): SpanRecord['status'] => ({ code: status.code, ...(status.message ? { message: status.message } : {}) });

function finish(
  base: Omit<SpanRecord, 'attributes' | 'droppedAttributesCount'>,
  bag: AttributeBag,
  limits: MappingLimits,
): SpanRecord {
  const { attributes, dropped } = applyLimits(bag.values, limits);
  return { ...base, attributes, droppedAttributesCount: dropped };
}

/** When the run left the queue: lets a trace show queue time, before any step exists. */
function runEvents(run: RunPayload): SpanEventRecord[] {
  const started = seconds(run.started_at);
  return started === null ? [] : [{ name: 'run.started', timeSeconds: started }];
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
  const bag = new AttributeBag().set('gen_ai.operation.name', 'invoke_agent');
  common(bag, run, ctx);
  bag
    .set('gen_ai.agent.id', agentIdOf(run))
    .set('gen_ai.agent.name', ctx.agentName)
    .set('gen_ai.agent.description', ctx.agentDescription)
    .set('gen_ai.response.finish_reasons', runFinishReasons(run))
    .set('openai.run.id', run.id)
    .set('openai.run.status', run.status)
    .set('openai.run.incomplete_details.reason', run.incomplete_details?.reason)
    .set('error.type', status.errorType);
  setRequestSettings(bag, run);
  usage(bag, run.usage);
  if (ctx.captureContent && typeof run.instructions === 'string' && run.instructions.length > 0) {
    bag.set('gen_ai.system_instructions', instructionsJson(run.instructions, ctx.contentMaxLength, limits.attributeValueLengthLimit));
  }
  timeFlags(bag, times);
  return finish(
    {
      traceId: id.traceId,
      spanId: runSpanId(run.id),
      ...(id.runParentSpanId ? { parentSpanId: id.runParentSpanId } : {}),
      traceFlags: id.traceFlags,
      ...(id.traceState ? { traceState: id.traceState } : {}),
      name: ctx.agentName ? `invoke_agent ${namePart(ctx.agentName)}` : 'invoke_agent',
      kind: SpanKindName.CLIENT,
      startSeconds: times.start,
      endSeconds: times.end,
      status: statusOf(status),
      ...withEvents(runEvents(run)),
      role: 'run',
      runId: run.id,
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
  const bag = new AttributeBag().set('gen_ai.operation.name', 'chat');
  // Under its run, whatever thread or run the step names (a mismatch is the service's, and logged where it is seen).
  common(bag, run, ctx);
  bag
    .set('gen_ai.agent.id', agentIdOf(step) ?? agentIdOf(run))
    .set('gen_ai.response.finish_reasons', stepFinishReasons(step, stepType))
    .set('openai.run.id', run.id)
    .set('openai.run_step.id', step.id)
    .set('openai.run_step.type', stepType)
    .set('openai.run_step.status', step.status)
    .set('openai.message.id', step.step_details?.message_creation?.message_id)
    .set('error.type', status.errorType);
  setRequestSettings(bag, run);
  usage(bag, step.usage);
  timeFlags(bag, times);
  const shared = { traceId: id.traceId, traceFlags: id.traceFlags, ...(id.traceState ? { traceState: id.traceState } : {}), runId: run.id };
  const spans: SpanRecord[] = [
    finish(
      {
        ...shared,
        spanId,
        parentSpanId: runSpanId(run.id),
        name: run.model ? `chat ${namePart(run.model)}` : 'chat',
        kind: SpanKindName.CLIENT,
        startSeconds: times.start,
        endSeconds: times.end,
        status: statusOf(status),
        role: 'step',
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
      .set('gen_ai.operation.name', 'execute_tool')
      .set('gen_ai.tool.name', call.name)
      .set('gen_ai.tool.call.id', call.callId)
      .set('gen_ai.tool.type', call.toolType);
    for (const [k, v] of Object.entries(call.details)) toolBag.set(k, v);
    // Spans are mapped once their step has ended: a function call still without output never got one.
    if (call.unanswered) toolBag.set('assistants_bridge.tool_call.unanswered', true);
    if (call.documents && call.documents.length > 0) toolBag.set('gen_ai.retrieval.documents', documentsJson(call.documents, ctx, limits.attributeValueLengthLimit));
    toolBag.set('error.type', toolStatus.errorType);
    if (ctx.captureContent) {
      if (call.content.arguments !== undefined) toolBag.set('gen_ai.tool.call.arguments', truncate(call.content.arguments, ctx.contentMaxLength));
      if (call.content.result !== undefined) toolBag.set('gen_ai.tool.call.result', truncate(call.content.result, ctx.contentMaxLength));
    }
    spans.push(
      finish(
        {
          ...shared,
          spanId: toolSpan,
          parentSpanId: spanId,
          name: `execute_tool ${namePart(call.name)}`,
          kind: SpanKindName.INTERNAL,
          startSeconds: times.start,
          endSeconds: times.end,
          status: statusOf(toolStatus),
          ...(call.childRun ? { links: [runSpanLink(call.childRun.runId, linkedRuns)] } : {}),
          role: 'tool',
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
