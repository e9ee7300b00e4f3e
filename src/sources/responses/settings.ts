// The responses source's settings for Azure AI Foundry: which agents to watch and how their lists
// are read, by the names the CLI, the config file and the control address give them, with their
// defaults; and what a look needs from the bridge's configuration.
import { ConfigError } from '../../config/config-error.js';
import type { ApiConfig, BridgeConfig, ContentConfig } from '../../config/types.js';
import type { SourceSettings } from '../../core/source.js';
import type { MappingLimits } from '../../mapping/limits.js';
import { MAX_PAGE_SIZE } from './client.js';

export const FOUNDRY_AGENT_FLAG = '--foundry-agent';
export const FOUNDRY_AGENTS_CONFIG_KEY = 'watch.foundry_agents';
/** Control routes: POST `{"agent_name": ...}`, GET, DELETE. */
export const FOUNDRY_AGENTS_CONTROL_PATH = '/v1/foundry-agents';
/** Control routes for single responses: POST `{"response_id": ...}`, GET, DELETE. */
export const RESPONSES_CONTROL_PATH = '/v1/responses';

/**
 * How far behind its newest response an agent's list is read again: Foundry's filtered lists are
 * eventually consistent, so a response may show up after others created later than itself.
 */
export const DEFAULT_LIST_OVERLAP_SECONDS = 600;
/** Pages one look reads at most: a long backfill is committed a thousand responses at a time. */
export const DEFAULT_PAGES_PER_LOOK = 10;

export interface FoundryAgentsSettings {
  /** Agents followed by name, every response from the start point on (--foundry-agent, repeatable). */
  agents: string[];
  overlapSeconds: number;
  pagesPerLook: number;
}

export const FOUNDRY_AGENTS_DEFAULTS: Readonly<FoundryAgentsSettings> = {
  agents: [],
  overlapSeconds: DEFAULT_LIST_OVERLAP_SECONDS,
  pagesPerLook: DEFAULT_PAGES_PER_LOOK,
};

/** Foundry's rule for agent names: up to 63 letters, digits and hyphens, a hyphen never first or last. */
const AGENT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export const isFoundryAgentName = (name: string): boolean => AGENT_NAME.test(name);

/** `name` when Foundry could have an agent of that name; else a ConfigError naming `field`. */
export function checkFoundryAgentName(name: string, field: string, source?: string): string {
  if (isFoundryAgentName(name)) return name;
  throw new ConfigError(
    field,
    `'${name.length > 80 ? `${name.slice(0, 80)}...` : name}' is not a Foundry agent name (up to 63 letters, digits and hyphens, not starting or ending with a hyphen)`,
    source,
  );
}

/** What the looks need besides the API and the clock. */
export interface ResponsesLookSettings {
  overlapSeconds: number;
  pagesPerLook: number;
  /** Responses per page. */
  pageSize: number;
  content: ContentConfig;
  limits: MappingLimits;
  /** `gen_ai.provider.name`. */
  providerName: string;
  /** The project endpoint, for server.address and server.port. */
  baseURL: string;
}

export function responsesLookSettings(
  config: BridgeConfig,
  foundry: FoundryAgentsSettings = FOUNDRY_AGENTS_DEFAULTS,
): ResponsesLookSettings {
  return {
    overlapSeconds: foundry.overlapSeconds,
    pagesPerLook: foundry.pagesPerLook,
    pageSize: MAX_PAGE_SIZE,
    content: { capture: config.content.capture, maxLength: config.content.maxLength },
    limits: { attributeValueLengthLimit: config.limits.attributeValueLengthLimit, attributeCountLimit: config.limits.attributeCountLimit },
    providerName: config.api.providerName,
    baseURL: config.api.baseURL,
  };
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** A list of agent names from the config file, each checked as Foundry names agents. */
function parseAgentList(raw: unknown): string[] {
  if (!Array.isArray(raw)) throw new ConfigError('', 'must be a list of Foundry agent names', '');
  return raw.map((item: unknown) => {
    if (typeof item !== 'string') throw new ConfigError('', 'must be a list of Foundry agent names (strings)', '');
    return checkFoundryAgentName(item.trim(), '', '');
  });
}

/** Only an Azure AI Foundry project lists responses by agent. */
export function checkFoundryProfile(agents: readonly string[], api: Pick<ApiConfig, 'provider'>): void {
  if (agents.length === 0 || api.provider === 'azure-foundry') return;
  throw new ConfigError(
    FOUNDRY_AGENT_FLAG,
    `follows agents of an Azure AI Foundry project, but the API profile is ${api.provider ?? 'openai'}: add --provider azure-foundry (api.provider) with the project endpoint as the base URL, or drop ${FOUNDRY_AGENT_FLAG} (${FOUNDRY_AGENTS_CONFIG_KEY})`,
  );
}

/** The flags, config keys and merge of the responses source's settings. */
export const RESPONSES_SETTINGS: SourceSettings<FoundryAgentsSettings> = {
  defaults: FOUNDRY_AGENTS_DEFAULTS,
  names: [{ key: FOUNDRY_AGENTS_CONFIG_KEY, flag: FOUNDRY_AGENT_FLAG, discovery: true }],
  addFlags(cmd) {
    cmd.option(
      `${FOUNDRY_AGENT_FLAG} <NAME>`,
      'an Azure AI Foundry agent whose responses to trace, from --since (default: now) on (repeatable; needs --provider azure-foundry)',
      collect,
    );
  },
  fromFlags(flags, source) {
    const agents = flags.foundryAgent;
    return Array.isArray(agents) ? { agents: agents.map((a) => checkFoundryAgentName(String(a).trim(), FOUNDRY_AGENT_FLAG, source)) } : {};
  },
  fileKeys: { foundry_agents: parseAgentList },
  fromFile(parsed) {
    return Array.isArray(parsed.foundry_agents) ? { agents: parsed.foundry_agents as string[] } : {};
  },
  merge(layers) {
    const given = layers as readonly Partial<FoundryAgentsSettings>[];
    // Agents add up across the file and the flags.
    return { ...FOUNDRY_AGENTS_DEFAULTS, agents: [...new Set(given.flatMap((l) => l.agents ?? []))] };
  },
  usesSince: (settings) => settings.agents.length > 0,
  namesWork: (settings) => settings.agents.length > 0,
  check: (settings, api) => checkFoundryProfile(settings.agents, api),
};

/** The responses source's settings as the config resolved them (defaults when it was not given any). */
export const responsesSettingsOf = (settings: unknown): FoundryAgentsSettings =>
  (settings as FoundryAgentsSettings | undefined) ?? FOUNDRY_AGENTS_DEFAULTS;
