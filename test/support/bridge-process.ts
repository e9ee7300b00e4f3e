// The bridge as a process a test can start on a state file, kill at a chosen moment and
// restart, plus what such tests read from outside it (its resident memory).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningSimulator, RunKind } from '../../src/simulator/index.js';
import { startCli, type CliProcess, type CliResult } from './cli.js';

export interface BridgeTarget {
  sim: RunningSimulator;
  /** OTLP base URL (OTEL_EXPORTER_OTLP_ENDPOINT). */
  otlpUrl: string;
  threads: readonly string[];
  statePath: string;
  /** A config file for the settings that have no flag (see writeConfigFile). */
  configPath: string;
}

export interface BridgeStart {
  exitWhenIdle?: boolean;
  /** More flags, e.g. ['--rpm', '6000']. */
  extra?: string[];
  /** More environment, e.g. NODE_OPTIONS. */
  env?: Record<string, string>;
  /** Arguments to node itself, e.g. V8 flags. */
  nodeArgs?: readonly string[];
}

/** Writes `config` as a JSON config file in `dir` and returns its path. */
export function writeConfigFile(dir: string, config: Record<string, unknown>): string {
  const path = join(dir, 'bridge.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/** `watch` on the target's threads and state file, as a user would start it again after a crash. */
export function startBridge(target: BridgeTarget, start: BridgeStart = {}): CliProcess {
  const args = [
    'watch',
    ...target.threads.flatMap((t) => ['--thread', t]),
    '--state',
    target.statePath,
    '--config',
    target.configPath,
    '--listen',
    'off',
    '--log-format',
    'json',
    ...(start.exitWhenIdle ? ['--exit-when-idle'] : []),
    ...(start.extra ?? []),
  ];
  return startCli(
    args,
    { ...start.env, OPENAI_API_KEY: target.sim.apiKey, OPENAI_BASE_URL: target.sim.url, OTEL_EXPORTER_OTLP_ENDPOINT: target.otlpUrl },
    undefined,
    start.nodeArgs,
  );
}

/** SIGKILL: no handler runs, nothing is flushed; resolves once the process is gone. */
export async function sigkill(proc: CliProcess): Promise<CliResult> {
  proc.child.kill('SIGKILL');
  return proc.exited;
}

/** Waits for the process to exit on its own; SIGKILLs it and throws after `timeoutMs`. */
export async function exitWithin(proc: CliProcess, timeoutMs: number, what: string): Promise<CliResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      proc.child.kill('SIGKILL');
      reject(
        new Error(
          `${what}: the bridge did not exit within ${timeoutMs} ms. Last log lines:\n${proc.stderr().split('\n').slice(-8).join('\n')}`,
        ),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([proc.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once the simulator logged an API request after entry `sinceIndex` of its request log; throws with the bridge's log if it exits or `timeoutMs` passes first. */
export async function waitForFirstApiRequest(
  sim: RunningSimulator,
  proc: CliProcess,
  sinceIndex: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    !sim
      .requestLog()
      .slice(sinceIndex)
      .some((e) => !e.control)
  ) {
    const gone = proc.child.exitCode !== null || proc.child.signalCode !== null;
    if (gone || Date.now() > deadline) {
      throw new Error(
        `${gone ? `the bridge exited (${proc.child.exitCode ?? proc.child.signalCode})` : `no API request within ${timeoutMs} ms`}; its log:\n${proc.stderr().slice(-3000)}`,
      );
    }
    await sleep(20);
  }
}

/** Resident memory of a live process in bytes (Linux /proc), or null once it is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Starts a scripted run of `kind` on the first of `threads` that is free; null when none is. */
export async function startScriptedRun(
  sim: RunningSimulator,
  threads: readonly string[],
  kind: RunKind,
  from = 0,
): Promise<{ threadId: string; runId: string } | null> {
  for (let i = 0; i < threads.length; i += 1) {
    const threadId = threads[(from + i) % threads.length]!;
    const response = await fetch(`${sim.origin}/_sim/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ threadId, kind }),
    });
    if (response.ok) {
      const body = (await response.json()) as { thread_id: string; run_id: string };
      return { threadId: body.thread_id, runId: body.run_id };
    }
    await response.body?.cancel();
  }
  return null;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
