// What goes wrong on the way: 429s and 5xx (retried inside a look; a look that still fails commits
// nothing and the next one starts where it would have), credentials refused, a service without
// Foundry's list, hostile responses from the simulator, and list pages no documented service sends
// (from a small server of this test's own), none of which stops a look or traces anything twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meaningOf } from '../../../src/core/errors.js';
import type { RunningSimulator } from '../../../src/simulator/index.js';
import { AuthFailure } from '../../../src/api/errors.js';
import { FoundryAgentGone, FoundryListUnavailable, lookAtFoundryAgent } from '../../../src/sources/responses/agent-look.js';
import { responseKey } from '../../../src/sources/responses/ids.js';
import { lookAtResponse } from '../../../src/sources/responses/response-look.js';
import { advance, startFrozen } from '../../simulator/helpers.js';
import {
  AgentRig,
  agentResponses,
  apiRequests,
  bridgeFor,
  fakeFoundry,
  roundTrip,
  settingsWith,
  startResponse,
  truthOf,
} from './look-rig.js';

const AGENT = 'research-scout';

describe('429s and 5xx', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startFrozen({ dialect: 'azure-foundry', seed: 8, responses: { world: { backfillResponses: 500, liveResponses: 0 } } });
  });
  afterAll(() => sim.shutdown());

  it('are retried within the look: the same responses, each once, and the pages counted once', async () => {
    const busy = 'support-triage';
    const expected = agentResponses(await truthOf(sim), busy);
    expect(expected.length).toBeGreaterThan(100);
    sim.setFaults({ rateLimit429: { every: 2, headers: 'retry-after-ms', retryAfterMs: 20 }, serverError: { every: 3, status: 503 } });
    try {
      const bridge = bridgeFor(sim);
      const rig = new AgentRig(sim, bridge, busy, settingsWith(sim));
      const before = apiRequests(sim);
      await rig.lookToEnd();
      const sent = apiRequests(sim).slice(before.length);
      expect(rig.tracedIds().sort()).toEqual(expected.map((r) => r.id).sort());
      expect(rig.offeredTwice).toEqual([]);
      expect(rig.listRequests()).toBe(Math.ceil(expected.length / 100));
      expect(sent.filter((r) => r.status === 200)).toHaveLength(rig.listRequests());
      expect(sent.some((r) => r.status === 429)).toBe(true);
      expect(sent.some((r) => r.status === 503)).toBe(true);
      // Every attempt took its own slot from the budget, under the list's label.
      expect(bridge.starts.filter((s) => s.route === '/responses')).toHaveLength(sent.length);
    } finally {
      sim.setFaults({});
    }
  });

  it('that outlast the retries fail the look (transient) and commit nothing; the next look does it all, once', async () => {
    const expected = agentResponses(await truthOf(sim), AGENT);
    const rig = new AgentRig(sim, bridgeFor(sim, { maxAttempts: 2 }), AGENT, settingsWith(sim));
    sim.setFaults({ serverError: { every: 1, status: 500 } });
    const failed = await rig.look().catch((e: unknown) => e);
    sim.setFaults({});
    expect(meaningOf(failed)).toBe('transient');
    expect(rig.cursor).toBeNull();
    await rig.lookToEnd();
    expect(rig.tracedIds().sort()).toEqual(expected.map((r) => r.id).sort());
    // A later page failing: the pages before it are read again, nothing is committed twice.
    const id = await startResponse(sim, { agent: AGENT, kind: 'message', background: false });
    await advance(sim, 2);
    sim.setFaults({ serverError: { every: 1, status: 502 } });
    expect(meaningOf(await rig.look().catch((e: unknown) => e))).toBe('transient');
    sim.setFaults({});
    const { look } = await rig.look();
    expect(look.commit.spans.every((s) => s.key === responseKey(id))).toBe(true);
    expect(rig.offeredTwice).toEqual([]);
  });

  it('on a followed response fail its look (transient), which is tried again', async () => {
    const id = await startResponse(sim, { agent: AGENT, kind: 'slow_queue', background: true });
    await advance(sim, 1);
    const rig = new AgentRig(sim, bridgeFor(sim, { maxAttempts: 1 }), AGENT, settingsWith(sim), 1_700_000_000);
    await rig.lookToEnd();
    expect(rig.units.has(id)).toBe(true);
    sim.setFaults({ rateLimit429: { every: 1, headers: 'retry-after-ms', retryAfterMs: 1 } });
    const failed = await rig.lookAtUnits().catch((e: unknown) => e);
    sim.setFaults({});
    expect(meaningOf(failed)).toBe('transient');
    await advance(sim, 120);
    const [ended] = await rig.lookAtUnits();
    expect(ended!.commit.terminal).toBe(true);
    expect(rig.tracedIds()).toContain(id);
  });
});

