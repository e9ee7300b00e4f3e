// `GET /agents/sessions/{id}/traces`: each root turn's published trace as OTLP/JSON, decoded with
// the strict receiver's rules; order and cursors; publication delay, two parts, never; the
// response cap; hostile traces.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentsTruth, AgentsTruthTurn, RunningSimulator } from '../../src/simulator/index.js';
import { firstTraceProblem } from '../support/otlp-receiver/validate.js';
import type { ReceivedSpan } from '../support/otlp-receiver/types.js';
import {
  advanceTo,
  agentsApi,
  agentsTruth,
  decodeOtlp,
  runTurn,
  sdk,
  settle,
  spansOfOtlp,
  startTurn,
  truthTurn,
} from './agents-helpers.js';
import { advance, control, startFrozen, type JsonResponse } from './helpers.js';

interface TraceEntry {
  id: string;
  object: string;
  created_at: number;
  session_id: string;
  otlp: Record<string, unknown>;
}

const CAP = 1 << 20;

const tracesPage = async (sim: RunningSimulator, sessionId: string, query: string): Promise<JsonResponse & { entries: TraceEntry[] }> => {
  const res = await agentsApi(sim, `/agents/sessions/${sessionId}/traces?${query}`);
  return { ...res, entries: (res.json.data ?? []) as unknown as TraceEntry[] };
};

const rootsOf = (truth: AgentsTruth, sessionId: string): AgentsTruthTurn[] =>
  truth.turns.filter((t) => t.sessionId === sessionId && t.subagentId === null);

/** The trace listed first after `after` (the previous root turn), alone on its page. */
async function traceAfter(
  sim: RunningSimulator,
  sessionId: string,
  after: string | null,
): Promise<JsonResponse & { entries: TraceEntry[] }> {
  return tracesPage(sim, sessionId, `order=asc&limit=1${after ? `&after=${after}` : ''}`);
}

