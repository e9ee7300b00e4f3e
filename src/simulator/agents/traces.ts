// The trace a root turn publishes: an OTLP/JSON ExportTraceServiceRequest with the turn's
// `invoke_agent` span (no parent), its model calls, tool calls and subagents, named and
// attributed by the GenAI semantic conventions. A trace is published after the turn ends, once
// or in two parts (the second adds spans and ends the root span); some shapes are hostile on
// purpose. Ids derive from the turn's trace seed and each span's place, never from read order.
import { present } from '../../core/present.js';
import { deriveSeed, mulberry32 } from '../prng.js';
import { unixNano, type TimedRootStep, type TimedStep, type TurnLayout } from './layout.js';
import {
  attributes,
  LOCAL_SAMPLED_FLAGS,
  SPAN_KIND,
  STATUS_CODE,
  type AttrValue,
  type OtlpEvent,
  type OtlpKeyValue,
  type OtlpResourceSpans,
  type OtlpSpan,
  type OtlpTraceRequest,
} from './otlp.js';
import { functionDescription, type ModelCallPlan, type TokenCounts, type ToolCallPlan, type TraceShape, type TurnPlan } from './plans.js';
import { usageAt, ZERO_USAGE } from './usage.js';

export const traceIdOf = (traceSeed: number): string => hexOf(deriveSeed(traceSeed, 0x7ace), 32);

/** A span's id from its trace seed and its place (`key`); cheap, as a trace may hold 10,000. */
export function spanIdOf(traceSeed: number, key: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return hexOf(deriveSeed(traceSeed, 0x5ba4, h), 16);
}

function hexOf(seed: number, length: number): string {
  const next = mulberry32(seed);
  let out = '';
  for (let i = 0; i < length; i++) out += '0123456789abcdef'.charAt(Math.floor(next() * 16));
  return out;
}
export const ROOT_SPAN_KEY = 'root';

/** A turn as its trace needs it. */
export interface TraceSubject {
  turnId: string;
  sessionId: string;
  createdAt: number;
  model: string;
  agent: { id: string; name: string | null; instructions: string | null };
  plan: TurnPlan;
  layout: TurnLayout;
  ids: ReadonlyMap<string, string>;
  traceSeed: number;
  /** The root span of the session's previous root turn, linked from this one. */
  previous: { traceId: string; spanId: string } | null;
}

interface SpanDraft {
  key: string;
  span: OtlpSpan;
  /** Resource group: the agent's, or a subagent's. */
  group: string;
  startNs: number;
  endNs: number;
  /** The published part that first lists the span. */
  part: number;
  /** The part from which it has its end and status (Infinity: never). */
  endPart: number;
}

const AGENT_RESOURCE = 'agent';
const SCOPE = { name: 'openai.agents', version: '1.0.0' };

const messages = (role: string, parts: unknown[]): string => JSON.stringify([{ role, parts }]);
const textPart = (content: string) => ({ type: 'text', content });

function usageAttributes(u: TokenCounts): Record<string, AttrValue> {
  return {
    'gen_ai.usage.input_tokens': u.input,
    'gen_ai.usage.output_tokens': u.output,
    'gen_ai.usage.cache_read.input_tokens': u.cached,
    'gen_ai.usage.reasoning.output_tokens': u.reasoning,
  };
}

class TraceBuilder {
  readonly traceId: string;
  readonly drafts: SpanDraft[] = [];

  constructor(readonly s: TraceSubject) {
    this.traceId = traceIdOf(s.traceSeed);
  }

  id(key: string): string {
    return spanIdOf(this.s.traceSeed, key);
  }

  nano(offsetNs: number): string {
    return unixNano(this.s.createdAt, offsetNs);
  }