describe('what the bridge cannot get past', () => {
  it('a refused key is fatal, worded for the Azure key', async () => {
    const sim = await startFrozen({ dialect: 'azure-foundry', responses: { world: { backfillResponses: 5, liveResponses: 0 } } });
    try {
      const rig = new AgentRig(sim, bridgeFor(sim, { api: { apiKey: 'wrong' } }), AGENT, settingsWith(sim));
      const error = await rig.look().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthFailure);
      expect(meaningOf(error)).toBe('fatal');
      expect((error as Error).message).not.toContain('wrong');
    } finally {
      await sim.shutdown();
    }
  });

  it('a service without the list by agent is fatal (exit 2), saying which endpoint is needed', async () => {
    const sim = await startFrozen({ dialect: 'azure-openai', responses: { world: { backfillResponses: 5, liveResponses: 0 } } });
    try {
      const rig = new AgentRig(sim, bridgeFor(sim, { api: { provider: 'azure-openai' } }), AGENT, settingsWith(sim));
      const error = await rig.look().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FoundryListUnavailable);
      expect(error).toMatchObject({ meaning: 'fatal', exitCode: 2 });
      expect((error as Error).message).toContain('/api/projects/<project>');
    } finally {
      await sim.shutdown();
    }
  });

  it('a list that answered before and now answers 404 says the agent is gone (untracked), not fatal', async () => {
    const foundry = await startFrozen({ dialect: 'azure-foundry', responses: { world: { backfillResponses: 40, liveResponses: 0 } } });
    const noList = await startFrozen({ dialect: 'azure-openai', responses: { world: { backfillResponses: 5, liveResponses: 0 } } });
    try {
      const rig = new AgentRig(foundry, bridgeFor(foundry), AGENT, settingsWith(foundry));
      await rig.lookToEnd();
      const later = new AgentRig(noList, bridgeFor(noList, { api: { provider: 'azure-openai' } }), AGENT, settingsWith(noList));
      later.cursor = rig.cursor;
      const error = await later.look().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FoundryAgentGone);
      expect(meaningOf(error)).toBe('gone');
    } finally {
      await foundry.shutdown();
      await noList.shutdown();
    }
  });

  it('Entra ID: the bearer token the credential gives is what authorizes the calls', async () => {
    const sim = await startFrozen({ dialect: 'azure-foundry', responses: { world: { backfillResponses: 30, liveResponses: 0 } } });
    try {
      const scopes: string[] = [];
      const credential = (token: string) => () =>
        Promise.resolve({
          getToken: (scope: string | string[]) => {
            scopes.push(String(scope));
            return Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3_600_000 });
          },
        });
      const entra = { credential: { auth: 'entra-id' as const, scope: 'https://ai.azure.com/.default' }, apiKey: null };
      const good = new AgentRig(
        sim,
        bridgeFor(sim, { api: entra, auth: { credential: credential(sim.apiKey) } }),
        AGENT,
        settingsWith(sim),
      );
      await good.lookToEnd();
      expect(good.tracedIds().length).toBe(agentResponses(await truthOf(sim), AGENT).length);
      expect(scopes[0]).toBe('https://ai.azure.com/.default');
      const bad = new AgentRig(sim, bridgeFor(sim, { api: entra, auth: { credential: credential('expired') } }), AGENT, settingsWith(sim));
      expect(await bad.look().catch((e: unknown) => e)).toBeInstanceOf(AuthFailure);
    } finally {
      await sim.shutdown();
    }
  });
});

