// Reading the bridge's `GET /metrics`: where it listens (from its JSON log), the Prometheus text
// format parsed into samples, and the world's truth as the totals the bridge must report.
import type { Truth } from '../../src/simulator/index.js';
import { waitFor, type CliProcess } from './cli.js';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The `host:port` the bridge's control server bound (`--listen 127.0.0.1:0`), from its log. */
export async function listenAddressOf(proc: CliProcess, timeoutMs = 20_000): Promise<string> {
  let address: string | null = null;
  await waitFor(
    () => {
      if (proc.child.exitCode !== null) throw new Error(`the bridge exited before listening:\n${proc.stderr()}`);
      for (const line of proc.stderr().split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const entry = JSON.parse(line) as { msg?: string; address?: string };
          if (entry.msg === 'control address listening' && entry.address) address = entry.address;
        } catch {
          // a partial line; read it again next time
        }
      }
      return address !== null;
    },
    'the bridge to listen',
    timeoutMs,
  );
  return address!;
}

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]!] = pair[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    const raw = match[3]!;
    samples.push({ name: match[1]!, labels, value: raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw) });
  }
  return samples;
}

export async function scrape(address: string): Promise<Sample[]> {
  const response = await fetch(`http://${address}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics: HTTP ${response.status}`);
  return parseExposition(await response.text());
}

/** Sum of the samples named `name` whose labels include `match`. */
export function total(samples: readonly Sample[], name: string, match: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

export interface WorldTotals {
  inputTokens: number;
  outputTokens: number;
  /** Steps by final status. */
  steps: Record<string, number>;
  /** Runs by final status. */
  runs: Record<string, number>;
}

function tokensOf(usage: unknown): { input: number; output: number } | null {
  const u = usage as { prompt_tokens?: unknown; completion_tokens?: unknown } | null | undefined;
  if (typeof u?.prompt_tokens !== 'number' && typeof u?.completion_tokens !== 'number') return null;
  return {
    input: typeof u.prompt_tokens === 'number' ? u.prompt_tokens : 0,
    output: typeof u.completion_tokens === 'number' ? u.completion_tokens : 0,
  };
}

/** What the bridge must have counted once every finished run of the truth is through. */
export function worldTotals(truth: Truth): WorldTotals {
  const totals: WorldTotals = { inputTokens: 0, outputTokens: 0, steps: {}, runs: {} };
  for (const r of truth.runs) {
    if (!r.finished) continue;
    const runStatus = String(r.run.status);
    totals.runs[runStatus] = (totals.runs[runStatus] ?? 0) + 1;
    for (const step of r.steps) {
      const status = String(step.status);
      totals.steps[status] = (totals.steps[status] ?? 0) + 1;
    }
    // Tokens from the steps, or from the run when none of its steps reports usage.
    const fromSteps = r.steps.some((step) => tokensOf(step.usage) !== null);
    for (const usage of fromSteps ? r.steps.map((step) => step.usage) : [r.run.usage]) {
      totals.inputTokens += tokensOf(usage)?.input ?? 0;
      totals.outputTokens += tokensOf(usage)?.output ?? 0;
    }
  }
  return totals;
}

/** The same totals as the bridge reports them on /metrics. */
export function scrapedTotals(samples: readonly Sample[]): WorldTotals {
  const byLabel = (name: string, label: string): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const s of samples) if (s.name === name) out[s.labels[label]!] = (out[s.labels[label]!] ?? 0) + s.value;
    return out;
  };
  return {
    inputTokens: total(samples, 'gen_ai_client_token_usage_sum', { gen_ai_token_type: 'input' }),
    outputTokens: total(samples, 'gen_ai_client_token_usage_sum', { gen_ai_token_type: 'output' }),
    steps: byLabel('assistants_steps_total', 'openai_run_step_status'),
    runs: byLabel('assistants_runs_total', 'openai_run_status'),
  };
}
