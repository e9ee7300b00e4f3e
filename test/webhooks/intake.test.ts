// The webhook intake over real HTTP: signed deliveries are tracked once, forged, stale, oversized
// and malformed ones change nothing, copies are never accepted twice (in flight, replayed, after
// a restart), and a handler that fails gets the sender to retry.
import nodePath from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { forgedSignature, signature } from '../../src/simulator/responses/webhooks/signing.js';
import { openStateStore } from '../../src/state/store.js';
import { WebhookIntake } from '../../src/webhooks/intake.js';
import { WebhookSecrets } from '../../src/webhooks/secrets.js';
import { WebhookServer } from '../../src/webhooks/server.js';
import { ListenError } from '../../src/control/listen-address.js';
import { call, errorOf, waitUntil } from '../control/helpers.js';
import { tempDir } from '../state/helpers.js';
import { deliver, eventBody, OTHER_SECRET, PREVIOUS_SECRET, SECRET, startIntake, type IntakeHarness } from './helpers.js';

let h: IntakeHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const tracked = (harness: IntakeHarness): string[] => harness.store.listUnits('responses', 'response').map((u) => u.id);

describe('a signed delivery', () => {
  it('is answered 200 once its response is tracked, and counted', async () => {
    h = await startIntake();
    const before = Date.now();
    const answer = await deliver(h.server, { webhookId: 'wh_1', responseId: 'resp_1' });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ status: 'accepted' });
    expect(tracked(h)).toEqual(['resp_1']);
    expect(h.store.getUnit({ source: 'responses', kind: 'response', id: 'resp_1' })?.origin).toBe('webhook');
    expect(h.handler.calls.map((c) => [c.webhookId, c.event.type, c.event.createdAt])).toEqual([
      ['wh_1', 'response.completed', 1_767_000_000],
    ]);
    const counts = h.intake.counts();
    expect(counts).toMatchObject({ received: 1, accepted: 1, replayed: 0, unclaimed: 0, errors: 0 });
    expect(counts.lastVerifiedAtMs).toBeGreaterThanOrEqual(before);
  });

  it('hands over the event as sent, its time from the signed timestamp when it has no created_at', async () => {
    h = await startIntake();
    const timestamp = Math.floor(Date.now() / 1000) - 30;
    const body = eventBody('response.failed', 'resp_2', null);
    expect((await deliver(h.server, { body, timestamp, webhookId: 'wh_2' })).status).toBe(200);
    const [first] = h.handler.calls;
    expect(first?.event).toEqual({
      id: (JSON.parse(body) as { id: string }).id,
      type: 'response.failed',
      createdAt: timestamp,
      data: { id: 'resp_2' },
    });
  });

  it('of a type no handler claims is answered 200 and nothing is done', async () => {
    h = await startIntake();
    const answer = await deliver(h.server, { type: 'batch.completed' });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ status: 'ignored' });
    expect(h.handler.calls).toHaveLength(0);
    expect(h.intake.counts()).toMatchObject({ received: 1, unclaimed: 1, accepted: 0 });
  });
});