  add(
    key: string,
    parentKey: string | null,
    group: string,
    name: string,
    kind: number,
    startNs: number,
    endNs: number,
    attrs: Record<string, AttrValue | undefined>,
    extra: Partial<OtlpSpan> = {},
  ): OtlpSpan {
    const span: OtlpSpan = {
      traceId: this.traceId,
      spanId: this.id(key),
      ...(parentKey === null ? {} : { parentSpanId: this.id(parentKey) }),
      flags: LOCAL_SAMPLED_FLAGS,
      name,
      kind,
      startTimeUnixNano: this.nano(startNs),
      endTimeUnixNano: this.nano(endNs),
      attributes: attributes(attrs),
      events: [],
      links: [],
      status: { code: STATUS_CODE.unset },
      ...extra,
    };
    this.drafts.push({ key, span, group, startNs, endNs, part: 1, endPart: 1 });
    return span;
  }

  event(span: OtlpSpan, name: string, atNs: number, attrs: Record<string, AttrValue | undefined>): void {
    span.events.push({ timeUnixNano: this.nano(atNs), name, attributes: attributes(attrs) } satisfies OtlpEvent);
  }

  fail(span: OtlpSpan, type: string, message: string, atNs: number): void {
    span.status = { code: STATUS_CODE.error, message };
    span.attributes.push(...attributes({ 'error.type': type }));
    this.event(span, 'exception', atNs, { 'exception.type': type, 'exception.message': message });
  }

  /** Model and tool spans of one agent's steps, under `parentKey`. */
  sequence(
    steps: readonly (ModelCallPlan | ToolCallPlan)[],
    timed: readonly TimedStep[],
    keyPrefix: string,
    parentKey: string,
    group: string,
    model: string,
    input: string,
  ): void {
    let toolResults: unknown[] = [];
    for (const t of timed) {
      const step = present(steps[t.index], 'plan step');
      const key = `${keyPrefix}${t.index}`;
      if (step.type === 'model') {
        const calls = this.followingCalls(steps, t.index, keyPrefix);
        const finished = t.outcome === 'completed';
        const output =
          step.finish === 'stop'
            ? messages('assistant', [textPart(step.text)])
            : JSON.stringify([
                {
                  role: 'assistant',
                  parts: calls.map((c) => ({ type: 'tool_call', id: c.id, name: c.name, arguments: JSON.parse(c.arguments) as unknown })),
                  finish_reason: 'tool_call',
                },
              ]);
        const inputMessages = [
          { role: 'user', parts: [textPart(input)] },
          ...(toolResults.length > 0 ? [{ role: 'tool', parts: toolResults }] : []),
        ];
        const span = this.add(key, parentKey, group, `chat ${model}`, SPAN_KIND.client, t.startNs, t.endNs, {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': model,
          'gen_ai.response.model': finished ? `${model}-2026-09-30` : undefined,
          'gen_ai.response.id': finished ? `resp_${spanIdOf(this.s.traceSeed, `resp:${key}`)}` : undefined,
          'gen_ai.response.finish_reasons': finished ? [step.finish === 'stop' ? 'stop' : 'tool_calls'] : undefined,
          ...(finished ? usageAttributes(step.usage) : {}),
          'gen_ai.input.messages': JSON.stringify(inputMessages),
          'gen_ai.output.messages': finished ? output : undefined,
        });
        if (finished && step.finish === 'stop') {
          this.event(span, 'gen_ai.client.inference.operation.details', t.endNs, {
            'gen_ai.operation.name': 'chat',
            'gen_ai.output.messages': [
              { kv: { role: 'assistant', parts: [{ kv: { type: 'text', content: step.text } }], finish_reason: 'stop' } },
            ],
          });
        }
        toolResults = [];
        if (t.outcome === 'failed' && this.s.plan.error) this.fail(span, this.s.plan.error.code, this.s.plan.error.message, t.endNs);
        continue;
      }
      const callId = this.s.ids.get(`call:${key}`) ?? key;
      const finished = t.outcome === 'completed';
      const span = this.add(key, parentKey, group, `execute_tool ${step.name}`, SPAN_KIND.internal, t.startNs, t.endNs, {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': step.name,
        'gen_ai.tool.call.id': callId,
        'gen_ai.tool.type': step.tool === 'function' ? 'function' : 'extension',
        'gen_ai.tool.description': step.tool === 'function' ? functionDescription(step.name) : undefined,
        'gen_ai.tool.call.arguments': step.arguments,
        'gen_ai.tool.call.result': finished ? step.result : undefined,
      });
      if (t.outcome === 'failed') this.fail(span, 'tool_error', step.error ?? 'The function call failed.', t.endNs);
      if (finished) toolResults.push({ type: 'tool_call_response', id: callId, response: step.result });
    }
  }

