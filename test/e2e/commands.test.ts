// The smaller commands as a user meets them: demo, simulate, trace-id, --help.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { traceIdForRun } from '../../src/mapping/ids.js';
import { startSimulator } from '../../src/simulator/index.js';
import { runCli, startCli, waitFor } from '../support/cli.js';
import { fetchTruth } from '../support/world.js';

describe('demo', () => {
  it('draws every run and every Agents API root turn of its world as a waterfall and exits 0, without colour off a terminal', async () => {
    const result = await runCli(['demo', '--runs', '6', '--speed', '60'], {}, 90_000);
    expect(result.code, result.stderr).toBe(0);
    const traces = result.stdout.split('\n').filter((l) => /^\s+trace [0-9a-f]{32}$/.test(l));
    // 6 runs, and 2 sessions of 3 root turns each (the default --sessions 2).
    expect(traces).toHaveLength(12);
    expect(new Set(traces).size).toBe(12);
    expect(result.stdout).toMatch(/^invoke_agent \S+/m);
    expect(result.stdout).toMatch(/^ {2}chat \S+/m);
    expect(result.stdout).toMatch(/^ {4}execute_tool \S+/m);
    expect(result.stdout).toContain('6 runs drawn');
    expect(result.stdout).toMatch(/, 6 agent turns, \d+ spans\./);
    expect(result.stdout).not.toContain('\u001b[');
  });

  it('draws runs alone with --sessions 0', async () => {
    const result = await runCli(['demo', '--runs', '4', '--sessions', '0', '--speed', '60'], {}, 90_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n').filter((l) => /^\s+trace [0-9a-f]{32}$/.test(l))).toHaveLength(4);
    expect(result.stdout).not.toMatch(/agent turns|Agents API/);
  });

  it('draws a long run whole in a screenful: first and last steps, and a line for the steps between', async () => {
    // The default demo world (12 runs, seed 42) holds a run of 250+ steps.
    const result = await runCli(['demo', '--sessions', '0', '--speed', '60'], {}, 90_000);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    const waterfalls: string[][] = [];
    for (const line of lines) {
      if (/^invoke_agent/.test(line)) waterfalls.push([]);
      waterfalls.at(-1)?.push(line);
    }
    expect(waterfalls).toHaveLength(12);
    for (const w of waterfalls) expect(w.filter((l) => /^ {2}chat /.test(l)).length).toBeLessThanOrEqual(10);
    const long = waterfalls.find((w) => w.some((l) => / {2}\.\.\. \d+ steps not shown /.test(l)));
    expect(long, 'a waterfall with steps left out').toBeDefined();
    expect(long!.find((l) => l.includes('not shown'))).toMatch(
      /^ {2}\.\.\. (\d{3}) steps not shown +█+ +\d+s {2}\d+ completed.* · in \d+ \/ out \d+ tokens$/,
    );
    expect(long!.length).toBeLessThan(30);
    expect(lines.length).toBeLessThan(200);
  });
});

describe('simulate', () => {
  it('serves the API, prints how to reach it, and stops on SIGTERM', async () => {
    const proc = startCli(['simulate', '--port', '0', '--runs', '4', '--live', '0']);
    await waitFor(() => proc.stdout().includes('OPENAI_BASE_URL='), 'the simulator to start');
    const url = /OPENAI_BASE_URL=(\S+)/.exec(proc.stdout())![1]!;
    const truth = (await (await fetch(`${new URL(url).origin}/_sim/truth`)).json()) as { runs: { threadId: string }[] };
    expect(truth.runs).toHaveLength(4);
    const list = await fetch(`${url}/threads/${truth.runs[0]!.threadId}/runs`, {
      headers: { authorization: 'Bearer sk-sim-local', 'openai-beta': 'assistants=v2' },
    });
    expect(list.status).toBe(200);
    proc.child.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
  });

  it("starts its world at the current time, so a trace backend's recent search finds its runs", async () => {
    const before = Math.floor(Date.now() / 1000);
    const proc = startCli(['simulate', '--port', '0', '--runs', '4', '--live', '0', '--speed', '1']);
    try {
      await waitFor(() => proc.stdout().includes('OPENAI_BASE_URL='), 'the simulator to start');
      const origin = new URL(/OPENAI_BASE_URL=(\S+)/.exec(proc.stdout())![1]!).origin;
      const clock = (await (await fetch(`${origin}/_sim/clock`)).json()) as { startEpoch: number; now: number };
      expect(clock.startEpoch).toBeGreaterThanOrEqual(before);
      expect(clock.startEpoch).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
      const truth = (await (await fetch(`${origin}/_sim/truth`)).json()) as { runs: { run: { created_at: number } }[] };
      // The finished runs happened shortly before the start, not months ago.
      for (const { run } of truth.runs) expect(before - run.created_at).toBeLessThan(7 * 86_400);
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
  });

  it('pins the start with --start-epoch', async () => {
    const proc = startCli(['simulate', '--port', '0', '--runs', '1', '--live', '0', '--speed', '0', '--start-epoch', '1760000000']);
    try {
      await waitFor(() => proc.stdout().includes('OPENAI_BASE_URL='), 'the simulator to start');
      const origin = new URL(/OPENAI_BASE_URL=(\S+)/.exec(proc.stdout())![1]!).origin;
      expect(await (await fetch(`${origin}/_sim/clock`)).json()).toMatchObject({ startEpoch: 1_760_000_000, now: 1_760_000_000 });
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
  });

  it('rejects a bad flag with exit 2 and one line', async () => {
    const result = await runCli(['simulate', '--runs', 'many']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('--runs');
  });
});

describe('trace-id', () => {
  it('prints the deterministic trace id of a run', async () => {
    const result = await runCli(['trace-id', 'run_abc123']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(traceIdForRun('run_abc123'));
    expect(result.stdout.trim()).toMatch(/^[0-9a-f]{32}$/);
  });

  it('says on stderr when no state file was read, and what the printed id means then', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'aob-traceid-'));
    const proc = startCli(['trace-id', 'run_abc123'], {}, empty);
    const result = await proc.exited;
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${traceIdForRun('run_abc123')}\n`);
    expect(result.stderr.trim().split('\n')).toEqual([
      "assistants-otel-bridge: no state file read (./data/bridge.sqlite does not exist): printed the id derived from the run id; a run that joined an app's trace (metadata.traceparent) is in that trace instead, which only the state file of the watch that traced it records (give it with --state)",
    ]);
  });

  it("prints the app's trace id for a run that joined one, read from the state file", async () => {
    const sim = await startSimulator({ seed: 3, clock: { speed: 100 }, world: { threads: 4, backfillRuns: 12, liveRuns: 0 } });
    try {
      const truth = await fetchTruth(sim);
      const joined = truth.runs.find((r) => typeof (r.run.metadata as Record<string, unknown> | null)?.traceparent === 'string');
      expect(joined, 'the world has a run with a traceparent').toBeDefined();
      const state = join(mkdtempSync(join(tmpdir(), 'aob-traceid-')), 'state.sqlite');
      const watch = await runCli(
        ['watch', '--run', `${joined!.threadId}/${joined!.runId}`, '--state', state, '--listen', 'off', '--exit-when-idle'],
        {
          OPENAI_API_KEY: sim.apiKey,
          OPENAI_BASE_URL: sim.url,
          OTEL_TRACES_EXPORTER: 'none',
        },
      );
      expect(watch.code, watch.stderr).toBe(0);
      const result = await runCli(['trace-id', joined!.runId, '--state', state]);
      expect(result.code).toBe(0);
      const traceparent = (joined!.run.metadata as Record<string, string>).traceparent!;
      expect(result.stdout.trim()).toBe(traceparent.split('-')[1]);
      expect(result.stderr).toBe('');
      // A run that state file never traced: the derived id, and a line saying it could not be checked.
      const other = truth.runs.find((r) => r.runId !== joined!.runId)!;
      const unknown = await runCli(['trace-id', other.runId, '--state', state]);
      expect(unknown.code).toBe(0);
      expect(unknown.stdout.trim()).toBe(traceIdForRun(other.runId));
      expect(unknown.stderr.trim().split('\n')).toEqual([
        `assistants-otel-bridge: ${other.runId} is not traced in ${state} (yet): printed the id derived from the run id; a run that joined an app's trace (metadata.traceparent) is in that trace instead, which only the state file of the watch that traced it records`,
      ]);
    } finally {
      await sim.shutdown();
    }
  });
});

