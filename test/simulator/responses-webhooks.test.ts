// Webhooks of the Responses simulator: Standard Webhooks deliveries for background responses as
// they end, verified by the openai SDK's webhooks.unwrap; retries on failures; forged, stale and
// replayed deliveries on request; the config routes and the simulate flags.
import { once, EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI, { InvalidWebhookSignatureError } from 'openai';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { simulateCommand, SimulateUsageError } from '../../src/simulator/command.js';
import {
  DEFAULT_RETRY,
  DEFAULT_WEBHOOK_SECRET,
  retryDelay,
  type DeliveryRecord,
  type ResponsesTruth,
  type RunningSimulator,
} from '../../src/simulator/index.js';
import { advance, control, startFrozen } from './helpers.js';

const SECRET = `whsec_${Buffer.from('a test secret of thirty-two bytes').toString('base64')}`;
const verifier = new OpenAI({ apiKey: 'unused', webhookSecret: SECRET });

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver that answers each request with the next planned reply (200 when none). */
class Receiver {
  readonly received: Received[] = [];
  readonly plan: (number | 'drop' | 'hang' | 'redirect')[] = [];
  private server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      this.reply(res, this.plan.shift() ?? 200);
    });
  });
  url = '';

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }

  private reply(res: ServerResponse, answer: number | 'drop' | 'hang' | 'redirect'): void {
    if (answer === 'drop') return void res.socket?.destroy();
    if (answer === 'hang') return;
    if (answer === 'redirect') return void res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
    res.writeHead(answer).end();
  }

  async waitFor(n: number): Promise<Received[]> {
    await vi.waitFor(() => expect(this.received.length).toBeGreaterThanOrEqual(n), { timeout: 15_000, interval: 20 });
    return this.received;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

type Event = { id: string; object: string; type: string; created_at: number; data: { id: string } };
const unwrap = async (r: Received): Promise<Event> => (await verifier.webhooks.unwrap(r.body, r.headers)) as unknown as Event;
const truthOf = async (s: RunningSimulator): Promise<ResponsesTruth> =>
  (await control(s, '/responses/truth')).json as unknown as ResponsesTruth;
const start = async (s: RunningSimulator, body: Record<string, unknown>): Promise<string> =>
  ((await control(s, '/responses', { background: true, ...body })).json as { response_id: string }).response_id;
const deliveries = async (s: RunningSimulator): Promise<DeliveryRecord[]> =>
  (await control(s, '/webhooks')).json.deliveries as DeliveryRecord[];

let sim: RunningSimulator;
let receiver: Receiver;

beforeEach(async () => {
  receiver = await new Receiver().start();
  // A world whose responses all ended before the start: only what a test starts can end later.
  sim = await startFrozen({ seed: 21, responses: { world: { backfillResponses: 12, liveResponses: 0 } } });
});
afterEach(async () => {
  await sim.shutdown();
  await receiver.close();
});

const configure = (s: RunningSimulator, extra: Record<string, unknown> = {}) =>
  control(s, '/webhooks', { url: receiver.url, secret: SECRET, ...extra });

describe('deliveries for background responses', () => {
  it('announces the end with an event the SDK verifies: Standard Webhooks headers, data.id, created_at the end', async () => {
    expect((await configure(sim)).status).toBe(200);
    const id = await start(sim, { kind: 'message' });
    await advance(sim, 60);
    const [got] = await receiver.waitFor(1);
    const event = await unwrap(got!);
    const t = (await truthOf(sim)).responses.find((r) => r.id === id)!;
    expect(event).toEqual({
      id: expect.stringMatching(/^evt_/),
      object: 'event',
      type: 'response.completed',
      created_at: t.endAt,
      data: { id },
    });
    expect(got!.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)',
      'webhook-id': expect.stringMatching(/^wh_[0-9a-f]{32}$/),
      'webhook-timestamp': expect.stringMatching(/^\d+$/),
      'webhook-signature': expect.stringMatching(/^v1,[A-Za-z0-9+/]{43}=$/),
    });
  });

  it('sends response.failed, .incomplete and .cancelled (a client cancel) too, once each', async () => {
    await configure(sim);
    const failed = await start(sim, { kind: 'failed' });
    const incomplete = await start(sim, { kind: 'incomplete' });
    const slow = await start(sim, { kind: 'slow_queue' });
    const client = new OpenAI({ apiKey: sim.apiKey, baseURL: sim.responsesUrl, maxRetries: 0 });
    await client.responses.cancel(slow);
    await advance(sim, 120);
    await receiver.waitFor(3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const events = await Promise.all(receiver.received.map(unwrap));
    expect(Object.fromEntries(events.map((e) => [e.data.id, e.type]))).toEqual({
      [failed]: 'response.failed',
      [incomplete]: 'response.incomplete',
      [slow]: 'response.cancelled',
    });
    expect(events).toHaveLength(3);
  });

  it('sends nothing for synchronous responses, nor for those that ended before webhooks were set', async () => {
    const before = (await truthOf(sim)).responses.filter((r) => r.background && r.finished);
    expect(before.length).toBeGreaterThan(0);
    await configure(sim);
    const client = new OpenAI({ apiKey: sim.apiKey, baseURL: sim.responsesUrl, maxRetries: 0 });
    await client.responses.create({ model: 'gpt-4.1-mini', input: 'sync' });
    const id = await start(sim, { kind: 'message' });
    await advance(sim, 60);
    await receiver.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await Promise.all(receiver.received.map(unwrap))).map((e) => e.data.id)).toEqual([id]);
  });

  it('announces every live background response of a world as it ends, with the type the truth expects', async () => {
    const live = await startFrozen({
      seed: 4,
      responses: {
        world: { backfillResponses: 0, liveResponses: 16, liveWindowSeconds: 60 },
        webhooks: { url: receiver.url, secret: SECRET },
      },
    });
    try {
      await advance(live, 600);
      const expected = (await truthOf(live)).responses.filter((r) => r.background);
      expect(expected.length).toBeGreaterThan(2);
      await receiver.waitFor(expected.length);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const events = await Promise.all(receiver.received.map(unwrap));
      expect(new Map(events.map((e) => [e.data.id, e.type]))).toEqual(new Map(expected.map((r) => [r.id, r.webhookEvent])));
      expect(events).toHaveLength(expected.length);
    } finally {
      await live.shutdown();
    }
  });

  it('stops when webhooks are turned off', async () => {
    await configure(sim);
    expect((await control(sim, '/webhooks', undefined, 'DELETE')).status).toBe(200);
    await start(sim, { kind: 'message' });
    await advance(sim, 60);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(receiver.received).toEqual([]);
  });
});