  private followingCalls(
    steps: readonly (ModelCallPlan | ToolCallPlan)[],
    index: number,
    keyPrefix: string,
  ): { id: string; name: string; arguments: string }[] {
    const out: { id: string; name: string; arguments: string }[] = [];
    for (let i = index + 1; i < steps.length; i++) {
      // Null where a subagents step sits in the flattened sequence.
      const step = steps[i] as ModelCallPlan | ToolCallPlan | null;
      if (step?.type !== 'tool') break;
      out.push({ id: this.s.ids.get(`call:${keyPrefix}${i}`) ?? `${i}`, name: step.name, arguments: step.arguments });
    }
    return out;
  }

  subagents(t: TimedRootStep): void {
    const step = present(this.s.plan.steps[t.index], 'plan step');
    if (step.type !== 'subagents') return;
    const k = t.index;
    for (const s of t.subagents ?? []) {
      const sub = present(step.subagents[s.index], 'subagent plan');
      const subagentId = this.s.ids.get(`subagent:${k}:${s.index}`) ?? '';
      const subTurnId = this.s.ids.get(`subturn:${k}:${s.index}`) ?? '';
      const group = `subagent:${k}:${s.index}`;
      this.add(
        `spawn:${k}:${s.index}`,
        ROOT_SPAN_KEY,
        AGENT_RESOURCE,
        'execute_tool create_subagent',
        SPAN_KIND.internal,
        t.startNs + s.index * 1_000_000,
        s.startNs,
        {
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': 'create_subagent',
          'gen_ai.tool.call.id': this.s.ids.get(`item:spawn:${k}:${s.index}`),
          'gen_ai.tool.type': 'extension',
          'gen_ai.tool.call.arguments': JSON.stringify({ task: sub.task, model: sub.model }),
          'gen_ai.tool.call.result': JSON.stringify({ agent_id: subagentId }),
        },
      );
      const usage = usageAt(sub.steps, s.steps) ?? ZERO_USAGE;
      const last = sub.steps[sub.steps.length - 1];
      const invokeKey = `invoke:${k}:${s.index}`;
      this.add(invokeKey, ROOT_SPAN_KEY, group, `invoke_agent ${sub.name}`, SPAN_KIND.internal, s.startNs, s.endNs, {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.provider.name': 'openai',
        'gen_ai.agent.name': sub.name,
        'gen_ai.agent.id': subagentId,
        'gen_ai.request.model': sub.model,
        ...usageAttributes(usage),
        'gen_ai.input.messages': messages('user', [textPart(sub.task)]),
        'gen_ai.output.messages':
          s.outcome === 'completed' && last?.type === 'model' ? messages('assistant', [textPart(last.text)]) : undefined,
        'openai.agents.subagent.id': subagentId,
        'openai.agents.turn.id': subTurnId,
        'openai.agents.turn.status': s.outcome,
      });
      this.sequence(sub.steps, s.steps, `${k}:${s.index}:`, invokeKey, group, sub.model, sub.task);
    }
    const waitFrom = (t.subagents ?? []).reduce((m, s) => Math.max(m, s.startNs), t.startNs);
    this.add(`wait:${k}`, ROOT_SPAN_KEY, AGENT_RESOURCE, 'execute_tool wait_for_subagents', SPAN_KIND.internal, waitFrom, t.endNs, {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'wait_for_subagents',
      'gen_ai.tool.call.id': this.s.ids.get(`item:wait:${k}`),
      'gen_ai.tool.type': 'extension',
    });
  }
}