describe('config file errors', () => {
  const SAMPLE = join(import.meta.dirname, '../../samples/runs.json');
  const write = (name: string, text: string): string => {
    const file = join(mkdtempSync(join(tmpdir(), 'aob-config-')), name);
    writeFileSync(file, text);
    return file;
  };

  it('lists every problem of the file, a line each, with the field, the value given and the line, and exits 2', async () => {
    const file = write('bridge.yaml', 'otlp:\n  protocol: thrift\nwatch:\n  rpm: 0\n  rmp: 10\nlog:\n  level: loud\n');
    for (const command of [
      ['import', '--config', file, SAMPLE],
      ['watch', '--config', file],
    ]) {
      const result = await runCli(command);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toEqual([
        `assistants-otel-bridge: otlp.protocol: must be one of http/protobuf, http/json, grpc (got 'thrift') (from ${file}, line 2)`,
        `assistants-otel-bridge: watch.rpm: must be a whole number >= 1 (got 0) (from ${file}, line 4)`,
        `assistants-otel-bridge: watch.rmp: unknown setting (check the spelling against config/bridge.example.yaml) (from ${file}, line 5)`,
        `assistants-otel-bridge: log.level: must be one of debug, info, warn, error, silent (got 'loud') (from ${file}, line 7)`,
      ]);
    }
  });

  it('points a YAML syntax error at the line with the mistake', async () => {
    const file = write('bridge.yaml', 'watch:\n  rpm: 10\n   state: ./data/x.sqlite\n');
    const result = await runCli(['import', '--config', file, SAMPLE]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      `assistants-otel-bridge: --config: ${file}: line 3, column 4: not valid YAML: this line is indented deeper than the one above it, which already has a value`,
    ]);
  });
});

