// One session looked at again and again, as the core will, against the real simulator over HTTP
// through the bridge's openai client and the budgeted fetch: what each look asks (request by
// request), what each commit holds (spans, metrics, cursor), and that over successive looks every
// published span goes out exactly once, a synthetic span stands in for exactly the settled root
// turns of which nothing was published or readable, and the cursors never pass an unsettled turn.
// The simulator's clock is frozen and moved by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meaningOf } from '../../../src/core/errors.js';
import { isHistory } from '../../../src/metrics/history.js';
import type { AgentsTruth, AgentsTruthTurn, RunningSimulator } from '../../../src/simulator/index.js';
import type { AgentsWorldSpec } from '../../../src/simulator/agents/worldgen.js';
import { publishedSpanKey, syntheticSpanKey, turnTraceKey } from '../../../src/sources/agents/keys.js';
import { AGENTS_METRICS } from '../../../src/sources/agents/metrics.js';
import { EAGER_TRACE_SECONDS } from '../../../src/sources/agents/look-policy.js';
import { readSessionCursor } from '../../../src/sources/agents/session-cursor.js';
import { lookAtSession } from '../../../src/sources/agents/session-look.js';
import { advanceTo, agentsApi, agentsTruth, runTurn, settle, startTurn, truthTurn } from '../../simulator/agents-helpers.js';
import { advance, control, startFrozen } from '../../simulator/helpers.js';
import { bridgeFor, described, SessionRig, settingsWith, simNow, type Bridge } from './look-rig.js';

const SMALL_CAP = 65_536;
const TOKEN_USAGE = 'gen_ai.client.token.usage';

const rootsOf = (truth: AgentsTruth, sessionId: string): AgentsTruthTurn[] =>
  truth.turns.filter((t) => t.sessionId === sessionId && t.subagentId === null);

/** Keys of every span the truth says the turn's trace holds. */
const truthKeys = (turn: AgentsTruthTurn): string[] =>
  (turn.trace?.spans ?? []).map((s) => publishedSpanKey(turn.trace!.traceId, s.spanId)).sort();

const exportedKeysOf = (rig: SessionRig, turn: AgentsTruthTurn): string[] =>
  rig
    .spansOfTrace(turn.trace!.traceId)
    .map((s) => s.key)
    .sort();

async function newSession(sim: RunningSimulator): Promise<string> {
  return (await control(sim, '/agents/sessions', {})).json.session_id as string;
}

/** The traces cursor never passes the oldest unsettled root turn; the turns cursor never passes an unsettled turn. */
async function expectCursorRules(rig: SessionRig): Promise<void> {
  const cursor = rig.parsedCursor!;
  if (cursor.gone) return;
  const truth = await agentsTruth(rig.sim);
  const order = truth.turns
    .filter((t) => t.sessionId === rig.sessionId)
    .sort((a, b) => (a.turn.created_at as number) - (b.turn.created_at as number));
  const rootIds = rootsOf(truth, rig.sessionId).map((t) => t.turnId);
  const place = (ids: string[], id: string | null): number => (id === null ? -1 : ids.indexOf(id));
  for (const open of cursor.open) {
    if (open.facts.subagentId === null) expect(place(rootIds, open.id)).toBeGreaterThan(place(rootIds, cursor.tracesAfter));
    expect(open.id).not.toBe(cursor.turnsAfter);
  }
  expect(order.length).toBeGreaterThanOrEqual(cursor.open.length);
}

// Sessions of their own per test, on one simulator with no generated ones.
let sim: RunningSimulator;
let bridge: Bridge;

beforeAll(async () => {
  sim = await startFrozen({
    seed: 61,
    agents: { sessions: 0, backfillTurns: 0, liveSessions: 0, liveTurns: 0, traceResponseCapBytes: SMALL_CAP },
  });
  bridge = bridgeFor(sim);
});
afterAll(() => sim.shutdown());

/** A simulator whose generated sessions have all ended, the clock `extraSeconds` past that, with the bridge's side of it. */
function settledWorld(seed: number, spec: AgentsWorldSpec, extraSeconds = 0) {
  const world = {} as { sim: RunningSimulator; bridge: Bridge; truth: AgentsTruth };
  beforeAll(async () => {
    world.sim = await startFrozen({ seed, agents: { liveSessions: 0, liveTurns: 0, traceResponseCapBytes: SMALL_CAP, ...spec } });
    world.bridge = bridgeFor(world.sim);
    await settle(world.sim);
    if (extraSeconds > 0) await advance(world.sim, extraSeconds);
    world.truth = await agentsTruth(world.sim);
  });
  afterAll(() => world.sim.shutdown());
  return world;
}

