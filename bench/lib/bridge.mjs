// Runs the built bridge CLI as a real process, as a user does, with only the environment we give it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(REPO, 'dist', 'cli', 'main.js');
/** The installed command: for `watch` it restarts itself in place with the V8 heap flags of bin/v8-flags.mjs. */
export const BIN = join(REPO, 'bin', 'assistants-otel-bridge.mjs');

/** The bench's environment minus anything that would steer the bridge, plus `extra`. */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(OTEL_|OPENAI_|AZURE_)/.test(k)) env[k] = v;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

const created = [];

/** A fresh folder under the system temp folder; removeTempDirs() deletes every one made. */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `aob-bench-${prefix}-`));
  created.push(dir);
  return dir;
}

export function removeTempDirs() {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * Spawns the bridge as a user runs it, `node bin/assistants-otel-bridge.mjs ...args`; the pid is
 * the bridge's own (the bin replaces itself, it does not wrap a child).
 */
export function startBridge(args, env) {
  const startedAt = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(env), cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    // Keep the tail only: a long run logs a lot.
    stdout = (stdout + d.toString()).slice(-20_000);
  });
  child.stderr.on('data', (d) => {
    stderr = (stderr + d.toString()).slice(-20_000);
  });
  const exited = new Promise((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, endedAt: Date.now(), stdout, stderr }));
  });
  return { child, pid: child.pid, startedAt, exited, stderr: () => stderr, stdout: () => stdout };
}

export function bridgeEnv(sim, receiverUrl) {
  return { OPENAI_API_KEY: sim.apiKey, OPENAI_BASE_URL: sim.url, OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl };
}

/**
 * Resolves with the exit; after timeoutMs kills the process and rejects, or, with
 * `{ killed: true }` in options, resolves with the exit marked `killed`.
 */
export async function exitWithin(bridge, timeoutMs, what, options = {}) {
  let timer;
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => {
      bridge.child.kill('SIGKILL');
      if (options.killed) resolve(bridge.exited.then((exit) => ({ ...exit, killed: true })));
      else reject(new Error(`${what}: the bridge did not exit within ${timeoutMs} ms; stderr tail:\n${bridge.stderr().slice(-2000)}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([bridge.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The control address of a bridge started with `--listen HOST:0 --log-format json` and a log level
 * of info or lower, as `http://host:port`, from its "control address listening" log line.
 */
export async function controlUrl(bridge, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = bridge
      .stderr()
      .split('\n')
      .find((l) => l.includes('"control address listening"'));
    if (line) return `http://${JSON.parse(line).address}`;
    if (bridge.child.exitCode !== null || Date.now() > deadline)
      throw new Error(`the bridge did not report its control address; stderr tail:\n${bridge.stderr().slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
