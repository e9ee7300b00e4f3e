// The agents source's API calls through the bridge's openai client and the budgeted fetch: what
// goes on the wire (paths, queries, the beta header, no budget headers), the route label and
// priority of each request, pages read as they come, and the API's errors as the bridge's.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/config/defaults.js';
import { BridgeError, EXIT, meaningOf } from '../../../src/core/errors.js';
import { createBudgetedFetch } from '../../../src/scheduler/budgeted-fetch.js';
import { RequestBudget, type AttemptStartEvent } from '../../../src/scheduler/request-budget.js';
import type { RunningSimulator } from '../../../src/simulator/index.js';
import { createApiClient } from '../../../src/api/client.js';
import { AgentsClient } from '../../../src/sources/agents/client.js';
import { json, startServer, type Handler, type TestServer } from '../../scheduler/http-fixture.js';
import { runTurn } from '../../simulator/agents-helpers.js';
import { startFrozen } from '../../simulator/helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function clientFor(baseURL: string, apiKey: string, headers: Record<string, string> = {}) {
  const budget = new RequestBudget({ rpm: 100_000 });
  const starts: AttemptStartEvent[] = [];
  budget.on('attemptStart', (event) => starts.push(event));
  cleanups.push(() => budget.shutdown());
  const fetch = createBudgetedFetch(budget, { backoffBaseMs: 1, backoffCapMs: 5 });
  const client = createApiClient({ ...DEFAULTS.api, baseURL, apiKey, headers, timeoutMs: 5_000 }, fetch);
  return { api: new AgentsClient(client), starts };
}

async function fixture(handler: Handler, headers: Record<string, string> = {}) {
  const server: TestServer = await startServer(handler);
  cleanups.push(() => server.close());
  return { server, ...clientFor(`${server.url}/v1`, 'sk-test', headers) };
}

const turn = (id: string) => ({ id, object: 'agent.session.turn', status: 'completed', subagent_id: null, vendor: { kept: true } });

describe('on the wire', () => {
  it('pages asked oldest first after an exclusive cursor, with the beta header and nothing of the budget', async () => {
    const { server, api, starts } = await fixture(
      (_req, res) => json(res, 200, { object: 'list', data: [turn('t1'), turn('t2')], has_more: true }),
      {
        'OpenAI-Beta': 'assistants=v2',
      },
    );
    const page = await api.listTurns('sess_1', 'turn_0', 50, 'finishing');
    expect(page).toEqual({ items: [turn('t1'), turn('t2')], hasMore: true, lastId: 't2' });
    await api.listTraces('sess_1', null, 250);
    await api.retrieveSession('sess_1');
    expect(server.hits.map((h) => `${h.method} ${h.path}`)).toEqual([
      'GET /v1/agents/sessions/sess_1/turns?order=asc&limit=50&after=turn_0',
      // The API's largest page is 100.
      'GET /v1/agents/sessions/sess_1/traces?order=asc&limit=100',
      'GET /v1/agents/sessions/sess_1',
    ]);
    for (const hit of server.hits) {
      // A configured default beta header (the Assistants one) does not replace the Agents API's.
      expect(hit.headers['openai-beta']).toBe('agents=v1');
      expect(Object.keys(hit.headers).filter((h) => h.startsWith('x-budget'))).toEqual([]);
    }
    expect(starts.map((s) => `${s.priority} ${s.route}`)).toEqual([
      'finishing /agents/sessions/{session_id}/turns',
      'finishing /agents/sessions/{session_id}/traces',
      'finishing /agents/sessions/{session_id}',
    ]);
  });

  it('reads a page as it comes: has_more left out is no more, an empty page ends the list, data that is no list is empty', async () => {
    const bodies: unknown[] = [{ data: [turn('t1')] }, { data: [], has_more: true }, { data: 'nope', has_more: true }];
    const { api } = await fixture((_req, res, _hit, hits) => json(res, 200, bodies[hits.length - 1]));
    expect(await api.listTurns('s', null, 100, 'discovery')).toEqual({ items: [turn('t1')], hasMore: false, lastId: 't1' });
    expect(await api.listTurns('s', null, 100, 'discovery')).toEqual({ items: [], hasMore: false, lastId: null });
    expect(await api.listTurns('s', null, 100, 'discovery')).toEqual({ items: [], hasMore: false, lastId: null });
  });
});