describe('published traces in a settled world', () => {
  let sim: RunningSimulator;
  let truth: AgentsTruth;

  beforeAll(async () => {
    sim = await startFrozen({
      seed: 21,
      agents: { sessions: 4, backfillTurns: 14, liveSessions: 1, liveTurns: 2, traceResponseCapBytes: CAP },
    });
    truth = await settle(sim);
  });
  afterAll(() => sim.shutdown());

  it('each root turn lists its published trace with exactly the truth spans, decoded by the strict OTLP/JSON rules', async () => {
    let checked = 0;
    for (const session of truth.sessions.filter((s) => s.deletedAt === null)) {
      let previous: string | null = null;
      for (const root of rootsOf(truth, session.id)) {
        const trace = root.trace!;
        const page = await traceAfter(sim, session.id, previous);
        previous = root.turnId;
        if (trace.publishAt === null || trace.tooLarge === 'alone') continue;
        expect(page.status).toBe(200);
        const [entry] = page.entries;
        expect(entry).toMatchObject({
          id: root.turnId,
          object: 'agent.session.trace',
          session_id: session.id,
          created_at: root.turn.created_at,
        });
        const spans = spansOfOtlp(entry!.otlp);
        expect(spans.map((s) => [s.spanId, s.parentSpanId || null, s.name]).sort()).toEqual(
          trace.spans.map((s) => [s.spanId, s.parentSpanId, s.name]).sort(),
        );
        expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([trace.traceId]));
        expect(spans.filter((s) => s.parentSpanId === '').map((s) => s.spanId)).toEqual([trace.rootSpanId]);
        const problem = firstTraceProblem(decodeOtlp(entry!.otlp));
        if (trace.shape === 'no_end') expect(problem).toMatch(/endTimeUnixNano 0 is before/);
        else expect(problem).toBeNull();
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });

  it('a failed turn publishes an error root span with error.type; a cancelled one says so without an error', async () => {
    for (const [kind, code] of [
      ['failed', 2],
      ['cancelled', 0],
    ] as const) {
      const root = truth.turns.find(
        (t) => t.kind === kind && t.trace!.publishAt !== null && truth.sessions.find((s) => s.id === t.sessionId)!.deletedAt === null,
      )!;
      const roots = rootsOf(truth, root.sessionId);
      const page = await traceAfter(sim, root.sessionId, roots[roots.indexOf(root) - 1]?.turnId ?? null);
      const top = spansOfOtlp(page.entries[0]!.otlp).find((s) => s.parentSpanId === '')!;
      expect(top.status.code).toBe(code);
      expect(top.attributes['openai.agents.turn.status']).toBe(kind);
      if (kind === 'failed') {
        expect(top.attributes['error.type']).toBe((root.turn.error as { code: string }).code);
        expect(
          spansOfOtlp(page.entries[0]!.otlp)
            .flatMap((s) => s.events)
            .map((e) => e.name),
        ).toContain('exception');
      }
    }
  });
});

describe('traces of scripted turns', () => {
  let sim: RunningSimulator;

  beforeAll(async () => {
    sim = await startFrozen({ seed: 26, agents: { sessions: 1, backfillTurns: 0, liveSessions: 0, liveTurns: 0 } });
  });
  afterAll(() => sim.shutdown());

  it('a turn with a subagent publishes a realistic GenAI trace: root, model calls, tool calls with content, the subagent, events, a link', async () => {
    const previous = await runTurn(sim, { kind: 'message', publishDelaySeconds: 0 });
    await runTurn(sim, { sessionId: previous.sessionId, kind: 'subagent', publishDelaySeconds: 0 });
    const truth = await agentsTruth(sim);
    const root = rootsOf(truth, previous.sessionId)[1]!;
    await advanceTo(sim, root.trace!.completeAt!);
    const page = await traceAfter(sim, root.sessionId, previous.turnId);
    const raw = page.entries[0]!.otlp as { resourceSpans: { resource: unknown; scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
    // The encoding itself: hex ids, decimal-string nanoseconds, integer enums, int64 attributes as strings.
    const rawSpans = raw.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
    for (const span of rawSpans) {
      expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(span.startTimeUnixNano).toMatch(/^\d{19}$/);
      expect(span.endTimeUnixNano).toMatch(/^\d{19}$/);
      expect([1, 3]).toContain(span.kind);
      expect(typeof (span.status as { code: unknown }).code).toBe('number');
    }
    expect(JSON.stringify(raw)).toMatch(/"intValue":"\d+"/);
    expect(raw.resourceSpans.length).toBeGreaterThanOrEqual(2);

    const spans = spansOfOtlp(raw);
    const byName = (prefix: string): ReceivedSpan[] => spans.filter((s) => s.name.startsWith(prefix));
    const top = spans.find((s) => s.parentSpanId === '')!;
    const session = truth.sessions.find((s) => s.id === root.sessionId)!;
    expect(top).toMatchObject({ name: session.agentName ? `invoke_agent ${session.agentName}` : 'invoke_agent', kind: 1 });
    expect(top.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.provider.name': 'openai',
      'openai.agents.turn.status': 'completed',
    });
    expect(top.attributeTypes['gen_ai.usage.input_tokens']).toBe('int');
    expect(top.links).toEqual([
      expect.objectContaining({
        traceId: previous.trace!.traceId,
        spanId: previous.trace!.rootSpanId,
        attributes: { 'openai.agents.link.type': 'previous_turn' },
      }),
    ]);

    const chats = byName('chat ');
    expect(chats.length).toBeGreaterThanOrEqual(2);
    for (const chat of chats) {
      expect(chat.kind).toBe(3);
      expect(chat.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': expect.any(String),
      });
      expect(chat.attributeTypes).toMatchObject({
        'gen_ai.usage.output_tokens': 'int',
        'gen_ai.response.finish_reasons': 'array',
        'gen_ai.input.messages': 'string',
      });
    }
    const details = spans.flatMap((s) => s.events).find((e) => e.name === 'gen_ai.client.inference.operation.details')!;
    expect(details.attributes['gen_ai.output.messages']).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: expect.any(String) }], finish_reason: 'stop' },
    ]);

    const tools = byName('execute_tool ').filter((s) => s.attributes['gen_ai.tool.call.arguments'] !== undefined);
    expect(tools.length).toBeGreaterThanOrEqual(2);
    for (const tool of tools)
      expect(tool.attributes).toMatchObject({
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': expect.any(String),
        'gen_ai.tool.call.id': expect.any(String),
      });

    const subTurn = truth.turns.find((t) => t.rootTurnId === root.turnId && t.subagentId !== null)!;
    const sub = spans.find((s) => s.attributes['gen_ai.agent.id'] === subTurn.subagentId && s.name.startsWith('invoke_agent'))!;
    expect(sub).toMatchObject({
      parentSpanId: top.spanId,
      attributes: expect.objectContaining({ 'openai.agents.turn.id': subTurn.turnId }),
    });
    expect(sub.resource).not.toEqual(top.resource);
    expect(spans.filter((s) => s.parentSpanId === sub.spanId).length).toBeGreaterThanOrEqual(2);

    // Times: within the turn's seconds, children inside their parents, sub-second precision.
    const start = BigInt(root.turn.created_at as number) * 1_000_000_000n;
    const end = BigInt((root.turn.completed_at as number) + 1) * 1_000_000_000n;
    const bySpanId = new Map(spans.map((s) => [s.spanId, s]));
    for (const s of spans) {
      expect(BigInt(s.startTimeUnixNano) >= start && BigInt(s.endTimeUnixNano) <= end).toBe(true);
      const parent = bySpanId.get(s.parentSpanId);
      if (parent)
        expect(
          BigInt(s.startTimeUnixNano) >= BigInt(parent.startTimeUnixNano) && BigInt(s.endTimeUnixNano) <= BigInt(parent.endTimeUnixNano),
        ).toBe(true);
    }
    expect(spans.filter((s) => !s.startTimeUnixNano.endsWith('000000')).length).toBeGreaterThan(spans.length / 2);
  });

  it('lists newest first by default, ascending on request, skipping what is not published; an unpublished turn is a valid cursor', async () => {
    const first = await runTurn(sim, { kind: 'tools', publishDelaySeconds: 0 });
    for (const kind of ['never_published', 'message', 'failed', 'never_published', 'subagent'])
      await runTurn(sim, { sessionId: first.sessionId, kind, publishDelaySeconds: 0 });
    await advance(sim, 5);
    const truth = await agentsTruth(sim);
    const session = { id: first.sessionId };
    const roots = rootsOf(truth, session.id);
    expect(roots).toHaveLength(6);
    const published = roots.filter((t) => t.trace!.publishAt !== null).map((t) => t.turnId);
    const client = sdk(sim);
    const asc: string[] = [];
    for await (const t of client.beta.agents.sessions.traces.list(session.id, { order: 'asc', limit: 1 })) asc.push(t.id);
    expect(asc).toEqual(published);
    const desc = await tracesPage(sim, session.id, '');
    expect(desc.entries.map((e) => e.id)).toEqual([...published].reverse());
    expect(desc.json).toMatchObject({ first_id: published.at(-1), last_id: published[0], has_more: false });
    const unpublished = roots.find((t) => t.trace!.publishAt === null)!;
    const after = await tracesPage(sim, session.id, `order=asc&after=${unpublished.turnId}`);
    expect(after.entries.map((e) => e.id)).toEqual(
      roots
        .slice(roots.indexOf(unpublished) + 1)
        .filter((t) => t.trace!.publishAt !== null)
        .map((t) => t.turnId),
    );
  });
});

