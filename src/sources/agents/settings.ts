// The agents source's settings: which sessions to watch and how long a finished root turn's trace
// is waited for, by the names the CLI and the config file give them, with their defaults; and
// what one session look needs from the bridge's configuration.
import type { Attributes } from '../../core/span-record.js';
import { ConfigError } from '../../config/config-error.js';
import type { BridgeConfig } from '../../config/types.js';
import { parseRateLimitDuration } from '../../scheduler/rate-limit-headers.js';
import { ATTR_SERVICE_NAME } from '../../semconv/attributes.js';
import { MAX_PAGE_SIZE } from './client.js';
import type { ContentSettings } from './content.js';
import type { AttributeLimits } from './value-limits.js';

export const AGENTS_FLAGS = { session: '--agent-session', traceWait: '--agent-trace-wait' } as const;
export const AGENTS_CONFIG_KEYS = { sessions: 'watch.agent_sessions', traceWait: 'watch.agent_trace_wait' } as const;

export const DEFAULT_AGENT_TRACE_WAIT = '15m';
export const DEFAULT_AGENT_TRACE_WAIT_SECONDS = 15 * 60;
/** A longer wait is a typo rather than a choice: a session is not idle while any turn waits. */
const MAX_AGENT_TRACE_WAIT_SECONDS = 24 * 3600;

export interface AgentsWatchSettings {
  /** Sessions followed, every turn, until deleted (--agent-session, repeatable). */
  sessions: string[];
  /** From a root turn's completed_at, how long its trace is looked for before the turn settles. */
  traceWaitSeconds: number;
}

export const AGENTS_WATCH_DEFAULTS: Readonly<AgentsWatchSettings> = { sessions: [], traceWaitSeconds: DEFAULT_AGENT_TRACE_WAIT_SECONDS };

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
