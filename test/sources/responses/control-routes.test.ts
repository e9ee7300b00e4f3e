// The responses source's control routes for single responses (`/v1/responses`), over real HTTP in
// front of a real control server, the responses watch and an in-memory state store: a response
// registered is tracked durably and looked at at once, listed, shown and removed; bad input gets a
// 400 naming the field; the token rules are those of every control route; and every API profile
// serves the routes (each reads a response by id).
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/config/defaults.js';
import { API_PROVIDERS, type ApiProvider, type BridgeConfig } from '../../../src/config/types.js';
import { startControlServer, type ControlServer } from '../../../src/control/server.js';
import type { RunningSimulator } from '../../../src/simulator/index.js';
import { RESPONSES_SOURCE } from '../../../src/sources/responses/registration.js';
import { FOUNDRY_AGENTS_DEFAULTS } from '../../../src/sources/responses/settings.js';
import { responseRef, ResponsesWatch } from '../../../src/sources/responses/watch.js';
import { openStateStore, type StateStore } from '../../../src/state/store.js';
import { call, errorOf } from '../../control/helpers.js';
import { startFrozen } from '../../simulator/helpers.js';
import { bridgeFor, foundryApi, HandLooks } from './look-rig.js';

const silent = pino({ level: 'silent' });

interface Rig {
  base: string;
  store: StateStore;
  looks: HandLooks;
  server: ControlServer;
  sim: RunningSimulator;
}

let rig: Rig | undefined;
afterEach(async () => {
  if (!rig) return;
  await rig.server.shutdown();
  await rig.store.shutdown();
  await rig.sim.shutdown();
  rig = undefined;
});

function watchFor(sim: RunningSimulator, store: StateStore, looks: HandLooks, provider: ApiProvider = 'azure-foundry'): ResponsesWatch {
  const config: BridgeConfig = { ...DEFAULTS, api: { ...foundryApi(sim), provider } };
  return new ResponsesWatch({
    config,
    settings: FOUNDRY_AGENTS_DEFAULTS,
    store,
    api: bridgeFor(sim).api,
    log: silent,
    looks,
    onCommitted: () => undefined,
    nowSeconds: () => 0,
  });
}

async function start(token: string | null = null): Promise<Rig> {
  const sim = await startFrozen({ dialect: 'azure-foundry', seed: 7, responses: { world: { backfillResponses: 0, liveResponses: 0 } } });
  const store = openStateStore(':memory:');
  const looks = new HandLooks();
  const watch = watchFor(sim, store, looks);
  watch.start();
  const server = await startControlServer({
    listen: '127.0.0.1:0',
    routes: RESPONSES_SOURCE.controlRoutes?.(watch, store, silent) ?? [],
    state: store,
    log: silent,
    token,
    readiness: () => ({ ready: true }),
  });
  rig = { base: `http://${server.address}`, store, looks, server, sim };
  return rig;
}

describe('POST/GET/DELETE /v1/responses', () => {
  it('tracks a response durably and looks at it at once: 201 when new, 200 when already tracked', async () => {
    const { base, store, looks } = await start();
    const first = await call(base, '/v1/responses', { body: { response_id: 'resp_app1' } });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ response: { response_id: 'resp_app1', status: null, terminal: false, origin: 'control' } });
    expect(store.getUnit(responseRef('resp_app1'))).toMatchObject({ origin: 'control', removed: false });
    expect(looks.due.has('response:resp_app1')).toBe(true);
    const again = await call(base, '/v1/responses', { body: { response_id: 'resp_app1' } });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ response: { response_id: 'resp_app1' } });
  });

  it('lists, shows and removes responses; a removed one is 404, stops being looked at, and can be tracked again', async () => {
    const { base, looks } = await start();
    for (const id of ['resp_a', 'resp_b']) expect((await call(base, '/v1/responses', { body: { response_id: id } })).status).toBe(201);
    const list = (await call(base, '/v1/responses')).json as { responses: { response_id: string; added_at: string }[] };
    expect(list.responses.map((r) => r.response_id)).toEqual(['resp_a', 'resp_b']);
    expect(Number.isNaN(Date.parse(list.responses[0]!.added_at))).toBe(false);
    expect((await call(base, '/v1/responses/resp_b')).json).toMatchObject({ response: { response_id: 'resp_b', origin: 'control' } });

    const removed = await call(base, '/v1/responses/resp_b', { method: 'DELETE' });
    expect([removed.status, removed.json]).toEqual([200, { response_id: 'resp_b', removed: true }]);
    expect(looks.due.has('response:resp_b')).toBe(false);
    const gone = await call(base, '/v1/responses/resp_b');
    expect([gone.status, errorOf(gone)]).toEqual([404, { message: 'response resp_b is not tracked', field: 'response_id' }]);
    expect((await call(base, '/v1/responses/resp_b', { method: 'DELETE' })).status).toBe(404);
    expect(((await call(base, '/v1/responses')).json as { responses: unknown[] }).responses).toHaveLength(1);
    expect((await call(base, '/v1/responses', { body: { response_id: 'resp_b' } })).status).toBe(201);
    expect(looks.due.has('response:resp_b')).toBe(true);
  });

  it('answers 400 naming the field for a missing, mistyped or malformed id and for an unknown field', async () => {
    const { base } = await start();
    const cases: [unknown, string, string][] = [
      [{}, 'response_id', 'response_id is required'],
      [{ response_id: 42 }, 'response_id', 'response_id must be a string'],
      [{ response_id: 'resp/../x' }, 'response_id', "response_id must be 1 to 128 letters, digits, '_' or '-'"],
      [{ response_id: 'resp_1', run_id: 'x' }, 'run_id', 'unknown field; expected response_id'],
    ];
    for (const [body, field, message] of cases) {
      const answer = await call(base, '/v1/responses', { body });
      expect([answer.status, errorOf(answer)], JSON.stringify(body)).toEqual([400, { message, field }]);
    }
    const path = await call(base, '/v1/responses/bad%20id');
    expect([path.status, errorOf(path).field]).toEqual([400, 'response_id']);
  });

  it('with a token: 401 without it, served with it', async () => {
    const { base } = await start('s3cret');
    expect((await call(base, '/v1/responses', { body: { response_id: 'resp_t' } })).status).toBe(401);
    expect((await call(base, '/v1/responses')).status).toBe(401);
    const ok = await call(base, '/v1/responses', { body: { response_id: 'resp_t' }, headers: { authorization: 'Bearer s3cret' } });
    expect(ok.status).toBe(201);
  });
});

describe('every API profile', () => {
  it('serves /v1/responses (a response is read by id on each of them)', async () => {
    const sim = await startFrozen({ dialect: 'azure-foundry', seed: 8 });
    const store = openStateStore(':memory:');
    try {
      for (const provider of API_PROVIDERS) {
        const routes = RESPONSES_SOURCE.controlRoutes?.(watchFor(sim, store, new HandLooks(), provider), store, silent) ?? [];
        expect(
          routes.some((r) => r.path.test('/v1/responses')),
          provider,
        ).toBe(true);
        expect(routes.some((r) => r.path.test('/v1/responses/resp_1'))).toBe(true);
      }
    } finally {
      await store.shutdown();
      await sim.shutdown();
    }
  });
});