describe('retries', () => {
  it('follows the Standard Webhooks example schedule, cut at 72 h: nine attempts at most', () => {
    const starts = [0];
    for (let attempt = 1; retryDelay(attempt, DEFAULT_RETRY) !== null; attempt++) {
      const next = starts.at(-1)! + retryDelay(attempt, DEFAULT_RETRY)!;
      if (next > DEFAULT_RETRY.maxElapsedMs) break;
      starts.push(next);
    }
    const s = 1_000;
    const m = 60 * s;
    const h = 60 * m;
    expect(starts).toEqual([
      0,
      5 * s,
      5 * m + 5 * s,
      35 * m + 5 * s,
      2 * h + 35 * m + 5 * s,
      7 * h + 35 * m + 5 * s,
      17 * h + 35 * m + 5 * s,
      31 * h + 35 * m + 5 * s,
      51 * h + 35 * m + 5 * s,
    ]);
  });

  it('retries a 5xx, a dropped connection, a redirect and a timeout with the same webhook-id and body, each re-signed', async () => {
    receiver.plan.push(503, 'drop', 'redirect', 'hang');
    // The hanging answer is cut at timeoutMs; the others must answer within it even on a loaded machine.
    await configure(sim, { timeoutMs: 2_000, retry: { delaysMs: [20, 40, 20, 20] } });
    const id = await start(sim, { kind: 'message' });
    await advance(sim, 60);
    const got = await receiver.waitFor(5);
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(new Set(got.map((r) => r.body)).size).toBe(1);
    for (const r of got) expect((await unwrap(r)).data.id).toBe(id);
    const records = (await deliveries(sim)).filter((d) => d.responseId === id);
    expect(records.map((d) => [d.attempt, d.mode, d.status])).toEqual([
      [1, 'signed', 503],
      [2, 'signed', null],
      [3, 'signed', 302],
      [4, 'signed', null],
      [5, 'signed', 200],
    ]);
    expect(records[3]!.error).toMatch(/TimeoutError/);
    records.slice(0, 4).forEach((d, i) => expect(d.nextAttemptAt! - d.sentAt).toBeGreaterThanOrEqual([20, 40, 20, 20][i]!));
    expect(records[4]!.nextAttemptAt).toBeNull();
  });

  it('gives up once the next attempt would start after maxElapsedMs', async () => {
    receiver.plan.push(...Array.from({ length: 10 }, () => 500));
    await configure(sim, { retry: { delaysMs: [20, 40, 80, 160, 320, 640, 1_280], maxElapsedMs: 1_000 } });
    await start(sim, { kind: 'message' });
    await advance(sim, 60);
    await receiver.waitFor(2);
    await vi.waitFor(async () => expect((await control(sim, '/webhooks')).json.pending).toBe(0), { timeout: 5_000, interval: 20 });
    const records = await deliveries(sim);
    // Planned at 0, 20, 60, 140, 300, 620 ms: the next (1260 ms) would be past the limit.
    expect(records.length).toBeLessThanOrEqual(6);
    expect(records.every((d) => d.status === 500)).toBe(true);
    expect(records.at(-1)!.nextAttemptAt).toBeNull();
    for (const d of records.slice(0, -1)) expect(d.nextAttemptAt! - records[0]!.sentAt).toBeLessThanOrEqual(1_000);
  });

  it('gives up when the schedule has no wait left', async () => {
    receiver.plan.push(500, 500, 500);
    await configure(sim, { retry: { delaysMs: [20] } });
    await start(sim, { kind: 'message' });
    await advance(sim, 60);
    await receiver.waitFor(2);
    await vi.waitFor(async () => expect((await control(sim, '/webhooks')).json.pending).toBe(0), { timeout: 5_000, interval: 20 });
    expect((await deliveries(sim)).map((d) => [d.attempt, d.status, d.nextAttemptAt === null])).toEqual([
      [1, 500, false],
      [2, 500, true],
    ]);
  });
});

