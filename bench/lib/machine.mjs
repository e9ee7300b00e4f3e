// What the figures were measured on.
import { execFileSync } from 'node:child_process';
import os from 'node:os';

function run(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export function describeMachine() {
  const lscpu = run('lscpu', []);
  const field = (name) => new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(lscpu)?.[1]?.trim() ?? null;
  const memLine =
    run('free', ['-h'])
      .split('\n')
      .find((l) => l.startsWith('Mem:')) ?? '';
  return {
    cpuModel: field('Model name') ?? os.cpus()[0]?.model ?? 'unknown',
    cpus: Number(run('nproc', [])) || os.availableParallelism(),
    threadsPerCore: field('Thread\\(s\\) per core'),
    memoryTotal: memLine.split(/\s+/)[1] ?? `${Math.round(os.totalmem() / 2 ** 30)}Gi`,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    loadAverageAtStart: os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' '),
  };
}

/** The commit the bench ran against, and how many files under src/ differed from it. */
export function describeSource(repo) {
  const commit = run('git', ['-C', repo, 'rev-parse', '--short', 'HEAD']) || 'unknown';
  const dirty = run('git', ['-C', repo, 'status', '--porcelain', '--', 'src']).split('\n').filter(Boolean).length;
  return { commit, uncommittedSrcFiles: dirty };
}