describe('a live session, look by look', () => {
  it('asks only what can have changed, counts a turn when first seen terminal, forwards its trace once, settles it after the wait', async () => {
    const sessionId = await newSession(sim);
    const started = await startTurn(sim, { sessionId, kind: 'tools', publishDelaySeconds: 20 });
    const rig = new SessionRig(sim, bridge, sessionId);

    // First look: the session (its context, recorded once), then its turns. Nothing finished: no traces asked for.
    let { look, requests } = await rig.look();
    expect(described(requests, sessionId)).toEqual([
      'GET /v1/agents/sessions/S 200',
      'GET /v1/agents/sessions/S/turns?order=asc&limit=100 200',
    ]);
    expect(look.requests).toEqual({ session: 1, turns: 1, traces: 0 });
    const truth0 = await agentsTruth(sim);
    const agent = truth0.sessions.find((s) => s.id === sessionId)!;
    expect(look.commit.frozen).toEqual({
      sessionId,
      agentId: agent.agentId,
      agentName: agent.agentName,
      model: expect.any(String),
      firstSeenSeconds: await simNow(sim),
    });
    expect(look.commit).toMatchObject({ unit: sessionId, spans: [], observations: [], status: 'running', terminal: false });
    expect(look.pace).toMatchObject({ kind: 'running' });
    expect(look.idle).toBe(false);

    // Still running: one turns list a look, the context not asked again.
    await advance(sim, 1);
    ({ look } = await rig.look());
    expect(look.requests).toEqual({ session: 0, turns: 1, traces: 0 });

    // Finished, trace not yet published: counted now (status, duration, queue time), traces asked for.
    let turn = truthTurn(await agentsTruth(sim), started.turn_id);
    while (!turn.finished) {
      await advance(sim, 1);
      turn = truthTurn(await agentsTruth(sim), started.turn_id);
    }
    ({ look, requests } = await rig.look());
    expect(described(requests, sessionId)).toEqual([
      'GET /v1/agents/sessions/S/turns?order=asc&limit=100 200',
      'GET /v1/agents/sessions/S/traces?order=asc&limit=100 200',
    ]);
    expect(look.commit.spans).toEqual([]);
    expect(look.commit.observations.map((o) => o.name).sort()).toEqual(
      [
        AGENTS_METRICS.turns.name,
        AGENTS_METRICS.turnDuration.name,
        AGENTS_METRICS.queueDuration.name,
        'gen_ai.client.operation.duration',
      ].sort(),
    );
    expect(rig.observed(AGENTS_METRICS.turns.name)[0]).toMatchObject({
      labels: { 'openai.agents.turn.status': 'completed' },
      value: 1,
      history: false,
    });
    const completedAt = turn.turn.completed_at as number;
    const now = await simNow(sim);
    // Its trace not listed yet, and the turn just ended: looked for at the active interval.
    expect(now - completedAt).toBeLessThan(EAGER_TRACE_SECONDS);
    expect(look.pace).toEqual({
      kind: 'settling',
      settleAtSeconds: completedAt + 900,
      nowSeconds: now,
      changed: true,
      awaitingTrace: true,
    });
    expect(look.commit.status).toBe('settling');

    // Published: every span of the trace, once.
    await advanceTo(sim, turn.trace!.publishAt!);
    ({ look } = await rig.look());
    expect(look.commit.spans.map((s) => s.key).sort()).toEqual(truthKeys(turn));
    const root = look.commit.spans.find((s) => s.parent === null)!;
    expect(root.attributes).toMatchObject({ 'gen_ai.conversation.id': sessionId, 'openai.agents.turn.id': turn.turnId });
    // Which trace the turn is in, for trace-id: the span keys name no turn.
    expect(look.commit.emittedKeys).toEqual([turnTraceKey(turn.turnId, turn.trace!.traceId)]);
    expect(look.commit.observations).toEqual([]);

    // Read again until the wait is over: nothing new, nothing counted twice; long after the turn ended, on the back-off.
    await advanceTo(sim, completedAt + 899);
    ({ look } = await rig.look());
    expect(look.commit.spans).toEqual([]);
    expect(look.commit.observations).toEqual([]);
    expect(look.pace).toMatchObject({ kind: 'settling', changed: false, awaitingTrace: false });

    // Settled: tokens counted, no synthetic span (a span was published), both cursors past the turn.
    await advance(sim, 1);
    ({ look } = await rig.look());
    expect(look.requests).toEqual({ session: 0, turns: 1, traces: 1 });
    expect(look.commit.spans).toEqual([]);
    expect(look.commit.observations.map((o) => o.name)).toContain(TOKEN_USAGE);
    expect(look.idle).toBe(true);
    expect(look.pace).toEqual({ kind: 'idle', changed: true });
    const cursor = rig.parsedCursor!;
    expect(cursor.open).toEqual([]);
    expect(cursor.tracesAfter).toBe(turn.turnId);

    // Idle: one turns list after the cursor, no traces; nothing to write.
    ({ look, requests } = await rig.look());
    expect(described(requests, sessionId)).toEqual([`GET /v1/agents/sessions/S/turns?order=asc&limit=100&after=${cursor.turnsAfter} 200`]);
    expect(look.unchanged).toBe(true);
    expect(rig.offeredTwice).toEqual([]);
    expect(rig.observed(AGENTS_METRICS.turns.name)).toHaveLength(1);
    expect(rig.synthetic()).toEqual([]);
    expect(bridge.starts.every((s) => s.route.startsWith('/agents/sessions/{session_id}'))).toBe(true);
  });

  it('adds the late part of a trace published in two parts, once; the open root span waits for its end', async () => {
    const sessionId = await newSession(sim);
    const started = await startTurn(sim, { sessionId, kind: 'two_parts', publishDelaySeconds: 5 });
    const rig = new SessionRig(sim, bridge, sessionId);
    await rig.look();
    let turn = truthTurn(await agentsTruth(sim), started.turn_id);
    await advanceTo(sim, turn.trace?.publishAt ?? (await simNow(sim)) + 120);
    turn = truthTurn(await agentsTruth(sim), started.turn_id);
    const trace = turn.trace!;
    expect(trace.parts).toBe(2);

    const first = (await rig.look()).look;
    // Part one, every span in it that has ended: the root span has no end in it yet.
    const partOne = trace.spans.filter((s) => s.part === 1 && s.spanId !== trace.rootSpanId);
    expect(first.commit.spans.map((s) => s.spanId).sort()).toEqual(partOne.map((s) => s.spanId).sort());
    expect(rig.parsedCursor!.open[0]!.trace).toMatchObject({ listed: true, spans: partOne.length + 1 });
    expect(rig.parsedCursor!.open[0]!.trace!.held.map((s) => s.spanId)).toEqual([trace.rootSpanId]);

    await advanceTo(sim, trace.completeAt! - 1);
    expect((await rig.look()).look.commit.spans).toEqual([]);
    await advanceTo(sim, trace.completeAt!);
    const second = (await rig.look()).look;
    expect(second.commit.spans.map((s) => s.spanId).sort()).toEqual(
      trace.spans
        .filter((s) => s.part === 2 || s.spanId === trace.rootSpanId)
        .map((s) => s.spanId)
        .sort(),
    );
    const root = second.commit.spans.find((s) => s.spanId === trace.rootSpanId)!;
    expect(root.attributes['assistants_bridge.end_unknown']).toBeUndefined();
    await expectCursorRules(rig);

    await advanceTo(sim, (turn.turn.completed_at as number) + 900);
    await rig.look();
    expect(exportedKeysOf(rig, turn)).toEqual(truthKeys(turn));
    expect(rig.offeredTwice).toEqual([]);
    expect(rig.synthetic()).toEqual([]);
  });

  it('gives a settled root turn whose trace never appeared one synthetic span, at the wait and not before', async () => {
    const sessionId = await newSession(sim);
    const turn = await runTurn(sim, { sessionId, kind: 'never_published', publishDelaySeconds: 0 });
    const rig = new SessionRig(sim, bridge, sessionId);
    const completedAt = turn.turn.completed_at as number;
    await rig.look();
    await advanceTo(sim, completedAt + 899);
    expect((await rig.look()).look.commit.spans).toEqual([]);
    expect(rig.observed(AGENTS_METRICS.missingTraces.name)).toEqual([]);

    await advance(sim, 1);
    const { look } = await rig.look();
    expect(look.commit.spans).toHaveLength(1);
    expect(look.commit.spans[0]).toMatchObject({
      key: syntheticSpanKey(turn.turnId),
      kind: 2,
      status: { code: 2 },
      attributes: {
        'assistants_bridge.trace_source': 'synthetic',
        'assistants_bridge.trace_unavailable': 'not_published',
        'openai.agents.turn.status': 'failed',
        'error.type': 'server_error',
      },
    });
    expect(rig.observed(AGENTS_METRICS.missingTraces.name)).toEqual([
      expect.objectContaining({ labels: expect.objectContaining({ 'assistants_bridge.trace_unavailable': 'not_published' }), value: 1 }),
    ]);
    for (let i = 0; i < 3; i++) {
      await advance(sim, 60);
      expect((await rig.look()).look.commit.spans).toEqual([]);
    }
    expect(rig.synthetic()).toHaveLength(1);
    expect(rig.observed(AGENTS_METRICS.turns.name)).toEqual([
      expect.objectContaining({ labels: expect.objectContaining({ 'error.type': 'server_error', 'openai.agents.turn.status': 'failed' }) }),
    ]);
  });

  it('forwards a late trace published within the wait; one published after its turn settled is not read (a synthetic span stands in)', async () => {
    const late = await runTurn(sim, { kind: 'late' });
    const lateRig = new SessionRig(sim, bridge, late.sessionId);
    await lateRig.look();
    await advanceTo(sim, late.trace!.publishAt!);
    await lateRig.look();
    expect(exportedKeysOf(lateRig, late)).toEqual(truthKeys(late));
    await advanceTo(sim, (late.turn.completed_at as number) + 900);
    await lateRig.look();
    expect(lateRig.synthetic()).toEqual([]);

    // A wait shorter than the publication delay: the turn settles without its trace.
    const tooLate = await runTurn(sim, { kind: 'message', publishDelaySeconds: 120 });
    const rig = new SessionRig(sim, bridge, tooLate.sessionId, settingsWith({ traceWaitSeconds: 60 }));
    await rig.look();
    await advanceTo(sim, (tooLate.turn.completed_at as number) + 60);
    await rig.look();
    expect(rig.synthetic().map((s) => s.key)).toEqual([syntheticSpanKey(tooLate.turnId)]);
    await advanceTo(sim, tooLate.trace!.publishAt!);
    const { look, requests } = await rig.look();
    expect(look.requests).toEqual({ session: 0, turns: 1, traces: 0 });
    expect(described(requests, tooLate.sessionId)).toHaveLength(1);
    expect(rig.spansOfTrace(tooLate.trace!.traceId)).toEqual([]);
  });

  it('counts a subagent turn by its tokens when it settles, with no trace or synthetic span of its own', async () => {
    const turn = await runTurn(sim, { kind: 'subagent', publishDelaySeconds: 0 });
    const rig = new SessionRig(sim, bridge, turn.sessionId);
    await rig.look();
    await advanceTo(sim, (turn.turn.completed_at as number) + 900);
    await rig.look();
    const truth = await agentsTruth(sim);
    const subs = truth.turns.filter((t) => t.sessionId === turn.sessionId && t.subagentId !== null);
    expect(subs.length).toBeGreaterThan(0);
    // Input and output for each turn, root and subagents.
    expect(rig.observed(TOKEN_USAGE)).toHaveLength(2 * (subs.length + 1));
    expect(rig.observed(AGENTS_METRICS.turns.name)).toHaveLength(1);
    expect(rig.synthetic()).toEqual([]);
    expect(exportedKeysOf(rig, turn)).toEqual(truthKeys(turn));
    expect(rig.looks.at(-1)!.idle).toBe(true);
  });

  it('looks at a turn waiting for its app at the waiting pace', async () => {
    const sessionId = await newSession(sim);
    const started = await startTurn(sim, { sessionId, kind: 'waiting', publishDelaySeconds: 0 });
    const rig = new SessionRig(sim, bridge, sessionId);
    let waitingSeen = false;
    for (let i = 0; i < 60 && !waitingSeen; i++) {
      const { look } = await rig.look();
      const status = rig.parsedCursor!.open.find((t) => t.id === started.turn_id)?.facts.status;
      if (status === 'waiting') {
        expect(look.pace).toMatchObject({ kind: 'running', waiting: true });
        waitingSeen = true;
      } else if (status === 'in_progress') expect(look.pace).toMatchObject({ kind: 'running', waiting: false });
      await advance(sim, 1);
    }
    expect(waitingSeen).toBe(true);
  });
});

