// A Foundry agent's responses watched by looks against the simulator's Foundry dialect over HTTP:
// a backfill at the least possible requests, new responses between looks, unfinished ones handed
// over and traced once they end, responses the eventually consistent list shows late, a deleted
// anchor, --since, the request labels and api-version on the wire.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSimulator, TruthResponse } from '../../../src/simulator/index.js';
import { isToolCallType } from '../../../src/sources/responses/tool-items.js';
import { responseKey, responseSpanId, traceIdForResponse } from '../../../src/sources/responses/ids.js';
import { isAgentIdle } from '../../../src/sources/responses/look-policy.js';
import { advance, startFrozen } from '../../simulator/helpers.js';
import {
  AgentRig,
  agentResponses,
  apiRequests,
  bridgeFor,
  deleteResponse,
  settingsWith,
  simNow,
  startResponse,
  truthOf,
} from './look-rig.js';

const AGENT = 'support-triage';
const pages = (n: number): number => Math.max(1, Math.ceil(n / 100));
const toolCalls = (r: TruthResponse): number =>
  (r.response.output as { type?: unknown }[]).filter((i) => typeof i.type === 'string' && isToolCallType(i.type)).length;

describe("a backfill of an agent's finished responses", () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startFrozen({ dialect: 'azure-foundry', seed: 3, responses: { world: { backfillResponses: 600, liveResponses: 0 } } });
  });
  afterAll(() => sim.shutdown());

  it('traces each once in one request per page of the list: the least possible', async () => {
    const truth = await truthOf(sim);
    const expected = agentResponses(truth, AGENT);
    expect(expected.length).toBeGreaterThan(200);
    expect(expected.every((r) => r.finished)).toBe(true);
    const rig = new AgentRig(sim, bridgeFor(sim), AGENT, settingsWith(sim));
    const before = apiRequests(sim).length;
    const looks = await rig.lookToEnd();

    expect(looks).toHaveLength(1);
    expect(rig.tracedIds().sort()).toEqual(expected.map((r) => r.id).sort());
    expect(rig.offeredTwice).toEqual([]);
    expect(rig.responsesCounted()).toBe(expected.length);
    const requests = apiRequests(sim).length - before;
    const least = pages(expected.length);
    // 209 responses: 3 requests, the 3 pages of the list (1.00x the least possible).
    expect(requests).toBe(least);
    expect(rig.listRequests()).toBe(requests);
    expect(requests / least).toBeLessThanOrEqual(1.1);
    expect(isAgentIdle(rig.parsedCursor)).toBe(true);

    for (const r of expected) {
      const spans = rig.exported.get(responseKey(r.id))!;
      const root = spans.find((s) => s.parent === null || s.parent.remote)!;
      expect(root.name).toBe(`invoke_agent ${AGENT}`);
      expect(root.attributes['gen_ai.agent.name']).toBe(AGENT);
      expect(root.attributes['gen_ai.provider.name']).toBe('azure.ai.foundry');
      expect(root.status.code).toBe(r.expectedStatus === 'failed' ? 2 : 0);
      expect(spans.filter((s) => s.name.startsWith('execute_tool'))).toHaveLength(toolCalls(r));
      expect(spans.every((s) => s.unit === AGENT)).toBe(true);
    }
  });

  it('reads back a page at a time across looks, at the same cost, committing as it goes', async () => {
    const expected = agentResponses(await truthOf(sim), AGENT);
    const rig = new AgentRig(sim, bridgeFor(sim), AGENT, settingsWith(sim, { pagesPerLook: 1 }));
    const looks = await rig.lookToEnd();
    expect(looks.map((l) => l.pace.kind)).toEqual([...Array<string>(pages(expected.length) - 1).fill('more'), 'listed']);
    expect(looks.map((l) => l.idle)).toEqual(looks.map((l) => l.pace.kind === 'listed'));
    expect(looks.every((l) => l.commit.spans.length > 0)).toBe(true);
    expect(rig.tracedIds().sort()).toEqual(expected.map((r) => r.id).sort());
    expect(rig.offeredTwice).toEqual([]);
    expect(rig.listRequests()).toBe(pages(expected.length));
  });

  it('labels every request with its route and class and asks the v1 list by agent, oldest or newest first', async () => {
    const bridge = bridgeFor(sim);
    const rig = new AgentRig(sim, bridge, AGENT, settingsWith(sim));
    const before = apiRequests(sim).length;
    await rig.lookToEnd();
    await rig.look();
    const sent = apiRequests(sim).slice(before);
    expect(bridge.starts.map((s) => [s.route, s.priority])).toEqual(sent.map(() => ['/responses', 'discovery']));
    for (const request of sent) {
      const query = new URLSearchParams(request.query);
      expect(request.path).toBe('/api/projects/sim-project/openai/v1/responses');
      expect(query.get('api-version')).toBe('v1');
      expect(query.get('agent_name')).toBe(AGENT);
      expect(query.get('limit')).toBe('100');
    }
    // The first look reads back newest first; later looks read on oldest first after the anchor.
    expect(sent.map((r) => new URLSearchParams(r.query).get('order'))).toEqual([...Array<string>(sent.length - 1).fill('desc'), 'asc']);
    expect(new URLSearchParams(sent.at(-1)!.query).get('after')).toBe(rig.parsedCursor!.anchor!.id);
  });

  it('sends a dated api-version configured for classic agents as v1 on these paths', async () => {
    const rig = new AgentRig(sim, bridgeFor(sim, { api: { apiVersion: '2025-05-15-preview' } }), AGENT, settingsWith(sim));
    const before = apiRequests(sim).length;
    await rig.lookToEnd();
    expect(
      apiRequests(sim)
        .slice(before)
        .map((r) => new URLSearchParams(r.query).get('api-version')),
    ).toEqual(['v1', 'v1', 'v1']);
  });

  it('costs one request per look afterwards, re-reading the overlap and sending nothing twice', async () => {
    const rig = new AgentRig(sim, bridgeFor(sim), AGENT, settingsWith(sim));
    await rig.lookToEnd();
    const overlap = rig.parsedCursor!.window.length;
    expect(overlap).toBeGreaterThan(1);
    for (let i = 0; i < 3; i += 1) {
      const { look, requests } = await rig.look();
      expect(requests).toHaveLength(1);
      expect(look.unchanged).toBe(true);
      expect(look.report.alreadySeen).toBe(overlap);
      expect(look.pace).toEqual({ kind: 'listed', foundNew: false });
    }
    expect(rig.offeredTwice).toEqual([]);
  });

  it('traces only responses created since --since, reading back no further than the first before it', async () => {
    const all = agentResponses(await truthOf(sim), AGENT);
    const since = all[all.length - 150]!.createdAt;
    const expected = all.filter((r) => r.createdAt >= since);
    const rig = new AgentRig(sim, bridgeFor(sim), AGENT, settingsWith(sim), since);
    const before = apiRequests(sim).length;
    await rig.lookToEnd();
    expect(rig.tracedIds().sort()).toEqual(expected.map((r) => r.id).sort());
    expect(apiRequests(sim).length - before).toBe(pages(expected.length + 2));
    expect(rig.parsedCursor!.since).toBe(since);
    // A restart with another --since keeps the recorded start point.
    const later = new AgentRig(sim, bridgeFor(sim), AGENT, settingsWith(sim), since + 10_000);
    later.cursor = rig.cursor;
    await later.look();
    expect(later.parsedCursor!.since).toBe(since);
  });

  it('followed from now (the default start point), costs one request and traces none of its past', async () => {
    const now = await simNow(sim);
    const rig = new AgentRig(sim, bridgeFor(sim), AGENT, settingsWith(sim), now);
    const before = apiRequests(sim).length;
    const [look] = await rig.lookToEnd();
    expect(apiRequests(sim).length - before).toBe(1);
    expect(look!.commit.spans).toEqual([]);
    expect(look!.report.beforeStart).toBeGreaterThan(1);
    expect(rig.parsedCursor!.anchor).not.toBeNull();
  });

  it('links a response to the one it continues, in the trace that one joined', async () => {
    const truth = await truthOf(sim);
    const rig = new AgentRig(sim, bridgeFor(sim), AGENT, settingsWith(sim));
    await rig.lookToEnd();
    const byId = new Map(truth.responses.map((r) => [r.id, r]));
    const chained = agentResponses(
      truth,
      AGENT,
      (r) => r.previousResponseId !== null && byId.get(r.previousResponseId)?.agent?.name === AGENT,
    );
    expect(chained.length).toBeGreaterThan(3);
    for (const r of chained) {
      const previous = byId.get(r.previousResponseId!)!;
      const root = rig.exported.get(responseKey(r.id))!.find((s) => s.parent === null || s.parent.remote)!;
      const traceparent = (previous.response.metadata as Record<string, string>).traceparent;
      expect(root.links).toEqual([
        expect.objectContaining({
          spanId: responseSpanId(previous.id),
          traceId: traceparent ? traceparent.split('-')[1] : traceIdForResponse(previous.id),
        }),
      ]);
    }
  });
});