describe('hostile responses from the simulator', () => {
  it('unknown item types, 1 MB arguments and a huge response are traced, within the limits', async () => {
    const sim = await startFrozen({ dialect: 'azure-foundry', responses: { world: { backfillResponses: 10, liveResponses: 0 } } });
    try {
      const settings = settingsWith(sim, { content: { capture: true, maxLength: 4096 } });
      const rig = new AgentRig(sim, bridgeFor(sim), AGENT, settings);
      await rig.lookToEnd();
      const ids: Record<string, string> = {};
      for (const kind of ['unknown_item', 'large_arguments', 'huge'])
        ids[kind] = await startResponse(sim, { agent: AGENT, kind, background: false });
      await advance(sim, 5);
      const { look } = await rig.look();
      expect(look.report.traced).toBe(3);
      const spans = (kind: string) => rig.exported.get(responseKey(ids[kind]!))!;
      expect(spans('unknown_item').some((s) => s.name.startsWith('execute_tool'))).toBe(true);
      const args = spans('large_arguments')
        .map((s) => s.attributes['gen_ai.tool.call.arguments'])
        .find((v) => typeof v === 'string');
      expect(typeof args === 'string' && args.length).toBeLessThanOrEqual(4096);
      expect(spans('huge').length).toBeGreaterThan(100);
      for (const span of look.commit.spans)
        for (const value of Object.values(span.attributes))
          if (typeof value === 'string') expect(value.length).toBeLessThanOrEqual(settings.limits.attributeValueLengthLimit);
    } finally {
      await sim.shutdown();
    }
  });
});

describe('list pages no documented service sends', () => {
  it('are read as far as they make sense: every response traced once, nothing else', async () => {
    const T = 1_760_000_000;
    const agent = { type: 'agent_id', name: AGENT, version: '1' };
    const longId = `resp_${'x'.repeat(5000)}`;
    const items: unknown[] = [
      'not a response',
      null,
      42,
      { object: 'response', created_at: T },
      { id: 'resp_ok', created_at: T + 1, status: 'completed', agent, output: 'not a list', usage: 'none' },
      { id: 'resp_no_time', status: 'completed', agent, model: 7 },
      { id: longId, created_at: T + 2, status: 'completed', agent },
      { id: 'resp with spaces', created_at: T + 3, status: 'in_progress', agent },
      { id: 'resp_thinking', created_at: T + 4, status: 'thinking', agent, output: [{ type: 'telepathy_call', id: 'tp_1' }] },
      { id: 'resp_odd_time', created_at: 'yesterday', status: 'failed', agent, error: { code: 123, message: 'x'.repeat(100_000) } },
    ];
    const fake = await fakeFoundry(items);
    try {
      const endpoint = { url: fake.url, apiKey: 'k' };
      const settings = settingsWith(endpoint);
      const { api } = bridgeFor(endpoint);
      const look = await lookAtFoundryAgent({ agentName: AGENT, cursor: null, sinceSeconds: 0, nowSeconds: T + 100 }, { api, settings });
      expect(look.report).toMatchObject({ notResponses: 4, traced: 4, tracked: 1, tracedUnfinished: 1 });
      const keys = new Set(look.commit.spans.map((s) => s.key));
      expect(keys).toEqual(new Set(['resp_ok', 'resp_no_time', longId, 'resp with spaces', 'resp_odd_time'].map((id) => responseKey(id))));
      expect(look.commit.track.map((t) => t.id)).toEqual(['resp_thinking']);
      expect(fake.requests).toHaveLength(1);
      const again = await lookAtFoundryAgent(
        { agentName: AGENT, cursor: roundTrip(look.commit.cursor), sinceSeconds: 0, nowSeconds: T + 200 },
        { api, settings },
      );
      expect(again.commit.spans).toEqual([]);
      expect(again.commit.track).toEqual([]);
      expect(again.unchanged).toBe(true);
      // The followed one, in a status no documentation names, is looked at as running until it ends.
      const unit = look.commit.track[0]!;
      const followed = await lookAtResponse(
        { responseId: unit.id, cursor: roundTrip(unit.cursor), frozen: roundTrip(unit.frozen), nowSeconds: T + 300 },
        { api, settings },
      );
      expect(followed.pace).toEqual({ kind: 'running', queued: false, changed: false });
    } finally {
      fake.server.close();
    }
  });
});
