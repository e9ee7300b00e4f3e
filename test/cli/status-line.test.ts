// The status line's text, its redraw in place with logs above it, and where its numbers come from.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatStatus, StatusLine, wantsStatusLine, watchStatusReader, type WatchStatus } from '../../src/cli/status-line.js';

const CLEAR = '\r\u001b[2K';
const BASE: WatchStatus = {
  tracked: 42,
  active: 3,
  finished: 39,
  spansExported: 1204,
  outboxDepth: 0,
  requests: 48,
  requestLimit: 54,
  lastError: null,
};

afterEach(() => vi.useRealTimers());

function terminal(columns = 200): { out: string[]; write: (t: string) => void; columns: number; isTTY: boolean } {
  const out: string[] = [];
  return { out, write: (t) => void out.push(t), columns, isTTY: true };
}

describe('formatStatus', () => {
  it('puts every number on one line', () => {
    expect(formatStatus(BASE, 200)).toBe(
      'tracked 42 · active 3 · finished 39 · spans 1204 · outbox 0 · requests 48/54 per min · last error: none',
    );
  });

  it('says how long ago the last error was, on one line', () => {
    const line = formatStatus(
      { ...BASE, lastError: { message: 'collector answered 503:\n  Service Unavailable', at: 1_000 } },
      200,
      13_400,
    );
    expect(line).toMatch(/· last error: 12s ago: collector answered 503: Service Unavailable$/);
    expect(formatStatus({ ...BASE, lastError: { message: 'x', at: 0 } }, 200, 600_000)).toMatch(/last error: 10m ago: x$/);
  });

  it('never fills the last column, which would wrap the line', () => {
    const line = formatStatus({ ...BASE, lastError: { message: 'e'.repeat(300), at: 0 } }, 80, 0);
    expect(line).toHaveLength(79);
    expect(line.endsWith('…')).toBe(true);
  });
});

describe('StatusLine', () => {
  it('draws at start and every 500 ms, in place', () => {
    vi.useFakeTimers();
    const t = terminal();
    const line = new StatusLine(t);
    let n = 0;
    line.start(() => ({ ...BASE, tracked: (n += 1) }));
    vi.advanceTimersByTime(1_000);
    expect(t.out).toEqual([1, 2, 3].map((k) => `${CLEAR}${formatStatus({ ...BASE, tracked: k }, 200)}`));
    void line.shutdown();
  });

  it('prints a log line above the status line, then draws it again', () => {
    const t = terminal();
    const line = new StatusLine(t);
    line.start(() => BASE);
    t.out.length = 0;
    line.logStream.write('12:00:00 info  watching\n');
    expect(t.out).toEqual([`${CLEAR}12:00:00 info  watching\n`, `${CLEAR}${formatStatus(BASE, 200)}`]);
    void line.shutdown();
  });

  it('clears itself on stop, after which logs go straight through', () => {
    const t = terminal();
    const line = new StatusLine(t);
    line.start(() => BASE);
    void line.shutdown();
    expect(t.out.at(-1)).toBe(CLEAR);
    t.out.length = 0;
    line.logStream.write('stopping\n');
    void line.shutdown();
    expect(t.out).toEqual(['stopping\n']);
  });

  it('keeps showing the last numbers when they cannot be read (the state closing)', () => {
    vi.useFakeTimers();
    const t = terminal();
    const line = new StatusLine(t);
    let closed = false;
    line.start(() => {
      if (closed) throw new Error('state closed');
      return BASE;
    });
    closed = true;
    vi.advanceTimersByTime(500);
    expect(t.out).toEqual([`${CLEAR}${formatStatus(BASE, 200)}`, `${CLEAR}${formatStatus(BASE, 200)}`]);
    void line.shutdown();
  });

  it('is for terminals, unless JSON logs were asked for', () => {
    expect(wantsStatusLine({ level: 'info', format: 'auto' }, { write: () => true, isTTY: true })).toBe(true);
    expect(wantsStatusLine({ level: 'info', format: 'pretty' }, { write: () => true, isTTY: true })).toBe(true);
    expect(wantsStatusLine({ level: 'info', format: 'json' }, { write: () => true, isTTY: true })).toBe(false);
    expect(wantsStatusLine({ level: 'info', format: 'auto' }, { write: () => true, isTTY: false })).toBe(false);
    // Spans printed on the same terminal would run into the line.
    expect(wantsStatusLine({ level: 'info', format: 'auto' }, { write: () => true, isTTY: true }, true)).toBe(false);
  });
});

describe('watchStatusReader', () => {
  function fakeHandle() {
    const watcher = {
      counters: { transientErrors: 0, outboxFullRefusals: 0, lastError: null as string | null },
      progress: () => ({ tracked: 10, active: 4 }),
    };
    const drain = { stats: { exported: 0, exportFailures: 0, lastError: null as string | null } };
    const budget = { stats: () => ({ startedLastMinute: 7, effectiveLimit: 54 }) };
    const state = { outboxDepth: () => 5 };
    return { watcher, drain, budget, state };
  }

  it('reads the units of work from the watcher, the outbox from the state, spans from the drain, requests from the budget', () => {
    const h = fakeHandle();
    h.drain.stats.exported = 99;
    const read = watchStatusReader(h as never, () => 0);
    expect(read()).toEqual({
      tracked: 10,
      active: 4,
      finished: 6,
      spansExported: 99,
      outboxDepth: 5,
      requests: 7,
      requestLimit: 54,
      lastError: null,
    });
  });

  it('shows whichever failed last, polling or exporting, and when', () => {
    const h = fakeHandle();
    let now = 1_000;
    const read = watchStatusReader(h as never, () => now);
    h.watcher.counters.transientErrors = 1;
    h.watcher.counters.lastError = 'API 503';
    expect(read().lastError).toEqual({ message: 'API 503', at: 1_000 });
    now = 2_000;
    h.drain.stats.exportFailures = 1;
    h.drain.stats.lastError = 'collector 502';
    expect(read().lastError).toEqual({ message: 'collector 502', at: 2_000 });
    now = 3_000;
    expect(read().lastError).toEqual({ message: 'collector 502', at: 2_000 });
    h.watcher.counters.transientErrors = 2;
    expect(read().lastError).toEqual({ message: 'API 503', at: 3_000 });
  });
});
