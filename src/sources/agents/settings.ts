// The agents source's settings: which sessions to watch and how long a finished root turn's trace
// is waited for, by the names the CLI and the config file give them, with their defaults; and
// what one session look needs from the bridge's configuration.
import type { Attributes } from '../../core/span-record.js';
import { ConfigError } from '../../config/config-error.js';
import { parseId } from '../../config/values.js';
import type { SourceSettings } from '../../core/source.js';
import type { BridgeConfig } from '../../config/types.js';
import { parseRateLimitDuration } from '../../scheduler/rate-limit-headers.js';
import { ATTR_SERVICE_NAME } from '../../semconv/attributes.js';
import { MAX_PAGE_SIZE } from './client.js';
import type { ContentSettings } from './content.js';
import type { AttributeLimits } from './value-limits.js';

export const AGENTS_FLAGS = { session: '--agent-session', agent: '--agent', traceWait: '--agent-trace-wait' } as const;
export const AGENTS_CONFIG_KEYS = {
  sessions: 'watch.agent_sessions',
  agents: 'watch.agents',
  traceWait: 'watch.agent_trace_wait',
} as const;

export const DEFAULT_AGENT_TRACE_WAIT = '15m';
export const DEFAULT_AGENT_TRACE_WAIT_SECONDS = 15 * 60;
/** A longer wait is a typo rather than a choice: a session is not idle while any turn waits. */
const MAX_AGENT_TRACE_WAIT_SECONDS = 24 * 3600;

export interface AgentsWatchSettings {
  /** Sessions followed, every turn, until deleted (--agent-session, repeatable). */
  sessions: string[];
  /** Agents whose every session is followed, present and future, from the start point on (--agent, repeatable). */
  agents: string[];
  /** From a root turn's completed_at, how long its trace is looked for before the turn settles. */
  traceWaitSeconds: number;
}

export const AGENTS_WATCH_DEFAULTS: Readonly<AgentsWatchSettings> = {
  sessions: [],
  agents: [],
  traceWaitSeconds: DEFAULT_AGENT_TRACE_WAIT_SECONDS,
};

/** A duration such as `15m`, `90s`, `1h30m` or `0`, in whole seconds (a fraction rounds up). */
export function parseTraceWait(raw: string, field: string, source: string): number {
  const ms = parseRateLimitDuration(raw);
  if (ms === null) throw new ConfigError(field, `must be a duration such as 15m, 90s or 1h30m (got '${raw}')`, source);
  const seconds = Math.ceil(ms / 1000);
  if (seconds > MAX_AGENT_TRACE_WAIT_SECONDS) throw new ConfigError(field, `must be at most 24h (got '${raw}')`, source);
  return seconds;
}

/** What one session look needs besides the API and the clock. */
export interface SessionLookSettings {
  traceWaitSeconds: number;
  /** Turns and traces per page; the page-size rule lowers it for traces too large to list together. */
  pageSize: number;
  content: ContentSettings;
  limits: AttributeLimits;
  /** The configured resource: it fills the keys a published resource lacks. */
  resource: Attributes;
}

