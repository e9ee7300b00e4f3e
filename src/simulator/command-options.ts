// The `simulate` command's flags, defaults and usage error, apart from the simulator itself so
// the CLI can build its help without loading the server.
import { BridgeError, EXIT } from '../core/errors.js';
import { DEFAULT_SPEED } from './clock.js';
import { DIALECT_NAMES } from './dialect.js';

export const DEFAULT_API_KEY = 'sk-sim-local';
export const DEFAULT_SEED = 42;

export interface SimulateCommandOptions {
  host?: string;
  port?: number | string;
  seed?: number | string;
  /** Virtual seconds per real second. */
  speed?: number | string;
  /** Runs in the world: finished ones plus `live`. */
  runs?: number | string;
  /** How many of `runs` start after the simulator does. */
  live?: number | string;
  liveWindow?: number | string;
  threads?: number | string;
  startEpoch?: number | string;
  apiKey?: string;
  /** Requests per minute the simulator accepts (sliding window); unlimited when absent. */
  rpm?: number | string;
  /** openai, azure-openai or azure-foundry: paths, api-version, credentials, field names, tools. */
  dialect?: string;
  /** Responses in the Responses world: finished ones plus `liveResponses`. */
  responses?: number | string;
  liveResponses?: number | string;
  /** Where Standard Webhooks for background responses go. */
  webhookUrl?: string;
  webhookSecret?: string;
  /** Agents API (openai dialect): sessions at start, root turns (finished plus live), live ones, hostile traces. */
  agentSessions?: number | string;
  agentTurns?: number | string;
  agentLive?: number | string;
  agentHostileTraces?: boolean;
}

/** For the CLI wiring (commander): flags, help text and defaults. */
export const simulatorCommandOptions: readonly { flags: string; description: string; defaultValue?: string }[] = [
  { flags: '--host <host>', description: 'address to listen on', defaultValue: '127.0.0.1' },
  { flags: '--port <port>', description: 'port to listen on (0 = any free port)', defaultValue: '8787' },
  { flags: '--seed <n>', description: 'seed of the world and of the faults', defaultValue: String(DEFAULT_SEED) },
  {
    flags: '--speed <x>',
    description: 'virtual seconds per real second (0 freezes the clock; 1 keeps it on the wall clock)',
    defaultValue: String(DEFAULT_SPEED),
  },
  { flags: '--runs <n>', description: 'runs in the world (finished plus live)', defaultValue: '40' },
  { flags: '--live <n>', description: 'how many of the runs start after the simulator does', defaultValue: '10' },
  { flags: '--live-window <seconds>', description: 'virtual seconds over which live runs start', defaultValue: '300' },
  { flags: '--threads <n>', description: 'threads the runs are spread over', defaultValue: '8' },
  {
    flags: '--start-epoch <seconds>',
    description: 'world time at start, Unix seconds (default: now; pin it for the same world on every start)',
  },
  { flags: '--api-key <key>', description: 'API key clients must send', defaultValue: DEFAULT_API_KEY },
  { flags: '--rpm <n>', description: 'enforce a requests-per-minute limit with x-ratelimit headers' },
  {
    flags: '--dialect <name>',
    description: `which service to imitate: ${DIALECT_NAMES.join(', ')} (Azure: api-version required, api-key or bearer, Azure tool calls; azure-foundry also agent_id and GET /threads)`,
    defaultValue: 'openai',
  },
  { flags: '--responses <n>', description: 'responses in the Responses world (finished plus live)', defaultValue: '40' },
  { flags: '--live-responses <n>', description: 'how many of the responses start after the simulator does', defaultValue: '10' },
  {
    flags: '--webhook-url <url>',
    description: 'send signed webhooks (response.completed|failed|cancelled|incomplete) for background responses here',
  },
  {
    flags: '--webhook-secret <secret>',
    description: "the webhooks' signing secret, whsec_<base64> (default: the simulator's documented test secret)",
  },
  { flags: '--agent-sessions <n>', description: 'Agents API (openai dialect): sessions that exist at start', defaultValue: '5' },
  { flags: '--agent-turns <n>', description: 'Agents API root turns (finished plus live), one of every kind first', defaultValue: '20' },
  { flags: '--agent-live <n>', description: 'how many of the agent turns start after the simulator does', defaultValue: '4' },
  {
    flags: '--agent-hostile-traces',
    description: 'add traces with invalid ids, 1 MiB values, unknown fields, 10,000 spans, and JSON that is not OTLP',
  },
];

/** A bad flag; the CLI exits 2 with this message. */
export class SimulateUsageError extends BridgeError {
  constructor(message: string) {
    super('fatal', message, { exitCode: EXIT.usage });
  }
}
