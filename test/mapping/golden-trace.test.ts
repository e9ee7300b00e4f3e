// The golden trace: one run of every kind (every run status, step type and tool type, Foundry's
// tools, a connected agent's link, content capture on and off) mapped as the bridge maps it,
// exported over OTLP/HTTP protobuf to the test receiver, and compared with the spans committed
// in test/fixtures/golden-trace.json, so a reviewer sees every span and attribute in one file.
// After a deliberate change to the trace, write the file again with UPDATE_GOLDEN=1 and review
// its diff.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/defaults.js';
import { freezeContext } from '../../src/sources/assistants/mapping/frozen-context.js';
import { mapRunTrace } from '../../src/sources/assistants/mapping/map-run.js';
import type { LinkedRunContext } from '../../src/sources/assistants/mapping/run-links.js';
import type { FrozenContext } from '../../src/sources/assistants/mapping/frozen-context.js';
import type { SpanRecord } from '../../src/core/span-record.js';
import { OtlpHttpExporter } from '../../src/sink/otlp-http-exporter.js';
import { assistantResource, BRIDGE_SCOPE } from '../../src/sink/resource.js';
import { parseRun, parseStep } from '../../src/sources/assistants/payloads.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver/index.js';

const INPUT = new URL('../fixtures/golden-runs.json', import.meta.url);
const GOLDEN = new URL('../fixtures/golden-trace.json', import.meta.url);

interface GoldenEntry {
  note: string;
  assistant: { name: string | null; description: string | null };
  captureContent?: boolean;
  seenExpiresAt?: number;
  provider?: string;
  baseURL?: string;
  run: unknown;
  steps: unknown[];
}

const KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS = ['UNSET', 'OK', 'ERROR'];

/** Nanoseconds since the epoch (a decimal string) as an ISO time; the bridge's are whole seconds. */
const iso = (nanos: string): string => new Date(Number(BigInt(nanos) / 1_000_000n)).toISOString().replace('.000Z', 'Z');

/** A received span as a reviewer reads it: names for kinds and statuses, ISO times. */
function readable(span: ReceivedSpan): Record<string, unknown> {
  return {
    name: span.name,
    kind: KINDS[span.kind],
    traceId: span.traceId,
    spanId: span.spanId,
    ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
    ...(span.traceState ? { traceState: span.traceState } : {}),
    start: iso(span.startTimeUnixNano),
    end: iso(span.endTimeUnixNano),
    status: span.status.message ? { code: STATUS[span.status.code], message: span.status.message } : STATUS[span.status.code],
    attributes: span.attributes,
    ...(span.events.length > 0
      ? {
          events: span.events.map((e) => ({
            name: e.name,
            time: iso(e.timeUnixNano),
            ...(Object.keys(e.attributes).length > 0 ? { attributes: e.attributes } : {}),
          })),
        }
      : {}),
    ...(span.links.length > 0
      ? {
          links: span.links.map((l) => ({
            traceId: l.traceId,
            spanId: l.spanId,
            ...(l.traceState ? { traceState: l.traceState } : {}),
            attributes: l.attributes,
          })),
        }
      : {}),
  };
}

function contextOf(entry: GoldenEntry, run: Parameters<typeof freezeContext>[0]): FrozenContext {
  const ctx = freezeContext(run, {
    agentName: entry.assistant.name,
    agentDescription: entry.assistant.description,
    captureContent: entry.captureContent ?? false,
    contentMaxLength: DEFAULTS.content.maxLength,
    providerName: entry.provider ?? 'openai',
    baseURL: entry.baseURL ?? 'https://api.openai.com/v1',
    nowSeconds: 1_760_000_060,
  });
  // What the bridge recorded while the run was pending, before it finished.
  return entry.seenExpiresAt === undefined ? ctx : { ...ctx, expiresAt: entry.seenExpiresAt };
}

/** Every entry's spans; connected agents' calls link as the bridge links them when it tracks the child run too. */
function mapEntries(entries: readonly GoldenEntry[]): { runId: string; note: string; spans: SpanRecord[] }[] {
  const parsed = entries.map((entry) => {
    const run = parseRun(entry.run);
    if (!run.ok) throw new Error(run.error);
    const steps = entry.steps.map((raw) => {
      const step = parseStep(raw);
      if (!step.ok) throw new Error(step.error);
      return step.value;
    });
    return { entry, run: run.value, steps, ctx: contextOf(entry, run.value) };
  });
  const linked = new Map<string, LinkedRunContext>(
    parsed.map((p) => [p.run.id, { traceparent: p.ctx.traceparent, tracestate: p.ctx.tracestate }]),
  );
  return parsed.map((p) => ({ runId: p.run.id, note: p.entry.note, spans: mapRunTrace(p.run, p.steps, p.ctx, DEFAULTS.limits, linked) }));
}

