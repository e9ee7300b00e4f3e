// Finds a Node.js new enough for the bridge (>= 22.15: node:sqlite without a flag, the
// 0.301 OpenTelemetry exporters). Plain JavaScript on purpose: it runs under whatever
// `node` the machine has, including the Node 20 that some images still ship.
import { existsSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MIN_NODE = [22, 15];
export const PROVISIONED_NODE_VERSION = '24.21.0';
export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const toolsDir = join(projectRoot, '.tools', 'node24');
const provisionedBinary = join(toolsDir, 'node_modules', 'node', 'bin', process.platform === 'win32' ? 'node.exe' : 'node');

export function isRecentEnough(version = process.versions.node) {
  const [major, minor] = version.split('.').map(Number);
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
}

/** The path of a suitable node binary, or null when none is installed yet. */
export function findNode() {
  if (isRecentEnough()) return process.execPath;
  return existsSync(provisionedBinary) ? provisionedBinary : null;
}

/** Installs Node 24 LTS from the npm registry into .tools/ (no system-wide change). */
export function provisionNode() {
  const found = findNode();
  if (found) return found;
  process.stderr.write(
    `assistants-otel-bridge: Node ${process.versions.node} is older than ${MIN_NODE.join('.')}; installing node@${PROVISIONED_NODE_VERSION} from the npm registry into .tools/node24\n`,
  );
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // npm's own summary ("added 2 packages") would read as the project's install; its errors still show.
  const result = spawnSync(
    npm,
    [
      'install',
      '--prefix',
      toolsDir,
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      `node@${PROVISIONED_NODE_VERSION}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (result.status !== 0 || !existsSync(provisionedBinary)) {
    process.stderr.write('assistants-otel-bridge: could not install Node 24; install Node >= 22.15 yourself and run again\n');
    process.exit(1);
  }
  process.stderr.write(
    `assistants-otel-bridge: installed; npm scripts and the assistants-otel-bridge command run under Node ${PROVISIONED_NODE_VERSION} from .tools/node24\n`,
  );
  return provisionedBinary;
}

/**
 * The variable that tells the bridge which of its file descriptors is the launcher link: a pipe
 * from the launcher that carries the signals the launcher received (`signal SIGINT`), says when
 * the launcher's own parent went away (`parent-exited PID`), and reaches end-of-file when the
 * launcher dies however it dies (Node has no PR_SET_PDEATHSIG). src/cli/launcher-link.ts reads it.
 */
export const LAUNCHER_LINK_ENV = 'ASSISTANTS_OTEL_BRIDGE_LAUNCHER_FD';
const LINK_FD = 3;

/**
 * Runs `args` with a suitable node, forwarding stdio, signals and the exit code. The child stays
 * in this process's group, so a signal to the group (a terminal's Ctrl-C, a supervisor killing
 * the group) reaches both at once. With `link` the child is the bridge and signals go to it over
 * the launcher link, where it tells a forwarded signal from the one it received itself; without
 * (any other script) they are sent on as signals.
 */
export function execWithNode(args, { link = false } = {}) {
  const node = provisionNode();
  const child = spawn(node, args, {
    stdio: link ? ['inherit', 'inherit', 'inherit', 'pipe'] : 'inherit',
    env: link ? { ...process.env, [LAUNCHER_LINK_ENV]: String(LINK_FD) } : process.env,
  });
  const channel = link ? child.stdio[LINK_FD] : null;
  // The child closing its end means it is exiting; its exit is handled below.
  channel?.on('error', () => undefined);
  const tell = (line) => {
    if (channel && !channel.destroyed) channel.write(`${line}\n`);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => (channel ? tell(`signal ${signal}`) : child.kill(signal)));
  }
  if (channel && startedByNpm()) onParentExit((parent) => tell(`parent-exited ${parent}`));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
}

/**
 * Started by npm (npx, npm exec, npm start): npm runs the command in a shell and hands SIGTERM
 * and SIGINT to that shell only. The shell dies of SIGTERM without passing it on, so the command
 * learns that npm is going away only from its parent's exit.
 */
export function startedByNpm(env = process.env) {
  return env.npm_lifecycle_event !== undefined;
}

/** Calls `callback(pid)` once the process that started this one (pid) has exited. */
export function onParentExit(callback, intervalMs = 250) {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    callback(parent);
  }, intervalMs);
  timer.unref();
}