describe('a delivery that fails verification gets 400 and changes nothing', () => {
  it('forged: signed under a key nobody configured', async () => {
    h = await startIntake();
    const body = eventBody('response.completed', 'resp_forged');
    const timestamp = Math.floor(Date.now() / 1000);
    const answer = await deliver(h.server, {
      body,
      timestamp,
      webhookId: 'wh_f',
      signatureHeader: forgedSignature('wh_f', timestamp, body),
    });
    expect(answer.status).toBe(400);
    expect(errorOf(answer).message).toMatch(/signature does not match/);
    expect(h.handler.calls).toHaveLength(0);
    expect(tracked(h)).toEqual([]);
    expect(h.intake.counts()).toMatchObject({ received: 1, accepted: 0, rejected: { badSignature: 1, stale: 0 } });
    expect(h.intake.counts().lastVerifiedAtMs).toBeNull();
    // A forged delivery never reaches the ledger: the genuine one with that id is still accepted.
    expect((await deliver(h.server, { webhookId: 'wh_f', responseId: 'resp_real' })).json).toEqual({ status: 'accepted' });
  });

  it('tampered: the body changed after signing', async () => {
    h = await startIntake();
    const timestamp = Math.floor(Date.now() / 1000);
    const signed = eventBody('response.completed', 'resp_a');
    const header = signature(SECRET, 'wh_t', timestamp, signed);
    const answer = await deliver(h.server, {
      webhookId: 'wh_t',
      timestamp,
      body: signed.replace('resp_a', 'resp_b'),
      signatureHeader: header,
    });
    expect(answer.status).toBe(400);
    expect(tracked(h)).toEqual([]);
  });

  it.each([
    ['old', -301],
    ['ahead', 301],
  ])('stale: a timestamp %s by more than the 300 s tolerance', async (_what, offset) => {
    h = await startIntake();
    const answer = await deliver(h.server, { timestamp: Math.floor(Date.now() / 1000) + offset });
    expect(answer.status).toBe(400);
    expect(errorOf(answer).message).toMatch(/tolerance 300 s/);
    expect(h.handler.calls).toHaveLength(0);
    expect(h.intake.counts().rejected).toEqual({ badSignature: 0, stale: 1, malformed: 0, tooLarge: 0 });
  });

  it('a timestamp inside the tolerance passes', async () => {
    h = await startIntake();
    expect((await deliver(h.server, { timestamp: Math.floor(Date.now() / 1000) - 240 })).status).toBe(200);
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])('without the %s header', async (name) => {
    h = await startIntake();
    const answer = await deliver(h.server, { omit: [name] });
    expect(answer.status).toBe(400);
    expect(errorOf(answer).message).toContain(name);
    expect(h.intake.counts().rejected.badSignature).toBe(1);
  });

  it('signed, but not a JSON event', async () => {
    h = await startIntake();
    for (const body of ['not json', '[1,2]', '{"data":{"id":"resp_x"}}']) {
      const answer = await deliver(h.server, { body });
      expect(answer.status, body).toBe(400);
    }
    expect(h.handler.calls).toHaveLength(0);
    expect(h.intake.counts().rejected.malformed).toBe(3);
  });

  it('says why once, and never logs a secret', async () => {
    h = await startIntake({ secrets: [SECRET, PREVIOUS_SECRET] });
    await deliver(h.server, { secret: OTHER_SECRET });
    await deliver(h.server, { secret: OTHER_SECRET });
    await deliver(h.server, { timestamp: 1 });
    const lines = h
      .logText()
      .split('\n')
      .filter((l) => l.includes('webhook refused'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/signature does not match/);
    for (const secret of [SECRET, PREVIOUS_SECRET, SECRET.slice(6), PREVIOUS_SECRET.slice(6)]) expect(h.logText()).not.toContain(secret);
  });
});

describe('secret rotation', () => {
  it('accepts deliveries signed with either configured secret, and refuses a third', async () => {
    h = await startIntake({ secrets: [SECRET, PREVIOUS_SECRET] });
    expect((await deliver(h.server, { secret: PREVIOUS_SECRET, responseId: 'resp_old' })).status).toBe(200);
    expect((await deliver(h.server, { secret: SECRET, responseId: 'resp_new' })).status).toBe(200);
    expect((await deliver(h.server, { secret: OTHER_SECRET, responseId: 'resp_other' })).status).toBe(400);
    expect(tracked(h).sort()).toEqual(['resp_new', 'resp_old']);
  });

  it('accepts a signature header that lists signatures under several secrets', async () => {
    h = await startIntake({ secrets: [SECRET] });
    const timestamp = Math.floor(Date.now() / 1000);
    const body = eventBody('response.completed', 'resp_multi');
    const header = `${signature(OTHER_SECRET, 'wh_m', timestamp, body)} ${signature(SECRET, 'wh_m', timestamp, body)}`;
    expect((await deliver(h.server, { webhookId: 'wh_m', timestamp, body, signatureHeader: header })).status).toBe(200);
  });
});

describe('nothing is done twice', () => {
  it('a delivery sent again (re-signed, as a sender retries) is answered 200 and not handed over again', async () => {
    h = await startIntake();
    expect((await deliver(h.server, { webhookId: 'wh_r', responseId: 'resp_r' })).json).toEqual({ status: 'accepted' });
    const again = await deliver(h.server, { webhookId: 'wh_r', responseId: 'resp_r', timestamp: Math.floor(Date.now() / 1000) + 5 });
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ status: 'replayed' });
    expect(h.handler.calls).toHaveLength(1);
    expect(h.intake.counts()).toMatchObject({ received: 2, accepted: 1, replayed: 1 });
  });

  it('a copy arriving while the first is still being accepted gets a retryable 409, then a replay', async () => {
    h = await startIntake();
    let open: () => void = () => undefined;
    h.handler.gate = new Promise<void>((resolve) => (open = resolve));
    const first = deliver(h.server, { webhookId: 'wh_c', responseId: 'resp_c' });
    const harness = h;
    await waitUntil(() => harness.handler.calls.length === 1, 'the first delivery in accept');
    const copy = await deliver(h.server, { webhookId: 'wh_c', responseId: 'resp_c' });
    expect(copy.status).toBe(409);
    expect(copy.headers['retry-after']).toBe('5');
    expect(tracked(h)).toEqual([]);
    open();
    expect((await first).json).toEqual({ status: 'accepted' });
    expect((await deliver(h.server, { webhookId: 'wh_c', responseId: 'resp_c' })).json).toEqual({ status: 'replayed' });
    expect(h.handler.calls).toHaveLength(1);
    expect(h.intake.counts()).toMatchObject({ accepted: 1, inFlightDuplicates: 1, replayed: 1 });
  });

  it('many copies at once: one is accepted, the rest are told to retry or that it was done', async () => {
    h = await startIntake();
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => deliver(h!.server, { webhookId: 'wh_burst', responseId: 'resp_burst' })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    expect(answers.filter((a) => (a.json as { status?: string }).status === 'accepted')).toHaveLength(1);
    expect(h.handler.done).toBe(1);
  });

  it('a replay after a restart on the same state file is still refused', async () => {
    const statePath = nodePath.join(tempDir(), 'state.sqlite');
    h = await startIntake({ statePath });
    expect((await deliver(h.server, { webhookId: 'wh_restart', responseId: 'resp_restart' })).json).toEqual({ status: 'accepted' });
    await h.close();
    h = await startIntake({ statePath });
    const again = await deliver(h.server, { webhookId: 'wh_restart', responseId: 'resp_restart' });
    expect(again.json).toEqual({ status: 'replayed' });
    expect(h.handler.calls).toHaveLength(0);
    expect(tracked(h)).toEqual(['resp_restart']);
  });
});