function draftTrace(s: TraceSubject): TraceBuilder {
  const b = new TraceBuilder(s);
  const { plan, layout } = s;
  const start = layout.startNs ?? 0;
  const finalStep = plan.steps[plan.steps.length - 1];
  const answer = layout.status === 'completed' && finalStep?.type === 'model' ? finalStep.text : null;
  const usage = usageAt(plan.steps, layout.steps) ?? ZERO_USAGE;
  const root = b.add(
    ROOT_SPAN_KEY,
    null,
    AGENT_RESOURCE,
    s.agent.name ? `invoke_agent ${s.agent.name}` : 'invoke_agent',
    SPAN_KIND.internal,
    start,
    layout.endNs,
    {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.provider.name': 'openai',
      'gen_ai.agent.name': s.agent.name ?? undefined,
      'gen_ai.agent.id': plan.rootHas.agentId ? s.agent.id : undefined,
      'gen_ai.conversation.id': plan.rootHas.conversationId ? s.sessionId : undefined,
      'gen_ai.request.model': s.model,
      ...usageAttributes(usage),
      'gen_ai.system_instructions': s.agent.instructions === null ? undefined : JSON.stringify([textPart(s.agent.instructions)]),
      'gen_ai.input.messages': messages('user', [textPart(plan.input)]),
      'gen_ai.output.messages': answer === null ? undefined : messages('assistant', [textPart(answer)]),
      'openai.agents.turn.id': plan.rootHas.turnId ? s.turnId : undefined,
      'openai.agents.turn.status': layout.status,
    },
  );
  if (s.previous) {
    root.links.push({
      traceId: s.previous.traceId,
      spanId: s.previous.spanId,
      flags: LOCAL_SAMPLED_FLAGS,
      attributes: attributes({ 'openai.agents.link.type': 'previous_turn' }),
    });
  }
  if (layout.status === 'failed' && plan.error) root.status = { code: STATUS_CODE.error, message: plan.error.message };
  if (layout.status === 'failed' && plan.error) root.attributes.push(...attributes({ 'error.type': plan.error.code }));
  if (layout.waiting) {
    const callId = s.ids.get(`call:${layout.waiting.stepIndex}`);
    b.event(root, 'openai.agents.turn.waiting', layout.waiting.fromNs, { 'gen_ai.tool.call.id': callId });
  }
  const flat = plan.steps.map((st) => (st.type === 'subagents' ? null : st)) as (ModelCallPlan | ToolCallPlan)[];
  // Consecutive model and tool steps are one sequence (a chat's tool calls are the tools after it).
  let run: TimedStep[] = [];
  const flush = (): void => {
    if (run.length > 0) b.sequence(flat, run, '', ROOT_SPAN_KEY, AGENT_RESOURCE, s.model, plan.input);
    run = [];
  };
  for (const t of layout.steps) {
    if (present(plan.steps[t.index], 'plan step').type === 'subagents') {
      flush();
      b.subagents(t);
    } else {
      run.push(t);
    }
  }
  flush();
  return b;
}

export interface TraceTruthSpan {
  spanId: string;
  parentSpanId: string | null;
  name: string;
  /** The published part that first lists it. */
  part: number;
  /** Whether it ever has an end. */
  ends: boolean;
}

export interface TraceModel {
  traceId: string;
  rootSpanId: string;
  shape: TraceShape;
  /** How many parts the publication has (1, or 2 for a trace published in two parts). */
  parts: number;
  spans: TraceTruthSpan[];
  /** Spans a reader must refuse (invalid ids); never among `spans`. */
  invalidSpans: number;
  render(parts: number): OtlpTraceRequest | Record<string, unknown>;
}

const PAD_CHUNK = 'pad0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const MAX_PAD_VALUE = 1 << 20;

let padSource = '';

