// One response followed on its own: tracked with nothing recorded (its context is recorded at its
// first look, its spans its own unit's), looked at until it ends, then traced once; answers that are
// no response, and a response the service refuses to read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../../src/simulator/index.js';
import { responseKey } from '../../../src/sources/responses/ids.js';
import { lookAtResponse, type ResponseLook } from '../../../src/sources/responses/response-look.js';
import { advance, startFrozen } from '../../simulator/helpers.js';
import { bridgeFor, fakeFoundry, roundTrip, settingsWith, simNow, startResponse, truthOf } from './look-rig.js';

describe('a response tracked with nothing recorded', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startFrozen({ dialect: 'azure-foundry', seed: 21, responses: { world: { backfillResponses: 5, liveResponses: 0 } } });
  });
  afterAll(() => sim.shutdown());

  it('records its context at the first look, is looked at until it ends, and is traced once as its own unit', async () => {
    const id = await startResponse(sim, { agent: 'code-reviewer', kind: 'code_interpreter', background: true });
    const { api, starts } = bridgeFor(sim);
    const settings = settingsWith(sim);
    const end = (await truthOf(sim)).responses.find((r) => r.id === id)!.endAt;
    const firstSeen = await simNow(sim);
    let cursor: unknown = null;
    let frozen: unknown = null;
    const looks: ResponseLook[] = [];
    for (let i = 0; i < 200 && looks.at(-1)?.commit.terminal !== true; i += 1) {
      const look = await lookAtResponse({ responseId: id, cursor, frozen, nowSeconds: await simNow(sim) }, { api, settings });
      looks.push(look);
      cursor = roundTrip(look.commit.cursor);
      if (look.commit.frozen) frozen = roundTrip(look.commit.frozen);
      await advance(sim, 1);
    }
    const last = looks.at(-1)!;
    expect(last.pace).toEqual({ kind: 'ended' });
    expect(looks.filter((l) => l.commit.frozen !== undefined)).toEqual([looks[0]]);
    expect(looks[0]!.commit.frozen).toMatchObject({ owner: id, previous: null, context: { firstSeenSeconds: firstSeen } });
    expect(looks.filter((l) => l.commit.spans.length > 0)).toEqual([last]);
    expect(last.commit.spans.every((s) => s.key === responseKey(id) && s.unit === id)).toBe(true);
    expect(looks.length).toBeGreaterThanOrEqual(end - firstSeen);
    expect(looks.every((l) => l.requests.retrieve === 1)).toBe(true);
    expect(starts.map((s) => [s.route, s.priority])).toEqual(looks.map(() => ['/responses/{response_id}', 'finishing']));
    // Each look saw it move or not, as its status and items went.
    expect(looks.slice(0, -1).some((l) => l.pace.kind === 'running' && l.pace.changed)).toBe(true);
    expect(looks.slice(0, -1).some((l) => l.unchanged)).toBe(true);
  });

  it('is gone once deleted, with nothing traced', async () => {
    const { api } = bridgeFor(sim);
    const look = await lookAtResponse(
      { responseId: 'resp_never_was', cursor: null, frozen: null, nowSeconds: 0 },
      { api, settings: settingsWith(sim) },
    );
    expect(look).toMatchObject({ pace: { kind: 'gone' }, commit: { terminal: true, spans: [], observations: [] } });
  });
});

describe('answers no documented service gives', () => {
  it('a body that is no response (or another one) is nothing learned; a refused read (400) ends the unit', async () => {
    const fake = await fakeFoundry([], (id) =>
      id === 'resp_bad'
        ? { status: 400, body: { error: { code: 'invalid_id', message: 'bad id' } } }
        : { status: 200, body: id === 'resp_other' ? { id: 'resp_x', status: 'completed' } : ['no'] },
    );
    try {
      const endpoint = { url: fake.url, apiKey: 'k' };
      const { api } = bridgeFor(endpoint);
      const settings = settingsWith(endpoint);
      const cursor = { v: 1, status: 'queued', progress: 'p' };
      for (const id of ['resp_junk', 'resp_other']) {
        const look = await lookAtResponse({ responseId: id, cursor, frozen: null, nowSeconds: 1 }, { api, settings });
        expect(look).toMatchObject({ unreadable: true, unchanged: true, pace: { kind: 'running', queued: true, changed: false } });
        expect(look.commit).toMatchObject({ spans: [], terminal: false, cursor });
      }
      const refused = await lookAtResponse({ responseId: 'resp_bad', cursor, frozen: null, nowSeconds: 1 }, { api, settings });
      expect(refused).toMatchObject({ pace: { kind: 'gone' }, commit: { terminal: true, spans: [] } });
    } finally {
      fake.server.close();
    }
  });
});
