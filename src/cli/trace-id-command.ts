import { parseId } from '../config/values.js';
import { traceIdForRun } from '../mapping/ids.js';

export function traceIdCommand(runId: string, _statePath?: string): string {
  return traceIdForRun(parseId(runId, 'run_id', 'the command line'));
}
