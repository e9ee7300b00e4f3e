// `watch --provider openai` taking OpenAI's webhooks, as a real process: the simulator in the OpenAI
// dialect sends Standard Webhooks–signed `response.*` events for its background responses to the
// bridge's `--webhook-listen` address, and the strict receiver gets each ended background response
// once, as one trace (ids, names and times from the API, the end from the event when the response
// has no completed_at); forged and stale deliveries get 400 and change nothing, a replay does
// nothing twice, a rotation accepts both secrets, and a SIGKILL loses nothing: the sender retries.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_WEBHOOK_SECRET,
  startSimulator,
  type DeliveryRecord,
  type ResponsesTruth,
  type RunningSimulator,
} from '../../src/simulator/index.js';
import { responseSpanId, traceIdForResponse } from '../../src/sources/responses/ids.js';
import { freePort, startCli, waitFor, type CliProcess } from '../support/cli.js';
import { expectExactRoots, nanos, spanKey, type ExpectedRoot } from '../support/foundry-world.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';
import type { ReceivedSpan } from '../support/otlp-receiver/types.js';

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
const bridges: CliProcess[] = [];

afterEach(async () => {
  for (const b of bridges.splice(0)) b.child.kill('SIGKILL');
  await sim?.shutdown();
  await rx?.close();
  sim = rx = undefined;
});

const NEW_SECRET = `whsec_${Buffer.from('the rotated-in secret, 32 bytes!').toString('base64')}`;
/** Short retries, so a delivery the bridge missed comes again within the test. */
const RETRY = { delaysMs: [300, 500, 1_000, 1_000, 2_000, 2_000, 2_000, 2_000, 2_000, 2_000], maxElapsedMs: 60_000 };

async function simControl(s: RunningSimulator, path: string, body?: unknown, method?: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${s.origin}/_sim${path}`, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const truthOf = async (s: RunningSimulator): Promise<ResponsesTruth> => (await simControl(s, '/responses/truth')).json as ResponsesTruth;
const deliveriesOf = async (s: RunningSimulator): Promise<{ pending: number; deliveries: DeliveryRecord[] }> =>
  (await simControl(s, '/webhooks')).json as { pending: number; deliveries: DeliveryRecord[] };

async function openai(seed: number, live: number, hookPort: number, timeoutMs = 5_000): Promise<RunningSimulator> {
  return startSimulator({
    dialect: 'openai',
    seed,
    clock: { speed: 1 },
    world: { threads: 1, backfillRuns: 0, liveRuns: 0 },
    responses: {
      world: { backfillResponses: 0, liveResponses: live, liveWindowSeconds: 8 },
      webhooks: { url: `http://127.0.0.1:${hookPort}/v1/webhooks/openai`, secret: DEFAULT_WEBHOOK_SECRET, timeoutMs, retry: RETRY },
    },
  });
}

const stateFile = (): string => join(mkdtempSync(join(tmpdir(), 'aob-openai-webhooks-')), 'state.sqlite');

function start(
  s: RunningSimulator,
  receiver: OtlpReceiver,
  state: string,
  hookPort: number,
  secrets: Record<string, string> = {},
): CliProcess {
  const bridge = startCli(
    [
      'watch',
      '--provider',
      'openai',
      '--webhook-listen',
      `127.0.0.1:${hookPort}`,
      '--listen',
      'off',
      '--state',
      state,
      '--log-format',
      'json',
      '--active-interval',
      '200',
      '--rpm',
      '3000',
    ],
    {
      OPENAI_API_KEY: s.apiKey,
      OPENAI_BASE_URL: s.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OPENAI_WEBHOOK_SECRET: DEFAULT_WEBHOOK_SECRET,
      ...secrets,
    },
  );
  bridges.push(bridge);
  return bridge;
}