describe('errors', () => {
  const status =
    (code: number, times = Infinity): Handler =>
    (_req, res, _hit, hits) =>
      hits.length <= times
        ? json(res, code, { error: { message: `status ${code}`, type: 'x', param: null, code: null } })
        : json(res, 200, { data: [] });

  it('a traces page refused as too large (400 or 413) is an answer, not an error', async () => {
    for (const code of [400, 413]) {
      const { api, server } = await fixture(status(code));
      expect(await api.listTraces('s', 'turn_1', 8)).toEqual({ refused: true, status: code });
      expect(server.hits).toHaveLength(1);
    }
  });

  it('401 and 403 are fatal, 400 on the turns list too; 404 means the session is gone', async () => {
    const cases: [number, string][] = [
      [401, 'fatal'],
      [403, 'fatal'],
      [400, 'fatal'],
      [404, 'gone'],
    ];
    for (const [code, meaning] of cases) {
      const { api } = await fixture(status(code));
      const error: unknown = await api.listTurns('sess_1', null, 100, 'discovery').catch((e: unknown) => e);
      expect([code, meaningOf(error)]).toEqual([code, meaning]);
      expect(error).toBeInstanceOf(BridgeError);
      if (meaning === 'fatal') expect((error as BridgeError).exitCode).toBe(EXIT.usage);
      const traces: unknown = await api.listTraces('sess_1', null, 1).catch((e: unknown) => e);
      if (code !== 400) expect(meaningOf(traces)).toBe(meaning);
    }
  });

  it('429 and 5xx are retried under the budget; past the retries they are transient', async () => {
    const passing = await fixture(status(503, 2));
    expect(await passing.api.listTraces('s', null, 10)).toEqual({ refused: false, items: [], hasMore: false, lastId: null });
    expect(passing.server.hits).toHaveLength(3);
    for (const code of [429, 500]) {
      const { api, server } = await fixture((_req, res) =>
        json(res, code, { error: { message: 'busy', type: 'x', param: null, code: null } }, { 'retry-after-ms': '1' }),
      );
      const error: unknown = await api.retrieveSession('s').catch((e: unknown) => e);
      expect(meaningOf(error)).toBe('transient');
      expect(server.hits).toHaveLength(6);
    }
  });
});

describe('against the simulator', () => {
  let sim: RunningSimulator;

  it('a wrong key is fatal and an unknown session gone, each in the OpenAI error shape the simulator sends', async () => {
    sim = await startFrozen({ seed: 70, agents: { sessions: 0, backfillTurns: 0, liveSessions: 0, liveTurns: 0 } });
    cleanups.push(() => sim.shutdown());
    const turnDone = await runTurn(sim, { kind: 'message', publishDelaySeconds: 0 });
    const good = clientFor(sim.url, sim.apiKey).api;
    expect((await good.listTurns(turnDone.sessionId, null, 100, 'discovery')).items).toHaveLength(1);
    expect(await good.retrieveSession(turnDone.sessionId)).toMatchObject({ id: turnDone.sessionId, object: 'agent.session' });
    expect(meaningOf(await good.listTraces('sess_unknown', null, 10).catch((e: unknown) => e))).toBe('gone');
    const wrong: unknown = await clientFor(sim.url, 'sk-wrong-key-1234')
      .api.listTurns(turnDone.sessionId, null, 100, 'discovery')
      .catch((e: unknown) => e);
    expect(meaningOf(wrong)).toBe('fatal');
    expect(String(wrong)).not.toContain('sk-wrong-key-1234');
  });
});