let rx: OtlpReceiver;
beforeAll(async () => {
  rx = await startOtlpReceiver();
});
afterAll(async () => {
  await rx.close();
});

describe('the golden trace', () => {
  it('is what the bridge exports for one run of every kind', async () => {
    const entries = (JSON.parse(readFileSync(INPUT, 'utf8')) as { runs: GoldenEntry[] }).runs;
    const mapped = mapEntries(entries);
    const resource = assistantResource(DEFAULTS.resource);
    const exporter = new OtlpHttpExporter({ ...DEFAULTS.traces, endpoint: rx.tracesUrl }, resource, BRIDGE_SCOPE);
    const traces: Record<string, unknown>[] = [];
    for (const { runId, note, spans } of mapped) {
      const before = rx.spans().length;
      expect(await exporter.export(spans)).toEqual({ kind: 'accepted', rejectedSpans: 0 });
      const received = rx.spans().slice(before);
      expect(received).toHaveLength(spans.length);
      traces.push({ run: runId, note, spans: received.map(readable) });
    }
    await exporter.shutdown();
    const first = rx.spans()[0]!;
    // The scope's version is the bridge's own, which a release changes; the trace does not depend on it.
    const actual = { resource: first.resource, scope: first.scope.name, traces };

    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, `${JSON.stringify(actual, null, 2)}\n`);
    const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as unknown;
    expect(actual).toEqual(golden);
  });

  it('links every connected-agent call to a run span it holds, in the trace that run joined', () => {
    const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as {
      traces: { spans: { name: string; traceId: string; spanId: string; links?: { traceId: string; spanId: string }[] }[] }[];
    };
    const spans = golden.traces.flatMap((t) => t.spans);
    const links = spans.flatMap((s) => s.links ?? []);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) {
      const target = spans.find((s) => s.traceId === link.traceId && s.spanId === link.spanId);
      expect(target?.name).toMatch(/^invoke_agent/);
    }
  });

  it('covers every run status, step status, step type and tool type', () => {
    const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as {
      traces: { spans: { name: string; attributes: Record<string, unknown> }[] }[];
    };
    const spans = golden.traces.flatMap((t) => t.spans);
    const values = (key: string) => new Set(spans.map((s) => s.attributes[key]).filter((v) => v !== undefined));
    expect(values('openai.run.status')).toEqual(new Set(['completed', 'failed', 'expired', 'cancelled', 'incomplete']));
    expect(values('openai.run_step.status')).toEqual(new Set(['completed', 'failed', 'expired', 'cancelled']));
    expect(values('openai.run_step.type')).toEqual(new Set(['tool_calls', 'message_creation', 'web_search']));
    const toolTypes = new Set([
      ...values('openai.tool_call.type'),
      ...spans
        .filter(
          (s) =>
            s.name === 'execute_tool get_order_status' ||
            s.name === 'execute_tool code_interpreter' ||
            s.name === 'execute_tool file_search',
        )
        .map((s) => s.name),
    ]);
    for (const type of [
      'bing_grounding',
      'bing_custom_search',
      'azure_ai_search',
      'openapi',
      'azure_function',
      'connected_agent',
      'mcp',
      'deep_research',
      'sharepoint_grounding',
      'fabric_dataagent',
      'browser_automation',
      'computer_use_preview',
      'x_vendor_lookup',
    ]) {
      expect(toolTypes, type).toContain(type);
    }
    for (const name of ['execute_tool get_order_status', 'execute_tool code_interpreter', 'execute_tool file_search'])
      expect(toolTypes, name).toContain(name);
    for (const key of [
      'gen_ai.agent.description',
      'gen_ai.request.temperature',
      'gen_ai.request.top_p',
      'gen_ai.request.max_tokens',
      'gen_ai.output.type',
      'gen_ai.response.finish_reasons',
      'gen_ai.retrieval.documents',
      'openai.code_interpreter.image_file_ids',
      'assistants_bridge.tool_call.unanswered',
      'assistants_bridge.end_unknown',
      'gen_ai.system_instructions',
      'gen_ai.tool.call.arguments',
      'gen_ai.tool.call.result',
    ]) {
      expect(
        spans.some((s) => key in s.attributes),
        key,
      ).toBe(true);
    }
  });
});
