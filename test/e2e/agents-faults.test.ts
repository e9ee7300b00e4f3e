// `watch --agent-session` as a real process under faults, over real transport (OTLP/HTTP protobuf
// and JSON): a collector outage (spans committed while it is down arrive once after it returns),
// 429 storms from the Agents API (nothing lost, the bridge keeps going and exits when idle), and
// hostile published traces (invalid ids, 1 MiB values, unknown fields, spans with no end, 10,000
// spans, JSON that is not OTLP): the known parts arrive exact, the rest is counted and logged,
// and the bridge exits 0 when idle.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentsTruthTurn, RunningSimulator } from '../../src/simulator/index.js';
import { BIG_VALUE_LENGTH } from '../../src/simulator/agents/traces.js';
import { syntheticTraceId } from '../../src/sources/agents/keys.js';
import {
  agentsTruth,
  expectExactlyOnce,
  finishedWorld,
  readable,
  roots,
  spanKey,
  TRACE_WAIT_SECONDS,
  watchArgs,
} from '../support/agents-world.js';
import { exitWithin, sleep } from '../support/bridge-process.js';
import { startCli, waitFor, type CliProcess, type CliResult } from '../support/cli.js';
import { listenAddressOf, scrape, total } from '../support/metrics-scrape.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';

type Protocol = 'http/protobuf' | 'http/json';
const protocols: Protocol[] = ['http/protobuf', 'http/json'];

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
const bridges: CliProcess[] = [];

afterEach(async () => {
  for (const b of bridges.splice(0)) b.child.kill('SIGKILL');
  await sim?.shutdown();
  await rx?.close();
  sim = rx = undefined;
});

const stateFile = (): string => join(mkdtempSync(join(tmpdir(), 'aob-agents-faults-')), 'state.sqlite');

function start(s: RunningSimulator, r: OtlpReceiver, protocol: Protocol, args: string[]): CliProcess {
  const proc = startCli(args, {
    OPENAI_API_KEY: s.apiKey,
    OPENAI_BASE_URL: s.url,
    OTEL_EXPORTER_OTLP_ENDPOINT: r.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
  });
  bridges.push(proc);
  return proc;
}

/** The bridge's JSON log lines. */
function logLines(result: CliResult): { msg: string; level: number; [key: string]: unknown }[] {
  return result.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string; level: number });
}

/** Starts a root turn of `kind` on the session through the simulator's control route; its trace is listed a second after it ends. */
async function startTurn(s: RunningSimulator, sessionId: string, kind: string): Promise<string> {
  const response = await fetch(`${s.origin}/_sim/agents/turns`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sessionId, kind, publishDelaySeconds: 1 }),
  });
  const body = (await response.json()) as { turn_id?: string };
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body.turn_id!;
}