describe('publication over time', () => {
  let sim: RunningSimulator;

  beforeAll(async () => {
    sim = await startFrozen({ seed: 22, agents: { sessions: 1, backfillTurns: 0, liveSessions: 0, liveTurns: 0 } });
  });
  afterAll(() => sim.shutdown());

  it('lists a trace only once its publication delay has passed after the turn ended', async () => {
    const turn = await runTurn(sim, { kind: 'tools', publishDelaySeconds: 40 });
    const completed = turn.turn.completed_at as number;
    const publishAt = turn.trace!.publishAt!;
    // 40 s after the end, which lies within the second completed_at names.
    expect(publishAt - completed).toBeGreaterThanOrEqual(40);
    expect(publishAt - completed).toBeLessThanOrEqual(41);
    await advanceTo(sim, publishAt - 1);
    expect((await tracesPage(sim, turn.sessionId, '')).entries).toEqual([]);
    await advance(sim, 1);
    expect((await tracesPage(sim, turn.sessionId, '')).entries.map((e) => e.id)).toEqual([turn.turnId]);
  });

  it('a trace published in two parts: the first holds the root span without an end and fewer spans; read again later it holds them all', async () => {
    const turn = await runTurn(sim, { kind: 'two_parts', publishDelaySeconds: 5 });
    const trace = turn.trace!;
    expect(trace.parts).toBe(2);
    await advanceTo(sim, trace.publishAt!);
    const early = spansOfOtlp((await tracesPage(sim, turn.sessionId, '')).entries[0]!.otlp);
    const earlyRoot = early.find((s) => s.spanId === trace.rootSpanId)!;
    expect(earlyRoot.endTimeUnixNano).toBe('0');
    expect(early.map((s) => s.spanId).sort()).toEqual(
      trace.spans
        .filter((s) => s.part === 1)
        .map((s) => s.spanId)
        .sort(),
    );
    expect(early.length).toBeLessThan(trace.spans.length);

    await advanceTo(sim, trace.completeAt! - 1);
    expect(spansOfOtlp((await tracesPage(sim, turn.sessionId, '')).entries[0]!.otlp)).toHaveLength(early.length);
    await advance(sim, 1);
    const late = spansOfOtlp((await tracesPage(sim, turn.sessionId, '')).entries[0]!.otlp);
    expect(late.map((s) => s.spanId).sort()).toEqual(trace.spans.map((s) => s.spanId).sort());
    expect(BigInt(late.find((s) => s.spanId === trace.rootSpanId)!.endTimeUnixNano)).toBeGreaterThan(BigInt(earlyRoot.startTimeUnixNano));
    // Spans of the first part come back unchanged.
    const strip = ({ receivedAt: _r, requestId: _q, ...rest }: ReceivedSpan) => rest;
    for (const span of early.filter((s) => s.spanId !== trace.rootSpanId))
      expect(strip(late.find((s) => s.spanId === span.spanId)!)).toEqual(strip(span));
  });

  it('a trace that never appears: the turn ends, nothing is ever listed', async () => {
    const turn = await runTurn(sim, { kind: 'never_published', publishDelaySeconds: 0 });
    expect(turn.turn).toMatchObject({ status: 'failed', error: { code: 'server_error' } });
    expect(turn.trace!.publishAt).toBeNull();
    await advance(sim, 3600);
    const listed = await sdk(sim).beta.agents.sessions.traces.list(turn.sessionId, { limit: 100 });
    expect(listed.data.map((t) => t.id)).not.toContain(turn.turnId);
    expect((await control(sim, `/agents/traces/${turn.turnId}`)).status).toBe(404);
  });

  it('a session deleted while its turn waits abandons the trace; a turn cancelled before it started publishes none', async () => {
    const waiting = await startTurn(sim, { kind: 'waiting', autoAnswer: false, publishDelaySeconds: 0 });
    let status = '';
    for (let i = 0; i < 30 && status !== 'waiting'; i++) {
      await advance(sim, 1);
      status = (await agentsApi(sim, `/agents/sessions/${waiting.session_id}/turns/${waiting.turn_id}`)).json.status as string;
    }
    expect(status).toBe('waiting');
    expect((await agentsApi(sim, `/agents/sessions/${waiting.session_id}`, { method: 'DELETE' })).status).toBe(200);
    expect(truthTurn(await agentsTruth(sim), waiting.turn_id)).toMatchObject({
      finished: true,
      turn: { status: 'cancelled' },
      trace: { publishAt: null },
    });

    const queued = await startTurn(sim, { kind: 'message', publishDelaySeconds: 0 });
    await sdk(sim).beta.agents.sessions.events.create(queued.session_id, { events: [{ type: 'agent.session.input.cancel' }] });
    await advance(sim, 600);
    expect(truthTurn(await agentsTruth(sim), queued.turn_id)).toMatchObject({
      turn: { status: 'cancelled', started_at: null },
      trace: { publishAt: null },
    });
    expect((await tracesPage(sim, queued.session_id, '')).entries).toEqual([]);
  });
});