/** Each background response that ended, as the API and its webhook describe it. */
function expectedTraces(truth: ResponsesTruth, only?: readonly string[]): ExpectedRoot[] {
  return truth.responses
    .filter((r) => r.background && r.finished && !r.deleted && (only === undefined || only.includes(r.id)))
    .map((r) => {
      const body = r.response as {
        created_at: number;
        completed_at?: number | null;
        model: string;
        agent?: { name?: string } | null;
        metadata?: Record<string, string>;
      };
      const app = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/.exec(body.metadata?.traceparent ?? '');
      return {
        responseId: r.id,
        traceId: app?.[1] ?? traceIdForResponse(r.id),
        rootSpanId: responseSpanId(r.id),
        parentSpanId: app?.[2] ?? '',
        // The OpenAI dialect names no agent: a model's response.
        name: body.agent?.name ? `invoke_agent ${body.agent.name}` : `chat ${body.model}`,
        start: nanos(body.created_at),
        // Without completed_at the webhook event's created_at (the end it announced) is the end.
        end: nanos(body.completed_at ?? r.endAt),
      };
    });
}

const isRoot = (s: ReceivedSpan): boolean => s.parentSpanId === '' || s.attributes['gen_ai.response.id'] !== undefined;
const roots = (spans: readonly ReceivedSpan[]): ReceivedSpan[] =>
  spans.filter((s) => isRoot(s) && (s.name.startsWith('chat ') || s.name.startsWith('invoke_agent ')));

/** Every announced event was answered 2xx at last, and no retry is pending. */
async function allDelivered(s: RunningSimulator): Promise<boolean> {
  const { pending, deliveries } = await deliveriesOf(s);
  const signed = deliveries.filter((d) => d.mode === 'signed');
  const answered = new Set(signed.filter((d) => d.status !== null && d.status < 300).map((d) => d.eventId));
  return pending === 0 && signed.every((d) => answered.has(d.eventId));
}

const retrieves = (s: RunningSimulator, id: string): number =>
  s.requestLog().filter((r) => !r.control && r.path.endsWith(`/responses/${id}`)).length;

/** A background response made now, ended before the call returns; the webhook URL off meanwhile so only the test delivers it. */
async function endedQuietly(s: RunningSimulator, kind = 'message'): Promise<string> {
  const config = (await simControl(s, '/webhooks')).json as { url: string };
  await simControl(s, '/webhooks', undefined, 'DELETE');
  const made = (await simControl(s, '/responses', { background: true, kind })).json as { response_id: string };
  await waitFor(async () => (await truthOf(s)).responses.find((r) => r.id === made.response_id)?.finished === true, 'the response to end');
  await simControl(s, '/webhooks', { url: config.url });
  return made.response_id;
}

const send = async (s: RunningSimulator, responseId: string, mode: string, ageSeconds?: number): Promise<DeliveryRecord> =>
  (await simControl(s, '/webhooks/send', { responseId, mode, ...(ageSeconds === undefined ? {} : { ageSeconds }) })).json as DeliveryRecord;

