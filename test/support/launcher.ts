// The bridge started the way a user on an older system Node starts it: `node bin/...mjs` (the
// bin is then a launcher and the bridge its child under the provisioned Node 24) or `npx`, with
// that older node first on PATH; in a process group of its own, as a terminal job or a
// supervisor's service is, so a test can signal the group or a single process of it.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { isRecentEnough } from '../../bin/node-runtime.mjs';
import { cleanEnv, REPO } from './cli.js';

export const BIN = join(REPO, 'bin', 'assistants-otel-bridge.mjs');

/**
 * A node on PATH older than 22.15, the machine's own, so the bin runs as a launcher. These tests
 * are about that launcher: without such a node they cannot test it and say so.
 */
export function olderNode(): string {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(folder, 'node');
    if (!folder || !existsSync(candidate)) continue;
    const version = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
    if (version && !isRecentEnough(version)) return candidate;
  }
  throw new Error(
    'no node older than 22.15 on PATH: these tests run the bin as the launcher it is on such machines (install Node 20, e.g. the distribution package)',
  );
}

/** The environment of a shell whose `node` (and npm, npx) is the older one. */
export function olderNodeEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  // An npm started by this test must not think it runs a script of the test's npm.
  const env = Object.fromEntries(Object.entries(cleanEnv(extra)).filter(([key]) => !key.startsWith('npm_')));
  env.PATH = [dirname(olderNode()), env.PATH ?? ''].join(delimiter);
  return env;
}

export interface GroupProcess {
  /** The first process; the group's id is its pid. */
  child: ChildProcess;
  pgid: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** JSON log lines written so far (the bridge logs JSON off a terminal). */
  logs: () => LogLine[];
}

export interface LogLine {
  msg: string;
  level: number;
  pid: number;
  [key: string]: unknown;
}

/**
 * `node bin/assistants-otel-bridge.mjs ARGS` (`via: 'node'`) or `npx --yes assistants-otel-bridge
 * ARGS` from the checkout (`via: 'npx'`), with the older node first on PATH, in a new process group.
 */
export function startInGroup(args: string[], env: Record<string, string | undefined>, via: 'node' | 'npx' = 'node'): GroupProcess {
  const shellEnv = olderNodeEnv(env);
  const [command, argv] =
    via === 'node' ? [olderNode(), [BIN, ...args]] : [join(dirname(olderNode()), 'npx'), ['--yes', 'assistants-otel-bridge', ...args]];
  const child = spawn(command, argv, { cwd: REPO, env: shellEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, pgid: child.pid!, stdout: () => stdout, stderr: () => stderr, exited, logs: () => jsonLines(stderr) };
}

export function jsonLines(text: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {
      // a line still being written
    }
  }
  return lines;
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** `Z` for a zombie. */
  state: string;
  args: string;
}

/** The live processes of a group (zombies left out), from `ps`. */
export function groupMembers(pgid: number): ProcessInfo[] {
  let out: string;
  try {
    out = execFileSync('ps', ['-o', 'pid=,ppid=,stat=,args=', '-g', String(pgid)], { encoding: 'utf8' });
  } catch {
    // ps exits 1 when the group is empty.
    return [];
  }
  return out
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), state: m[3]!.slice(0, 1), args: m[4]! }))
    .filter((p) => p.state !== 'Z');
}

/** The bridge itself: the group's process running dist/cli/main.js. */
export function bridgeOf(pgid: number): ProcessInfo | undefined {
  return groupMembers(pgid).find((p) => p.args.includes('dist/cli/main.js'));
}

/** Whether a process exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** SIGKILL to every process of the group, ignoring a group already gone. */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}