/** Plain ASCII filler; slices of one flat string, so a 16 MiB trace costs no copying. */
function padding(length: number): string {
  if (padSource.length < length) {
    const repeated = PAD_CHUNK.repeat(Math.ceil(Math.max(length, MAX_PAD_VALUE) / PAD_CHUNK.length));
    // Flatten the rope once (a rope would be flattened again by every slice).
    padSource = Buffer.from(repeated, 'latin1').toString('latin1');
  }
  return padSource.slice(0, length);
}

/** The turn's trace: its spans, which part lists each, and how to render a published state. */
export function buildTrace(s: TraceSubject, pads: readonly number[] = []): TraceModel {
  const b = draftTrace(s);
  const { plan, layout } = s;
  const start = layout.startNs ?? 0;
  if (plan.publication.mode === 'two_parts') {
    // The first part holds the root span (not yet ended) and what had ended by mid-turn.
    const split = (start + layout.endNs) / 2;
    for (const d of b.drafts) {
      if (d.key === ROOT_SPAN_KEY) d.endPart = 2;
      else if (d.endNs > split) d.part = d.endPart = 2;
    }
  }
  if (plan.trace === 'no_end') {
    const tool = [...b.drafts].reverse().find((d) => d.span.name.startsWith('execute_tool'));
    if (tool) tool.endPart = Infinity;
  }
  if (plan.trace === 'many_spans') {
    const total = 10_000;
    b.drafts.splice(1);
    const step = Math.max(1, Math.floor((layout.endNs - start) / total));
    for (let i = 1; i < total; i++) {
      const at = start + i * step;
      const chat = i % 2 === 1;
      b.add(
        `many:${i}`,
        ROOT_SPAN_KEY,
        AGENT_RESOURCE,
        chat ? `chat ${s.model}` : 'execute_tool lookup',
        chat ? SPAN_KIND.client : SPAN_KIND.internal,
        at,
        Math.min(layout.endNs, at + step),
        {
          'gen_ai.operation.name': chat ? 'chat' : 'execute_tool',
          'gen_ai.tool.name': chat ? undefined : 'lookup',
        },
      );
    }
  }
  for (const [i, length] of pads.entries()) {
    const at = start + (i + 1) * 1000;
    b.add(`pad:${i}`, ROOT_SPAN_KEY, AGENT_RESOURCE, 'execute_tool read_file', SPAN_KIND.internal, at, at + 500, {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'read_file',
      'gen_ai.tool.type': 'extension',
      'gen_ai.tool.call.result': padding(length),
    });
  }
  const parts = plan.publication.mode === 'two_parts' ? 2 : 1;
  const invalid = plan.trace === 'invalid_ids' ? invalidSpans(b) : [];
  return {
    traceId: b.traceId,
    rootSpanId: b.id(ROOT_SPAN_KEY),
    shape: plan.trace,
    parts,
    spans: b.drafts.map((d) => ({
      spanId: d.span.spanId,
      parentSpanId: d.span.parentSpanId ?? null,
      name: d.span.name,
      part: d.part,
      ends: Number.isFinite(d.endPart),
    })),
    invalidSpans: invalid.length,
    render: (published) => {
      if (plan.trace === 'not_otlp') return notOtlp(b.traceId);
      const request = renderRequest(b.drafts, published, invalid);
      if (plan.trace === 'big_values') bigValues(request);
      if (plan.trace === 'unknown_fields') return unknownFields(request);
      return request;
    },
  };
}

function renderRequest(drafts: readonly SpanDraft[], published: number, invalid: readonly OtlpSpan[]): OtlpTraceRequest {
  const groups = new Map<string, OtlpSpan[]>();
  for (const d of drafts) {
    if (d.part > published) continue;
    // A copy: the hostile shapes edit what they render, never the drafts.
    const span: OtlpSpan = { ...d.span, attributes: [...d.span.attributes], events: [...d.span.events], links: [...d.span.links] };
    if (d.endPart > published) {
      delete span.endTimeUnixNano;
      span.status = { code: STATUS_CODE.unset };
    }
    const list = groups.get(d.group) ?? [];
    list.push(span);
    groups.set(d.group, list);
  }
  if (invalid.length > 0) groups.get(AGENT_RESOURCE)?.push(...invalid);
  const resourceSpans: OtlpResourceSpans[] = [];
  for (const [group, spans] of groups) {
    const resource: Record<string, AttrValue> = { 'service.name': 'openai-agents', 'service.version': '2026.10' };
    if (group !== AGENT_RESOURCE) resource['openai.agents.subagent.group'] = group;
    resourceSpans.push({ resource: { attributes: attributes(resource) }, scopeSpans: [{ scope: SCOPE, spans }] });
  }
  return { resourceSpans };
}

