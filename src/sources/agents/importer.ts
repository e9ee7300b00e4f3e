// `import` for the agents source: session traces saved as GET /agents/sessions/{id}/traces returns
// them (list pages, or their `agent.session.trace` objects; arrays of either), forwarded exactly as
// a watch forwards a settled turn's trace (forward.ts): content removed unless captured, limits
// applied, the resource filled, the root turn span completed with what the entry says (session and
// turn; the agent only when the span names it, as a saved trace does not). A trace that is not
// OTLP, or parts of one that are not, are counted and logged as a watch does, never fatal; a value
// that says it is a trace but lacks its turn or session id is bad input.
import type { BridgeConfig } from '../../config/types.js';
import { listedItems, ValueProblem } from '../../core/import-input.js';
import type { JsonPath } from '../../core/json-text.js';
import type { SourceImporter } from '../../core/source.js';
import type { SpanRecord } from '../../core/span-record.js';
import { isObj } from '../../mapping/json-values.js';
import type { Logger } from 'pino';
import { forwardSpans } from './forward.js';
import { publishedSpanKey } from './keys.js';
import { parseOtlpTrace, type PublishedSpan } from './otlp-json.js';
import { countByKind, type TraceProblem } from './problems.js';
import { sessionLookSettings, type SessionLookSettings } from './settings.js';

/** The `object` of a traces list entry. */
export const SESSION_TRACE_OBJECT = 'agent.session.trace';

interface SavedTrace {
  turnId: string;
  sessionId: string;
  /** Each copy read (a trace saved at two times holds more spans, or ends more, the later). */
  copies: unknown[];
}

const isTraceEntry = (v: unknown): boolean => isObj(v) && v.object === SESSION_TRACE_OBJECT;

/** A trace entry, a list page holding one, or an array holding one. */
export function isSavedSessionTraces(value: unknown): boolean {
  return listedItems(value).some(({ item }) => isTraceEntry(item));
}

function idField(entry: Record<string, unknown>, field: string, path: JsonPath, means: string): string {
  const v = entry[field];
  if (typeof v !== 'string' || v.trim() === '')
    throw new ValueProblem(path, `${SESSION_TRACE_OBJECT}: ${field}: missing or not a string (${means})`);
  return v;
}

export class AgentsImporter implements SourceImporter {
  readonly reads = `Agents API session traces (${SESSION_TRACE_OBJECT} objects, arrays or list pages of them)`;
  /** By session and turn: the same trace saved twice (two pages, two files) counts once, its spans merged. */
  readonly #traces = new Map<string, SavedTrace>();

  accepts(value: unknown): boolean {
    return isSavedSessionTraces(value);
  }

  add(value: unknown): void {
    for (const { item, path } of listedItems(value)) this.#addEntry(item, path);
  }

  #addEntry(entry: unknown, path: JsonPath): void {
    if (!isObj(entry) || entry.object !== SESSION_TRACE_OBJECT)
      throw new ValueProblem(
        path,
        `object: expected '${SESSION_TRACE_OBJECT}' (a session trace as GET /agents/sessions/{id}/traces lists it)`,
      );
    const turnId = idField(entry, 'id', path, 'the root turn id');
    const sessionId = idField(entry, 'session_id', path, 'the session the trace belongs to');
    const key = `${sessionId}\u0000${turnId}`;
    const known = this.#traces.get(key);
    if (known) known.copies.push(entry.otlp);
    else this.#traces.set(key, { turnId, sessionId, copies: [entry.otlp] });
  }

  spans(config: BridgeConfig, _nowSeconds: number, log: Logger): Iterable<SpanRecord[]> {
    return this.#forward(sessionLookSettings(config), log);
  }

  *#forward(settings: SessionLookSettings, log: Logger): Generator<SpanRecord[]> {
    const exported = new Set<string>();
    const problems: TraceProblem[] = [];
    const removed = { attributes: 0, events: 0 };
    for (const trace of this.#traces.values()) {
      const read = mergedCopies(trace.copies);
      problems.push(...read.problems);
      const result = forwardSpans(read.spans, {
        turn: { sessionId: trace.sessionId, turnId: trace.turnId, agentId: null },
        // What was saved is all there is: a span without an end ends with the trace's root span.
        settled: true,
        turnEnd: null,
        exported: (key) => exported.has(key),
        content: settings.content,
        limits: settings.limits,
        resource: settings.resource,
        history: true,
      });
      for (const record of result.records) exported.add(record.key);
      removed.attributes += result.removed.attributes;
      removed.events += result.removed.events;
      if (result.records.length > 0) yield result.records;
    }
    if (removed.attributes + removed.events > 0) log.debug({ removed }, 'content removed from forwarded spans (capture is off)');
    if (problems.length > 0)
      log.warn({ problems: countByKind(problems) }, 'parts of a saved trace could not be forwarded as published; the rest was');
  }

  counts(): Record<string, number> {
    const sessions = new Set([...this.#traces.values()].map((t) => t.sessionId));
    return { sessions: sessions.size, traces: this.#traces.size };
  }
}

/**
 * The spans of every copy of one trace, once each, in the order first read: a copy that has the
 * span ended wins over one that has it open, else the later copy wins (as a watch reading the
 * trace again forwards what it did not have).
 */
function mergedCopies(copies: readonly unknown[]): { spans: PublishedSpan[]; problems: TraceProblem[] } {
  const spans = new Map<string, PublishedSpan>();
  const problems: TraceProblem[] = [];
  for (const otlp of copies) {
    const parsed = parseOtlpTrace(otlp);
    problems.push(...parsed.problems);
    for (const span of parsed.spans) {
      const key = publishedSpanKey(span.traceId, span.spanId);
      const known = spans.get(key);
      if (known === undefined || span.end !== null || known.end === null) spans.set(key, span);
    }
  }
  return { spans: [...spans.values()], problems };
}
