import { existsSync } from 'node:fs';
import { DEFAULTS } from '../config/defaults.js';
import { parseId } from '../config/values.js';
import { parseTraceparent, traceIdForRun } from '../mapping/ids.js';
import { readFrozenContext } from '../sources/assistants/run-ledger.js';

export interface TraceIdAnswer {
  traceId: string;
  /** Said on stderr when the id could not be checked against a state file, and what that means. */
  note?: string;
}

const JOINED =
  "a run that joined an app's trace (metadata.traceparent) is in that trace instead, which only the state file of the watch that traced it records";

/** The run's trace id: the app's trace when the run joined one (known from the state), else the deterministic one. */
export function traceIdCommand(runId: string, explicitState?: string): TraceIdAnswer {
  const id = parseId(runId, 'run_id', 'the command line');
  const derived = traceIdForRun(id);
  // Without --state, the default state file is consulted when there is one.
  const statePath = explicitState ?? (existsSync(DEFAULTS.watch.statePath) ? DEFAULTS.watch.statePath : undefined);
  if (!statePath) {
    return {
      traceId: derived,
      note: `no state file read (${DEFAULTS.watch.statePath} does not exist): printed the id derived from the run id; ${JOINED} (give it with --state)`,
    };
  }
  const context = readFrozenContext(statePath, id);
  if (!context) {
    return { traceId: derived, note: `${id} is not traced in ${statePath} (yet): printed the id derived from the run id; ${JOINED}` };
  }
  return { traceId: parseTraceparent(context.traceparent ?? null)?.traceId ?? derived };
}