describe('--help', () => {
  it.each(['import', 'watch', 'simulate', 'demo', 'trace-id'])(
    '%s --help shows what it does, its flags and an example',
    async (command) => {
      const result = await runCli([command, '--help']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/Usage: assistants-otel-bridge/);
      expect(result.stdout).toMatch(/Examples?:/);
    },
  );

  it('import --help lists only the flags that apply to import', async () => {
    const result = await runCli(['import', '--help']);
    expect(result.code, result.stderr).toBe(0);
    const flags = [...result.stdout.matchAll(/^ {2}(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]);
    expect(flags).toEqual([
      '--config',
      '--base-url',
      '--otlp-endpoint',
      '--otlp-protocol',
      '--service-name',
      '--provider',
      '--provider-name',
      '--capture-content',
      '--content-max-length',
      '--log-level',
      '--log-format',
      '--help',
    ]);
    // Import makes no request: the flags about reaching the service belong to watch.
    const watch = await runCli(['watch', '--help']);
    for (const flag of ['--auth', '--api-version', '--rpm', '--state']) expect(watch.stdout).toContain(flag);
    const refused = await runCli(['import', '--auth', 'entra-id', join(import.meta.dirname, '../../samples/runs.json')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("unknown option '--auth'");
  });

  it('an unknown option is a usage error: exit 2', async () => {
    const result = await runCli(['watch', '--frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--frobnicate'");
  });
});
