// `trace-id RESP_ID`: a response's trace is derived from its id, unless it joined an app's trace
// (metadata.traceparent), which the state file of the watch that tracked it records in its
// frozen context.
import { parseId } from '../../config/values.js';
import type { SourceTraceIds } from '../../core/source.js';
import { parseTraceparent } from '../../mapping/ids.js';
import { readFrozen } from '../../state/read-only.js';
import { traceIdForResponse } from './ids.js';
import { readResponseFrozen } from './response-unit.js';

export const RESPONSES_SOURCE_NAME = 'responses';
/** The kind of a response tracked on its own (response-unit.ts). */
export const RESPONSE_UNIT_KIND = 'response';

const JOINED =
  "a response that joined an app's trace (metadata.traceparent) is in that trace instead, which only the state file of the watch that traced it records";

export const RESPONSES_TRACE_IDS: SourceTraceIds = {
  describes: 'response ids (resp_...)',
  claims: (id) => id.startsWith('resp_'),
  traceId(responseId, statePath, noState) {
    const id = parseId(responseId, 'response_id', 'the command line');
    const derived = traceIdForResponse(id);
    if (statePath === null) {
      return { traceId: derived, note: `${noState}: printed the id derived from the response id; ${JOINED} (give it with --state)` };
    }
    const frozen = readResponseFrozen(readFrozen(statePath, { source: RESPONSES_SOURCE_NAME, kind: RESPONSE_UNIT_KIND, id }), id);
    if (!frozen) {
      return {
        traceId: derived,
        note: `${id} is not traced in ${statePath} (yet): printed the id derived from the response id; ${JOINED}`,
      };
    }
    return { traceId: parseTraceparent(frozen.context.traceparent)?.traceId ?? derived };
  },
};
