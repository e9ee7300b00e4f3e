// One response the bridge follows until it ends, apart from its agent's list: what is recorded the
// first time the bridge sees it (the context it is mapped with, the unit its spans belong to, what
// was known then of the response it continues), its cursor (what the last look saw, so the next
// one knows whether anything moved), and what a finished response commits, whichever look finds
// it finished: its spans and its metric observations, once.
import type { MetricObservation } from '../../core/observation.js';
import type { SpanRecord } from '../../core/span-record.js';
import { hashHex } from '../../mapping/ids.js';
import { isObj, nonEmpty } from '../../mapping/json-values.js';
import type { MappingLimits } from '../../mapping/limits.js';
import { StateError } from '../../state/errors.js';
import type { ResponseContext } from './context.js';
import type { LinkedResponseContext, LinkedResponses } from './links.js';
import { mapResponseTrace } from './map-response.js';
import { responseObservations } from './metrics.js';
import type { ResponsePayload } from './payload.js';

export const RESPONSE_CURSOR_VERSION = 1;

export interface ResponseUnitFrozen {
  context: ResponseContext;
  /** The unit its spans belong to: the Foundry agent's name, or the response id when tracked alone. */
  owner: string;
  /** The response it continues (`previous_response_id`) as the bridge knew it then; null: not known. */
  previous: { id: string; link: LinkedResponseContext } | null;
}

export interface ResponseUnitCursor {
  v: typeof RESPONSE_CURSOR_VERSION;
  /** The status the last look saw. */
  status: string | null;
  /** A digest of its output items as the last look saw them: a change means the response moved. */
  progress: string;
  /**
   * The `created_at` of the webhook event that reported the response's end: its end when the
   * response gives no `completed_at`. Kept by every later cursor (the first reported wins).
   */
  reportedEndSeconds?: number;
}

/** A response to follow on its own, handed over by the look that found it unfinished. */
export interface TrackResponse {
  kind: 'response';
  id: string;
  /** The Foundry agent it came from. */
  parent: string;
  frozen: ResponseUnitFrozen;
  cursor: ResponseUnitCursor;
}

export interface Traced {
  spans: SpanRecord[];
  observations: MetricObservation[];
}

/** The spans and metric observations of a finished response. */
export function traceFinished(
  response: ResponsePayload,
  ctx: ResponseContext,
  limits: MappingLimits,
  owner: string,
  linked: LinkedResponses,
): Traced {
  return {
    spans: mapResponseTrace({ response, ctx, limits, unit: owner, linked }),
    observations: responseObservations(response, ctx),
  };
}

/** What a look saw of a response: its status and each output item's type, id and status. */
export function cursorOf(response: ResponsePayload): ResponseUnitCursor {
  const items = response.output.map((item) => [item.type, item.id, item.status].map((v) => nonEmpty(v) ?? '').join('\u0001'));
  return { v: RESPONSE_CURSOR_VERSION, status: response.status, progress: hashHex(8, 'responses.progress', ...items) };
}

/** The cursor of a response a webhook reported ended before any look saw it: nothing seen yet, its end time kept. */
export const reportedCursor = (endSeconds: number): ResponseUnitCursor => ({
  v: RESPONSE_CURSOR_VERSION,
  status: null,
  progress: '',
  reportedEndSeconds: endSeconds,
});

/** `next` keeping the end a webhook reported in `stored` (read inside the commit, so a webhook's write is never lost). */
export function keepReportedEnd(next: ResponseUnitCursor, stored: unknown): ResponseUnitCursor {
  if (next.reportedEndSeconds !== undefined || !isObj(stored) || !isReportedEnd(stored.reportedEndSeconds)) return next;
  return { ...next, reportedEndSeconds: stored.reportedEndSeconds };
}

const isReportedEnd = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

/** The context a finished response is mapped with: the recorded one, with the reported end when it has none. */
export function contextWithReportedEnd(ctx: ResponseContext, cursor: ResponseUnitCursor | null): ResponseContext {
  const reported = cursor?.reportedEndSeconds;
  return reported === undefined || ctx.reportedEndSeconds != null ? ctx : { ...ctx, reportedEndSeconds: reported };
}

/** Whether a response moved since `before` was seen (a first look always counts as a change). */
export const hasMoved = (before: ResponseUnitCursor | null, now: ResponseUnitCursor): boolean =>
  before === null || before.status !== now.status || before.progress !== now.progress;

/** The links a previous response's record allows: none when the bridge knew nothing of it. */
export const linkedOf = (frozen: ResponseUnitFrozen): LinkedResponses =>
  new Map(frozen.previous ? [[frozen.previous.id, frozen.previous.link]] : []);

function corrupt(what: string, responseId: string): StateError {
  return new StateError('corrupt', `the state file's ${what} of response ${responseId} is not one this version of the bridge reads`);
}

export function readResponseCursor(raw: unknown, responseId: string): ResponseUnitCursor | null {
  if (raw === null || raw === undefined) return null;
  if (
    !isObj(raw) ||
    raw.v !== RESPONSE_CURSOR_VERSION ||
    !(raw.status === null || typeof raw.status === 'string') ||
    typeof raw.progress !== 'string'
  )
    throw corrupt('cursor', responseId);
  const { reportedEndSeconds: reported } = raw;
  if (reported !== undefined && !isReportedEnd(reported)) throw corrupt('cursor', responseId);
  return {
    v: RESPONSE_CURSOR_VERSION,
    status: raw.status,
    progress: raw.progress,
    ...(reported === undefined ? {} : { reportedEndSeconds: reported }),
  };
}

const isStringOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function readContext(raw: unknown): ResponseContext | null {
  if (!isObj(raw)) return null;
  const { traceparent, tracestate, captureContent, contentMaxLength, providerName, serverAddress, serverPort, firstSeenSeconds } = raw;
  if (!isStringOrNull(traceparent) || !isStringOrNull(tracestate) || typeof captureContent !== 'boolean') return null;
  if (!isCount(contentMaxLength) || typeof providerName !== 'string' || !isStringOrNull(serverAddress)) return null;
  if (!(serverPort === null || isCount(serverPort)) || typeof firstSeenSeconds !== 'number' || !Number.isFinite(firstSeenSeconds))
    return null;
  const ctx: ResponseContext = {
    traceparent,
    tracestate,
    captureContent,
    contentMaxLength,
    providerName,
    serverAddress,
    serverPort,
    firstSeenSeconds,
  };
  if (typeof raw.reportedEndSeconds === 'number') ctx.reportedEndSeconds = raw.reportedEndSeconds;
  return ctx;
}

function readPrevious(raw: unknown): ResponseUnitFrozen['previous'] | undefined {
  if (raw === null) return null;
  if (!isObj(raw) || typeof raw.id !== 'string' || !isObj(raw.link)) return undefined;
  const { traceparent, tracestate } = raw.link;
  if (!isStringOrNull(traceparent) || !isStringOrNull(tracestate)) return undefined;
  return { id: raw.id, link: { traceparent, tracestate } };
}

export function readResponseFrozen(raw: unknown, responseId: string): ResponseUnitFrozen | null {
  if (raw === null || raw === undefined) return null;
  const context = isObj(raw) ? readContext(raw.context) : null;
  const previous = isObj(raw) ? readPrevious(raw.previous) : undefined;
  if (!isObj(raw) || context === null || typeof raw.owner !== 'string' || previous === undefined)
    throw corrupt('recorded context', responseId);
  return { context, owner: raw.owner, previous };
}
