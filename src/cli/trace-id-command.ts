// `trace-id ID`: the trace of a run, a turn or a response, from the source that claims the id.
// Names no source: it iterates the registrations in src/sources/registry.ts.
import { existsSync } from 'node:fs';
import { ConfigError } from '../config/config-error.js';
import { DEFAULTS } from '../config/defaults.js';
import { SOURCES } from '../sources/registry.js';

export interface TraceIdAnswer {
  traceId: string;
  /** Said on stderr when the id could not be checked against a state file, and what that means. */
  note?: string;
}

/** What the sources' trace-id claims, for `--help` and the line that refuses an id. */
export const traceIdKinds = (): string[] => SOURCES.flatMap((s) => (s.traceIds ? [s.traceIds.describes] : []));

/** The trace id of `id`, from the source that claims it; a ConfigError naming the id when none does. */
export function traceIdCommand(id: string, explicitState?: string): TraceIdAnswer {
  const trimmed = id.trim();
  const source = SOURCES.find((s) => s.traceIds?.claims(trimmed))?.traceIds;
  if (!source) {
    const shown = trimmed.length > 80 ? `${trimmed.slice(0, 80)}...` : trimmed;
    throw new ConfigError('id', `'${shown}' is not an id trace-id knows; give one of: ${traceIdKinds().join(', ')}`, 'the command line');
  }
  // Without --state, the default state file is consulted when there is one.
  const statePath = explicitState ?? (existsSync(DEFAULTS.watch.statePath) ? DEFAULTS.watch.statePath : null);
  return source.traceId(trimmed, statePath, `no state file read (${DEFAULTS.watch.statePath} does not exist)`);
}
