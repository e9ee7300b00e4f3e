// `demo`: the simulator and the bridge in one process, each finished run and each Agents API root
// turn drawn as a waterfall. No key, no network: the simulator listens on 127.0.0.1 and the bridge
// polls it like any service.
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
  sessions: string;
  speed: string;
  seed: string;
}

/** Root turns per Agents API session in the demo world. */
const TURNS_PER_SESSION = 3;

const MAX_DEMO_MS = 5 * 60_000;

/** A trace's root: the span whose parent is not in it (a run's span; a published turn's root span; a synthetic one). */
const isRoot = (s: SpanRecord): boolean => s.parent === null || s.parent.remote !== false;
/** A run's own span: the one keyed by the run itself (its steps' spans are keyed by their step ids). */
const isRunSpan = (s: SpanRecord): boolean => s.key === s.unit;

export async function runDemo(flags: DemoFlags, out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const runs = parseInteger(flags.runs, '--runs', 'the command line', 1, 500);
  const sessions = parseInteger(flags.sessions, '--sessions', 'the command line', 0, 100);
  const speed = parseInteger(flags.speed, '--speed', 'the command line', 1, 10_000);
  const seed = parseInteger(flags.seed, '--seed', 'the command line', 0);
  const palette = out.isTTY && !process.env.NO_COLOR ? COLOR : NO_COLOR;
  const write = (line = ''): boolean => out.write(`${line}\n`);

  const live = Math.floor(runs / 2);
  const sim = await startSimulator({
    seed,
    clock: { speed },
    world: { threads: Math.max(2, Math.ceil(runs / 3)), backfillRuns: runs - live, liveRuns: live, liveWindowSeconds: 120 },
    // Finished sessions whose traces are published already; the too-large kinds kept small for a terminal.
    agents:
      sessions === 0
        ? false
        : {
            sessions,
            backfillTurns: sessions * TURNS_PER_SESSION,
            liveSessions: 0,
            liveTurns: 0,
            publishDelaySeconds: [1, 3],
            traceResponseCapBytes: 65_536,
          },
  });
  const exportsElsewhere = Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  const config = resolveConfig({
    flags: { traces: exportsElsewhere ? {} : { exporter: 'none' }, log: { level: 'warn' } },
    env: { ...process.env, OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: sim.apiKey },
  });
  const truth = sim.world.truth();
  const sessionIds = sim.agents?.truth().sessions.map((x) => x.id) ?? [];
  const rootTurns = sim.agents?.truth().turns.filter((t) => t.subagentId === null).length ?? 0;
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
  // Every turn finished before the start: each settles at the session's first look, its trace read or stood in for.
  config.sources = { ...config.sources, agents: { sessions: sessionIds, agents: [], traceWaitSeconds: 0 } };

  write(palette.bold('assistants-otel-bridge demo'));
  write(
    palette.dim(
      `simulated Assistants API at ${sim.url}: ${truth.runs.length + truth.pending.length} runs on ${threads.length} threads, ${live} of them starting over the next ${Math.ceil(120 / speed)} s`,
    ),
  );
  if (sessionIds.length > 0)
    write(palette.dim(`and the Agents API: ${rootTurns} root turns on ${sessionIds.length} sessions, their traces published`));
  write(
    palette.dim(
      exportsElsewhere
        ? `spans also go to ${config.traces.endpoint}`
        : 'spans are drawn here; set OTEL_EXPORTER_OTLP_ENDPOINT to also send them to a collector',
    ),
  );
  write(palette.dim('each run and each root turn is drawn when it finishes (Ctrl-C stops)'));
  write();

  // By trace: a run's spans make one trace, and so does each root turn of a session.
  const byTrace = new Map<string, SpanRecord[]>();
  const drawn = new Set<string>();
  const draw = (traceId: string): void => {
    if (drawn.has(traceId)) return;
    drawn.add(traceId);
    // A stream has `columns` only when it is a terminal, whatever its type says.
    const width = Math.min(out.isTTY ? out.columns : 140, 160);
    for (const line of drawWaterfall(byTrace.get(traceId) ?? [], { width, palette })) write(line);
    write();
  };
  const onAccepted = (spans: readonly SpanRecord[]): void => {
    for (const s of spans) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
    // A root span can be exported a batch before its last children: draw a moment later.
    for (const s of spans) if (isRoot(s)) setTimeout(() => draw(s.traceId), 300);
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
      const finished = t.runs.filter((r) => r.finished).length;
      const complete = t.allFinished && t.pending.length === 0 && drawn.size >= finished + rootTurns;
      if (interrupted || complete || Date.now() - started > MAX_DEMO_MS) {
        clearInterval(timer);
        resolve(interrupted ? 'interrupted' : 'demo finished');
      }
    }, 200);
  });
  await handle.shutdown(reason);
  await handle.done;
  await sim.shutdown();
  const all = [...byTrace.values()].flat();
  const roots = all.filter((s) => isRoot(s) && drawn.has(s.traceId));
  const runsDrawn = roots.filter(isRunSpan).length;
  const failed = roots.filter((s) => isRunSpan(s) && s.status.code === 2).length;
  const turns = roots.length - runsDrawn;
  write(
    palette.dim(
      `${runsDrawn} runs drawn (${failed} failed or expired)${sessionIds.length > 0 ? `, ${turns} agent turns` : ''}, ${all.length} spans.`,
    ),
  );
  return 0;
}