describe.each(protocols)('agents source faults over %s', (protocol) => {
  it('a collector outage: spans committed while it is down arrive once after it returns, and --exit-when-idle waits for them', async () => {
    const world = await finishedWorld(31);
    sim = world.sim;
    rx = await startOtlpReceiver();
    const s = sim;
    const r = rx;
    const proc = start(s, r, protocol, watchArgs(world.sessions, stateFile(), ['--exit-when-idle', '--listen', '127.0.0.1:0']));
    const address = await listenAddressOf(proc);
    await waitFor(() => r.spans().length > 0, 'the first spans');

    await r.down();
    const receivedBeforeOutage = r.spans().length;
    // New root turns on every session while the collector is down; each publishes its trace a second after it ends.
    const started = await Promise.all(world.sessions.map((id, i) => startTurn(s, id, i % 2 === 0 ? 'tools' : 'message')));
    const newTurns = async (): Promise<AgentsTruthTurn[]> =>
      (await agentsTruth(s)).turns.filter((t) => started.includes(t.turnId) && t.subagentId === null);
    // Wait until every new turn has settled on the simulator's clock and the outbox holds at least their spans.
    let newSpans = 0;
    await waitFor(
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`the bridge exited during the outage:\n${proc.stderr().slice(-2000)}`);
        const truth = await agentsTruth(s);
        const turns = truth.turns.filter((t) => started.includes(t.turnId) && t.subagentId === null);
        const settled = turns.every((t) => t.finished && truth.now > (t.turn.completed_at as number) + TRACE_WAIT_SECONDS + 1);
        if (!settled) return false;
        newSpans = turns.reduce((n, t) => n + (readable(t) ? t.trace!.spans.length : 1), 0);
        return total(await scrape(address), 'assistants_bridge_outbox_depth') >= newSpans;
      },
      'the new turns settled and their spans in the outbox',
      60_000,
    );
    expect(newSpans).toBeGreaterThan(world.sessions.length);
    // Every turn is settled, yet the bridge stays: its spans are not acknowledged.
    await sleep(2_000);
    expect(proc.child.exitCode, 'exited while spans were unacknowledged').toBeNull();
    expect(r.spans()).toHaveLength(receivedBeforeOutage);

    const upAt = Date.now();
    await r.up();
    const result = await exitWithin(proc, 60_000, 'after the collector came back');
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    // Nothing refused or dead-lettered: every error the bridge logged would be a loss.
    expect(logLines(result).filter((l) => l.level >= 50)).toEqual([]);
    const truth = await agentsTruth(s);
    expectExactlyOnce(r.spans(), truth, world.truth.now);
    expect(r.duplicates()).toEqual([]);
    // The new turns' spans were all held in the outbox and delivered after the collector returned.
    const turns = await newTurns();
    const heldTraces = new Set(turns.map((t) => (readable(t) ? t.trace!.traceId : syntheticTraceId(t.turnId))));
    const held = r.spans().filter((sp) => heldTraces.has(sp.traceId));
    expect(held).toHaveLength(newSpans);
    expect(held.every((sp) => sp.receivedAt >= upAt)).toBe(true);
    expect(new Set(r.spans().map((sp) => sp.encoding))).toEqual(new Set([protocol === 'http/json' ? 'json' : 'protobuf']));
  }, 120_000);

  it('429 storms from the Agents API: nothing lost, the bridge keeps going and exits 0 when idle', async () => {
    const world = await finishedWorld(32, { sessions: 5, backfillTurns: 24 });
    sim = world.sim;
    rx = await startOtlpReceiver();
    // Half the API requests refused with 429, their Retry-After short; then a storm that says when by x-ratelimit headers.
    sim.setFaults({ rateLimit429: { probability: 0.5, headers: 'retry-after-ms', retryAfterMs: 150 } });
    const s = sim;
    const proc = start(s, rx, protocol, watchArgs(world.sessions, stateFile(), ['--exit-when-idle', '--rpm', '6000']));
    await waitFor(
      () => s.requestLog().filter((e) => e.fault === 'rate_limit_429').length >= 10 || proc.child.exitCode !== null,
      'ten 429s',
    );
    s.setFaults({ rateLimit429: { every: 2, headers: 'x-ratelimit', resetDuration: '200ms' } });
    const result = await exitWithin(proc, 90_000, 'under 429 storms');
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    const api = s.requestLog().filter((e) => !e.control);
    const refused = api.filter((e) => e.fault === 'rate_limit_429').length;
    expect(refused).toBeGreaterThanOrEqual(10);
    expect(api.filter((e) => e.status === 200).length).toBeGreaterThan(0);
    expectExactlyOnce(rx.spans(), await agentsTruth(s), world.truth.now);
    expect(rx.duplicates()).toEqual([]);
    console.log(`[agents 429 storm ${protocol}] apiRequests=${api.length} refused429=${refused} spans=${rx.spans().length}`);
  }, 120_000);

  it('hostile traces: known parts arrive exact, the rest is counted and logged, and the bridge exits 0 when idle', async () => {
    const world = await finishedWorld(34, { sessions: 4, backfillTurns: 20, hostileTraces: true });
    sim = world.sim;
    rx = await startOtlpReceiver();
    const s = sim;
    const hostile = (shape: string): AgentsTruthTurn[] => roots(world.truth).filter((t) => t.trace?.shape === shape);
    const read = (t: AgentsTruthTurn): boolean => readable(t, world.truth.now);
    for (const shape of ['invalid_ids', 'big_values', 'unknown_fields', 'many_spans', 'no_end']) {
      expect(hostile(shape).filter(read).length, shape).toBeGreaterThan(0);
    }
    expect(hostile('not_otlp').length).toBeGreaterThan(0);
    const state = stateFile();
    const proc = start(s, rx, protocol, watchArgs(world.sessions, state, ['--exit-when-idle']));
    const result = await exitWithin(proc, 90_000, 'with hostile traces');
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    const truth = await agentsTruth(s);
    const spans = rx.spans();
    expectExactlyOnce(spans, truth, world.truth.now);
    const byKey = new Map(spans.map((sp) => [spanKey(sp), sp]));
    const spansOf = (t: AgentsTruthTurn) => t.trace!.spans.map((x) => byKey.get(spanKey({ traceId: t.trace!.traceId, spanId: x.spanId }))!);

    // 10,000 spans: every one, once (expectExactlyOnce), under its published parent.
    for (const t of hostile('many_spans').filter(read)) {
      const forwarded = spansOf(t);
      expect(forwarded).toHaveLength(10_000);
      expect(forwarded.map((sp) => sp.parentSpanId)).toEqual(t.trace!.spans.map((x) => x.parentSpanId ?? ''));
    }
    // 1 MiB values: the event attribute is cut to the length limit, the tool result (content) removed.
    const limit = 8192;
    for (const t of hostile('big_values').filter(read)) {
      const values = spansOf(t).flatMap((sp) => [
        ...Object.values(sp.attributes),
        ...sp.events.flatMap((e) => Object.values(e.attributes)),
      ]);
      expect(values.filter((v) => typeof v === 'string' && v.length === limit)).not.toEqual([]);
      expect(spansOf(t).some((sp) => 'gen_ai.tool.call.result' in sp.attributes)).toBe(false);
    }
    expect(BIG_VALUE_LENGTH).toBeGreaterThan(limit);
    for (const sp of spans) {
      for (const v of Object.values(sp.attributes)) if (typeof v === 'string') expect(v.length).toBeLessThanOrEqual(limit);
    }
    // Unknown fields are ignored; known values of every kind arrive as published; an attribute of an unknown kind is dropped.
    for (const t of hostile('unknown_fields').filter(read)) {
      const root = byKey.get(spanKey({ traceId: t.trace!.traceId, spanId: t.trace!.rootSpanId }))!;
      expect(root.attributes).toMatchObject({
        'openai.agents.checksum': Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString('base64'),
        'openai.agents.sampling.ratio': 1,
        'openai.agents.labels': { team: 'support', tier: 2 },
      });
      expect(root.attributeTypes).toMatchObject({ 'openai.agents.checksum': 'bytes', 'openai.agents.sampling.ratio': 'double' });
      expect(root.attributes).not.toHaveProperty('openai.agents.future');
    }
    // A span that never ends goes out with its turn's end (its root span's, else the API's completed_at), marked.
    for (const t of hostile('no_end').filter(read)) {
      const open = t.trace!.spans.filter((x) => !x.ends);
      expect(open.length).toBeGreaterThan(0);
      const root = byKey.get(spanKey({ traceId: t.trace!.traceId, spanId: t.trace!.rootSpanId }))!;
      const turnEnd = t.trace!.spans.find((x) => x.spanId === t.trace!.rootSpanId)!.ends
        ? root.endTimeUnixNano
        : `${t.turn.completed_at as number}000000000`;
      for (const x of open) {
        const sp = byKey.get(spanKey({ traceId: t.trace!.traceId, spanId: x.spanId }))!;
        expect(sp.endTimeUnixNano).toBe(turnEnd);
        expect(sp.attributes['assistants_bridge.end_unknown']).toBe(true);
      }
    }
    // Not OTLP: one synthetic span says the trace was unreadable.
    for (const t of hostile('not_otlp')) {
      const stand = spans.filter((sp) => sp.traceId === syntheticTraceId(t.turnId));
      expect(stand.map((sp) => sp.attributes['assistants_bridge.trace_unavailable'])).toEqual(['unreadable']);
    }

    // The rest is logged with its counts: the refused spans of invalid_ids (3 per trace) and not_otlp, the unknown value.
    const warned = logLines(result).filter((l) => l.msg === 'parts of a published trace could not be forwarded as published; the rest was');
    const counted = new Map<string, number>();
    for (const line of warned) {
      for (const [code, p] of Object.entries(line.problems as Record<string, { count: number }>)) {
        counted.set(code, (counted.get(code) ?? 0) + p.count);
      }
    }
    const invalidIdTraces = hostile('invalid_ids').filter(read).length;
    expect(counted.get('invalid_span_id') ?? 0).toBeGreaterThanOrEqual(2 * invalidIdTraces);
    expect(counted.get('invalid_trace_id') ?? 0).toBeGreaterThanOrEqual(invalidIdTraces + hostile('not_otlp').length);
    expect(counted.get('unknown_value') ?? 0).toBeGreaterThanOrEqual(hostile('unknown_fields').filter(read).length);
    expect(JSON.stringify(warned)).not.toContain('m'.repeat(100));

    // And counted in the metrics, kept in the state file: a bridge started again on it reports the unreadable traces.
    const again = start(s, rx, protocol, watchArgs(world.sessions, state, ['--listen', '127.0.0.1:0']));
    const address = await listenAddressOf(again);
    const metrics = await scrape(address);
    again.child.kill('SIGTERM');
    await again.exited;
    const missing = (why: string): number =>
      total(metrics, 'openai_agents_traces_missing_total', { assistants_bridge_trace_unavailable: why });
    expect(missing('unreadable')).toBe(hostile('not_otlp').length);
    expect(total(metrics, 'openai_agents_turns_total')).toBe(roots(truth).filter((t) => t.finished).length);
    expect(rx.spans()).toHaveLength(spans.length);
  }, 180_000);
});
