// One look at one unfinished response: one request (GET the response) and one commit. Finished, it
// commits its spans and metric observations and its unit ends; deleted (404), its unit ends with
// nothing to trace (it was never seen to end); still going, the look says how it moved, for the
// next-look decision (nextResponseLookMs), as a live run's poll does.
import { meaningOf } from '../../core/errors.js';
import type { MetricObservation } from '../../core/observation.js';
import type { SpanRecord } from '../../core/span-record.js';
import type { FoundryResponsesApi } from './client.js';
import { freezeResponseContext } from './context.js';
import type { ResponsePace } from './look-policy.js';
import { isResponseTerminal, readResponse } from './payload.js';
import {
  contextWithReportedEnd,
  cursorOf,
  hasMoved,
  linkedOf,
  readResponseCursor,
  readResponseFrozen,
  traceFinished,
  type ResponseUnitCursor,
  type ResponseUnitFrozen,
} from './response-unit.js';
import type { LinkedResponseContext } from './links.js';
import type { ResponsesLookSettings } from './settings.js';

export interface ResponseLookInput {
  responseId: string;
  /** The unit's cursor as last committed; null before its first look. */
  cursor: unknown;
  /** What was recorded when the response was first seen; null when nothing was (it is recorded now). */
  frozen: unknown;
  /** The bridge's clock, Unix seconds. */
  nowSeconds: number;
  /**
   * What the bridge recorded of another response it tracks (its app trace), for the link from a
   * response that continues it (`previous_response_id`); null when it tracks no such response.
   */
  recordedResponse?: (responseId: string) => LinkedResponseContext | null;
}

export interface ResponseLookDeps {
  api: Pick<FoundryResponsesApi, 'retrieveResponse'>;
  settings: ResponsesLookSettings;
}

export interface ResponseCommit {
  /** The response id. */
  unit: string;
  spans: SpanRecord[];
  observations: MetricObservation[];
  cursor: ResponseUnitCursor | null;
  /** Recorded by this look (the first, for a response tracked with nothing recorded). */
  frozen?: ResponseUnitFrozen;
  /** Finished or gone: stop following it. */
  terminal: boolean;
}

export interface ResponseLook {
  commit: ResponseCommit;
  /** Nothing to write: the response looked as the last look saw it. */
  unchanged: boolean;
  requests: { retrieve: number };
  pace: ResponsePace;
  /** The answer was no response (no id, or another response's): nothing learned, looked at again later. */
  unreadable: boolean;
}

export async function lookAtResponse(input: ResponseLookInput, deps: ResponseLookDeps): Promise<ResponseLook> {
  const { responseId } = input;
  const recorded = readResponseFrozen(input.frozen, responseId);
  const before = readResponseCursor(input.cursor, responseId);
  const commit = (extra: Partial<ResponseCommit>): ResponseCommit => ({
    unit: responseId,
    spans: [],
    observations: [],
    cursor: before,
    terminal: false,
    ...extra,
  });
  let raw: unknown;
  try {
    raw = await deps.api.retrieveResponse(responseId);
  } catch (error) {
    if (meaningOf(error) !== 'gone') throw error;
    return { commit: commit({ terminal: true }), unchanged: false, requests: { retrieve: 1 }, pace: { kind: 'gone' }, unreadable: false };
  }
  const response = readResponse(raw);
  if (response === null || response.id !== responseId) {
    const pace: ResponsePace = { kind: 'running', queued: before?.status === 'queued', changed: false };
    return { commit: commit({}), unchanged: true, requests: { retrieve: 1 }, pace, unreadable: true };
  }
  const s = deps.settings;
  const frozen: ResponseUnitFrozen = recorded ?? {
    context: freezeResponseContext(response, {
      captureContent: s.content.capture,
      contentMaxLength: s.content.maxLength,
      providerName: s.providerName,
      baseURL: s.baseURL,
      firstSeenSeconds: input.nowSeconds,
      reportedEndSeconds: before?.reportedEndSeconds ?? null,
    }),
    owner: responseId,
    previous: previousOf(response.previousResponseId, input.recordedResponse),
  };
  const seen = cursorOf(response);
  const cursor = before?.reportedEndSeconds === undefined ? seen : { ...seen, reportedEndSeconds: before.reportedEndSeconds };
  const record = recorded === null ? { frozen } : {};
  if (isResponseTerminal(response)) {
    const traced = traceFinished(response, contextWithReportedEnd(frozen.context, before), s.limits, frozen.owner, linkedOf(frozen));
    return {
      commit: commit({ ...traced, cursor, terminal: true, ...record }),
      unchanged: false,
      requests: { retrieve: 1 },
      pace: { kind: 'ended' },
      unreadable: false,
    };
  }
  const changed = hasMoved(before, cursor);
  return {
    commit: commit({ cursor, ...record }),
    unchanged: !changed && recorded !== null,
    requests: { retrieve: 1 },
    pace: { kind: 'running', queued: response.status === 'queued', changed },
    unreadable: false,
  };
}

/** The response this one continues, as the bridge recorded it when it tracks it; null when it does not (no link). */
function previousOf(
  previousId: string | null,
  recorded: ResponseLookInput['recordedResponse'],
): { id: string; link: LinkedResponseContext } | null {
  if (previousId === null || recorded === undefined) return null;
  const link = recorded(previousId);
  return link === null ? null : { id: previousId, link };
}
