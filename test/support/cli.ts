// Runs the built CLI as a real process, the way a user does.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** The parent's environment without anything that would steer the bridge. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(OTEL_|OPENAI_|AZURE_)/.test(k)) env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<CliResult>;
}

/** `nodeArgs` go to node before the CLI, for flags NODE_OPTIONS refuses (some V8 flags). */
export function startCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  cwd = REPO,
  nodeArgs: readonly string[] = [],
): CliProcess {
  const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], { env: cleanEnv(env), cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

export async function runCli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 60_000): Promise<CliResult> {
  const proc = startCli(args, env);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
  try {
    return await proc.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `predicate` holds, polling; rejects with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago): a peer that is down. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The JSON log lines the process wrote to stderr so far (run it with --log-format json). */
export function logLines(bridge: CliProcess): Record<string, unknown>[] {
  return bridge
    .stderr()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The bound address from the 'control address listening' line, as a base URL reachable here. */
export async function controlUrl(bridge: CliProcess): Promise<string> {
  let address: string | undefined;
  await waitFor(() => {
    address = logLines(bridge).find((l) => l.msg === 'control address listening')?.address as string | undefined;
    return address !== undefined;
  }, `the control address in the log (stderr so far: ${bridge.stderr()})`);
  // Listening on every interface: reach it over loopback.
  return `http://${(address as string).replace(/^0\.0\.0\.0:/, '127.0.0.1:')}`;
}