export function sessionLookSettings(config: BridgeConfig, agents: AgentsWatchSettings = AGENTS_WATCH_DEFAULTS): SessionLookSettings {
  return {
    traceWaitSeconds: agents.traceWaitSeconds,
    pageSize: MAX_PAGE_SIZE,
    content: { capture: config.content.capture, maxLength: config.content.maxLength },
    limits: { attributeValueLengthLimit: config.limits.attributeValueLengthLimit, attributeCountLimit: config.limits.attributeCountLimit },
    resource: { ...config.resource.attributes, [ATTR_SERVICE_NAME]: config.resource.assistantServiceName },
  };
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** A list of ids (of `what`) from the config file: each checked as an id. */
function parseIdList(raw: unknown, what: string): string[] {
  if (!Array.isArray(raw)) throw new ConfigError('', `must be a list of ${what} ids`, '');
  return raw.map((item: unknown) => {
    if (typeof item !== 'string') throw new ConfigError('', `must be a list of ${what} ids (strings)`, '');
    return parseId(item, '', '');
  });
}

/** The flags, config keys and merge of the agents source's settings. */
export const AGENTS_SETTINGS: SourceSettings<AgentsWatchSettings> = {
  defaults: AGENTS_WATCH_DEFAULTS,
  names: [
    { key: AGENTS_CONFIG_KEYS.sessions, flag: AGENTS_FLAGS.session },
    { key: AGENTS_CONFIG_KEYS.agents, flag: AGENTS_FLAGS.agent, discovery: true },
    { key: AGENTS_CONFIG_KEYS.traceWait, flag: AGENTS_FLAGS.traceWait },
  ],
  addFlags(cmd) {
    cmd
      .option(
        `${AGENTS_FLAGS.session} <SESSION_ID>`,
        'an OpenAI Agents API session whose root turns to trace, its published traces forwarded as published (repeatable)',
        collect,
      )
      .option(
        `${AGENTS_FLAGS.agent} <AGENT_ID>`,
        'an OpenAI Agents API agent whose every session to trace, new ones included, those active since --since (default: from the first start) (repeatable)',
        collect,
      )
      .option(
        `${AGENTS_FLAGS.traceWait} <duration>`,
        `how long after a root turn ends its published trace is waited for before the turn is traced without it (default ${DEFAULT_AGENT_TRACE_WAIT})`,
      );
  },
  fromFlags(flags, source) {
    const out: Partial<AgentsWatchSettings> = {};
    const sessions = flags.agentSession;
    if (Array.isArray(sessions)) out.sessions = sessions.map((s) => parseId(String(s), AGENTS_FLAGS.session, source));
    const agents = flags.agent;
    if (Array.isArray(agents)) out.agents = agents.map((a) => parseId(String(a), AGENTS_FLAGS.agent, source));
    if (typeof flags.agentTraceWait === 'string')
      out.traceWaitSeconds = parseTraceWait(flags.agentTraceWait, AGENTS_FLAGS.traceWait, source);
    return out;
  },
  fileKeys: {
    agent_sessions: (raw) => parseIdList(raw, 'session'),
    agents: (raw) => parseIdList(raw, 'agent'),
    agent_trace_wait: (raw) => {
      if (typeof raw !== 'string' && typeof raw !== 'number') throw new ConfigError('', 'must be a duration such as 15m, 90s or 1h30m', '');
      return parseTraceWait(String(raw), '', '');
    },
  },
  fromFile(parsed) {
    const out: Partial<AgentsWatchSettings> = {};
    if (Array.isArray(parsed.agent_sessions)) out.sessions = parsed.agent_sessions as string[];
    if (Array.isArray(parsed.agents)) out.agents = parsed.agents as string[];
    if (typeof parsed.agent_trace_wait === 'number') out.traceWaitSeconds = parsed.agent_trace_wait;
    return out;
  },
  usesSince: (settings) => settings.agents.length > 0,
  namesWork: (settings) => settings.sessions.length > 0 || settings.agents.length > 0,
  merge(layers) {
    const given = layers as readonly Partial<AgentsWatchSettings>[];
    // Sessions add up across the file and the flags; the highest layer's wait wins.
    const sessions = [...new Set(given.flatMap((l) => l.sessions ?? []))];
    const agents = [...new Set(given.flatMap((l) => l.agents ?? []))];
    const wait = [...given].reverse().find((l) => l.traceWaitSeconds !== undefined)?.traceWaitSeconds;
    return { sessions, agents, traceWaitSeconds: wait ?? AGENTS_WATCH_DEFAULTS.traceWaitSeconds };
  },
};

/** The agents source's settings as the config resolved them (defaults when it was not given any). */
export const agentsSettingsOf = (settings: unknown): AgentsWatchSettings =>
  (settings as AgentsWatchSettings | undefined) ?? AGENTS_WATCH_DEFAULTS;
