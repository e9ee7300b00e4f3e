// The versions of span records an outbox row (or a dead letter) may hold. Format 1 is what
// versions before nanosecond times wrote: whole seconds, the parent as a bare span id, a role
// (run, step or tool) and a run id, for Assistants runs only. Rows of format 1 still waiting in a
// state file are read through upgradeFormat1, so their spans go out byte for byte as they would have.
import { nanosFromSeconds, type Attributes, type Nanos, type SpanRecord } from '../core/span-record.js';

/** The format this version writes. */
export const RECORD_FORMAT = 2;

/** The last whole second OTLP's fixed64 nanoseconds hold. */
const MAX_WHOLE_SECONDS = 18_446_744_073;

/** What format 1 called `openai.run_step.id`: the step a step span stands for, its dedupe key then as now. */
const STEP_ID_ATTRIBUTE = 'openai.run_step.id';

/** A span as format 1 held it. */
export interface Format1Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceFlags: number;
  traceState?: string;
  name: string;
  kind: SpanRecord['kind'];
  startSeconds: number;
  endSeconds: number;
  status: SpanRecord['status'];
  attributes: Attributes;
  droppedAttributesCount: number;
  events?: { name: string; timeSeconds: number; attributes?: Attributes }[];
  links?: { traceId: string; spanId: string; traceFlags: number; traceState?: string; attributes?: Attributes }[];
  role: 'run' | 'step' | 'tool';
  runId: string;
  history?: true;
}

/** A row's entries (null where a span was acknowledged) as span records of the current format. */
export function readRecords(entries: readonly unknown[], format: number): (SpanRecord | null)[] {
  if (format === RECORD_FORMAT) return entries as (SpanRecord | null)[];
  if (format === 1) return upgradeFormat1(entries as (Format1Span | null)[]);
  throw new TypeError(`outbox row of record format ${String(format)}, which this version does not know`);
}

/** Format 1 spans of one row as current records, exported exactly as format 1 exported them. */
export function upgradeFormat1(entries: readonly (Format1Span | null)[]): (SpanRecord | null)[] {
  // A tool span's key is its step's: the step span that is its parent, in the same row (a commit's).
  const stepIds = new Map<string, string>();
  for (const span of entries) {
    const stepId = span?.role === 'step' ? span.attributes[STEP_ID_ATTRIBUTE] : undefined;
    if (span && typeof stepId === 'string') stepIds.set(span.spanId, stepId);
  }
  return entries.map((span) => (span ? upgradeSpan(span, stepIds) : null));
}

function upgradeSpan(span: Format1Span, stepIds: ReadonlyMap<string, string>): SpanRecord {
  const { parentSpanId, startSeconds, endSeconds, events, links, role, runId, history, ...kept } = span;
  const key =
    role === 'run'
      ? runId
      : role === 'step'
        ? (stepIds.get(span.spanId) ?? span.spanId)
        : (stepIds.get(parentSpanId ?? '') ?? parentSpanId ?? span.spanId);
  return {
    ...kept,
    // Format 1 wrote a remote parent for the run span alone (the app's span from a traceparent).
    parent: parentSpanId ? { spanId: parentSpanId, remote: role === 'run' } : null,
    start: wholeSeconds(startSeconds),
    end: wholeSeconds(endSeconds),
    ...(events ? { events: events.map((e) => ({ name: e.name, time: wholeSeconds(e.timeSeconds), attributes: e.attributes ?? {} })) } : {}),
    ...(links ? { links: links.map((l) => ({ ...l, attributes: l.attributes ?? {} })) } : {}),
    key,
    unit: runId,
    ...(history ? { history } : role === 'step' ? { lagSample: true as const } : {}),
  };
}

/** Format 1 times were whole API seconds; anything else a hand-edited row may hold reads as the epoch rather than stopping the drain. */
function wholeSeconds(seconds: unknown): Nanos {
  return typeof seconds === 'number' && Number.isSafeInteger(seconds) && seconds >= 0 && seconds <= MAX_WHOLE_SECONDS
    ? nanosFromSeconds(seconds)
    : '0';
}
