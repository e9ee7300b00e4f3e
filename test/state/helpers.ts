import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach } from 'vitest';
import { DEFAULTS } from '../../src/config/defaults.js';
import type { OtlpProtocol, ResourceConfig } from '../../src/config/types.js';
import { OtlpHttpExporter } from '../../src/sink/otlp-http-exporter.js';
import { OutboxDrain } from '../../src/sink/outbox-drain.js';
import { assistantResource } from '../../src/sink/resource.js';
import type { StateStore } from '../../src/state/store.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';
import type { FrozenContext } from '../../src/sources/assistants/mapping/frozen-context.js';
import { nanosFromSeconds, type SpanRecord } from '../../src/core/span-record.js';
import { StateError, type StateErrorCode } from '../../src/state/errors.js';
import type { Format1Span } from '../../src/state/record-format.js';
import type { TrackedRun } from '../../src/sources/assistants/run-ledger.js';
import type { Origin } from '../../src/state/types.js';

/** A step's span, as mapping makes it (keyed by its step, the export lag's sample). */
export function span(runId: string, n: number, overrides: Partial<SpanRecord> = {}): SpanRecord {
  return {
    traceId: 'ab'.repeat(16),
    spanId: n.toString(16).padStart(16, '0'),
    parent: { spanId: 'ff'.repeat(8), remote: false },
    traceFlags: 1,
    name: `chat gpt-4o #${n}`,
    kind: 2,
    start: nanosFromSeconds(1_700_000_000 + n),
    end: nanosFromSeconds(1_700_000_001 + n),
    status: { code: 0 },
    attributes: { 'openai.run_step.id': `step_${n}`, 'gen_ai.usage.input_tokens': n },
    droppedAttributesCount: 0,
    key: `step_${n}`,
    unit: runId,
    lagSample: true,
    ...overrides,
  };
}

/** A tool call's span made of `span`'s: keyed and parented by the caller, never a lag sample. */
export function toolSpan(from: SpanRecord): SpanRecord {
  const { lagSample: _lag, ...rest } = from;
  return { ...rest, kind: 0, name: 'execute_tool lookup' };
}

/** The step span of `span(runId, n)` as format 1 held it. */
export function format1Span(runId: string, n: number, overrides: Partial<Format1Span> = {}): Format1Span {
  return {
    traceId: 'ab'.repeat(16),
    spanId: n.toString(16).padStart(16, '0'),
    parentSpanId: 'ff'.repeat(8),
    traceFlags: 1,
    name: `chat gpt-4o #${n}`,
    kind: 2,
    startSeconds: 1_700_000_000 + n,
    endSeconds: 1_700_000_001 + n,
    status: { code: 0 },
    attributes: { 'openai.run_step.id': `step_${n}`, 'gen_ai.usage.input_tokens': n },
    droppedAttributesCount: 0,
    role: 'step',
    runId,
    ...overrides,
  };
}

export function spans(runId: string, from: number, count: number): SpanRecord[] {
  return Array.from({ length: count }, (_, i) => span(runId, from + i));
}

export function context(overrides: Partial<FrozenContext> = {}): FrozenContext {
  return {
    agentName: 'Math Tutor',
    traceparent: null,
    tracestate: null,
    captureContent: false,
    contentMaxLength: 1024,
    providerName: 'openai',
    serverAddress: 'api.example.test',
    serverPort: 443,
    firstSeenSeconds: 1_700_000_000,
    ...overrides,
  };
}

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder removed after the test. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'state-test-'));
  made.push(dir);
  return dir;
}

/** Runs `fn` and returns the StateError it throws, failing when it throws something else or nothing. */
export function stateErrorOf(fn: () => unknown): StateError {
  try {
    fn();
  } catch (error) {
    if (error instanceof StateError) return error;
    throw error;
  }
  throw new Error('expected a StateError, got none');
}

