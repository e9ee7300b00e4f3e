// A real Prometheus (Debian's `prometheus` package) on 127.0.0.1 with a temporary config and
// storage, and PromQL over its HTTP API. `.ci/run` installs the package when it is missing.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './cli.js';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const PROMTOOL_BIN = '/usr/bin/promtool';

/** Fails (never skips) with what to do when the Debian package is not installed. */
export function requireBinary(path: string): string {
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: install Debian's prometheus package (bash .ci/run does it: apt-get install -y --no-install-recommends prometheus)`,
    );
  }
  return path;
}

export interface RunningPrometheus {
  url: string;
  /** Instant query; the vector's samples as label sets with numeric values. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: number }[]>;
  /** The value of a query that yields one sample (0 for an empty vector). */
  scalar(promql: string): Promise<number>;
  /** The loaded rules: name, health (`ok` once evaluated without error) and last error. */
  rules(): Promise<{ name: string; health: string; lastError?: string }[]>;
  /** Completed scrapes of the bridge so far. */
  scrapes(): Promise<number>;
  close(): Promise<void>;
  log(): string;
}

/**
 * A free port for Prometheus, which cannot report the port it bound: asked of the OS (port 0)
 * and released just before Prometheus takes it.
 */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts Prometheus scraping `target` (host:port) every second, evaluating `ruleFiles` every second. */
export async function startPrometheus(target: string, ruleFiles: readonly string[] = []): Promise<RunningPrometheus> {
  const bin = requireBinary(PROMETHEUS_BIN);
  const dir = mkdtempSync(join(tmpdir(), 'aob-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      ...(ruleFiles.length > 0 ? ['rule_files:', ...ruleFiles.map((f) => `  - '${f}'`)] : []),
      'scrape_configs:',
      '  - job_name: assistants-otel-bridge',
      '    scrape_interval: 1s',
      '    scrape_timeout: 1s',
      '    static_configs:',
      `      - targets: ['${target}']`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    bin,
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));

  async function api(path: string): Promise<unknown> {
    const response = await fetch(`${url}${path}`);
    const body = (await response.json()) as { status: string; data: unknown; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error ?? response.status}`);
    return body.data;
  }
  async function query(promql: string): Promise<{ metric: Record<string, string>; value: number }[]> {
    const data = (await api(`/api/v1/query?query=${encodeURIComponent(promql)}`)) as {
      resultType: string;
      result: { metric: Record<string, string>; value: [number, string] }[];
    };
    if (data.resultType !== 'vector') throw new Error(`expected a vector from ${promql}, got ${data.resultType}`);
    return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}):\n${log}`);
        return fetch(`${url}/-/ready`).then(
          (r) => r.ok,
          () => false,
        );
      },
      'Prometheus to be ready',
      30_000,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  return {
    url,
    query,
    async scalar(promql) {
      const result = await query(promql);
      if (result.length > 1) throw new Error(`${promql} gave ${result.length} samples, expected one`);
      return result[0]?.value ?? 0;
    },
    async rules() {
      const data = (await api('/api/v1/rules')) as { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
      return data.groups.flatMap((g) =>
        g.rules.map((r) => ({ name: r.name, health: r.health, ...(r.lastError ? { lastError: r.lastError } : {}) })),
      );
    },
    async scrapes() {
      const result = await query('sum(count_over_time(up{job="assistants-otel-bridge"}[1h]))');
      return result[0]?.value ?? 0;
    },
    async close() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => log,
  };
}
