// The responses source at work over a real state store and the simulator's Foundry project, its
// looks driven by hand: an agent's look hands its unfinished responses over in the same
// transaction as its cursor, each then followed as a unit of its own to its end and traced once;
// a response added alone by id (what webhooks and the app will do) likewise; an agent whose list
// is gone stops being followed; and the store's handover rolls back with the commit it rides in.
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/config/defaults.js';
import type { BridgeConfig } from '../../../src/config/types.js';
import type { RunningSimulator } from '../../../src/simulator/index.js';
import { FoundryAgentGone } from '../../../src/sources/responses/agent-look.js';
import { responseKey, responseSpanId } from '../../../src/sources/responses/ids.js';
import type { SpanRecord } from '../../../src/core/span-record.js';
import { FOUNDRY_AGENTS_DEFAULTS } from '../../../src/sources/responses/settings.js';
import { announcedResponseId, ResponseWebhooks } from '../../../src/sources/responses/webhooks.js';
import type { WebhookEvent } from '../../../src/webhooks/handler.js';
import { agentRef, responseRef, ResponsesWatch } from '../../../src/sources/responses/watch.js';
import { OutboxFullError } from '../../../src/state/errors.js';
import { openStateStore, type StateStore } from '../../../src/state/store.js';
import { advance, startFrozen } from '../../simulator/helpers.js';
import { span } from '../../state/helpers.js';
import { bridgeFor, foundryApi, HandLooks, simNow, startResponse, truthOf } from './look-rig.js';

let sim: RunningSimulator;
const stores: StateStore[] = [];
beforeAll(async () => {
  sim = await startFrozen({ dialect: 'azure-foundry', seed: 41, responses: { world: { backfillResponses: 4, liveResponses: 0 } } });
});
afterAll(() => sim.shutdown());
afterEach(async () => {
  for (const s of stores.splice(0)) await s.shutdown();
});

function rig(): { watch: ResponsesWatch; store: StateStore; looks: HandLooks; now: { s: number } } {
  const store = openStateStore(':memory:');
  stores.push(store);
  const looks = new HandLooks();
  const now = { s: 0 };
  // From the start of time: what the simulator makes now is after it, whatever the wall clock says.
  const config: BridgeConfig = { ...DEFAULTS, api: foundryApi(sim), watch: { ...DEFAULTS.watch, sinceSeconds: 0 } };
  const watch = new ResponsesWatch({
    config,
    settings: FOUNDRY_AGENTS_DEFAULTS,
    store,
    api: bridgeFor(sim).api,
    log: pino({ level: 'silent' }),
    looks,
    onCommitted: () => undefined,
    nowSeconds: () => now.s,
  });
  watch.start();
  return { watch, store, looks, now };
}

/** Looks at `key` (at the simulator's now) until the unit ends or `max` looks, a second apart. */
async function lookUntilEnded(r: ReturnType<typeof rig>, key: string, max = 200): Promise<number> {
  let looks = 0;
  while (r.looks.due.has(key) && looks < max) {
    r.looks.due.delete(key);
    r.now.s = await simNow(sim);
    await r.watch.look(key);
    looks += 1;
    if (r.looks.due.has(key)) await advance(sim, 1);
  }
  return looks;
}