describe('a place a look stopped at, deleted before the next look', () => {
  let sim: RunningSimulator;
  beforeEach(async () => {
    sim = await startFrozen({ dialect: 'azure-foundry', seed: 3, responses: { world: { backfillResponses: 600, liveResponses: 0 } } });
  });
  afterEach(() => sim.shutdown());

  it.each([
    ['before', 600],
    ['after', 60],
  ])('while reading back (the new anchor read %s it): nothing lost, nothing repeated', async (_when, overlapSeconds) => {
    const expected = agentResponses(await truthOf(sim), AGENT);
    const rig = new AgentRig(sim, bridgeFor(sim), AGENT, settingsWith(sim, { pageSize: 10, pagesPerLook: 2, overlapSeconds }));
    await rig.look();
    const back = rig.parsedCursor!.back!;
    expect(back.anchor === null).toBe(overlapSeconds === 600);
    await deleteResponse(sim, back.after!.id);
    const looks = await rig.lookToEnd();
    expect(looks[0]!.report.lostPlace).toBe(1);
    expect(rig.tracedIds().sort()).toEqual(expected.map((r) => r.id).sort());
    expect(rig.offeredTwice).toEqual([]);
    expect(rig.responsesCounted()).toBe(expected.length);
  });

  it('while reading on: it reads again from the anchor, nothing lost, nothing repeated', async () => {
    const rig = new AgentRig(sim, bridgeFor(sim), AGENT, settingsWith(sim, { pageSize: 10 }));
    await rig.lookToEnd();
    const ids: string[] = [];
    for (let i = 0; i < 30; i += 1) ids.push(await startResponse(sim, { agent: AGENT, kind: 'message', background: false }));
    await advance(sim, 2);
    rig.settings = { ...rig.settings, pagesPerLook: 2 };
    const first = (await rig.look()).look;
    expect(first.pace).toEqual({ kind: 'more' });
    await deleteResponse(sim, rig.parsedCursor!.resume!);
    const looks = await rig.lookToEnd();
    expect(looks[0]!.report.lostPlace).toBe(1);
    expect(
      rig
        .tracedIds()
        .filter((id) => ids.includes(id))
        .sort(),
    ).toEqual([...ids].sort());
    expect(rig.offeredTwice).toEqual([]);
  });
});

