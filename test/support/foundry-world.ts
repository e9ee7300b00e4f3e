// A Foundry project's world for end-to-end tests of `watch --foundry-agent`: the simulator in the
// azure-foundry dialect, the bridge's arguments and environment, and the traces the API's truth
// says must arrive (each finished response of a followed agent since the start point, exactly once).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { startSimulator, type FaultConfig, type ResponsesTruth, type RunningSimulator } from '../../src/simulator/index.js';
import { responseSpanId, traceIdForResponse } from '../../src/sources/responses/ids.js';
import { isToolCallType } from '../../src/sources/responses/tool-items.js';
import type { OtlpReceiver } from './otlp-receiver/index.js';
import type { ReceivedSpan } from './otlp-receiver/types.js';

export const FOLLOWED = ['support-triage', 'research-scout'];

export async function responsesTruth(s: RunningSimulator): Promise<ResponsesTruth> {
  return (await (await fetch(`${s.origin}/_sim/responses/truth`)).json()) as ResponsesTruth;
}

export async function foundry(seed: number, live: number, faults?: FaultConfig): Promise<RunningSimulator> {
  return startSimulator({
    dialect: 'azure-foundry',
    seed,
    clock: { speed: 1 },
    world: { threads: 1, backfillRuns: 0, liveRuns: 0 },
    responses: { world: { backfillResponses: 36, liveResponses: live, liveWindowSeconds: 8 } },
    ...(faults ? { faults } : {}),
  });
}

export const stateFile = (): string => join(mkdtempSync(join(tmpdir(), 'aob-foundry-')), 'state.sqlite');

export function foundryEnv(s: RunningSimulator, receiver: OtlpReceiver): Record<string, string> {
  return { AZURE_AI_PROJECT_ENDPOINT: s.url, ASSISTANTS_OTEL_BRIDGE_API_TOKEN: s.apiKey, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url };
}

export function watchArgs(state: string, since: number, extra: string[] = []): string[] {
  return [
    'watch',
    '--provider',
    'azure-foundry',
    '--auth',
    'bearer-env',
    ...FOLLOWED.flatMap((a) => ['--foundry-agent', a]),
    '--since',
    String(since),
    '--state',
    state,
    '--listen',
    'off',
    '--log-format',
    'json',
    '--active-interval',
    '200',
    '--rpm',
    '3000',
    ...extra,
  ];
}

/** A start point between the backfilled responses, so some are before it and not traced. */
export function sinceWithin(truth: ResponsesTruth): number {
  const times = truth.responses.map((r) => r.createdAt).sort((a, b) => a - b);
  return times[Math.floor(times.length / 3)]!;
}

export interface ExpectedTrace {
  responseId: string;
  traceId: string;
  rootSpanId: string;
  /** '' unless the response joined an app's trace (metadata.traceparent). */
  parentSpanId: string;
  name: string;
  start: string;
  end: string;
  tools: number;
}

/** A trace's root as the API describes it, its tool spans aside. */
export type ExpectedRoot = Omit<ExpectedTrace, 'tools'>;

export const nanos = (seconds: number): string => `${seconds}000000000`;

/** What the API says of each finished response of the followed agents created since `since`. */
export function expectedTraces(truth: ResponsesTruth, since: number, agents: readonly string[] = FOLLOWED): ExpectedTrace[] {
  return truth.responses
    .filter((r) => r.agent !== null && agents.includes(r.agent.name) && r.createdAt >= since && r.finished && !r.deleted)
    .map((r) => {
      const body = r.response as { created_at: number; completed_at?: number | null; metadata?: Record<string, string>; output: unknown[] };
      const app = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/.exec(body.metadata?.traceparent ?? '');
      const tools = body.output.filter((i) => {
        const type = (i as { type?: unknown }).type;
        return typeof type === 'string' && isToolCallType(type);
      }).length;
      return {
        responseId: r.id,
        traceId: app?.[1] ?? traceIdForResponse(r.id),
        rootSpanId: responseSpanId(r.id),
        parentSpanId: app?.[2] ?? '',
        name: `invoke_agent ${r.agent!.name}`,
        start: nanos(body.created_at),
        // Without completed_at (failed, incomplete) the API says nothing of the end: the span ends where it starts.
        end: nanos(body.completed_at ?? body.created_at),
        tools,
      };
    });
}

export const spanKey = (s: { traceId: string; spanId: string }): string => `${s.traceId}/${s.spanId}`;

/** No span twice, and each expected trace's root (as `roots` picks them) once, exactly as the API describes it, and no other root. */
export function expectExactRoots(spans: readonly ReceivedSpan[], expected: readonly ExpectedRoot[], roots: readonly ReceivedSpan[]): void {
  const keys = spans.map(spanKey);
  expect(new Set(keys).size, 'a span arrived twice').toBe(keys.length);
  expect(roots.map((s) => s.attributes['gen_ai.response.id']).sort()).toEqual(expected.map((e) => e.responseId).sort());
  for (const e of expected) {
    const root = roots.find((s) => s.spanId === e.rootSpanId);
    expect(root, e.responseId).toBeDefined();
    expect([root!.traceId, root!.parentSpanId, root!.name, root!.startTimeUnixNano, root!.endTimeUnixNano]).toEqual([
      e.traceId,
      e.parentSpanId,
      e.name,
      e.start,
      e.end,
    ]);
  }
}

/** Each expected trace once, exactly as the API describes it, and nothing else. */
export function expectExactTraces(spans: readonly ReceivedSpan[], expected: readonly ExpectedTrace[]): void {
  expectExactRoots(
    spans,
    expected,
    spans.filter((s) => s.name.startsWith('invoke_agent ')),
  );
  for (const e of expected) {
    const children = spans.filter((s) => s.traceId === e.traceId && s.parentSpanId === e.rootSpanId);
    expect(children.length, `tool spans of ${e.responseId}`).toBe(e.tools);
    for (const c of children) {
      expect(c.name).toMatch(/^execute_tool /);
      expect([c.startTimeUnixNano, c.endTimeUnixNano]).toEqual([e.start, e.end]);
    }
  }
  expect(spans.length).toBe(expected.reduce((n, e) => n + 1 + e.tools, 0));
}
