// Pure mapping from API objects and a run's frozen context to spans (DESIGN, "The trace of one run").
// No I/O, no clock: the same input always gives the same spans.
import type { RunPayload, StepPayload } from '../source/payloads.js';
import { TERMINAL_RUN_STATUSES, TERMINAL_STEP_STATUSES } from '../source/payloads.js';
import { parseTraceparent, runSpanId, stepSpanId, toolCallSpanId, toolSpanId, traceIdForRun } from './ids.js';
import { AttributeBag, applyLimits, truncate } from './limits.js';
import { SpanKindName, type FrozenContext, type MappingLimits, type SpanRecord } from './span-record.js';
import { statusFor } from './status.js';
import { runTimes, stepEndSeconds, stepTimes, type SpanTimes } from './times.js';
import { describeToolCall } from './tool-calls.js';
import { usageAttributes } from './token-usage.js';

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

function common(bag: AttributeBag, run: RunPayload, ctx: FrozenContext, threadId = run.thread_id): void {
  bag
    .set('gen_ai.provider.name', ctx.providerName)
    .set('gen_ai.conversation.id', threadId)
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
}

function finish(
  base: Omit<SpanRecord, 'attributes' | 'droppedAttributesCount'>,
  bag: AttributeBag,
  limits: MappingLimits,
): SpanRecord {
  const { attributes, dropped } = applyLimits(bag.values, limits);
  return { ...base, attributes, droppedAttributesCount: dropped };
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
  const times = runTimes(run, latestStepEnd, ctx.firstSeenSeconds);
  const status = statusFor(run.status, run.last_error);
  const bag = new AttributeBag().set('gen_ai.operation.name', 'invoke_agent');
  common(bag, run, ctx);
  bag
    .set('gen_ai.agent.id', agentIdOf(run))
    .set('gen_ai.agent.name', ctx.agentName)
    .set('openai.run.id', run.id)
    .set('openai.run.status', run.status)
    .set('openai.run.incomplete_details.reason', run.incomplete_details?.reason)
    .set('error.type', status.errorType);
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
      status: { code: status.code, ...(status.message ? { message: status.message } : {}) },
      role: 'run',
      runId: run.id,
    },
    bag,
    limits,
  );
}

/** The span of one step and a child span per tool call in it. */
export function mapStepSpans(run: RunPayload, step: StepPayload, ctx: FrozenContext, limits: MappingLimits): SpanRecord[] {
  const id = traceIdentity(run.id, ctx);
  const times = stepTimes(step, run, ctx.firstSeenSeconds);
  const status = statusFor(step.status, step.last_error);
  const spanId = stepSpanId(run.id, step.id);
  const stepType = step.type ?? step.step_details?.type ?? null;
  const bag = new AttributeBag().set('gen_ai.operation.name', 'chat');
  common(bag, run, ctx, step.thread_id ?? run.thread_id);
  bag
    .set('gen_ai.agent.id', agentIdOf(step) ?? agentIdOf(run))
    .set('openai.run.id', run.id)
    .set('openai.run_step.id', step.id)
    .set('openai.run_step.type', stepType)
    .set('openai.run_step.status', step.status)
    .set('openai.message.id', step.step_details?.message_creation?.message_id)
    .set('error.type', status.errorType);
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
        status: { code: status.code, ...(status.message ? { message: status.message } : {}) },
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
    const toolBag = new AttributeBag()
      .set('gen_ai.operation.name', 'execute_tool')
      .set('gen_ai.tool.name', call.name)
      .set('gen_ai.tool.call.id', call.callId)
      .set('gen_ai.tool.type', call.toolType);
    for (const [k, v] of Object.entries(call.details)) toolBag.set(k, v);
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
          status: { code: 0 },
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
export function mapRunTrace(run: RunPayload, steps: readonly StepPayload[], ctx: FrozenContext, limits: MappingLimits): SpanRecord[] {
  const terminalSteps = steps.filter(isStepTerminal);
  const spans = terminalSteps.flatMap((step) => mapStepSpans(run, step, ctx, limits));
  if (isRunTerminal(run)) spans.unshift(mapRunSpan(run, ctx, latestStepEnd(terminalSteps), limits));
  return spans;
}
