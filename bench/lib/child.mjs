// Runs a node script as a child with the CPU-report preload; resolves with its exit, stdout and CPU time.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv, REPO, tempDir } from './bridge.mjs';

const PRELOAD = fileURLToPath(new URL('./cpu-report.mjs', import.meta.url));

export function runNode(script, args, env, timeoutMs = 10 * 60_000) {
  const dir = tempDir('cpu');
  const cpuFile = join(dir, 'cpu.json');
  const startedAt = Date.now();
  const child = spawn(process.execPath, ['--import', PRELOAD, script, ...args], {
    env: cleanEnv({ ...env, BENCH_CPU_FILE: cpuFile }),
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d.toString()));
  child.stderr.on('data', (d) => (stderr = (stderr + d.toString()).slice(-5000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      let cpu = null;
      try {
        cpu = JSON.parse(readFileSync(cpuFile, 'utf8'));
      } catch {
        // The child died before its exit hook.
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, stdout, stderr, startedAt, endedAt: Date.now(), cpu });
    });
  });
}