describe('the response cap', () => {
  let sim: RunningSimulator;
  let session: string;
  let turns: AgentsTruthTurn[];

  beforeAll(async () => {
    sim = await startFrozen({
      seed: 23,
      agents: { sessions: 1, backfillTurns: 0, liveSessions: 0, liveTurns: 0, traceResponseCapBytes: CAP },
    });
    const first = await runTurn(sim, { kind: 'message', publishDelaySeconds: 0 });
    session = first.sessionId;
    turns = [first];
    for (const kind of ['too_large_with_others', 'message', 'too_large_alone', 'message'])
      turns.push(await runTurn(sim, { sessionId: session, kind, publishDelaySeconds: 0 }));
    await advance(sim, 5);
    turns = rootsOf(await agentsTruth(sim), session);
  });
  afterAll(() => sim.shutdown());

  it('a page over the cap is refused (400, or 413 when set) in the OpenAI error shape; a smaller limit gets through', async () => {
    const [m1, big, m2, huge, m3] = turns;
    expect(big!.trace).toMatchObject({ tooLarge: 'with_others', bytes: CAP - 1024 });
    expect(huge!.trace).toMatchObject({ tooLarge: 'alone', bytes: CAP + 65_536 });

    const all = await tracesPage(sim, session, 'order=asc');
    expect(all.status).toBe(400);
    expect(all.json).toEqual({
      error: {
        message: expect.stringContaining('Request fewer traces'),
        type: 'invalid_request_error',
        param: 'limit',
        code: 'response_too_large',
      },
    });
    expect((await tracesPage(sim, session, 'order=asc&limit=2')).status).toBe(400);
    expect((await tracesPage(sim, session, 'order=asc&limit=1')).entries.map((e) => e.id)).toEqual([m1!.turnId]);
    const alone = await tracesPage(sim, session, `order=asc&limit=1&after=${m1!.turnId}`);
    expect(alone.status).toBe(200);
    expect(Buffer.byteLength(JSON.stringify(alone.entries[0]))).toBe(CAP - 1024);
    expect(spansOfOtlp(alone.entries[0]!.otlp).length).toBe(big!.trace!.spans.length);
    expect((await tracesPage(sim, session, `order=asc&limit=2&after=${big!.turnId}`)).status).toBe(400);
    expect((await tracesPage(sim, session, `order=asc&limit=1&after=${big!.turnId}`)).entries.map((e) => e.id)).toEqual([m2!.turnId]);
    // Too large even alone: refused at limit 1; the next one is reachable past it.
    expect((await tracesPage(sim, session, `order=asc&limit=1&after=${m2!.turnId}`)).status).toBe(400);
    await expect(sdk(sim).beta.agents.sessions.traces.list(session, { order: 'asc', limit: 1, after: m2!.turnId })).rejects.toBeInstanceOf(
      OpenAI.BadRequestError,
    );
    expect((await tracesPage(sim, session, `order=asc&limit=1&after=${huge!.turnId}`)).entries.map((e) => e.id)).toEqual([m3!.turnId]);

    await control(sim, '/agents/behaviour', { oversizeStatus: 413 });
    expect((await tracesPage(sim, session, 'order=asc&limit=2')).status).toBe(413);
    await control(sim, '/agents/behaviour', {});
  });

  it('at the documented 16 MiB cap by default', async () => {
    const big = await startFrozen({ seed: 24, agents: { sessions: 1, backfillTurns: 0, liveSessions: 0, liveTurns: 0 } });
    try {
      const first = await runTurn(big, { kind: 'message', publishDelaySeconds: 0 });
      const large = await runTurn(big, { sessionId: first.sessionId, kind: 'too_large_with_others', publishDelaySeconds: 0 });
      await advance(big, 1);
      expect(large.trace!.bytes).toBe(16 * 1024 * 1024 - 1024);
      expect((await agentsApi(big, `/agents/sessions/${first.sessionId}/traces?order=asc`)).status).toBe(400);
      const res = await fetch(`${big.url}/agents/sessions/${first.sessionId}/traces?order=asc&limit=1&after=${first.turnId}`, {
        headers: { authorization: `Bearer ${big.apiKey}`, 'openai-beta': 'agents=v1' },
      });
      expect(res.status).toBe(200);
      const text = await res.text();
      const entry = (JSON.parse(text) as { data: unknown[] }).data[0];
      expect(Buffer.byteLength(JSON.stringify(entry))).toBe(16 * 1024 * 1024 - 1024);
    } finally {
      await big.shutdown();
    }
  });
});