describe('responses that come while the agent is watched', () => {
  let sim: RunningSimulator;
  let rig: AgentRig;
  beforeAll(async () => {
    sim = await startFrozen({ dialect: 'azure-foundry', seed: 11, responses: { world: { backfillResponses: 40, liveResponses: 0 } } });
    rig = new AgentRig(sim, bridgeFor(sim), AGENT, settingsWith(sim));
    await rig.lookToEnd();
  });
  afterAll(() => sim.shutdown());
  afterEach(() => expect(rig.offeredTwice).toEqual([]));

  it('traces new finished responses at the next look, in its one request', async () => {
    const ids = [
      await startResponse(sim, { agent: AGENT, kind: 'message', background: false }),
      await startResponse(sim, { agent: AGENT, kind: 'function_call', background: false }),
    ];
    await startResponse(sim, { agent: 'code-reviewer', kind: 'message', background: false });
    await advance(sim, 2);
    const { look, requests } = await rig.look();
    expect(requests).toHaveLength(1);
    expect(look.report.traced).toBe(2);
    expect(look.pace).toEqual({ kind: 'listed', foundNew: true });
    expect(look.commit.spans.map((s) => s.key)).toEqual(expect.arrayContaining(ids.map(responseKey)));
    expect(new Set(look.commit.spans.map((s) => s.key)).size).toBe(2);
    // Made while the agent was watched: news, not history.
    expect(look.commit.observations.every((o) => !o.history)).toBe(true);
    expect(look.commit.spans.some((s) => s.lagSample)).toBe(true);
  });

  it('hands an unfinished response over, looks at it like a live run, and traces it once when it ends', async () => {
    const id = await startResponse(sim, { agent: AGENT, kind: 'slow_queue', background: true });
    const truth = (await truthOf(sim)).responses.find((r) => r.id === id)!;
    await advance(sim, 1);
    const { look } = await rig.look();
    expect(look.report.tracked).toBe(1);
    expect(look.commit.track).toEqual([expect.objectContaining({ kind: 'response', id, parent: AGENT })]);
    expect(look.commit.spans).toEqual([]);

    const [first] = await rig.lookAtUnits();
    expect(first!.pace).toEqual({ kind: 'running', queued: true, changed: false });
    expect(first!.unchanged).toBe(true);
    expect(first!.requests).toEqual({ retrieve: 1 });
    await advance(sim, truth.endAt - (await simNow(sim)) - 1);
    const [during] = await rig.lookAtUnits();
    expect(during!.pace).toMatchObject({ kind: 'running', changed: true });
    expect(during!.commit.terminal).toBe(false);

    // Listed again while it runs: already handed over, never traced by the agent's look.
    expect((await rig.look()).look.commit.spans).toEqual([]);
    await advance(sim, 2);
    const [ended] = await rig.lookAtUnits();
    expect(ended!.pace).toEqual({ kind: 'ended' });
    expect(ended!.commit.terminal).toBe(true);
    expect(ended!.commit.spans.every((s) => s.key === responseKey(id) && s.unit === AGENT)).toBe(true);
    expect(ended!.commit.observations.filter((o) => o.name === 'openai.responses')).toHaveLength(1);
    const after = (await rig.look()).look;
    expect(after.commit.spans).toEqual([]);
    expect(rig.tracedIds().filter((t) => t === id)).toHaveLength(1);
  });

  it('lets a response deleted before it ended go, with nothing traced', async () => {
    const id = await startResponse(sim, { agent: AGENT, kind: 'slow_queue', background: true });
    await advance(sim, 1);
    await rig.look();
    expect(rig.units.get(id)?.terminal).toBe(false);
    await deleteResponse(sim, id);
    const [gone] = await rig.lookAtUnits();
    expect(gone!.pace).toEqual({ kind: 'gone' });
    expect(gone!.commit).toMatchObject({ unit: id, spans: [], observations: [], terminal: true });
    expect(rig.exported.has(responseKey(id))).toBe(false);
  });

  it('sets a new anchor when the one it reads after is deleted, and misses nothing', async () => {
    const anchor = rig.parsedCursor!.anchor!;
    await deleteResponse(sim, anchor.id);
    const id = await startResponse(sim, { agent: AGENT, kind: 'web_search', background: false });
    await advance(sim, 2);
    const { look, requests } = await rig.look();
    expect(look.report.reanchored).toBe(true);
    // The list after the unknown anchor, then one page read back from the newest.
    expect(requests.map((r) => new URLSearchParams(r.query).get('order'))).toEqual(['asc', 'desc']);
    expect(new Set(look.commit.spans.map((s) => s.key))).toEqual(new Set([responseKey(id)]));
    expect(rig.parsedCursor!.anchor!.id).not.toBe(anchor.id);
    const next = await rig.look();
    expect(next.look.report.reanchored).toBe(false);
    expect(next.requests).toHaveLength(1);
    expect(next.look.unchanged).toBe(true);
  });
});

