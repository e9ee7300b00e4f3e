// Collector faults injected into a real `watch` process over real HTTP: 503 and 429 with
// Retry-After, a timeout, connection resets, one bad span refused with 400 inside a batch,
// partial success; over http/protobuf, and the same over http/json. Retryable faults lose
// nothing and send nothing twice; a refused span is isolated and dead-lettered alone; spans
// rejected by partial success are counted and logged, not re-sent.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SpanRecord } from '../../src/core/span-record.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { startCli, waitFor, type CliProcess } from '../support/cli.js';
import { exitWithin } from '../support/bridge-process.js';
import { expectExactly, expectSpanMatches } from '../support/expected-spans.js';
import { listenAddressOf, scrape, total, type Sample } from '../support/metrics-scrape.js';
import { startOtlpReceiver, type Faults, type OtlpReceiver, type ReceivedRequest } from '../support/otlp-receiver/index.js';
import { expectedSpans, fetchTruth, threadIdsOf } from '../support/world.js';

type Protocol = 'http/protobuf' | 'http/json';

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
let bridge: CliProcess | undefined;

afterEach(async () => {
  bridge?.child.kill('SIGKILL');
  await sim?.shutdown();
  await rx?.close();
  bridge = sim = rx = undefined;
});

interface FaultRun {
  expected: SpanRecord[];
  metrics: Sample[];
  traceRequests: ReceivedRequest[];
  logs: { msg: string; level: number; [key: string]: unknown }[];
}

/**
 * A world of finished runs, the receiver with `faults` already on, and the bridge watching the
 * world until its outbox is empty and the receiver holds every span but `missing` of them;
 * then /metrics is read and the bridge stopped (SIGTERM, exit 0).
 */
async function runWithFaults(options: {
  protocol: Protocol;
  faults: (expected: SpanRecord[]) => Faults;
  missing?: number;
  env?: Record<string, string>;
}): Promise<FaultRun> {
  sim = await startSimulator({ seed: 11, clock: { speed: 100 }, world: { threads: 3, backfillRuns: 6, liveRuns: 0 } });
  rx = await startOtlpReceiver();
  const truth = await fetchTruth(sim);
  expect(truth.allFinished).toBe(true);
  const expected = expectedSpans(truth, { baseURL: sim.url });
  const faults = options.faults(expected);
  rx.setFaults(faults);
  const dir = mkdtempSync(join(tmpdir(), 'aob-collector-faults-'));
  const proc = startCli(
    [
      'watch',
      ...threadIdsOf(truth).flatMap((t) => ['--thread', t]),
      '--state',
      join(dir, 'state.sqlite'),
      '--listen',
      '127.0.0.1:0',
      '--rpm',
      '6000',
      '--log-format',
      'json',
    ],
    {
      ...options.env,
      OPENAI_API_KEY: sim.apiKey,
      OPENAI_BASE_URL: sim.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: options.protocol,
    },
  );
  bridge = proc;
  const address = await listenAddressOf(proc);
  const r = rx;
  const unique = (): number => new Set(r.spans().map((s) => s.spanId)).size;
  let metrics: Sample[] = [];
  await waitFor(
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`the bridge exited early:\n${proc.stderr().slice(-2000)}`);
      if (unique() < expected.length - (options.missing ?? 0)) return false;
      metrics = await scrape(address);
      return total(metrics, 'assistants_bridge_outbox_depth') === 0;
    },
    `${expected.length - (options.missing ?? 0)} spans at the receiver and an empty outbox`,
    30_000,
  );
  await r.settled();
  proc.child.kill('SIGTERM');
  const exit = await exitWithin(proc, 20_000, 'after SIGTERM');
  expect(exit.code, exit.stderr.slice(-2000)).toBe(0);
  const logs = exit.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as FaultRun['logs'][number]);
  const traceRequests = r.requests().filter((q) => q.signal === 'traces');
  console.log(
    `[collector faults ${options.protocol} ${JSON.stringify(faults, (_key, v: unknown) => (typeof v === 'function' ? 'fn' : v))}] ` +
      `expected=${expected.length} receivedUnique=${unique()} duplicates=${r.duplicates().length} ` +
      `deadLettered=${total(metrics, 'assistants_bridge_dead_letters')} partiallyRejected=${spansBy(metrics, 'partially_rejected')} ` +
      `exportRequests=${traceRequests.length} retryableFailures=${total(metrics, 'assistants_bridge_export_failures_total')}`,
  );
  return { expected, metrics, traceRequests, logs };
}

/** The counter of spans by export outcome (Prometheus appends `_total` to counters). */
const spansBy = (metrics: Sample[], outcome: string): number => total(metrics, 'assistants_bridge_export_spans_total', { outcome });

/** Each refused request is followed by the next export at least `seconds` later (generously: 90 %). */
function expectWaitedAfter(requests: ReceivedRequest[], status: number, seconds: number, times: number): void {
  const refused = requests.map((q, i) => ({ q, i })).filter(({ q }) => q.status === status);
  expect(refused).toHaveLength(times);
  for (const { q, i } of refused) {
    const next = requests[i + 1];
    expect(next, `no export after the ${status}`).toBeDefined();
    expect(next!.at - q.at).toBeGreaterThanOrEqual(seconds * 1000 * 0.9);
  }
}

const protocols: Protocol[] = ['http/protobuf', 'http/json'];

