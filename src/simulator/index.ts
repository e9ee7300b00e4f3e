// The Assistants v2 API simulator (and, with the openai dialect, the Agents API beside it): one
// node:http server with seeded worlds, a virtual clock, injectable faults and pluggable dialects.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Part } from '../core/lifecycle.js';
import { createAgentsMount } from './agents/mount.js';
import type { AgentsWorld } from './agents/world.js';
import type { AgentsWorldSpec } from './agents/worldgen.js';
import { createClock, type ClockOptions } from './clock.js';
import { DEFAULT_API_KEY, DEFAULT_SEED } from './command-options.js';
import { resolveDialect, type Dialect } from './dialect.js';
import { FaultEngine, type FaultConfig } from './faults.js';
import { RequestLog, type RequestLogEntry } from './requestlog.js';
import { createResponsesMount, type ResponsesOptions, type ResponsesSimulator } from './responses/index.js';
import { createRequestHandler, type PendingResponses } from './server.js';
import type { WorldSpec } from './worldgen.js';
import { World } from './world.js';

export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks an ephemeral port. */
  port?: number;
  /** Clients must send `Authorization: Bearer <apiKey>`. Default `sk-sim-local`. */
  apiKey?: string;
  /** Seeds the world and the faults. Default 42. */
  seed?: number;
  world?: WorldSpec;
  /** The Agents API's world (served with the `openai` dialect only); false to leave it out. */
  agents?: AgentsWorldSpec | false;
  clock?: ClockOptions;
  faults?: FaultConfig;
  /** A dialect or its name. Default `openai`. */
  dialect?: Dialect | string;
  /** The Responses and Conversations world and its webhooks (served with every dialect). */
  responses?: ResponsesOptions;
}

/** The simulator, listening from `start` (url, origin and port are known from then) until `shutdown`. */
export interface Simulator extends Part {
  /** Base URL including the dialect's base path (`http://127.0.0.1:PORT/v1`): the SDK's baseURL. */
  readonly url: string;
  /** `http://host:port`, where the /_sim control routes live. */
  readonly origin: string;
  readonly port: number;
  apiKey: string;
  seed: number;
  dialect: Dialect;
  world: World;
  /** Responses and Conversations; `responsesUrl` is their SDK baseURL. */
  responses: ResponsesSimulator;
  readonly responsesUrl: string;
  /** Null unless the Agents API is served. */
  agents: AgentsWorld | null;
  requestLog(): RequestLogEntry[];
  clearRequestLog(): void;
  setFaults(faults: FaultConfig): void;
  getFaults(): FaultConfig;
  start(): Promise<void>;
  /** Stops the mounts and the server, ending open connections at once. */
  shutdown(): Promise<void>;
}

/** A simulator that is listening. */
export type RunningSimulator = Simulator;

export { DEFAULT_API_KEY, DEFAULT_SEED };

/**
 * The world spec with what the dialect's service serves: Foundry's tools where it has them, types
 * no spec documents where it sends them. A world cannot ask for tools its service lacks.
 */
export function worldFor(dialect: Dialect, spec: WorldSpec = {}): WorldSpec {
  for (const [key, served] of [
    ['azureTools', dialect.serves.foundryTools],
    ['unknownTypes', dialect.serves.undocumentedTypes],
  ] as const) {
    if (spec[key] === true && !served) throw new RangeError(`world.${key}: the ${dialect.name} dialect's service has no such tools`);
  }
  return { azureTools: dialect.serves.foundryTools, unknownTypes: dialect.serves.undocumentedTypes, ...spec };
}

/** A simulator, not yet listening. */
export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const host = options.host ?? '127.0.0.1';
  const apiKey = options.apiKey ?? DEFAULT_API_KEY;
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(seed)) throw new RangeError('seed must be an integer');
  if (apiKey === '') throw new RangeError('apiKey must not be empty');
  const wallClockMs = options.clock?.wallClockMs ?? Date.now;
  const dialect = resolveDialect(options.dialect);
  const world = new World(seed, createClock(options.clock), worldFor(dialect, options.world));
  const faults = new FaultEngine(seed, options.faults ?? {}, wallClockMs);
  const log = new RequestLog();
  const pending: PendingResponses = { timers: new Set() };
  const responses = createResponsesMount(seed, world.clock, dialect, options.responses, wallClockMs);
  const agents = dialect.name === 'openai' && options.agents !== false ? createAgentsMount(seed, world.clock, options.agents ?? {}) : null;
  const mounts = agents ? [responses.mount, agents.mount] : [responses.mount];
  const server = createServer(createRequestHandler({ world, faults, dialect, apiKey, log, wallClockMs, mounts }, pending));
  server.keepAliveTimeout = 5_000;

  let bound: { origin: string; port: number } | null = null;
  const listening = (): { origin: string; port: number } => {
    if (bound === null) throw new Error('the simulator is not listening (start it first)');
    return bound;
  };
  let starting: Promise<void> | null = null;
  let closing: Promise<void> | null = null;

  return {
    get url() {
      return `${listening().origin}${dialect.basePath}`;
    },
    get origin() {
      return listening().origin;
    },
    get port() {
      return listening().port;
    },
    apiKey,
    seed,
    dialect,
    world,
    responses: responses.responses,
    get responsesUrl() {
      return responses.responses.baseUrl(listening().origin);
    },
    agents: agents?.world ?? null,
    requestLog: () => log.list(),
    clearRequestLog: () => log.clear(),
    setFaults: (f) => faults.set(f),
    getFaults: () => faults.get(),
    start: () => {
      starting ??= (async () => {
        if (closing) return;
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(options.port ?? 0, host, () => {
            server.off('error', reject);
            resolve();
          });
        });
        const port = (server.address() as AddressInfo).port;
        bound = { origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port };
        for (const mount of mounts) await mount.start();
      })();
      return starting;
    },
    shutdown: () => {
      closing ??= (async () => {
        await starting?.catch(() => undefined);
        // Mounts stop their timers and abort what they send at once; nothing to wait for.
        for (const mount of mounts) void mount.shutdown();
        for (const timer of pending.timers) clearTimeout(timer);
        pending.timers.clear();
        if (!server.listening) return;
        await new Promise<void>((resolve, reject) => {
          server.close((error) => (error ? reject(error) : resolve()));
          // Hung requests and idle keep-alive sockets would otherwise hold the close open.
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}

/** A simulator, listening. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const simulator = createSimulator(options);
  await simulator.start();
  return simulator;
}

export type { ClockOptions } from './clock.js';
export type { Dialect, DialectRequest, ObjectKind } from './dialect.js';
export { openaiDialect, renameAssistantField, resolveDialect } from './dialect.js';
export type { FaultConfig, FaultName } from './faults.js';
export { goDuration, parseFaultConfig } from './faults.js';
export { RUN_KINDS, type RunKind } from './plans.js';
export type { RequestLogEntry } from './requestlog.js';
export type { Truth, TruthRun } from './state.js';
export { FILE_SEARCH_CONTENT_INCLUDE } from './routes.js';
export type { WorldSpec } from './worldgen.js';
export { World } from './world.js';
export * from './responses/index.js';
export { AGENT_TURN_KINDS, HOSTILE_TURN_KINDS, type AgentTurnKind } from './agents/plans.js';
export type { AgentsWorldSpec } from './agents/worldgen.js';
export type { AgentsBehaviour, AgentsTruth, AgentsTruthTrace, AgentsTruthTurn, AgentsWorld } from './agents/world.js';
