// The context a run's spans are mapped with: its agent's name and description (asked once per
// assistant), its app trace (from its metadata when first seen), and the server and content
// settings, frozen at the first look so later looks map the run alike. `import` builds the same
// context from the names saved beside the runs.
import type { Logger } from 'pino';
import type { BridgeConfig } from '../../config/types.js';
import { meaningOf } from '../../core/errors.js';
import { freezeContext, pendingExpiresAt, type FrozenContext } from './mapping/frozen-context.js';
import { linkedRunIds, type LinkedRunContext, type LinkedRuns } from './mapping/run-links.js';
import type { AssistantInfo, AssistantsSource } from './assistants-source.js';
import type { RunPayload, StepPayload } from './payloads.js';

/** Failed looks at an assistant before its runs are mapped without its name. */
const AGENT_NAME_ATTEMPTS = 4;

export const NO_AGENT_INFO: AssistantInfo = { name: null, description: null };

/** The agent whose run this is, by the id the payload names it with. */
export function agentIdOf(run: RunPayload): string | null {
  return run.assistant_id ?? run.agent_id ?? null;
}

/** A new context for a run seen for the first time. */
export function newRunContext(run: RunPayload, agent: AssistantInfo, config: BridgeConfig, nowSeconds: number): FrozenContext {
  return freezeContext(run, {
    agentName: agent.name,
    agentDescription: agent.description,
    captureContent: config.content.capture,
    contentMaxLength: config.content.maxLength,
    providerName: config.api.providerName,
    baseURL: config.api.baseURL,
    nowSeconds,
  });
}

export interface RunContextResolverOptions {
  source: Pick<AssistantsSource, 'assistantInfo'>;
  config: BridgeConfig;
  log: Logger;
  /** The context recorded for a run, if the bridge tracked it. */
  recordedContext: (runId: string) => FrozenContext | null;
  nowSeconds?: () => number;
}

export class RunContextResolver {
  readonly #options: RunContextResolverOptions;
  readonly #agentInfos = new Map<string, Promise<AssistantInfo>>();
  readonly #agentNameFailures = new Map<string, number>();

  constructor(options: RunContextResolverOptions) {
    this.#options = options;
  }

  /**
   * The run's frozen context, or a new one that the run's next commit stores (first write wins).
   * A pending run's deadline follows it (`expiresAt`): where it ends should it expire.
   */
  async contextFor(run: RunPayload, stored: FrozenContext | null): Promise<FrozenContext> {
    if (stored) {
      const deadline = pendingExpiresAt(run);
      return deadline === null || deadline === stored.expiresAt ? stored : { ...stored, expiresAt: deadline };
    }
    const agent = await this.#agentInfo(agentIdOf(run));
    return newRunContext(run, agent, this.#options.config, this.#options.nowSeconds?.() ?? Math.floor(Date.now() / 1000));
  }

  /**
   * What the bridge recorded of the runs these steps' connected-agent calls started (the app
   * trace each joined), so a call links to the trace the child run's spans are in.
   */
  linkedRuns(steps: readonly StepPayload[]): LinkedRuns {
    const linked = new Map<string, LinkedRunContext>();
    for (const runId of linkedRunIds(steps)) {
      const recorded = this.#options.recordedContext(runId);
      if (recorded) linked.set(runId, { traceparent: recorded.traceparent, tracestate: recorded.tracestate });
    }
    return linked;
  }

  /**
   * The agent's name and description, cached per assistant. A transient failure fails this look
   * (the run is looked at again later) rather than freezing a nameless context for good; after a
   * few failures the run is mapped without them (plain `invoke_agent`).
   */
  async #agentInfo(agentId: string | null): Promise<AssistantInfo> {
    if (!agentId) return NO_AGENT_INFO;
    const cached = this.#agentInfos.get(agentId);
    if (cached) return cached;
    const pending = this.#options.source.assistantInfo(agentId);
    this.#agentInfos.set(agentId, pending);
    try {
      return await pending;
    } catch (error) {
      this.#agentInfos.delete(agentId);
      if (meaningOf(error) === 'fatal') throw error;
      const failures = (this.#agentNameFailures.get(agentId) ?? 0) + 1;
      this.#agentNameFailures.set(agentId, failures);
      if (failures < AGENT_NAME_ATTEMPTS) throw error;
      this.#options.log.warn(
        { agentId, reason: error instanceof Error ? error.message : String(error) },
        'could not read the assistant name; its runs are named plain invoke_agent',
      );
      this.#agentInfos.set(agentId, Promise.resolve(NO_AGENT_INFO));
      return NO_AGENT_INFO;
    }
  }
}