describe('ResponsesWatch', () => {
  it("hands an agent's unfinished response over in the agent look's transaction, then follows it to its end", async () => {
    const r = rig();
    const id = await startResponse(sim, { agent: 'support-triage', kind: 'function_call', background: true });
    expect(r.watch.addAgent('support-triage', 'control')).toBe(true);
    expect(r.watch.isIdle()).toBe(false);
    r.now.s = await simNow(sim);
    await r.watch.look('agent:support-triage');

    const unit = r.store.getUnit(responseRef(id));
    expect(unit).toMatchObject({ parent: 'support-triage', origin: 'discovery', terminal: false });
    expect(unit?.frozen).toMatchObject({ owner: 'support-triage' });
    expect(unit?.cursor).toMatchObject({ v: 1 });
    expect(r.store.getUnit(agentRef('support-triage'))?.cursor).not.toBeNull();
    expect([...r.looks.due.keys()]).toEqual(['agent:support-triage', `response:${id}`]);
    expect(r.watch.isIdle()).toBe(false);
    expect(r.watch.summary()).toEqual({ foundryAgents: 1, responses: 1 });

    await lookUntilEnded(r, `response:${id}`);
    expect(r.store.getUnit(responseRef(id))).toMatchObject({ terminal: true, status: 'completed' });
    const batch = r.store.outboxBatch(1000).map((i) => i.span);
    const own = batch.filter((s) => s.key === responseKey(id));
    expect(own.length).toBeGreaterThan(1);
    expect(own.every((s) => s.unit === id)).toBe(true);
    // Once: a second look at the agent finds it dealt with.
    r.now.s = await simNow(sim);
    await r.watch.look('agent:support-triage');
    expect(r.store.outboxBatch(1000).filter((i) => i.span.key === responseKey(id))).toHaveLength(own.length);
    expect(r.watch.isIdle()).toBe(true);
    expect(r.watch.progress()).toEqual({ tracked: 1, active: 0 });
  });

  it('follows a response added alone by id to its end, traced once as its own unit', async () => {
    const r = rig();
    const id = await startResponse(sim, { agent: null, kind: 'web_search', background: true });
    expect(r.watch.addResponse(id, 'webhook')).toBe(true);
    expect(r.watch.addResponse(id, 'webhook')).toBe(false);
    expect(r.watch.isIdle()).toBe(false);
    const looks = await lookUntilEnded(r, `response:${id}`);
    expect(looks).toBeGreaterThan(1);
    const truth = (await truthOf(sim)).responses.find((t) => t.id === id)!;
    expect(r.store.getUnit(responseRef(id))).toMatchObject({
      terminal: true,
      parent: null,
      origin: 'webhook',
      status: truth.expectedStatus,
    });
    expect(r.store.getUnit(responseRef(id))?.frozen).toMatchObject({ owner: id });
    const spans = r.store.outboxBatch(1000).map((i) => i.span);
    expect(spans.length).toBeGreaterThan(0);
    expect(spans.every((s) => s.key === responseKey(id) && s.unit === id)).toBe(true);
    expect(spans[0]?.attributes['gen_ai.response.id']).toBe(id);
    expect(r.watch.isIdle()).toBe(true);
    // Added again once ended: nothing to look at, nothing sent twice.
    r.watch.addResponse(id, 'webhook');
    expect(r.looks.due.has(`response:${id}`)).toBe(false);
  });

  it('a response deleted while followed ends with nothing traced', async () => {
    const r = rig();
    expect(r.watch.addResponse('resp_never_was', 'control')).toBe(true);
    await lookUntilEnded(r, 'response:resp_never_was');
    expect(r.store.getUnit(responseRef('resp_never_was'))).toMatchObject({ terminal: true, status: 'deleted' });
    expect(r.store.outboxDepth()).toBe(0);
    expect(r.watch.deletions()).toEqual({ response: 1 });
  });

  it('an agent whose list is gone is no longer followed; its count says so', () => {
    const r = rig();
    r.watch.addAgent('support-triage', 'cli');
    const cls = r.watch.onLookFailure('agent:support-triage', new FoundryAgentGone('support-triage', null), {
      meaning: 'gone',
      failures: 1,
      retryMs: 0,
    });
    expect(cls).toBeNull();
    expect(r.store.getUnit(agentRef('support-triage'))?.removed).toBe(true);
    expect(r.watch.deletions()).toEqual({ foundry_agent: 1 });
    expect(r.watch.isIdle()).toBe(true);
    // A transient failure is retried in the class of the last pace.
    r.watch.addAgent('research-scout', 'cli');
    expect(r.watch.onLookFailure('agent:research-scout', new Error('503'), { meaning: 'transient', failures: 1, retryMs: 10 })).toBe(0);
  });

  it('removing an agent stops its looks and keeps its cursor; following it again resumes there', async () => {
    const r = rig();
    r.watch.addAgent('research-scout', 'control');
    r.now.s = await simNow(sim);
    await r.watch.look('agent:research-scout');
    const cursor = r.store.getUnit(agentRef('research-scout'))?.cursor;
    expect(r.watch.removeAgent('research-scout')).toBe(true);
    expect(r.looks.due.has('agent:research-scout')).toBe(false);
    expect(r.watch.removeAgent('research-scout')).toBe(false);
    expect(r.watch.addAgent('research-scout', 'control')).toBe(true);
    expect(r.store.getUnit(agentRef('research-scout'))?.cursor).toEqual(cursor);
    expect(r.looks.due.has('agent:research-scout')).toBe(true);
  });
});

