import { existsSync } from 'node:fs';
import { DEFAULTS } from '../config/defaults.js';
import { parseId } from '../config/values.js';
import { parseTraceparent, traceIdForRun } from '../mapping/ids.js';
import { readFrozenContext } from '../state/read-only.js';

/** The run's trace id: the app's trace when the run joined one (known from the state), else the deterministic one. */
export function traceIdCommand(runId: string, explicitState?: string): string {
  const id = parseId(runId, 'run_id', 'the command line');
  // Without --state, the default state file is consulted when there is one.
  const statePath = explicitState ?? (existsSync(DEFAULTS.watch.statePath) ? DEFAULTS.watch.statePath : undefined);
  if (statePath) {
    const parent = parseTraceparent(readFrozenContext(statePath, id)?.traceparent ?? null);
    if (parent) return parent.traceId;
  }
  return traceIdForRun(id);
}