describe('deliveries on request', () => {
  it('forged: a well-formed signature under another key, which the SDK refuses', async () => {
    await configure(sim);
    const id = await start(sim, { kind: 'message' });
    await advance(sim, 60);
    await receiver.waitFor(1);
    const res = await control(sim, '/webhooks/send', { responseId: id, mode: 'forged' });
    expect(res.json).toMatchObject({ mode: 'forged', status: 200 });
    const forged = (await receiver.waitFor(2))[1]!;
    expect(forged.headers['webhook-id']).toBe(receiver.received[0]!.headers['webhook-id']);
    await expect(unwrap(forged)).rejects.toBeInstanceOf(InvalidWebhookSignatureError);
  });

  it('stale: correctly signed but timestamped ageSeconds ago, which the SDK refuses as too old', async () => {
    await configure(sim);
    const id = await start(sim, { kind: 'message' });
    await advance(sim, 60);
    await receiver.waitFor(1);
    await control(sim, '/webhooks/send', { responseId: id, mode: 'stale', ageSeconds: 900 });
    const stale = (await receiver.waitFor(2))[1]!;
    expect(Number(stale.headers['webhook-timestamp'])).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) - 899);
    await expect(unwrap(stale)).rejects.toThrow(/too old/);
    await expect(verifier.webhooks.unwrap(stale.body, stale.headers, SECRET, 3_600)).resolves.toMatchObject({ data: { id } });
  });

  it('replay: the last signed delivery again, byte for byte (still verifies within the tolerance)', async () => {
    await configure(sim);
    const id = await start(sim, { kind: 'message' });
    await advance(sim, 60);
    const [original] = await receiver.waitFor(1);
    expect((await control(sim, '/webhooks/send', { responseId: id, mode: 'replay' })).status).toBe(200);
    const replayed = (await receiver.waitFor(2))[1]!;
    expect(replayed.body).toBe(original!.body);
    for (const h of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) expect(replayed.headers[h]).toBe(original!.headers[h]);
    expect((await unwrap(replayed)).data.id).toBe(id);
  });

  it("signed: the response's one event, signed now", async () => {
    await configure(sim);
    const id = (await truthOf(sim)).responses.find((r) => r.finished)!.id;
    const first = await control(sim, '/webhooks/send', { responseId: id, mode: 'signed' });
    const second = await control(sim, '/webhooks/send', { responseId: id, mode: 'signed' });
    expect([first.json.attempt, second.json.attempt]).toEqual([1, 2]);
    const got = await receiver.waitFor(2);
    expect(got[0]!.headers['webhook-id']).toBe(got[1]!.headers['webhook-id']);
    for (const r of got) expect((await unwrap(r)).data.id).toBe(id);
  });

  it('refuses what cannot be sent: an unfinished response, a replay of nothing, an unknown id, a bad mode', async () => {
    await configure(sim);
    const id = await start(sim, { kind: 'slow_queue' });
    expect((await control(sim, '/webhooks/send', { responseId: id, mode: 'signed' })).status).toBe(409);
    const ended = (await truthOf(sim)).responses.find((r) => r.finished)!.id;
    expect((await control(sim, '/webhooks/send', { responseId: ended, mode: 'replay' })).status).toBe(409);
    expect((await control(sim, '/webhooks/send', { responseId: 'resp_nope', mode: 'signed' })).status).toBe(404);
    expect((await control(sim, '/webhooks/send', { responseId: ended, mode: 'loud' })).status).toBe(400);
  });
});

