// `trace-id TURN_ID`: a root turn's trace is the one the Agents API published (its ids are the
// API's, known only from what a watch forwarded, which its state file records per turn), else the
// synthetic span's, derived from the turn id.
import { parseId } from '../../config/values.js';
import type { SourceTraceIds } from '../../core/source.js';
import { readEmittedKeysWithPrefix } from '../../state/read-only.js';
import { syntheticSpanKey, syntheticTraceId, turnTracePrefix } from './keys.js';
import { AGENTS } from './watch.js';

const PUBLISHED =
  'a turn whose trace the Agents API published is in that trace instead, which only the state file of the watch that forwarded it records';

export const AGENTS_TRACE_IDS: SourceTraceIds = {
  describes: 'Agents API turn ids (turn_...)',
  claims: (id) => id.startsWith('turn_'),
  traceId(turnId, statePath, noState) {
    const id = parseId(turnId, 'turn_id', 'the command line');
    const synthetic = syntheticTraceId(id);
    const derivedNote = `printed the trace id of the turn's synthetic span (made when its trace never appears); ${PUBLISHED}`;
    if (statePath === null) return { traceId: synthetic, note: `${noState}: ${derivedNote} (give it with --state)` };
    const prefix = turnTracePrefix(id);
    const published = readEmittedKeysWithPrefix(statePath, AGENTS, prefix).map((row) => row.key.slice(prefix.length));
    const first = published[0];
    if (first !== undefined) return { traceId: first };
    if (readEmittedKeysWithPrefix(statePath, AGENTS, syntheticSpanKey(id)).some((row) => row.key === syntheticSpanKey(id)))
      return { traceId: synthetic };
    return { traceId: synthetic, note: `${id} is not traced in ${statePath} (yet): ${derivedNote}` };
  },
};
