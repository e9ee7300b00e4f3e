// `import` for the agents source: session traces saved as GET /agents/sessions/{id}/traces returns
// them (list pages, or their `agent.session.trace` objects; arrays of either), forwarded exactly as
// a watch forwards a settled turn's trace (forward.ts): content removed unless captured, limits
// applied, the resource filled, the root turn span completed with what the entry says (session and
// turn; the agent only when the span names it, as a saved trace does not). A trace that is not
// OTLP, or parts of one that are not, are counted and logged as a watch does, never fatal; a value
// that says it is a trace but lacks its turn or session id is bad input.
import type { BridgeConfig } from '../../config/types.js';
import { ValueProblem } from '../../core/import-input.js';
import type { JsonPath } from '../../core/json-text.js';
import type { SourceImporter } from '../../core/source.js';
import type { SpanRecord } from '../../core/span-record.js';
import { isObj } from '../../mapping/json-values.js';
import type { Logger } from 'pino';
import { forwardTrace } from './forward.js';
import { countByKind, type TraceProblem } from './problems.js';
import { sessionLookSettings, type SessionLookSettings } from './settings.js';

/** The `object` of a traces list entry. */
export const SESSION_TRACE_OBJECT = 'agent.session.trace';

interface SavedTrace {
  turnId: string;
  sessionId: string;
  otlp: unknown;
}

const isTraceEntry = (v: unknown): boolean => isObj(v) && v.object === SESSION_TRACE_OBJECT;

/** A trace entry, a list page holding one, or an array holding one. */
export function isSavedSessionTraces(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(isTraceEntry);
  if (isObj(value) && value.object === 'list' && Array.isArray(value.data)) return value.data.some(isTraceEntry);
  return isTraceEntry(value);
}

function idField(entry: Record<string, unknown>, field: string, path: JsonPath, means: string): string {
  const v = entry[field];
  if (typeof v !== 'string' || v.trim() === '')
    throw new ValueProblem([...path, field], `${SESSION_TRACE_OBJECT}: ${field}: missing or not a string (${means})`);
  return v;
}

export class AgentsImporter implements SourceImporter {
  readonly reads = `Agents API session traces (${SESSION_TRACE_OBJECT} objects, arrays or list pages of them)`;
  /** By session and turn: the same trace saved twice (two pages, two files) counts once, the later copy wins. */
  readonly #traces = new Map<string, SavedTrace>();

  accepts(value: unknown): boolean {
    return isSavedSessionTraces(value);
  }

  add(value: unknown): void {
    if (Array.isArray(value)) value.forEach((entry, i) => this.#addEntry(entry, [i]));
    else if (isObj(value) && value.object === 'list' && Array.isArray(value.data))
      value.data.forEach((entry, i) => this.#addEntry(entry, ['data', i]));
    else this.#addEntry(value, []);
  }

  #addEntry(entry: unknown, path: JsonPath): void {
    if (!isObj(entry) || entry.object !== SESSION_TRACE_OBJECT)
      throw new ValueProblem(
        path,
        `object: expected '${SESSION_TRACE_OBJECT}' (a session trace as GET /agents/sessions/{id}/traces lists it)`,
      );
    const turnId = idField(entry, 'id', path, 'the root turn id');
    const sessionId = idField(entry, 'session_id', path, 'the session the trace belongs to');
    this.#traces.set(`${sessionId}\u0000${turnId}`, { turnId, sessionId, otlp: entry.otlp });
  }

  spans(config: BridgeConfig, _nowSeconds: number, log: Logger): Iterable<SpanRecord[]> {
    return this.#forward(sessionLookSettings(config), log);
  }

  *#forward(settings: SessionLookSettings, log: Logger): Generator<SpanRecord[]> {
    const exported = new Set<string>();
    const problems: TraceProblem[] = [];
    const removed = { attributes: 0, events: 0 };
    for (const trace of this.#traces.values()) {
      const result = forwardTrace({
        otlp: trace.otlp,
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
      problems.push(...result.problems);
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