describe('the OpenAI webhook handler', () => {
  const event = (type: string, data: unknown, createdAt = 1_700_000_000): WebhookEvent => ({ id: `evt_${type}`, type, createdAt, data });

  it('claims the events that announce a response ended, and no other', () => {
    const handler = new ResponseWebhooks(rig().watch, pino({ level: 'silent' }));
    expect(handler.route).toBe('openai');
    const types = ['response.completed', 'response.failed', 'response.cancelled', 'response.incomplete'];
    expect(types.every((t) => handler.claims(t))).toBe(true);
    expect(['response.created', 'response.in_progress', 'batch.completed', 'eval.run.succeeded'].some((t) => handler.claims(t))).toBe(
      false,
    );
  });

  it('tracks the announced response durably before resolving, once however often it is announced', async () => {
    const r = rig();
    const handler = new ResponseWebhooks(r.watch, pino({ level: 'silent' }));
    await handler.accept(event('response.completed', { id: 'resp_announced' }, 1_700_000_123), 'wh_1');
    const unit = r.store.getUnit(responseRef('resp_announced'));
    expect(unit).toMatchObject({ origin: 'webhook', terminal: false, cursor: { status: null, reportedEndSeconds: 1_700_000_123 } });
    expect(r.looks.due.has('response:resp_announced')).toBe(true);
    // Announced again (another webhook id, another end): nothing changes, the first end stays.
    await handler.accept(event('response.completed', { id: 'resp_announced' }, 1_700_000_999), 'wh_2');
    expect(r.store.getUnit(responseRef('resp_announced'))).toEqual(unit);
    expect(r.store.countUnits('responses', 'response')).toEqual({ tracked: 1, active: 1 });
  });

  it.each([
    ['no data', undefined],
    ['no id', { object: 'response' }],
    ['an id no URL path carries as it is', { id: '../../v1/files' }],
    ['an id that is no string', { id: 42 }],
  ])('drops a verified event with %s (resolves: a retry would only bring the same bytes)', async (_what, data) => {
    const r = rig();
    await new ResponseWebhooks(r.watch, pino({ level: 'silent' })).accept(event('response.failed', data), 'wh_bad');
    expect(r.store.countUnits('responses', 'response')).toEqual({ tracked: 0, active: 0 });
    expect(announcedResponseId(data)).toBeNull();
  });

  it("ends a response that has no completed_at at the event's created_at, and one that has at its completed_at", async () => {
    const r = rig();
    const handler = new ResponseWebhooks(r.watch, pino({ level: 'silent' }));
    const failed = await startResponse(sim, { agent: null, kind: 'failed', background: true });
    const completed = await startResponse(sim, { agent: null, kind: 'message', background: true });
    await advance(sim, 600);
    const truth = (await truthOf(sim)).responses;
    const endOf = (id: string): number => truth.find((t) => t.id === id)!.endAt;
    for (const id of [failed, completed]) await handler.accept(event('response.x', { id }, endOf(id) + 7), `wh_${id}`);
    for (const id of [failed, completed]) await lookUntilEnded(r, `response:${id}`);
    const rootOf = (id: string): SpanRecord => r.store.outboxBatch(1000).find((i) => i.span.spanId === responseSpanId(id))!.span;
    const failedBody = truth.find((t) => t.id === failed)!.response as { completed_at?: number | null };
    expect(failedBody.completed_at ?? null).toBeNull();
    expect(rootOf(failed).end).toBe(`${endOf(failed) + 7}000000000`);
    expect(rootOf(failed).attributes['assistants_bridge.end_unknown']).toBeUndefined();
    const completedBody = truth.find((t) => t.id === completed)!.response as { completed_at: number };
    expect(rootOf(completed).end).toBe(`${completedBody.completed_at}000000000`);
  });

  it("keeps an end reported while a look was under way: the look's commit never drops it", async () => {
    const r = rig();
    const id = await startResponse(sim, { agent: null, kind: 'failed', background: true });
    r.watch.addResponse(id, 'control');
    r.now.s = await simNow(sim);
    await r.watch.look(`response:${id}`);
    // The webhook arrives after the first look recorded the response as it ran.
    r.watch.addResponse(id, 'webhook', { endSeconds: 1_800_000_000 });
    expect(r.store.getUnit(responseRef(id))?.cursor).toMatchObject({ reportedEndSeconds: 1_800_000_000 });
    await advance(sim, 600);
    await lookUntilEnded(r, `response:${id}`);
    const root = r.store.outboxBatch(1000).find((i) => i.span.spanId === responseSpanId(id))!.span;
    expect(root.end).toBe('1800000000000000000');
  });
});

