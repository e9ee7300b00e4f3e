// `watch` runs with the V8 heap flags of bin/v8-flags.mjs: the bin re-executes itself once with
// them (same pid), never overrides a flag the user set, and leaves the other commands alone.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { v8FlagsFor, WATCH_V8_FLAGS } from '../../bin/v8-flags.mjs';

const BIN = fileURLToPath(new URL('../../bin/assistants-otel-bridge.mjs', import.meta.url));

describe('v8FlagsFor', () => {
  it('gives watch every flag, the other commands none', () => {
    expect(v8FlagsFor(['watch', '--thread', 'thread_1'], [], '')).toEqual([...WATCH_V8_FLAGS]);
    for (const command of ['import', 'demo', 'trace-id', 'simulate', '--help']) expect(v8FlagsFor([command], [], '')).toEqual([]);
    expect(v8FlagsFor([], [], '')).toEqual([]);
  });

  it('leaves out a flag the user set, in node arguments or NODE_OPTIONS, in either spelling', () => {
    // Node refuses --heap-growing-percent in NODE_OPTIONS: that one can only come as a node argument.
    expect(v8FlagsFor(['watch'], ['--max-semi-space-size=32'], '')).toEqual(['--heap-growing-percent=50']);
    expect(v8FlagsFor(['watch'], ['--heap_growing_percent=20'], '--require x  ')).toEqual(['--max-semi-space-size=8']);
    expect(v8FlagsFor(['watch'], ['--heap-growing-percent=10'], '--max_semi_space_size=2')).toEqual([]);
  });
});

describe('the bin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aob-v8-flags-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Preloaded into every process the bin becomes (NODE_OPTIONS survives the re-exec).
  const probe = join(dir, 'probe.mjs');
  writeFileSync(probe, 'process.stderr.write(`probe ${JSON.stringify({ pid: process.pid, execArgv: process.execArgv })}\\n`);\n');

  function processesOf(args: string[], nodeOptions = ''): { pid: number; execArgv: string[] }[] {
    const result = spawnSync(process.execPath, [BIN, ...args], {
      env: { ...process.env, NODE_OPTIONS: `--import=${probe} ${nodeOptions}`.trim() },
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    return result.stderr
      .split('\n')
      .filter((line) => line.startsWith('probe '))
      .map((line) => JSON.parse(line.slice('probe '.length)) as { pid: number; execArgv: string[] });
  }

  it('re-executes watch once with the flags, keeping its pid', () => {
    const seen = processesOf(['watch', '--help']);
    expect(seen).toHaveLength(2);
    expect(seen[1]!.pid).toBe(seen[0]!.pid);
    expect(seen[0]!.execArgv).not.toContain(WATCH_V8_FLAGS[0]);
    expect(seen[1]!.execArgv).toEqual(expect.arrayContaining([...WATCH_V8_FLAGS]));
  });

  it('keeps the user flag and adds only the missing one', () => {
    const seen = processesOf(['watch', '--help'], '--max-semi-space-size=32');
    expect(seen.at(-1)!.execArgv).toEqual(['--heap-growing-percent=50']);
  });

  it('runs import as it is, in one process', () => {
    const seen = processesOf(['import', '--help']);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.execArgv).toEqual([]);
  });
});