describe('hostile traces', () => {
  let sim: RunningSimulator;

  beforeAll(async () => {
    sim = await startFrozen({ seed: 25, agents: { sessions: 1, backfillTurns: 0, liveSessions: 0, liveTurns: 0, hostileTraces: true } });
  });
  afterAll(() => sim.shutdown());

  const published = async (kind: string): Promise<{ turn: AgentsTruthTurn; entry: TraceEntry }> => {
    const turn = await runTurn(sim, { kind, publishDelaySeconds: 0 });
    await advanceTo(sim, turn.trace!.completeAt!);
    const page = await tracesPage(sim, turn.sessionId, '');
    expect(page.status).toBe(200);
    return { turn, entry: page.entries[0]! };
  };

  it('invalid ids: a strict reader refuses the trace; the truth lists its valid spans and counts three invalid ones', async () => {
    const { turn, entry } = await published('invalid_ids');
    expect(() => decodeOtlp(entry.otlp)).toThrow(/hex/);
    expect(turn.trace!.invalidSpans).toBe(3);
    const ids = JSON.stringify(entry.otlp)
      .match(/"spanId":"[^"]*"/g)!
      .map((m) => m.slice(10, -1));
    expect(ids).toEqual(expect.arrayContaining(turn.trace!.spans.map((s) => s.spanId)));
    expect(ids).toEqual(expect.arrayContaining(['zz-not-a-span-id', '0000000000000000']));
  });

  it('1 MiB attribute values, on a span and on an event', async () => {
    const { entry } = await published('big_values');
    const spans = spansOfOtlp(entry.otlp);
    expect(spans.some((s) => Object.values(s.attributes).some((v) => typeof v === 'string' && v.length === 1_048_576))).toBe(true);
    expect(
      spans.some((s) => s.events.some((e) => Object.values(e.attributes).some((v) => typeof v === 'string' && v.length === 1_048_576))),
    ).toBe(true);
    expect(firstTraceProblem(decodeOtlp(entry.otlp))).toBeNull();
  });

  it('unknown fields are ignored by a reader that follows the spec; an unknown AnyValue member reads as no value', async () => {
    const { turn, entry } = await published('unknown_fields');
    expect(entry.otlp.futureTopLevelField).toBe('ignored');
    const spans = spansOfOtlp(entry.otlp);
    expect(spans.map((s) => s.spanId).sort()).toEqual(turn.trace!.spans.map((s) => s.spanId).sort());
    const root = spans.find((s) => s.parentSpanId === '')!;
    expect(root.attributeTypes).toMatchObject({
      'openai.agents.checksum': 'bytes',
      'openai.agents.sampling.ratio': 'double',
      'openai.agents.labels': 'kvlist',
      'openai.agents.future': 'empty',
    });
    expect(firstTraceProblem(decodeOtlp(entry.otlp))).toMatch(/openai\.agents\.future" has no value/);
  });

  it('JSON that is not OTLP at all', async () => {
    const { entry } = await published('not_otlp');
    expect(() => decodeOtlp(entry.otlp)).toThrow();
  });

  // Last: decoding 10,000 spans blocks the event loop for seconds, long enough for the server to
  // drop a kept-alive connection the next request would reuse.
  it('a trace of 10,000 spans under one root', async () => {
    const { turn, entry } = await published('many_spans');
    const spans = spansOfOtlp(entry.otlp);
    expect(spans).toHaveLength(10_000);
    expect(turn.trace!.spans).toHaveLength(10_000);
    expect(spans.filter((s) => s.parentSpanId === '')).toHaveLength(1);
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(10_000);
  });
});
