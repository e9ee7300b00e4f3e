// `assistants-otel-bridge simulate`: serves the simulator until SIGINT/SIGTERM.
import { DEFAULT_SPEED } from './clock.js';
import { DEFAULT_API_KEY, DEFAULT_SEED, SimulateUsageError, type SimulateCommandOptions } from './command-options.js';
import { resolveDialect, type Dialect } from './dialect.js';
import { startSimulator, type RunningSimulator } from './index.js';
import { mergeWebhookConfig } from './responses/control.js';
import { DEFAULT_WEBHOOK_CONFIG } from './responses/webhooks/dispatcher.js';

export { SimulateUsageError, simulatorCommandOptions, type SimulateCommandOptions } from './command-options.js';

function int(flag: string, value: number | string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new SimulateUsageError(`--${flag} must be an integer >= ${min}, got '${value}'`);
  return n;
}

function num(flag: string, value: number | string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n) || n < 0) throw new SimulateUsageError(`--${flag} must be a number >= 0, got '${value}'`);
  return n;
}

export interface SimulateIo {
  write(line: string): void;
  signals: Pick<NodeJS.EventEmitter, 'once' | 'off'>;
}

export interface SimulateHandle {
  simulator: RunningSimulator;
  shutdown(): Promise<void>;
  /** Resolves once the server has closed (after a signal or shutdown()). */
  stopped: Promise<void>;
}

export async function simulateCommand(
  opts: SimulateCommandOptions = {},
  io: SimulateIo = { write: (line) => process.stdout.write(`${line}\n`), signals: process },
): Promise<SimulateHandle> {
  const runs = int('runs', opts.runs, 40, 0);
  const live = int('live', opts.live, Math.min(10, runs), 0);
  if (live > runs) throw new SimulateUsageError(`--live (${live}) cannot exceed --runs (${runs})`);
  const rpm = opts.rpm === undefined ? undefined : int('rpm', opts.rpm, 0, 1);
  const responses = int('responses', opts.responses, 40, 0);
  const liveResponses = int('live-responses', opts.liveResponses, Math.min(10, responses), 0);
  if (liveResponses > responses)
    throw new SimulateUsageError(`--live-responses (${liveResponses}) cannot exceed --responses (${responses})`);
  const webhooks = { url: opts.webhookUrl ?? null, ...(opts.webhookSecret === undefined ? {} : { secret: opts.webhookSecret }) };
  const webhookProblem = mergeWebhookConfig(DEFAULT_WEBHOOK_CONFIG, webhooks);
  if (typeof webhookProblem === 'string') throw new SimulateUsageError(`--webhook-url/--webhook-secret: ${webhookProblem}`);
  const agentTurns = int('agent-turns', opts.agentTurns, 20, 0);
  const agentLive = int('agent-live', opts.agentLive, Math.min(4, agentTurns), 0);
  const agentSessions = int('agent-sessions', opts.agentSessions, 5, 0);
  if (agentLive > agentTurns) throw new SimulateUsageError(`--agent-live (${agentLive}) cannot exceed --agent-turns (${agentTurns})`);
  if (agentSessions === 0 && agentTurns > agentLive)
    throw new SimulateUsageError(
      '--agent-sessions must be at least 1 when some agent turns are finished (--agent-turns above --agent-live)',
    );
  let dialect: Dialect;
  try {
    dialect = resolveDialect(opts.dialect ?? 'openai');
  } catch (error) {
    throw new SimulateUsageError(`--dialect: ${(error as Error).message}`);
  }
  const simulator = await startSimulator({
    dialect,
    host: opts.host ?? '127.0.0.1',
    port: int('port', opts.port, 8787, 0),
    seed: int('seed', opts.seed, DEFAULT_SEED, Number.MIN_SAFE_INTEGER),
    apiKey: opts.apiKey ?? DEFAULT_API_KEY,
    clock: {
      speed: num('speed', opts.speed, DEFAULT_SPEED),
      ...(opts.startEpoch === undefined ? {} : { startEpoch: int('start-epoch', opts.startEpoch, 0, 0) }),
    },
    world: {
      backfillRuns: runs - live,
      liveRuns: live,
      liveWindowSeconds: int('live-window', opts.liveWindow, 300, 1),
      threads: int('threads', opts.threads, 8, 1),
    },
    agents: {
      sessions: agentSessions,
      backfillTurns: agentTurns - agentLive,
      liveTurns: agentLive,
      liveSessions: Math.min(2, agentLive),
      liveWindowSeconds: int('live-window', opts.liveWindow, 300, 1),
      hostileTraces: opts.agentHostileTraces === true,
    },
    faults: rpm === undefined ? {} : { rpmLimit: rpm },
    responses: {
      world: {
        backfillResponses: responses - liveResponses,
        liveResponses,
        liveWindowSeconds: int('live-window', opts.liveWindow, 300, 1),
      },
      webhooks,
    },
  });

  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  let stopping: Promise<void> | null = null;
  const onSignal = (): void => {
    void shutdown();
  };
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      io.signals.off('SIGINT', onSignal);
      io.signals.off('SIGTERM', onSignal);
      await simulator.shutdown();
      resolveStopped();
    })();
    return stopping;
  };
  io.signals.once('SIGINT', onSignal);
  io.signals.once('SIGTERM', onSignal);
  const hooks = webhooks.url === null ? '' : `, webhooks to ${webhooks.url}`;
  const agentsApi = simulator.agents ? `; Agents API (OpenAI-Beta: agents=v1) on ${simulator.url}` : '';
  io.write(
    `Assistants API simulator (${dialect.name}) on ${simulator.url} (seed ${simulator.seed}): ${bridgeHint(simulator)} (Responses API on ${simulator.responsesUrl}${hooks}${agentsApi})`,
  );
  return { simulator, shutdown, stopped };
}

/** How to point the bridge at this simulator. */
function bridgeHint(sim: RunningSimulator): string {
  switch (sim.dialect.name) {
    case 'azure-openai':
      return `AZURE_OPENAI_ENDPOINT=${sim.origin} AZURE_OPENAI_API_KEY=${sim.apiKey} with --provider azure-openai`;
    case 'azure-foundry':
      return `AZURE_AI_PROJECT_ENDPOINT=${sim.url} ASSISTANTS_OTEL_BRIDGE_API_TOKEN=${sim.apiKey} with --provider azure-foundry --auth bearer-env`;
    default:
      return `OPENAI_BASE_URL=${sim.url} OPENAI_API_KEY=${sim.apiKey}`;
  }
}