describe('watch --provider openai with webhooks', () => {
  it('traces every background response that ends exactly once, and nothing of the others', async () => {
    const port = await freePort();
    sim = await openai(44, 16, port);
    rx = await startOtlpReceiver();
    start(sim, rx, stateFile(), port);
    await waitFor(async () => (await truthOf(sim!)).allFinished, 'every live response to end', 60_000);
    await waitFor(() => allDelivered(sim!), 'every webhook answered 2xx', 30_000);
    const truth = await truthOf(sim);
    const expected = expectedTraces(truth);
    expect(expected.length).toBeGreaterThanOrEqual(3);
    // Some responses were not background ones: no webhook, no trace.
    expect(truth.responses.some((r) => !r.background)).toBe(true);
    await waitFor(() => roots(rx!.spans()).length >= expected.length, 'every announced response traced');
    expectExactRoots(rx.spans(), expected, roots(rx.spans()));
  }, 120_000);

  it('refuses forged and stale deliveries (400, nothing tracked), takes a signed one once (a failed or incomplete response ending at the event created_at), and does nothing twice for a replay', async () => {
    const port = await freePort();
    sim = await openai(42, 0, port);
    rx = await startOtlpReceiver();
    start(sim, rx, stateFile(), port);
    // Failed and incomplete responses give no completed_at: their spans end at the announcing event's created_at.
    const id = await endedQuietly(sim, 'failed');
    await waitFor(async () => (await send(sim!, id, 'forged')).status !== null, 'the bridge to listen');
    expect((await send(sim, id, 'forged')).status).toBe(400);
    expect((await send(sim, id, 'stale', 3_600)).status).toBe(400);
    expect(retrieves(sim, id)).toBe(0);

    expect((await send(sim, id, 'signed')).status).toBe(200);
    await waitFor(() => roots(rx!.spans()).length >= 1, 'the announced response traced');
    expect((await send(sim, id, 'replay')).status).toBe(200);
    // A new delivery of the same event (a new webhook id): tracked already and traced, nothing again.
    expect((await send(sim, id, 'signed')).status).toBe(200);
    const looked = retrieves(sim, id);
    const other = await endedQuietly(sim, 'incomplete');
    expect((await send(sim, other, 'signed')).status).toBe(200);
    await waitFor(() => roots(rx!.spans()).length >= 2, 'the second response traced');
    expect(retrieves(sim, id)).toBe(looked);
    const truth = await truthOf(sim);
    const bodies = truth.responses.filter((r) => r.id === id || r.id === other).map((r) => r.response as { completed_at?: number | null });
    expect(bodies.map((b) => b.completed_at ?? null)).toEqual([null, null]);
    const ends = roots(rx.spans()).map((s) => s.attributes['assistants_bridge.end_unknown']);
    expect(ends).toEqual([undefined, undefined]);
    expectExactRoots(rx.spans(), expectedTraces(truth, [id, other]), roots(rx.spans()));
  });

  it('during a secret rotation accepts deliveries signed with either secret', async () => {
    const port = await freePort();
    sim = await openai(43, 0, port);
    rx = await startOtlpReceiver();
    start(sim, rx, stateFile(), port, { OPENAI_WEBHOOK_SECRET: NEW_SECRET, OPENAI_WEBHOOK_SECRET_PREVIOUS: DEFAULT_WEBHOOK_SECRET });
    const before = await endedQuietly(sim);
    await waitFor(async () => (await send(sim!, before, 'signed')).status === 200, 'a delivery under the previous secret accepted');
    await simControl(sim, '/webhooks', { secret: NEW_SECRET });
    const after = await endedQuietly(sim);
    expect((await send(sim, after, 'signed')).status).toBe(200);
    await waitFor(() => roots(rx!.spans()).length >= 2, 'both responses traced');
    expectExactRoots(rx.spans(), expectedTraces(await truthOf(sim), [before, after]), roots(rx.spans()));
  });

  it('after a SIGKILL with deliveries arrived and unanswered, and a restart on the same state file, the sender retries and nothing is lost or sent twice', async () => {
    const port = await freePort();
    // The sender gives up on an attempt after 1.5 s (and retries): a frozen bridge makes them time out.
    sim = await openai(44, 16, port, 1_500);
    rx = await startOtlpReceiver();
    const state = stateFile();
    const killed = start(sim, rx, state, port);
    await waitFor(async () => (await deliveriesOf(sim!)).deliveries.some((d) => d.status === 200), 'a first webhook accepted', 30_000);
    // Frozen, the bridge's socket still takes connections and requests, and answers none: deliveries
    // arrive and wait, some perhaps half handled, until the sender times out. Then it dies.
    killed.child.kill('SIGSTOP');
    await waitFor(
      async () => (await deliveriesOf(sim!)).deliveries.some((d) => d.status === null),
      'a delivery sent to the frozen bridge and unanswered',
      30_000,
    );
    killed.child.kill('SIGKILL');
    await killed.exited;
    start(sim, rx, state, port);
    await waitFor(async () => (await truthOf(sim!)).allFinished, 'every live response to end', 60_000);
    await waitFor(() => allDelivered(sim!), 'every webhook answered 2xx at last', 30_000);
    const expected = expectedTraces(await truthOf(sim));
    await waitFor(() => new Set(roots(rx!.spans()).map(spanKey)).size >= expected.length, 'every announced response traced');
    // A span acknowledged but not yet deleted from the outbox when the process died goes out again:
    // the one window the outbox documents. Everything else arrives exactly once.
    const unique = new Map(rx.spans().map((s) => [spanKey(s), s]));
    expectExactRoots([...unique.values()], expected, roots([...unique.values()]));
  }, 120_000);
});