describe('the traces cursor and the turns cursor', () => {
  it('stay before the oldest unsettled root turn, and move past it once it settles', async () => {
    const first = await runTurn(sim, { kind: 'never_published', publishDelaySeconds: 0 });
    const sessionId = first.sessionId;
    const rig = new SessionRig(sim, bridge, sessionId, settingsWith({ traceWaitSeconds: 300 }));
    await rig.look();
    await advance(sim, 120);
    const second = await runTurn(sim, { sessionId, kind: 'message', publishDelaySeconds: 0 });
    let { requests } = await rig.look();
    // The first is unsettled: both lists start at the beginning.
    expect(described(requests, sessionId)).toEqual([
      'GET /v1/agents/sessions/S/turns?order=asc&limit=100 200',
      'GET /v1/agents/sessions/S/traces?order=asc&limit=100 200',
    ]);
    expect(rig.parsedCursor).toMatchObject({ turnsAfter: null, tracesAfter: null });
    expect(
      rig
        .spansOfTrace(second.trace!.traceId)
        .map((s) => s.key)
        .sort(),
    ).toEqual(truthKeys(second));
    await expectCursorRules(rig);

    // The first settles (synthetic span); the second is not due yet: both cursors move to the first.
    await advanceTo(sim, (first.turn.completed_at as number) + 300);
    await rig.look();
    expect(rig.synthetic().map((s) => s.key)).toEqual([syntheticSpanKey(first.turnId)]);
    expect(rig.parsedCursor).toMatchObject({ turnsAfter: first.turnId, tracesAfter: first.turnId, open: [{ id: second.turnId }] });
    await expectCursorRules(rig);
    ({ requests } = await rig.look());
    expect(described(requests, sessionId)).toEqual([
      `GET /v1/agents/sessions/S/turns?order=asc&limit=100&after=${first.turnId} 200`,
      `GET /v1/agents/sessions/S/traces?order=asc&limit=100&after=${first.turnId} 200`,
    ]);
    await advanceTo(sim, (second.turn.completed_at as number) + 300);
    await rig.look();
    expect(rig.parsedCursor).toMatchObject({ tracesAfter: second.turnId, open: [], settled: [] });
    expect(rig.offeredTwice).toEqual([]);
  });

  it('lists both to their end a page at a time: a finished session costs its pages and no more', async () => {
    const first = await runTurn(sim, { kind: 'message', publishDelaySeconds: 0 });
    const sessionId = first.sessionId;
    for (const kind of ['tools', 'message', 'failed', 'cancelled', 'tools', 'message'])
      await runTurn(sim, { sessionId, kind, publishDelaySeconds: 0 });
    await advance(sim, 1000);
    const truth = await agentsTruth(sim);
    const turns = truth.turns.filter((t) => t.sessionId === sessionId);
    const published = rootsOf(truth, sessionId).filter((t) => t.trace?.publishAt !== null);
    const pageSize = 3;
    const rig = new SessionRig(sim, bridge, sessionId, settingsWith({ pageSize }));
    const { look } = await rig.look();
    const least = { session: 1, turns: Math.ceil(turns.length / pageSize), traces: Math.ceil(published.length / pageSize) };
    expect(look.requests).toEqual(least);
    expect(look.idle).toBe(true);
    for (const root of published) expect(exportedKeysOf(rig, root)).toEqual(truthKeys(root));
    // Every root turn and every finished one counted once, each turn's tokens once.
    expect(rig.observed(AGENTS_METRICS.turns.name)).toHaveLength(rootsOf(truth, sessionId).length);
  });
});

