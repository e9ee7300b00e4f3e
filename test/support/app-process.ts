// An app (a script under test/fixtures) run as its own process from the repository root, as a
// user's app runs beside the bridge: its exit code and what it printed.
import { spawn } from 'node:child_process';
import { cleanEnv, REPO } from './cli.js';

export interface AppRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `script` with `env` (and nothing of the test's environment but the basics); killed after `timeoutMs`. */
export function runApp(script: string, env: Record<string, string>, timeoutMs = 60_000): Promise<AppRun> {
  const child = spawn(process.execPath, [script], { cwd: REPO, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}