export function expectOneLine(error: StateError, code: StateErrorCode, path: string): void {
  if (error.code !== code) throw new Error(`expected code ${code}, got ${error.code}: ${error.message}`);
  if (error.message.includes('\n')) throw new Error(`message spans lines: ${error.message}`);
  if (!error.message.includes(path)) throw new Error(`message does not name ${path}: ${error.message}`);
}

const childScript = fileURLToPath(new URL('./fixtures/store-child.mjs', import.meta.url));

export interface Child {
  proc: ChildProcessWithoutNullStreams;
  /** Resolves with the first stdout line starting with `prefix`, rejects if the child exits first. */
  waitFor(prefix: string): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the child fixture: `node store-child.mjs <mode> <state path> [json args]`. */
export function startChild(mode: string, statePath: string, args: unknown = {}): Child {
  const proc = spawn(process.execPath, [childScript, mode, statePath, JSON.stringify(args)], { stdio: 'pipe' });
  let out = '';
  let err = '';
  const waiters: { prefix: string; resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => {
      for (const w of waiters.splice(0)) w.reject(new Error(`child exited (${code ?? signal}) before "${w.prefix}"; stderr: ${err}`));
      resolve({ code, signal });
    });
  });
  const check = (): void => {
    const lines = out.split('\n');
    for (const w of [...waiters]) {
      const line = lines.find((l) => l.startsWith(w.prefix));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    check();
  });
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  return {
    proc,
    exited,
    waitFor: (prefix) =>
      new Promise<string>((resolve, reject) => {
        if (proc.exitCode !== null || proc.signalCode !== null) {
          reject(new Error(`child already exited; stderr: ${err}`));
          return;
        }
        waiters.push({ prefix, resolve, reject });
        check();
      }),
  };
}

/** A tracked run as a file of schema 4 or earlier held it (tracked_runs), read with a connection of its own. */
export function runsBeforeUnits(path: string): TrackedRun[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const usage = db.prepare("SELECT 1 FROM pragma_table_info('tracked_runs') WHERE name = 'step_usage_seen'").all().length;
    const rows = db.prepare(`SELECT *${usage ? '' : ', 0 AS step_usage_seen'} FROM tracked_runs ORDER BY rowid`).all();
    return rows.map((r) => ({
      threadId: String(r.thread_id),
      runId: String(r.run_id),
      origin: String(r.origin) as Origin,
      addedAt: Number(r.added_at),
      status: r.status === null ? null : String(r.status),
      terminal: r.terminal === 1,
      runSpanEmitted: r.run_span_emitted === 1,
      cursorStepId: r.cursor_step_id === null ? null : String(r.cursor_step_id),
      latestStepEnd: r.latest_step_end === null ? null : Number(r.latest_step_end),
      stepUsageSeen: r.step_usage_seen === 1,
      frozenContext: r.frozen_context === null ? null : (JSON.parse(String(r.frozen_context)) as FrozenContext),
      removed: r.removed === 1,
    }));
  } finally {
    db.close();
  }
}

/** What an earlier release sent draining a state file of its own: its configuration and each request's body. */
export interface OldExport {
  resource: ResourceConfig;
  scope: { name: string; version: string };
  batchSize: number;
  'http/protobuf': string[];
  'http/json': string[];
}

/** Drains `store` to a test receiver as that release was configured; the receiver (to close) and each request's body. */
export async function drainedBodies(
  store: StateStore,
  as: OldExport,
  protocol: OtlpProtocol,
): Promise<{ rx: OtlpReceiver; bodies: Buffer[] }> {
  const rx = await startOtlpReceiver({ keepBodies: true });
  const exporter = new OtlpHttpExporter(
    { ...DEFAULTS.traces, endpoint: rx.tracesUrl, protocol, compression: 'none' },
    assistantResource(as.resource),
    as.scope,
  );
  const drain = new OutboxDrain(store, exporter, { batchSize: as.batchSize, log: pino({ level: 'silent' }) });
  drain.start();
  await drain.shutdown(30_000);
  await exporter.shutdown();
  return { rx, bodies: rx.requests().map((r) => Buffer.from(r.body ?? new Uint8Array(0))) };
}