describe.each(protocols)('collector faults over %s', (protocol) => {
  it('503 with Retry-After: waits at least that long, then delivers every span exactly once', async () => {
    const run = await runWithFaults({ protocol, faults: () => ({ status: 503, retryAfterSeconds: 2, count: 2 }) });
    expectExactly(rx!.spans(), run.expected);
    expectWaitedAfter(run.traceRequests, 503, 2, 2);
    expect(total(run.metrics, 'assistants_bridge_export_failures_total')).toBe(2);
    expect(spansBy(run.metrics, 'dead_lettered')).toBe(0);
  }, 40_000);

  it('429 with Retry-After: waits at least that long, then delivers every span exactly once', async () => {
    const run = await runWithFaults({ protocol, faults: () => ({ status: 429, retryAfterSeconds: 2, count: 2 }) });
    expectExactly(rx!.spans(), run.expected);
    expectWaitedAfter(run.traceRequests, 429, 2, 2);
    expect(total(run.metrics, 'assistants_bridge_export_failures_total')).toBe(2);
  }, 40_000);

  it('a collector slower than OTEL_EXPORTER_OTLP_TIMEOUT: the bridge gives up, retries, and sends every span exactly once', async () => {
    // The receiver records nothing from a request whose client gave up, like a collector that never got to it.
    const run = await runWithFaults({
      protocol,
      faults: () => ({ delayMs: 3_000, count: 2 }),
      env: { OTEL_EXPORTER_OTLP_TIMEOUT: '1000' },
    });
    expectExactly(rx!.spans(), run.expected);
    const timedOut = run.traceRequests.filter((q) => q.faults.includes('delay'));
    expect(timedOut).toHaveLength(2);
    expect(timedOut.every((q) => q.status === null)).toBe(true);
    expect(total(run.metrics, 'assistants_bridge_export_failures_total')).toBe(2);
    // Said once with its cause (the second failure is within the 30 s before it is said again), then its end.
    expect(run.logs.filter((l) => l.msg.startsWith('cannot export to') && /no answer within 1000 ms/.test(String(l.cause)))).toHaveLength(
      1,
    );
    expect(run.logs.filter((l) => l.msg.startsWith('export to') && l.msg.includes('works again after'))).toHaveLength(1);
  }, 40_000);

  it('connection resets: retried, every span exactly once', async () => {
    const run = await runWithFaults({ protocol, faults: () => ({ reset: true, count: 3 }) });
    expectExactly(rx!.spans(), run.expected);
    expect(run.traceRequests.filter((q) => q.faults.includes('reset'))).toHaveLength(3);
    expect(total(run.metrics, 'assistants_bridge_export_failures_total')).toBe(3);
  }, 40_000);

  it('one bad span inside a batch (400): only that span is dead-lettered, every other arrives once, and the log names it', async () => {
    let bad: SpanRecord | undefined;
    const run = await runWithFaults({
      protocol,
      faults: (expected) => {
        bad = expected.find((s) => s.name.startsWith('chat '))!;
        const badId = bad.spanId;
        return { rejectSpansWhere: (span) => span.spanId === badId };
      },
      missing: 1,
    });
    const others = run.expected.filter((s) => s.spanId !== bad!.spanId);
    expectExactly(rx!.spans(), others);
    // It was refused inside a batch, which the bridge split down to the span alone.
    const refused = run.traceRequests.filter((q) => q.status === 400);
    expect(refused.some((q) => q.spanCount > 1)).toBe(true);
    expect(refused.some((q) => q.spanCount === 1)).toBe(true);
    expect(total(run.metrics, 'assistants_bridge_dead_letters')).toBe(1);
    expect(spansBy(run.metrics, 'dead_lettered')).toBe(1);
    expect(spansBy(run.metrics, 'exported')).toBe(others.length);
    expect(total(run.metrics, 'assistants_bridge_export_failures_total')).toBe(0);
    const named = run.logs.filter((l) => l.msg.includes('dead-letter') && l.level >= 50);
    expect(named).toHaveLength(1);
    expect(named[0]).toMatchObject({ spanId: bad!.spanId, traceId: bad!.traceId, span: bad!.name });
    expect(String(named[0]!.reason)).toMatch(/400/);
  }, 40_000);

  it('partial success: the rejected spans are counted and logged, not re-sent; every other span arrives once', async () => {
    const run = await runWithFaults({
      protocol,
      faults: () => ({ partialSuccess: { rejectedSpans: 2, errorMessage: 'two spans too many' }, count: 1 }),
      missing: 2,
    });
    const received = rx!.spans();
    expect(rx!.duplicates()).toEqual([]);
    const byId = new Map(received.map((s) => [s.spanId, s]));
    const lost = run.expected.filter((s) => !byId.has(s.spanId));
    expect(lost).toHaveLength(2);
    for (const e of run.expected) if (byId.has(e.spanId)) expectSpanMatches(byId.get(e.spanId)!, e);
    expect(received).toHaveLength(run.expected.length - 2);
    expect(run.traceRequests.filter((q) => q.faults.includes('partial-success'))).toHaveLength(1);
    expect(spansBy(run.metrics, 'partially_rejected')).toBe(2);
    expect(spansBy(run.metrics, 'dead_lettered')).toBe(0);
    const warned = run.logs.filter((l) => l.msg.includes('partial success'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ rejected: 2, message: 'two spans too many' });
  }, 40_000);
});
