// `demo`: the simulator and the bridge in one process, each finished run drawn as a waterfall.
// No key, no network: the simulator listens on 127.0.0.1 and the bridge polls it like any service.
import { resolveConfig } from '../config/resolve.js';
import type { SpanRecord } from '../core/span-record.js';
import { createLogger } from '../cli/logger.js';
import { startWatch } from '../cli/watch-command.js';
import { TeeExporter } from '../sink/tee-exporter.js';
import { startSimulator } from '../simulator/index.js';
import { parseInteger } from '../config/values.js';
import { COLOR, drawWaterfall, NO_COLOR } from './waterfall.js';

export interface DemoFlags {
  runs: string;
  speed: string;
  seed: string;
}

const MAX_DEMO_MS = 5 * 60_000;

/** A run's own span: the one keyed by the run itself (its steps' spans are keyed by their step ids). */
const isRunSpan = (s: SpanRecord): boolean => s.key === s.unit;

export async function runDemo(flags: DemoFlags, out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const runs = parseInteger(flags.runs, '--runs', 'the command line', 1, 500);
  const speed = parseInteger(flags.speed, '--speed', 'the command line', 1, 10_000);
  const seed = parseInteger(flags.seed, '--seed', 'the command line', 0);
  const palette = out.isTTY && !process.env.NO_COLOR ? COLOR : NO_COLOR;
  const write = (line = ''): boolean => out.write(`${line}\n`);

  const live = Math.floor(runs / 2);
  const sim = await startSimulator({
    seed,
    clock: { speed },
    world: { threads: Math.max(2, Math.ceil(runs / 3)), backfillRuns: runs - live, liveRuns: live, liveWindowSeconds: 120 },
  });
  const exportsElsewhere = Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  const config = resolveConfig({
    flags: { traces: exportsElsewhere ? {} : { exporter: 'none' }, log: { level: 'warn' } },
    env: { ...process.env, OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: sim.apiKey },
  });
  const truth = sim.world.truth();
  // Every thread of the world, the ones whose first run is still to come included.
  const threads = sim.world.threads().map((t) => t.id);
  config.watch = {
    ...config.watch,
    statePath: ':memory:',
    listen: null,
    threads,
    runs: [],
    activeIntervalMs: 500,
    discoveryIntervalMs: 1000,
    maxWaitIntervalMs: 3000,
    rpm: 600,
  };

  write(palette.bold('assistants-otel-bridge demo'));
  write(
    palette.dim(
      `simulated Assistants API at ${sim.url}: ${truth.runs.length + truth.pending.length} runs on ${threads.length} threads, ${live} of them starting over the next ${Math.ceil(120 / speed)} s`,
    ),
  );
  write(
    palette.dim(
      exportsElsewhere
        ? `spans also go to ${config.traces.endpoint}`
        : 'spans are drawn here; set OTEL_EXPORTER_OTLP_ENDPOINT to also send them to a collector',
    ),
  );
  write(palette.dim('each run is drawn when it finishes (Ctrl-C stops)'));
  write();

  const byRun = new Map<string, SpanRecord[]>();
  const drawn = new Set<string>();
  const draw = (runId: string): void => {
    if (drawn.has(runId)) return;
    drawn.add(runId);
    // A stream has `columns` only when it is a terminal, whatever its type says.
    const width = Math.min(out.isTTY ? out.columns : 140, 160);
    for (const line of drawWaterfall(byRun.get(runId) ?? [], { width, palette })) write(line);
    write();
  };
  const onAccepted = (spans: readonly SpanRecord[]): void => {
    for (const s of spans) byRun.set(s.unit, [...(byRun.get(s.unit) ?? []), s]);
    // A run span can be exported a batch before its last steps: draw a moment later.
    for (const s of spans) if (isRunSpan(s)) setTimeout(() => draw(s.unit), 300);
  };

  const log = createLogger(config.log);
  const handle = startWatch(config, log, { wrapExporter: (e) => new TeeExporter(e, onAccepted) });
  const started = Date.now();
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const reason = await new Promise<string>((resolve) => {
    const timer = setInterval(() => {
      const t = sim.world.truth();
      const finished = t.runs.filter((r) => r.finished).map((r) => r.runId);
      const complete = t.allFinished && t.pending.length === 0 && finished.every((id) => drawn.has(id));
      if (interrupted || complete || Date.now() - started > MAX_DEMO_MS) {
        clearInterval(timer);
        resolve(interrupted ? 'interrupted' : 'demo finished');
      }
    }, 200);
  });
  await handle.shutdown(reason);
  await handle.done;
  await sim.shutdown();
  const failed = [...byRun.values()].flat().filter((s) => isRunSpan(s) && s.status.code === 2).length;
  write(
    palette.dim(`${drawn.size} runs drawn (${failed} failed or expired), ${[...byRun.values()].reduce((n, l) => n + l.length, 0)} spans.`),
  );
  return 0;
}
