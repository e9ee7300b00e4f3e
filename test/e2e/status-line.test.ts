// `watch` as a person sees it: on a terminal (a tmux pane) one status line at the bottom, redrawn
// in place, with the numbers the bridge works with and the log lines above it; off a terminal, or
// with --log-format json, JSON log lines only.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/defaults.js';
import { effectiveLimit } from '../../src/scheduler/request-budget.js';
import { startSimulator, type RunningSimulator, type Truth } from '../../src/simulator/index.js';
import { runCli, waitFor } from '../support/cli.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';
import { TmuxPane } from '../support/tmux.js';
import { expectedSpans, fetchTruth, threadIdsOf } from '../support/world.js';

const STATUS =
  /^tracked (\d+) · active (\d+) · finished (\d+) · spans (\d+) · outbox (\d+) · requests (\d+)\/(\d+) per min · last error: (.*)$/;

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
let pane: TmuxPane | undefined;

afterEach(async () => {
  pane?.close();
  await sim?.shutdown();
  await rx?.close();
  pane = sim = rx = undefined;
});

async function finishedWorld(): Promise<{ truth: Truth; env: Record<string, string> }> {
  sim = await startSimulator({ seed: 5, clock: { speed: 60 }, world: { threads: 3, backfillRuns: 9, liveRuns: 0 } });
  rx = await startOtlpReceiver();
  const truth = await fetchTruth(sim);
  return { truth, env: { OPENAI_API_KEY: sim.apiKey, OPENAI_BASE_URL: sim.url, OTEL_EXPORTER_OTLP_ENDPOINT: rx.url } };
}

/** What the default budget spends per window. */
const DEFAULT_LIMIT = effectiveLimit(DEFAULTS.watch.rpm);

const watchArgs = (truth: Truth, extra: string[] = []): string[] => [
  'watch',
  ...threadIdsOf(truth).flatMap((t) => ['--thread', t]),
  '--state',
  ':memory:',
  '--listen',
  'off',
  ...extra,
];

describe('watch status line', () => {
  it('shows tracked, active, finished, spans, outbox, requests of the budget and the last error on one line below the logs', async () => {
    const { truth, env } = await finishedWorld();
    const expected = expectedSpans(truth, { baseURL: sim!.url }).length;
    pane = TmuxPane.cli(watchArgs(truth), { env });
    let status: RegExpExecArray | null = null;
    await waitFor(() => {
      const lines = pane!.lines();
      status = STATUS.exec(lines[lines.length - 1] ?? '');
      return status !== null && status[2] === '0' && Number(status[4]) === expected && rx!.spans().length === expected;
    }, 'the status line to show every run finished and every span exported');
    const [, tracked, active, finished, spans, outbox, requests, limit, lastError] = status!;
    expect({ tracked, active, finished, spans, outbox, limit, lastError }).toEqual({
      tracked: String(truth.runs.length),
      active: '0',
      finished: String(truth.runs.length),
      spans: String(expected),
      outbox: '0',
      limit: String(DEFAULT_LIMIT),
      lastError: 'none',
    });
    expect(Number(requests)).toBeGreaterThan(0);
    expect(Number(requests)).toBeLessThanOrEqual(DEFAULT_LIMIT);

    // One status line, at the bottom, drawn over itself rather than scrolled; the logs above it, readable.
    const lines = pane.lines({ history: true });
    expect(lines.filter((l) => /^tracked \d+ ·/.test(l))).toHaveLength(1);
    const watching = lines.findIndex((l) => /^\d\d:\d\d:\d\d info {2}watching /.test(l));
    expect(watching).toBeGreaterThanOrEqual(0);
    expect(watching).toBeLessThan(lines.length - 1);

    // Ctrl-C: the line is cleared, the shutdown logs follow, exit 0.
    pane.sendKeys('C-c');
    await waitFor(() => pane!.exitCode() !== null, 'watch to stop');
    expect(pane.exitCode()).toBe(0);
    const after = pane.lines({ history: true });
    expect(after.some((l) => /^tracked \d+ ·/.test(l))).toBe(false);
    expect(after.some((l) => /stopping: no new polls/.test(l))).toBe(true);
  });

  it('names the last error, then shows it going on as the bridge retries', async () => {
    const { truth, env } = await finishedWorld();
    rx!.setFaults({ status: 503, count: 1_000 });
    pane = TmuxPane.cli(watchArgs(truth), { env });
    await waitFor(() => {
      const lines = pane!.lines();
      const status = STATUS.exec(lines[lines.length - 1] ?? '');
      return status !== null && /^\d+s ago: .*503/.test(status[8]!) && Number(status[5]) > 0;
    }, 'the status line to show the export failing');
  });

  it('prints JSON logs and no status line off a terminal', async () => {
    const { truth, env } = await finishedWorld();
    const result = await runCli(watchArgs(truth, ['--exit-when-idle']), env);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stderr.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
    expect(result.stderr).not.toMatch(/tracked \d+ ·|\r/);
    expect(result.stderr).not.toContain('\u001b[');
  });

  it('prints JSON logs and no status line on a terminal with --log-format json', async () => {
    const { truth, env } = await finishedWorld();
    pane = TmuxPane.cli(watchArgs(truth, ['--exit-when-idle', '--log-format', 'json']), { env });
    await waitFor(() => pane!.exitCode() !== null, 'watch to finish');
    expect(pane.exitCode()).toBe(0);
    const lines = pane.lines({ history: true }).filter((l) => !/^EXIT=/.test(l));
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
  });
});