describe("Foundry's eventually consistent list", () => {
  /** A response the list shows 40 s late, behind three made 5, 10 and 15 s after it; looks at +20 s and +45 s. */
  async function lateBehindNewer(overlapSeconds: number) {
    const sim = await startFrozen({
      dialect: 'azure-foundry',
      seed: 11,
      responses: { world: { backfillResponses: 40, liveResponses: 0 } },
    });
    try {
      const rig = new AgentRig(sim, bridgeFor(sim), AGENT, settingsWith(sim, { overlapSeconds }));
      await rig.lookToEnd();
      const late = await startResponse(sim, { agent: AGENT, kind: 'message', background: false, listLagSeconds: 40 });
      const newer: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        await advance(sim, 5);
        newer.push(await startResponse(sim, { agent: AGENT, kind: 'message', background: false }));
      }
      await advance(sim, 5);
      const first = (await rig.look()).look;
      await advance(sim, 25);
      const second = await rig.look();
      const third = (await rig.look()).look;
      return { rig, late, newer, first, second, third };
    } finally {
      await sim.shutdown();
    }
  }

  it('catches a response shown late behind newer ones at the next look, once, within the overlap', async () => {
    const { rig, late, newer, first, second, third } = await lateBehindNewer(600);
    expect(first.commit.spans.map((s) => s.key)).toEqual(newer.map(responseKey));
    expect(second.requests).toHaveLength(1);
    expect(second.look.commit.spans.map((s) => s.key)).toEqual([responseKey(late)]);
    expect(second.look.report).toMatchObject({ traced: 1, alreadySeen: expect.any(Number) as number });
    expect(third.commit.spans).toEqual([]);
    expect(rig.offeredTwice).toEqual([]);
    expect(rig.responsesCounted()).toBe(rig.tracedIds().length);
  });

  it('misses one shown later than the overlap reaches back (the overlap is what catches it)', async () => {
    const { rig, late, newer, second } = await lateBehindNewer(3);
    // The anchor moved past it (to the first of the newer ones): the list after it never shows it.
    expect(rig.parsedCursor!.anchor!.id).toBe(newer[0]);
    expect(second.look.report.traced).toBe(0);
    expect(rig.exported.has(responseKey(late))).toBe(false);
  });
});
