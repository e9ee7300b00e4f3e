// The golden trace of the responses source: responses of every kind the simulator serves (every
// output item type, an unknown one, every end status, Foundry's agent reference and OpenAI's
// plain responses, chained and conversation turns, app traces, content capture on and off),
// saved as the API returned them in test/fixtures/golden-responses.json, mapped as the bridge
// maps them, and compared with the spans and metric observations committed in
// test/fixtures/golden-responses-trace.json, so a reviewer sees every span and attribute in one
// file. After a deliberate change, write it again with UPDATE_GOLDEN=1 and review its diff.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nanosToSeconds, type SpanRecord } from '../../../src/core/span-record.js';
import { DEFAULTS } from '../../../src/config/defaults.js';
import { freezeResponseContext, type ResponseContext } from '../../../src/sources/responses/context.js';
import type { LinkedResponseContext } from '../../../src/sources/responses/links.js';
import { mapResponseTrace } from '../../../src/sources/responses/map-response.js';
import { responseObservations } from '../../../src/sources/responses/metrics.js';
import { readResponse, type ResponsePayload } from '../../../src/sources/responses/payload.js';

const INPUT = new URL('../../fixtures/golden-responses.json', import.meta.url);
const GOLDEN = new URL('../../fixtures/golden-responses-trace.json', import.meta.url);

/** When the bridge first saw each response's unit (2026-05-28T20:00:00Z): what ended before 19:50 is history, the rest news. */
const FIRST_SEEN = 1_779_998_400;

interface GoldenEntry {
  note: string;
  dialect: 'azure-foundry' | 'openai';
  captureContent?: boolean;
  /** The `created_at` of the webhook event that reported the end of a background response. */
  reportedEndSeconds?: number;
  /** Items answering the response's calls: the input of the response that continued it. */
  answers?: unknown[];
  /** Previous responses the bridge could read (not tracked, no traceparent of their own). */
  linked?: string[];
  response: unknown;
}

const BASE_URLS = {
  'azure-foundry': 'https://contoso.services.ai.azure.com/api/projects/support/openai/v1',
  openai: 'https://api.openai.com/v1',
};
// As the api profiles name them.
const PROVIDERS = { 'azure-foundry': 'azure.ai.foundry', openai: 'openai' };
const KINDS = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS = ['UNSET', 'OK', 'ERROR'];

const iso = (nanos: string): string => new Date(nanosToSeconds(nanos) * 1000).toISOString().replace('.000Z', 'Z');

/** A span as a reviewer reads it: names for kinds and statuses, ISO times, the parent's kind said. */
function readable(span: SpanRecord): Record<string, unknown> {
  return {
    name: span.name,
    kind: KINDS[span.kind],
    traceId: span.traceId,
    spanId: span.spanId,
    parent: span.parent,
    ...(span.traceState ? { traceState: span.traceState } : {}),
    ...(span.traceFlags !== 1 ? { traceFlags: span.traceFlags } : {}),
    start: iso(span.start),
    end: iso(span.end),
    status: span.status.message ? { code: STATUS[span.status.code], message: span.status.message } : STATUS[span.status.code],
    attributes: span.attributes,
    ...(span.links ? { links: span.links } : {}),
    key: span.key,
    unit: span.unit,
    ...(span.history ? { history: true } : {}),
    ...(span.lagSample ? { lagSample: true } : {}),
  };
}

interface Prepared {
  entry: GoldenEntry;
  response: ResponsePayload;
  ctx: ResponseContext;
}

function prepare(entries: readonly GoldenEntry[]): Prepared[] {
  return entries.map((entry) => {
    const response = readResponse(entry.response);
    if (!response) throw new Error(`${entry.note}: not a response`);
    const ctx = freezeResponseContext(response, {
      captureContent: entry.captureContent ?? false,
      contentMaxLength: DEFAULTS.content.maxLength,
      providerName: PROVIDERS[entry.dialect],
      baseURL: BASE_URLS[entry.dialect],
      firstSeenSeconds: FIRST_SEEN,
      reportedEndSeconds: entry.reportedEndSeconds ?? null,
    });
    return { entry, response, ctx };
  });
}

/** The previous responses a link may point at: every tracked one as recorded, and those the entry says the bridge could read. */
function linkedOf(prepared: readonly Prepared[]): Map<string, LinkedResponseContext> {
  const linked = new Map<string, LinkedResponseContext>();
  for (const p of prepared) for (const id of p.entry.linked ?? []) linked.set(id, { traceparent: null, tracestate: null });
  for (const p of prepared) linked.set(p.response.id, { traceparent: p.ctx.traceparent, tracestate: p.ctx.tracestate });
  return linked;
}

function mapAll(entries: readonly GoldenEntry[]): Record<string, unknown>[] {
  const prepared = prepare(entries);
  const linked = linkedOf(prepared);
  return prepared.map(({ entry, response, ctx }) => ({
    response: response.id,
    note: entry.note,
    spans: mapResponseTrace({
      response,
      ctx,
      limits: DEFAULTS.limits,
      unit: response.agent?.name ?? response.id,
      answers: entry.answers ?? [],
      linked,
    }).map(readable),
    observations: responseObservations(response, ctx),
  }));
}

const entries = (JSON.parse(readFileSync(INPUT, 'utf8')) as { responses: GoldenEntry[] }).responses;

describe('the golden trace of responses', () => {
  it('is what the bridge maps for a response of every kind', () => {
    const actual = { traces: mapAll(entries) };
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, `${JSON.stringify(actual, null, 2)}\n`);
    expect(actual).toEqual(JSON.parse(readFileSync(GOLDEN, 'utf8')) as unknown);
  });

  it('covers every output item type the simulator serves, every end status and both dialects', () => {
    const types = new Set(entries.flatMap((e) => (e.response as { output: { type: string }[] }).output.map((i) => i.type)));
    for (const type of [
      'message',
      'reasoning',
      'function_call',
      'web_search_call',
      'file_search_call',
      'code_interpreter_call',
      'mcp_call',
      'mcp_list_tools',
      'mcp_approval_request',
      'computer_call',
      'image_generation_call',
      'custom_tool_call',
      'local_shell_call',
      'shell_call',
      'apply_patch_call',
      'holodeck_call',
    ])
      expect(types, type).toContain(type);
    expect(new Set(entries.map((e) => (e.response as { status: string }).status))).toEqual(
      new Set(['completed', 'failed', 'cancelled', 'incomplete']),
    );
    expect(new Set(entries.map((e) => e.dialect))).toEqual(new Set(['azure-foundry', 'openai']));
  });

  it('links each previous response it knows to a root span, one in the fixture where it can, and names the unknown item type', () => {
    const traces = mapAll(entries) as {
      spans: { name: string; spanId: string; traceId: string; links?: { traceId: string; spanId: string }[] }[];
    }[];
    const spans = traces.flatMap((t) => t.spans);
    const links = spans.flatMap((s) => s.links ?? []);
    expect(links.length).toBeGreaterThan(1);
    const held = links.filter((l) => spans.some((s) => s.traceId === l.traceId && s.spanId === l.spanId));
    // At least one link lands on a response in the fixture, in the app trace that response joined.
    expect(held.length).toBeGreaterThan(0);
    for (const l of held) expect(spans.find((s) => s.spanId === l.spanId)?.name).toMatch(/^(invoke_agent|chat)/);
    expect(spans.filter((s) => s.name === 'execute_tool holodeck')).toHaveLength(1);
  });
});
