// The drain over an outbox whose spans come partly from memory (committed by this process) and
// partly from the file (left by an earlier process, or past the in-memory capacity): every span
// reaches the collector once, a refused one goes to the dead letters, none is sent twice.
import nodePath from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SpanRecord } from '../../src/core/span-record.js';
import type { ExportOutcome, SpanRecordExporter } from '../../src/sink/export-outcome.js';
import { OutboxDrain } from '../../src/sink/outbox-drain.js';
import { openRunLedger, type RunLedger } from '../../src/sources/assistants/run-ledger.js';
import { spans, tempDir } from '../state/helpers.js';
import { deadLetters } from '../support/state-file.js';

const log = pino({ level: 'silent' });
const open: RunLedger[] = [];
afterEach(() => {
  for (const s of open.splice(0)) if (!s.closed) void s.shutdown();
});

function store(path: string, freshSpanCapacity?: number): RunLedger {
  const s = openRunLedger(path, freshSpanCapacity === undefined ? {} : { freshSpanCapacity });
  open.push(s);
  if (!s.getRun('run_1')) s.trackRun('thread_1', 'run_1', 'cli');
  return s;
}

/** A collector that refuses any request holding one of `refuse`, and fails the first `failFirst` requests. */
class FakeCollector implements SpanRecordExporter {
  readonly target = 'fake';
  readonly accepted: string[] = [];
  requests = 0;
  constructor(
    private readonly refuse: ReadonlySet<string> = new Set(),
    private failFirst = 0,
  ) {}

  async export(batch: readonly SpanRecord[]): Promise<ExportOutcome> {
    this.requests += 1;
    if (this.failFirst > 0) {
      this.failFirst -= 1;
      return { kind: 'retryable', reason: 'unavailable', retryAfterMs: 1 };
    }
    if (batch.some((s) => this.refuse.has(s.spanId))) return { kind: 'refused', reason: 'bad span', status: 400 };
    this.accepted.push(...batch.map((s) => s.spanId));
    return { kind: 'accepted', rejectedSpans: 0 };
  }

  start(): void {}

  async shutdown(): Promise<void> {}
}

async function drainAll(state: RunLedger, collector: FakeCollector, batchSize: number): Promise<void> {
  const drain = new OutboxDrain(state, collector, { batchSize, log });
  drain.start();
  await drain.shutdown(10_000);
}

const spanIds = (list: SpanRecord[]) => list.map((s) => s.spanId);

describe('outbox drain with spans from memory and from the file', () => {
  it('sends each span once across a restart and an overflowing in-memory capacity', async () => {
    const path = nodePath.join(tempDir(), 'state.sqlite');
    const earlier = store(path);
    earlier.commitProgress({ runId: 'run_1', spans: spans('run_1', 1, 5) });
    void earlier.shutdown();

    const state = store(path, 4);
    state.commitProgress({ runId: 'run_1', spans: spans('run_1', 6, 7) });
    state.commitProgress({ runId: 'run_1', spans: spans('run_1', 13, 3) });
    const collector = new FakeCollector(new Set(), 1);
    await drainAll(state, collector, 4);

    expect(collector.accepted).toEqual(spanIds(spans('run_1', 1, 15)));
    expect(state.outboxDepth()).toBe(0);
    expect(state.outboxBatch(100)).toEqual([]);
  });

  it('isolates a refused span by splitting the batch, dead-letters it and sends the rest once', async () => {
    const path = nodePath.join(tempDir(), 'state.sqlite');
    const state = store(path, 3);
    const committed = spans('run_1', 1, 8);
    state.commitProgress({ runId: 'run_1', spans: committed });
    const bad = committed[5]?.spanId as string;
    const collector = new FakeCollector(new Set([bad]));
    await drainAll(state, collector, 8);

    expect(collector.accepted).toEqual(spanIds(committed).filter((id) => id !== bad));
    expect(deadLetters(path).map((d) => [d.span.spanId, d.status])).toEqual([[bad, 400]]);
    expect(state.outboxDepth()).toBe(0);

    // A later commit is sent from memory like any other; a step already sent is not enqueued again.
    const later = spans('run_1', 9, 1)[0] as SpanRecord;
    expect(state.commitProgress({ runId: 'run_1', spans: [committed[0] as SpanRecord, later] })).toEqual({
      enqueued: 1,
      alreadyPresent: 1,
    });
    const again = new FakeCollector();
    await drainAll(state, again, 8);
    expect(again.accepted).toEqual([later.spanId]);
  });
});

describe('when the drain waits for a batch to fill', () => {
  afterEach(() => vi.useRealTimers());

  it('sends a backlog larger than a batch without waiting, batches ending where commits end, and waits only over the last part', async () => {
    vi.useFakeTimers();
    const state = store(':memory:');
    // Three commits of three spans, batches of four: a batch holds one commit (3 < 4), yet the
    // outbox holds a batch or more, so nothing waits until less than a batch is left.
    for (let i = 0; i < 3; i++) state.commitProgress({ runId: 'run_1', spans: spans('run_1', 1 + 3 * i, 3) });
    const collector = new FakeCollector();
    const drain = new OutboxDrain(state, collector, { batchSize: 4, log });
    drain.start();
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(collector.accepted).toEqual(spanIds(spans('run_1', 1, 6)));
    // The last three are less than a batch: they wait for more (50 ms) before going alone.
    await vi.advanceTimersByTimeAsync(60);
    expect(collector.accepted).toEqual(spanIds(spans('run_1', 1, 9)));
    const stopped = drain.shutdown(1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    await stopped;
  });
});

describe('outbox drain stop budget and collector health', () => {
  afterEach(() => vi.useRealTimers());

  /** Takes each export and never answers, like a collector that accepted the connection and hangs. */
  class HangingCollector implements SpanRecordExporter {
    readonly target = 'hanging';
    requests = 0;
    export(): Promise<ExportOutcome> {
      this.requests += 1;
      return new Promise<ExportOutcome>(() => undefined);
    }
    start(): void {}
    async shutdown(): Promise<void> {}
  }

  it('gives up on an export still unanswered at the deadline and keeps its spans in the outbox', async () => {
    vi.useFakeTimers();
    const state = store(':memory:');
    state.commitProgress({ runId: 'run_1', spans: spans('run_1', 1, 5) });
    const collector = new HangingCollector();
    const drain = new OutboxDrain(state, collector, { batchSize: 10, log });
    drain.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(collector.requests).toBe(1);
    let stopped = false;
    const stopping = drain.shutdown(2_000).then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(1_999);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    expect(stopped).toBe(true);
    expect(state.outboxDepth()).toBe(5);
  });

  it('tells its health each failure and the first answer after them, and keeps the per-retry detail at debug', async () => {
    vi.useFakeTimers();
    const state = store(':memory:');
    state.commitProgress({ runId: 'run_1', spans: spans('run_1', 1, 3) });
    const events: string[] = [];
    const warnings: string[] = [];
    const captured = pino(
      { level: 'debug' },
      { write: (line: string) => (JSON.parse(line) as { level: number }).level >= 40 && warnings.push(line) },
    );
    const drain = new OutboxDrain(state, new FakeCollector(new Set(), 2), {
      batchSize: 10,
      log: captured,
      health: { failed: (reason) => events.push(`failed ${reason}`), answered: () => events.push('answered') },
    });
    drain.start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(events).toEqual(['failed unavailable', 'failed unavailable', 'answered']);
    expect(warnings).toEqual([]);
    expect(state.outboxDepth()).toBe(0);
    const stopping = drain.shutdown(1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    await stopping;
  });
});
