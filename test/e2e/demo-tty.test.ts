// The demo as a person sees it on a terminal (a tmux pane): waterfalls in colour, none with
// NO_COLOR, and Ctrl-C in the middle ends it cleanly with exit code 0.
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/cli.js';
import { TmuxPane } from '../support/tmux.js';

// eslint-disable-next-line no-control-regex -- a terminal's colour escape (ESC [ ... m) is what this test looks for
const SGR = /\u001b\[[0-9;]*m/;
const TRACE_ROW = /^ {2}trace [0-9a-f]{32}$/;

let pane: TmuxPane | undefined;
afterEach(() => {
  pane?.close();
  pane = undefined;
});

function expectWaterfalls(lines: string[]): void {
  expect(lines.some((l) => /^invoke_agent( \S.*)? +█/.test(l))).toBe(true);
  expect(lines.some((l) => /^ {2}chat \S+ +.*█/.test(l))).toBe(true);
  expect(lines.some((l) => /^ {4}execute_tool \S+ +.*█/.test(l))).toBe(true);
  expect(lines.filter((l) => TRACE_ROW.test(l)).length).toBeGreaterThanOrEqual(1);
}

describe('demo on a terminal', () => {
  it('draws every run and root turn as a waterfall, in colour, and exits 0', async () => {
    pane = TmuxPane.cli(['demo', '--runs', '6', '--speed', '60']);
    await waitFor(() => pane!.exitCode() !== null, 'the demo to finish', 90_000);
    expect(pane.exitCode()).toBe(0);
    const lines = pane.lines({ history: true });
    expectWaterfalls(lines);
    // 6 runs, and the default 2 sessions of 3 root turns each.
    expect(lines.filter((l) => TRACE_ROW.test(l))).toHaveLength(12);
    expect(lines.some((l) => /^6 runs drawn/.test(l))).toBe(true);
    expect(pane.screen({ escapes: true, history: true })).toMatch(SGR);
  }, 120_000);

  it('draws no colour with NO_COLOR set', async () => {
    pane = TmuxPane.cli(['demo', '--runs', '6', '--speed', '60'], { env: { NO_COLOR: '1' } });
    await waitFor(() => pane!.exitCode() !== null, 'the demo to finish', 90_000);
    expect(pane.exitCode()).toBe(0);
    expectWaterfalls(pane.lines({ history: true }));
    expect(pane.screen({ escapes: true, history: true })).not.toContain('\u001b[');
  }, 120_000);

  it('stops cleanly on Ctrl-C in the middle, exit code 0, with what was drawn so far still on the screen', async () => {
    // Many slow runs: far from done when the first waterfall appears.
    pane = TmuxPane.cli(['demo', '--runs', '40', '--speed', '4']);
    await waitFor(() => pane!.lines({ history: true }).some((l) => TRACE_ROW.test(l)), 'a first waterfall', 60_000);
    pane.sendKeys('C-c');
    await waitFor(() => pane!.exitCode() !== null, 'the demo to stop after Ctrl-C', 20_000);
    expect(pane.exitCode()).toBe(0);
    const lines = pane.lines({ history: true });
    expectWaterfalls(lines);
    const drawn = lines.find((l) => /\d+ runs drawn/.test(l));
    expect(drawn, 'the closing summary').toBeDefined();
    expect(Number(/(\d+) runs drawn/.exec(drawn!)![1])).toBeLessThan(40);
  });
});