describe('configuration', () => {
  it('checks the URL and the secret, and never shows the secret', async () => {
    expect((await control(sim, '/webhooks', { url: 'ftp://example.com/hook' })).status).toBe(400);
    expect((await control(sim, '/webhooks', { secret: 'whsec_!!!!' })).status).toBe(400);
    expect((await control(sim, '/webhooks', { secret: `whsec_${Buffer.from('short').toString('base64')}` })).status).toBe(400);
    expect((await control(sim, '/webhooks', { retry: { delaysMs: [-1] } })).status).toBe(400);
    const set = await configure(sim);
    expect(set.text).not.toContain(SECRET);
    const shown = await control(sim, '/webhooks');
    expect(shown.json).toMatchObject({ url: receiver.url, timeoutMs: 15_000, retry: DEFAULT_RETRY, pending: 0, deliveries: [] });
    expect(shown.text).not.toContain(SECRET.slice('whsec_'.length));
  });

  it('signs with the documented test secret by default', async () => {
    await control(sim, '/webhooks', { url: receiver.url });
    const id = await start(sim, { kind: 'message' });
    await advance(sim, 60);
    const [got] = await receiver.waitFor(1);
    await expect(verifier.webhooks.unwrap(got!.body, got!.headers, DEFAULT_WEBHOOK_SECRET)).resolves.toMatchObject({ data: { id } });
  });
});

describe('simulate flags', () => {
  let handle: Awaited<ReturnType<typeof simulateCommand>> | undefined;
  afterAll(() => handle?.shutdown());
  const io = () => ({ write: () => undefined, signals: new EventEmitter() });

  it('sizes the Responses world and sets the webhook target and secret', async () => {
    const lines: string[] = [];
    handle = await simulateCommand(
      { port: '0', speed: '0', runs: '2', live: '0', responses: '9', liveResponses: '4', webhookUrl: receiver.url, webhookSecret: SECRET },
      { write: (l) => lines.push(l), signals: new EventEmitter() },
    );
    const s = handle.simulator;
    expect(lines[0]).toContain(`Responses API on ${s.responsesUrl}, webhooks to ${receiver.url}`);
    const t = await truthOf(s);
    expect(t.responses).toHaveLength(9);
    expect(t.responses.filter((r) => r.origin === 'live')).toHaveLength(4);
    expect((await control(s, '/webhooks')).json.url).toBe(receiver.url);
    await handle.shutdown();
    handle = undefined;
  });

  it('refuses bad values with a usage error naming the flag', async () => {
    await expect(simulateCommand({ port: '0', webhookUrl: 'not a url' }, io())).rejects.toThrow(SimulateUsageError);
    await expect(simulateCommand({ port: '0', webhookUrl: receiver.url, webhookSecret: 'whsec_x' }, io())).rejects.toThrow(
      /--webhook-url\/--webhook-secret/,
    );
    await expect(simulateCommand({ port: '0', responses: '3', liveResponses: '4' }, io())).rejects.toThrow(/--live-responses/);
  });
});