/** Three spans no reader may accept: a span id that is not hex, a short trace id, an all-zero span id. */
function invalidSpans(b: TraceBuilder): OtlpSpan[] {
  const root = present(b.drafts[0], 'root span').span;
  const base = (name: string): OtlpSpan => ({
    ...root,
    parentSpanId: root.spanId,
    name,
    attributes: attributes({ 'gen_ai.operation.name': 'execute_tool' }),
    events: [],
    links: [],
    status: { code: STATUS_CODE.unset },
  });
  return [
    { ...base('execute_tool corrupt_span_id'), spanId: 'zz-not-a-span-id' },
    { ...base('execute_tool corrupt_trace_id'), traceId: 'abc123', spanId: b.id('invalid:trace') },
    { ...base('execute_tool zero_span_id'), spanId: '0000000000000000' },
  ];
}

export const BIG_VALUE_LENGTH = 1_048_576;

/** A 1 MiB tool result and a 1 MiB event attribute. */
function bigValues(request: OtlpTraceRequest): void {
  const spans = request.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
  const tool = spans.find((sp) => sp.name.startsWith('execute_tool'));
  const at = tool ? tool.attributes.findIndex((kv) => kv.key === 'gen_ai.tool.call.result') : -1;
  if (tool && at >= 0) tool.attributes[at] = { key: 'gen_ai.tool.call.result', value: { stringValue: padding(BIG_VALUE_LENGTH) } };
  const root = spans[0];
  root?.events.push({
    timeUnixNano: root.startTimeUnixNano,
    name: 'openai.agents.context.snapshot',
    attributes: attributes({ 'openai.agents.context': padding(BIG_VALUE_LENGTH) }),
  });
}

/** Fields and AnyValue members a later OTLP version might add; the spec says readers ignore them. */
function unknownFields(request: OtlpTraceRequest): Record<string, unknown> {
  const spans = request.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
  const root = spans[0];
  if (root) {
    const extra: OtlpKeyValue[] = attributes({
      'openai.agents.checksum': { bytes: Uint8Array.from([0xde, 0xad, 0xbe, 0xef]) },
      'openai.agents.sampling.ratio': { double: 1 },
      'openai.agents.labels': { kv: { team: 'support', tier: 2 } },
    });
    root.attributes.push(...extra);
    (root.attributes as unknown[]).push({ key: 'openai.agents.future', value: { futureValue: { x: 1 } } });
  }
  return {
    resourceSpans: request.resourceSpans.map((rs) => ({
      ...rs,
      futureResourceField: { kept: false },
      schemaUrl: 'https://opentelemetry.io/schemas/1.37.0',
      scopeSpans: rs.scopeSpans.map((ss) => ({
        ...ss,
        futureScopeField: 1,
        spans: ss.spans.map((sp) => ({
          ...sp,
          futureSpanField: 'ignored',
          events: sp.events.map((e) => ({ ...e, futureEventField: true })),
          links: sp.links.map((l) => ({ ...l, futureLinkField: [] })),
        })),
      })),
    })),
    futureTopLevelField: 'ignored',
  };
}

/** JSON that is not an ExportTraceServiceRequest at all: wrong types everywhere. */
function notOtlp(traceId: string): Record<string, unknown> {
  return {
    resourceSpans: [
      { scopeSpans: [{ spans: [{ traceId: 42, spanId: true, name: ['chat'], startTimeUnixNano: 'yesterday', trace: traceId }] }] },
    ],
    format: 'zipkin-v2',
  };
}