describe('traces too large to list', () => {
  async function sessionOf(kinds: string[]): Promise<AgentsTruthTurn[]> {
    const first = await runTurn(sim, { kind: kinds[0]!, publishDelaySeconds: 0 });
    const out = [first];
    for (const kind of kinds.slice(1)) out.push(await runTurn(sim, { sessionId: first.sessionId, kind, publishDelaySeconds: 0 }));
    await advance(sim, 1);
    const truth = await agentsTruth(sim);
    return out.map((t) => truthTurn(truth, t.turnId));
  }

  /** The first page, refused until its page size is 1 (every page holds the large trace with another). */
  const HALVED_TO_ONE = ['limit=100 400', 'limit=50 400', 'limit=25 400', 'limit=12 400', 'limit=6 400', 'limit=3 400', 'limit=1 200'];

  const traceQueries = (requests: { path: string; query: string; status: number | null }[]) =>
    requests.filter((r) => r.path.endsWith('/traces')).map((r) => `${r.query.replace('order=asc&', '')} ${r.status}`);

  it('with others: the page size halves until the trace fits, every span forwarded, the smaller size kept for the next look', async () => {
    const [one, large, three] = await sessionOf(['message', 'too_large_with_others', 'message']);
    const rig = new SessionRig(sim, bridge, one!.sessionId);
    let { look, requests } = await rig.look();
    expect(traceQueries(requests)).toEqual([
      ...HALVED_TO_ONE,
      `limit=2&after=${one!.turnId} 400`,
      `limit=1&after=${one!.turnId} 200`,
      `limit=2&after=${large!.turnId} 200`,
    ]);
    expect(look.requests.traces).toBe(10);
    for (const turn of [one!, large!, three!]) expect(exportedKeysOf(rig, turn)).toEqual(truthKeys(turn));
    expect(rig.parsedCursor!.tracesLimit).toBe(1);

    // The next look starts at the size that was answered.
    ({ look, requests } = await rig.look());
    expect(traceQueries(requests)).toEqual([
      'limit=1 200',
      `limit=2&after=${one!.turnId} 400`,
      `limit=1&after=${one!.turnId} 200`,
      `limit=2&after=${large!.turnId} 200`,
    ]);
    expect(look.commit.spans).toEqual([]);
    expect(rig.synthetic()).toEqual([]);

    // Once the turns settle, the cursor moves on and the page size is whole again.
    await advanceTo(sim, (three!.turn.completed_at as number) + 900);
    ({ look } = await rig.look());
    expect(look.idle).toBe(true);
    expect(rig.parsedCursor).toMatchObject({ tracesAfter: three!.turnId, tracesLimit: 100 });
    expect(rig.offeredTwice).toEqual([]);
  });

  it('alone: the root turn the refused page starts with settles at once as too_large, and is skipped after', async () => {
    const [one, large, three] = await sessionOf(['message', 'too_large_alone', 'message']);
    const rig = new SessionRig(sim, bridge, one!.sessionId);
    const first = await rig.look();
    let { requests } = first;
    const { look } = first;
    expect(traceQueries(requests)).toEqual([
      ...HALVED_TO_ONE,
      `limit=2&after=${one!.turnId} 400`,
      `limit=1&after=${one!.turnId} 400`,
      `limit=1&after=${large!.turnId} 200`,
    ]);
    expect(look.report.tooLarge).toEqual([large!.turnId]);
    expect(rig.synthetic()).toEqual([
      expect.objectContaining({
        key: syntheticSpanKey(large!.turnId),
        attributes: expect.objectContaining({ 'assistants_bridge.trace_unavailable': 'too_large' }),
      }),
    ]);
    expect(rig.observed(AGENTS_METRICS.missingTraces.name)).toEqual([
      expect.objectContaining({ labels: expect.objectContaining({ 'assistants_bridge.trace_unavailable': 'too_large' }) }),
    ]);
    for (const turn of [one!, three!]) expect(exportedKeysOf(rig, turn)).toEqual(truthKeys(turn));
    expect(rig.parsedCursor!.settled).toEqual([large!.turnId]);

    // Known settled: the next look starts its second page after it, never asking for it again.
    ({ requests } = await rig.look());
    expect(traceQueries(requests)).toEqual(['limit=1 200', `limit=2&after=${large!.turnId} 200`]);
    await advanceTo(sim, (three!.turn.completed_at as number) + 900);
    await rig.look();
    expect(rig.synthetic()).toHaveLength(1);
    expect(rig.parsedCursor).toMatchObject({ open: [], settled: [], tracesAfter: three!.turnId });
  });
});

