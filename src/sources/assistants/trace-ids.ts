// `trace-id RUN_ID`: a run's trace is derived from its id, unless the run joined an app's trace
// (metadata.traceparent), which only the state file of the watch that traced it records.
import { parseId } from '../../config/values.js';
import type { SourceTraceIds } from '../../core/source.js';
import { parseTraceparent, traceIdForRun } from '../../mapping/ids.js';
import { readFrozenContext } from './run-ledger.js';

const JOINED =
  "a run that joined an app's trace (metadata.traceparent) is in that trace instead, which only the state file of the watch that traced it records";

export const ASSISTANTS_TRACE_IDS: SourceTraceIds = {
  describes: 'Assistants run ids (run_...)',
  claims: (id) => id.startsWith('run_'),
  traceId(runId, statePath, noState) {
    const id = parseId(runId, 'run_id', 'the command line');
    const derived = traceIdForRun(id);
    if (statePath === null) {
      return { traceId: derived, note: `${noState}: printed the id derived from the run id; ${JOINED} (give it with --state)` };
    }
    const context = readFrozenContext(statePath, id);
    if (!context) {
      return { traceId: derived, note: `${id} is not traced in ${statePath} (yet): printed the id derived from the run id; ${JOINED}` };
    }
    return { traceId: parseTraceparent(context.traceparent ?? null)?.traceId ?? derived };
  },
};
