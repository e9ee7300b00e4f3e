// `watch` on a terminal: one status line at the bottom of the screen, redrawn in place every
// 500 ms, with log lines printed above it. Off a terminal, or with --log-format json, there is no
// status line: the logs alone, as JSON lines, are what a log collector wants.
import { Writable } from 'node:stream';
import type { LogConfig } from '../config/types.js';
import type { WatchHandle } from './watch-command.js';

export interface WatchStatus {
  /** Runs in the state file, finished ones included. */
  tracked: number;
  active: number;
  finished: number;
  /** Spans the collector acknowledged since start. */
  spansExported: number;
  outboxDepth: number;
  /** API requests started in the last minute, and the budget's limit per minute. */
  requests: number;
  requestLimit: number;
  lastError: { message: string; at: number } | null;
}

/** What the status line writes to: a terminal (stderr). */
export interface StatusTerminal {
  write(text: string): unknown;
  readonly columns?: number;
  readonly isTTY?: boolean;
}

const CLEAR_LINE = '\r\u001b[2K';
const SEPARATOR = ' · ';
export const STATUS_INTERVAL_MS = 500;

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s}s ago` : `${Math.round(s / 60)}m ago`;
}

/** `tracked 42 · active 3 · finished 39 · spans 1204 · outbox 0 · requests 48/54 per min · last error: none`, cut to `width`. */
export function formatStatus(s: WatchStatus, width: number, now: number = Date.now()): string {
  const error = s.lastError ? `${ago(now - s.lastError.at)}: ${s.lastError.message.replace(/\s+/g, ' ')}` : 'none';
  const line = [
    `tracked ${s.tracked}`,
    `active ${s.active}`,
    `finished ${s.finished}`,
    `spans ${s.spansExported}`,
    `outbox ${s.outboxDepth}`,
    `requests ${s.requests}/${s.requestLimit} per min`,
    `last error: ${error}`,
  ].join(SEPARATOR);
  // One column short of the width: a line that fills the last column wraps on some terminals,
  // and a wrapped line can no longer be redrawn in place.
  const max = Math.max(10, width - 1);
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/**
 * On a terminal unless JSON logs were asked for, or spans are printed to the same terminal (the
 * console exporter on a TTY stdout), whose lines would run into the status line.
 */
export function wantsStatusLine(log: LogConfig, terminal: StatusTerminal, spansOnTerminal = false): boolean {
  return terminal.isTTY === true && log.format !== 'json' && !spansOnTerminal;
}

export class StatusLine {
  #timer: NodeJS.Timeout | null = null;
  #read: (() => WatchStatus) | null = null;
  #last: WatchStatus | null = null;
  #shown = false;
  #stopped = false;
  /** The logger writes here, so that each log line lands above the status line. */
  readonly logStream: Writable & { isTTY: boolean };

  constructor(
    private readonly terminal: StatusTerminal,
    private readonly intervalMs: number = STATUS_INTERVAL_MS,
  ) {
    const stream = new Writable({
      write: (chunk: Buffer | string, _encoding, done) => {
        this.#print(chunk.toString());
        done();
      },
    });
    this.logStream = Object.assign(stream, { isTTY: terminal.isTTY === true });
  }

  /** Draws the line every interval from `read`; once. */
  start(read: () => WatchStatus): void {
    if (this.#stopped || this.#read) return;
    this.#read = read;
    this.#draw();
    this.#timer = setInterval(() => this.#draw(), this.intervalMs);
    this.#timer.unref();
  }

  /** Clears the line for good, at once; logs after this go straight through. */
  shutdown(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#shown) this.terminal.write(CLEAR_LINE);
    this.#shown = false;
    return Promise.resolve();
  }

  #snapshot(): WatchStatus | null {
    try {
      this.#last = this.#read?.() ?? this.#last;
    } catch {
      // The state can close under us while stopping: keep showing the last numbers.
    }
    return this.#last;
  }

  #draw(): void {
    if (this.#stopped) return;
    const status = this.#snapshot();
    if (!status) return;
    this.terminal.write(`${CLEAR_LINE}${formatStatus(status, this.terminal.columns ?? 120)}`);
    this.#shown = true;
  }

  #print(text: string): void {
    if (this.#stopped || !this.#shown) {
      this.terminal.write(text);
      return;
    }
    this.terminal.write(`${CLEAR_LINE}${text}${text.endsWith('\n') ? '' : '\n'}`);
    this.#shown = false;
    this.#draw();
  }
}

/** Reads the numbers of a running `watch`; the last error is whichever of polling or exporting failed last. */
export function watchStatusReader(
  handle: Pick<WatchHandle, 'watcher' | 'drain' | 'budget' | 'state'>,
  now: () => number = Date.now,
): () => WatchStatus {
  let lastError: WatchStatus['lastError'] = null;
  let pollErrors = 0;
  let exportErrors = 0;
  return () => {
    const { watcher, drain, budget, state } = handle;
    const polls = watcher.counters.transientErrors + watcher.counters.outboxFullRefusals;
    if (polls !== pollErrors && watcher.counters.lastError) lastError = { message: watcher.counters.lastError, at: now() };
    if (drain.stats.exportFailures !== exportErrors && drain.stats.lastError) lastError = { message: drain.stats.lastError, at: now() };
    pollErrors = polls;
    exportErrors = drain.stats.exportFailures;
    const work = watcher.progress();
    const requests = budget.stats();
    return {
      tracked: work.tracked,
      active: work.active,
      finished: work.tracked - work.active,
      spansExported: drain.stats.exported,
      outboxDepth: state.outboxDepth(),
      requests: requests.startedLastMinute,
      requestLimit: requests.effectiveLimit,
      lastError,
    };
  };
}