describe('the store: units handed over by a commit', () => {
  it('are tracked in its transaction, with their first cursor and frozen value; an existing one is left as it is', () => {
    const store = openStateStore(':memory:');
    stores.push(store);
    store.trackUnits('responses', [{ kind: 'agent', id: 'a', origin: 'cli' }]);
    store.trackUnits('responses', [{ kind: 'response', id: 'resp_old', origin: 'webhook' }]);
    store.commit({
      source: 'responses',
      unit: { kind: 'agent', id: 'a' },
      spans: [],
      cursor: () => ({ at: 1 }),
      track: [
        { kind: 'response', id: 'resp_new', parent: 'a', origin: 'discovery', cursor: { c: 1 }, frozen: { f: 1 } },
        { kind: 'response', id: 'resp_old', parent: 'a', origin: 'discovery', cursor: { c: 2 }, frozen: { f: 2 } },
      ],
    });
    expect(store.getUnit(responseRef('resp_new'))).toMatchObject({ parent: 'a', origin: 'discovery', cursor: { c: 1 }, frozen: { f: 1 } });
    expect(store.getUnit(responseRef('resp_old'))).toMatchObject({ parent: null, origin: 'webhook', cursor: null, frozen: null });
  });

  it('roll back with the commit: a refused commit tracks nothing and keeps the cursor', () => {
    const store = openStateStore(':memory:', { outboxCap: 1 });
    stores.push(store);
    store.trackUnits('responses', [{ kind: 'agent', id: 'a', origin: 'cli' }]);
    store.commit({ source: 'responses', unit: { kind: 'agent', id: 'a' }, spans: [span('a', 1)], cursor: () => ({ at: 1 }) });
    expect(() =>
      store.commit({
        source: 'responses',
        unit: { kind: 'agent', id: 'a' },
        spans: [span('a', 2), span('a', 3)],
        cursor: () => ({ at: 2 }),
        track: [{ kind: 'response', id: 'resp_1', parent: 'a', origin: 'discovery', cursor: { c: 1 } }],
      }),
    ).toThrow(OutboxFullError);
    expect(store.getUnit(responseRef('resp_1'))).toBeUndefined();
    expect(store.getUnit(agentRef('a'))?.cursor).toEqual({ at: 1 });
  });
});