describe('a deleted session', () => {
  it('settles its known finished turns at once (a synthetic span where nothing was published) and ends', async () => {
    const read = await runTurn(sim, { kind: 'tools', publishDelaySeconds: 0 });
    const sessionId = read.sessionId;
    const unpublished = await runTurn(sim, { sessionId, kind: 'message', publishDelaySeconds: 600 });
    await advance(sim, 1);
    const rig = new SessionRig(sim, bridge, sessionId);
    await rig.look();
    expect(exportedKeysOf(rig, read)).toEqual(truthKeys(read));
    expect(rig.observed(TOKEN_USAGE)).toEqual([]);

    await control(sim, `/agents/sessions/${sessionId}`, undefined, 'DELETE');
    const { look, requests } = await rig.look();
    expect(described(requests, sessionId)).toEqual(['GET /v1/agents/sessions/S/turns?order=asc&limit=100 404']);
    expect(look.commit).toMatchObject({ terminal: true, status: 'gone' });
    expect(look.pace).toEqual({ kind: 'gone' });
    expect(look.idle).toBe(true);
    expect(look.commit.spans.map((s) => s.key)).toEqual([syntheticSpanKey(unpublished.turnId)]);
    expect(look.commit.spans[0]!.attributes['assistants_bridge.trace_unavailable']).toBe('not_published');
    // Both turns' tokens, from what the last look read.
    expect(look.commit.observations.filter((o) => o.name === TOKEN_USAGE)).toHaveLength(4);

    // Gone: no request, nothing to write.
    const after = await rig.look();
    expect(after.requests).toEqual([]);
    expect(after.look).toMatchObject({ unchanged: true, requests: { session: 0, turns: 0, traces: 0 } });
  });

  it('ends what it held: the open root span of a trace cut short by the deletion goes out at the turn end, marked', async () => {
    const turn = await runTurn(sim, { kind: 'two_parts', publishDelaySeconds: 0 });
    const rig = new SessionRig(sim, bridge, turn.sessionId);
    await advanceTo(sim, turn.trace!.publishAt!);
    await rig.look();
    const trace = turn.trace!;
    expect(rig.exported.has(publishedSpanKey(trace.traceId, trace.rootSpanId))).toBe(false);

    await control(sim, `/agents/sessions/${turn.sessionId}`, undefined, 'DELETE');
    const { look } = await rig.look();
    expect(look.commit.spans.map((s) => s.spanId)).toEqual([trace.rootSpanId]);
    expect(look.commit.spans[0]).toMatchObject({
      end: `${turn.turn.completed_at as number}000000000`,
      attributes: { 'assistants_bridge.end_unknown': true, 'gen_ai.conversation.id': turn.sessionId },
    });
    expect(rig.synthetic()).toEqual([]);
    expect(rig.offeredTwice).toEqual([]);
  });

  it('deleted before the first look: the session lookup says so, and nothing is known', async () => {
    const sessionId = await newSession(sim);
    await control(sim, `/agents/sessions/${sessionId}`, undefined, 'DELETE');
    const rig = new SessionRig(sim, bridge, sessionId);
    const { look, requests } = await rig.look();
    expect(described(requests, sessionId)).toEqual(['GET /v1/agents/sessions/S 404']);
    expect(look.commit).toMatchObject({ terminal: true, status: 'gone', spans: [], observations: [] });
    expect(look.commit.frozen).toBeUndefined();
  });
});