describe('a handler that fails', () => {
  it('gets 500 and a log line; the retry is accepted and the work done once', async () => {
    h = await startIntake();
    h.handler.failNext = 1;
    const failed = await deliver(h.server, { webhookId: 'wh_e', responseId: 'resp_e' });
    expect(failed.status).toBe(500);
    expect(tracked(h)).toEqual([]);
    const line = h
      .logText()
      .split('\n')
      .find((l) => l.includes('webhook not accepted'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({
      webhookId: 'wh_e',
      eventType: 'response.completed',
      route: 'openai',
      err: { message: 'the state file is busy (test)' },
    });
    const retried = await deliver(h.server, { webhookId: 'wh_e', responseId: 'resp_e' });
    expect(retried.json).toEqual({ status: 'accepted' });
    expect((await deliver(h.server, { webhookId: 'wh_e', responseId: 'resp_e' })).json).toEqual({ status: 'replayed' });
    expect(h.handler.calls).toHaveLength(2);
    expect(h.handler.done).toBe(1);
    expect(tracked(h)).toEqual(['resp_e']);
    expect(h.intake.counts()).toMatchObject({ errors: 1, accepted: 1, replayed: 1 });
  });

  it('taking longer than the accept timeout gets 503; it goes on, and the retry finds it done', async () => {
    h = await startIntake({ intake: { acceptTimeoutMs: 100 } });
    let open: () => void = () => undefined;
    h.handler.gate = new Promise<void>((resolve) => (open = resolve));
    const slow = await deliver(h.server, { webhookId: 'wh_slow', responseId: 'resp_slow' });
    expect(slow.status).toBe(503);
    expect(slow.headers['retry-after']).toBe('5');
    // Still under way: a retry now must not start it again.
    expect((await deliver(h.server, { webhookId: 'wh_slow', responseId: 'resp_slow' })).status).toBe(409);
    open();
    const harness = h;
    await waitUntil(() => harness.intake.counts().accepted === 1, 'the slow acceptance to finish');
    expect((await deliver(h.server, { webhookId: 'wh_slow', responseId: 'resp_slow' })).json).toEqual({ status: 'replayed' });
    expect(h.handler.calls).toHaveLength(1);
  });

  it('once the intake stops, new deliveries get 503 and nothing is handed over', async () => {
    h = await startIntake();
    await h.intake.shutdown();
    const answer = await deliver(h.server);
    expect(answer.status).toBe(503);
    expect(h.handler.calls).toHaveLength(0);
  });
});

describe('requests', () => {
  it('over 1 MiB get 413 without being read, declared or streamed', async () => {
    h = await startIntake();
    const big = JSON.stringify({ type: 'response.completed', data: { id: 'resp_big', pad: 'x'.repeat(1024 * 1024) } });
    expect((await deliver(h.server, { body: big })).status).toBe(413);
    const chunked = await call(h.server.url, '/v1/webhooks/openai', {
      method: 'POST',
      headers: { 'webhook-id': 'wh_big', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' },
      chunks: Array.from({ length: 20 }, () => 'y'.repeat(64 * 1024)),
    });
    expect(chunked.status).toBe(413);
    expect(h.handler.calls).toHaveLength(0);
    expect(h.intake.counts().rejected.tooLarge).toBe(2);
  });

  it('just under the limit are verified and accepted', async () => {
    h = await startIntake();
    const base = eventBody('response.completed', 'resp_edge');
    const body = `${base.slice(0, -1)},"pad":"${'p'.repeat(1024 * 1024 - base.length - 10)}"}`;
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(1024 * 1024);
    expect((await deliver(h.server, { body })).status).toBe(200);
  });

  it('to other paths or methods get 404 and 405: the webhook server serves nothing else', async () => {
    h = await startIntake();
    expect((await call(h.server.url, '/metrics')).status).toBe(404);
    expect((await call(h.server.url, '/v1/runs')).status).toBe(404);
    expect((await deliver(h.server, { path: '/v1/webhooks/unknown' })).status).toBe(404);
    const get = await call(h.server.url, '/v1/webhooks/openai');
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect(h.handler.calls).toHaveLength(0);
  });
});

describe('registering handlers', () => {
  it('refuses a route that is not a path segment of letters, digits and dashes', () => {
    const intake = new WebhookIntake({
      secrets: new WebhookSecrets([SECRET]),
      ledger: openStateStore(':memory:').webhookLedger,
      log: pino({ level: 'silent' }),
    });
    expect(() => intake.register({ route: 'Open/AI', claims: () => true, accept: () => Promise.resolve() })).toThrow(/lowercase letters/);
    intake.register({ route: 'github', claims: () => true, accept: () => Promise.resolve() });
    expect(intake.routeNames).toEqual(['github']);
  });
});

describe('the webhook server', () => {
  it('that cannot listen says so in one line naming its own setting', async () => {
    h = await startIntake();
    const taken = h.server.address;
    const second = new WebhookServer({ listen: taken, intake: h.intake, log: pino({ level: 'silent' }) });
    const error = await second.start().then(
      () => null,
      (e: unknown) => e,
    );
    await second.shutdown();
    expect(error).toBeInstanceOf(ListenError);
    const flags: Record<string, string> = { 'watch.webhook_listen': '--webhook-listen', 'watch.listen': '--listen' };
    expect((error as ListenError).lineFor((s) => flags[s] ?? s)).toBe(
      `--webhook-listen ${taken}: address already in use; choose another with --webhook-listen`,
    );
  });
});