describe('429 storms and 5xx', () => {
  const world = settledWorld(65, { sessions: 3, backfillTurns: 12 });

  const cleanSession = (): string =>
    world.truth.sessions.find(
      (s) =>
        s.deletedAt === null &&
        rootsOf(world.truth, s.id).every((t) => t.trace?.tooLarge === null) &&
        rootsOf(world.truth, s.id).length > 1,
    )!.id;

  it('a 429 storm: the budget waits and retries every page; the look commits the same as without it', async () => {
    const { sim, bridge } = world;
    const sessionId = cleanSession();
    const calm = new SessionRig(sim, bridgeFor(sim), sessionId);
    await calm.look();

    sim.setFaults({ rateLimit429: { every: 2, headers: 'retry-after-ms', retryAfterMs: 5 } });
    const stormy = new SessionRig(sim, bridge, sessionId);
    const { look, requests } = await stormy.look();
    sim.setFaults({});
    // Each page once in the look's count; on the wire every other request was refused first.
    expect(look.requests).toEqual({ session: 1, turns: 1, traces: 1 });
    expect(requests.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(2);
    expect(requests.filter((r) => r.status === 200)).toHaveLength(3);
    expect([...stormy.exported.keys()].sort()).toEqual([...calm.exported.keys()].sort());
    expect(stormy.observations).toEqual(calm.observations.map((o) => ({ ...o })));
    expect(stormy.cursor).toEqual(calm.cursor);
  });

  it('5xx past the retries: the look fails as transient and commits nothing; the next one loses nothing', async () => {
    const { sim, bridge } = world;
    // A new session, looked at while the API fails on every request.
    const fresh = await runTurn(sim, { kind: 'tools', publishDelaySeconds: 0 });
    await advance(sim, 1);
    const failing = new SessionRig(sim, bridge, fresh.sessionId);
    sim.setFaults({ serverError: { every: 1, status: 503 } });
    const error: unknown = await failing.look().catch((e: unknown) => e);
    sim.setFaults({});
    expect(meaningOf(error)).toBe('transient');
    expect(failing.cursor).toBeNull();
    expect(failing.looks).toEqual([]);
    // Six attempts of the first request (the fetch's retries), then the look gave up.
    expect(sim.requestLog().filter((r) => r.status === 503).length).toBeGreaterThanOrEqual(6);

    await failing.look();
    expect(exportedKeysOf(failing, fresh)).toEqual(truthKeys(fresh));
    expect(failing.observed(AGENTS_METRICS.turns.name)).toHaveLength(1);
  });
});

describe('a backfill: sessions whose turns all ended before the bridge saw them', () => {
  // One root turn of every kind (two parts, never published, late, too large, no end, ...), all
  // of them past the trace wait.
  const world = settledWorld(66, { sessions: 5, backfillTurns: 16 }, 1000);

  it('settles everything in one look per session: every published span once, a synthetic span for each trace that never came', async () => {
    const { sim, bridge, truth } = world;
    const kinds = new Set<string>();
    for (const session of truth.sessions) {
      const rig = new SessionRig(sim, bridge, session.id);
      const { look } = await rig.look();
      if (session.deletedAt !== null) {
        expect(look.commit).toMatchObject({ terminal: true, spans: [] });
        continue;
      }
      expect(look.idle).toBe(true);
      expect(look.requests.turns).toBe(1);
      const roots = rootsOf(truth, session.id);
      const now = await simNow(sim);
      for (const root of roots) {
        kinds.add(root.kind!);
        const trace = root.trace!;
        const unavailable = trace.publishAt === null ? 'not_published' : trace.tooLarge === 'alone' ? 'too_large' : null;
        if (unavailable === null) {
          expect(exportedKeysOf(rig, root)).toEqual(truthKeys(root));
          expect(rig.exported.has(syntheticSpanKey(root.turnId))).toBe(false);
        } else {
          expect(rig.exported.get(syntheticSpanKey(root.turnId))?.attributes['assistants_bridge.trace_unavailable']).toBe(unavailable);
          expect(rig.spansOfTrace(trace.traceId)).toEqual([]);
        }
        // History is not news: a turn that ended long before the session was first seen.
        const history = isHistory(root.turn.completed_at as number, now);
        for (const span of rig.spansOfTrace(trace.traceId)) expect(span.history === true).toBe(history);
      }
      for (const o of rig.observations) expect(typeof o.history).toBe('boolean');
      expect(rig.observed(AGENTS_METRICS.turns.name)).toHaveLength(roots.length);
      // A root turn's spans that never ended go out with end_unknown.
      for (const root of roots.filter((r) => r.kind === 'no_end'))
        expect(rig.spansOfTrace(root.trace!.traceId).some((s) => s.attributes['assistants_bridge.end_unknown'] === true)).toBe(true);
      expect(rig.offeredTwice).toEqual([]);
      // A second look: the turns list after the cursor, nothing else.
      const again = await rig.look();
      expect(again.look.requests).toEqual({ session: 0, turns: 1, traces: 0 });
    }
    for (const kind of ['two_parts', 'never_published', 'late', 'too_large_with_others', 'too_large_alone', 'no_end', 'subagent'])
      expect(kinds).toContain(kind);
  });

  it('marks history: observations of turns that ended long before the session was first seen', async () => {
    const { sim, bridge, truth } = world;
    const session = truth.sessions.find((s) => s.deletedAt === null)!;
    const rig = new SessionRig(sim, bridge, session.id);
    await rig.look();
    const now = await simNow(sim);
    const turns = new Map(truth.turns.map((t) => [t.turnId, t]));
    const counted = rig.observed(AGENTS_METRICS.turns.name);
    expect(counted.length).toBeGreaterThan(0);
    const ended = rootsOf(truth, session.id).map((t) => isHistory(turns.get(t.turnId)!.turn.completed_at as number, now));
    expect(counted.map((o) => o.history).sort()).toEqual(ended.sort());
    expect(ended).toContain(true);
  });
});

describe('a sessions list that shows the session unchanged', () => {
  it('saves the requests: the context from the list, no turns list while every turn is settled and last_active_at is the same', async () => {
    const turn = await runTurn(sim, { kind: 'message', publishDelaySeconds: 0 });
    await advance(sim, 1000);
    const listed = async () => (await agentsApi(sim, `/agents/sessions/${turn.sessionId}`)).json;
    const settings = settingsWith();
    const first = await lookAtSession(
      { sessionId: turn.sessionId, cursor: null, frozen: null, listed: await listed(), nowSeconds: await simNow(sim) },
      { api: bridge.api, settings },
    );
    expect(first.requests).toEqual({ session: 0, turns: 1, traces: 1 });
    expect(first.idle).toBe(true);
    const state = { cursor: first.commit.cursor, frozen: first.commit.frozen };
    const second = await lookAtSession(
      { sessionId: turn.sessionId, ...state, listed: await listed(), nowSeconds: await simNow(sim) },
      { api: bridge.api, settings },
    );
    expect(second.requests).toEqual({ session: 0, turns: 0, traces: 0 });
    expect(second.unchanged).toBe(true);

    // Active again: its last_active_at moves, and the turns are listed.
    const next = await runTurn(sim, { sessionId: turn.sessionId, kind: 'message', publishDelaySeconds: 0 });
    const third = await lookAtSession(
      { sessionId: turn.sessionId, ...state, listed: await listed(), nowSeconds: await simNow(sim) },
      { api: bridge.api, settings },
    );
    expect(third.requests.turns).toBe(1);
    expect(readSessionCursor(third.commit.cursor, turn.sessionId)!.open.map((t) => t.id)).toEqual([next.turnId]);
  });
});

describe('hostile traces', () => {
  // Invalid ids, 1 MiB values, unknown fields, 10,000 spans, JSON that is not OTLP; a cap that lets each be listed.
  const world = settledWorld(68, { sessions: 5, backfillTurns: 22, hostileTraces: true, traceResponseCapBytes: 8 << 20 }, 1000);

  it('never stop a look: what can be read goes out once, the rest is counted, a trace with nothing readable gets a synthetic span', async () => {
    const { sim, bridge, truth } = world;
    const seen = new Set<string>();
    for (const session of truth.sessions.filter((s) => s.deletedAt === null)) {
      const rig = new SessionRig(sim, bridge, session.id);
      const { look } = await rig.look();
      expect(look.idle).toBe(true);
      for (const root of rootsOf(truth, session.id)) {
        const trace = root.trace!;
        seen.add(root.kind!);
        const exported = rig.spansOfTrace(trace.traceId);
        if (root.kind === 'not_otlp') {
          expect(exported).toEqual([]);
          expect(rig.exported.get(syntheticSpanKey(root.turnId))?.attributes['assistants_bridge.trace_unavailable']).toBe('unreadable');
          expect(look.report.problems.length).toBeGreaterThan(0);
        } else if (trace.publishAt !== null && trace.tooLarge !== 'alone') {
          expect(exported.map((s) => s.key).sort()).toEqual(truthKeys(root));
        }
        if (root.kind === 'invalid_ids') {
          const refused = look.report.problems.filter((p) => p.code === 'invalid_span_id' || p.code === 'invalid_trace_id');
          expect(refused.reduce((n, p) => n + p.count, 0)).toBeGreaterThanOrEqual(trace.invalidSpans);
        }
        if (root.kind === 'many_spans') expect(exported.length).toBeGreaterThanOrEqual(10_000);
        if (root.kind === 'big_values')
          for (const span of exported)
            for (const value of Object.values(span.attributes))
              if (typeof value === 'string') expect(value.length).toBeLessThanOrEqual(8192);
      }
      expect(rig.offeredTwice).toEqual([]);
    }
    for (const kind of ['invalid_ids', 'big_values', 'unknown_fields', 'many_spans', 'not_otlp']) expect(seen).toContain(kind);
  });
});
