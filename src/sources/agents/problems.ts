// What a published trace held that could not be forwarded as it was: counted by kind, with where
// the first one was, so the caller logs one line per kind and counts, and never throws.

export const TRACE_PROBLEMS = {
  not_otlp: 'the trace is not an OTLP/JSON ExportTraceServiceRequest (no resourceSpans list)',
  bad_shape: 'a part of the trace is not the documented OTLP/JSON shape; it was skipped',
  invalid_trace_id: 'span refused: its traceId is not 32 hex characters, or is all zeros',
  invalid_span_id: 'span refused: its spanId is not 16 hex characters, or is all zeros',
  invalid_parent_span_id: 'span refused: its parentSpanId is not 16 hex characters',
  invalid_start: 'span refused: no valid startTimeUnixNano',
  invalid_end: 'endTimeUnixNano is not a valid time: the span is treated as not yet ended',
  imprecise_time: 'a time was given as a JSON number beyond 2^53: forwarded, but JSON parsing had already rounded it',
  duplicate_span: 'a span id appears twice in the trace: one copy forwarded (the ended one)',
  invalid_name: 'a span or event name is not a string: forwarded with an empty name',
  invalid_kind: 'a span kind is not a known SpanKind: forwarded as INTERNAL',
  invalid_status: 'a span status is not a known status code: forwarded as UNSET',
  invalid_flags: 'span or link flags are not a 32-bit unsigned integer: forwarded as 0',
  invalid_count: 'a dropped-count is not a 32-bit unsigned integer: forwarded as 0',
  invalid_attribute: 'attribute dropped: no key, or a value that is not an OTLP AnyValue',
  duplicate_attribute: 'attribute dropped: its key repeats an earlier one on the same span, event, link, resource or scope',
  unknown_value:
    'an attribute value of a kind this reader does not know: the attribute is dropped (in an array or key-value list, the item is the empty value)',
  empty_value: 'attribute dropped: it has no value (a receiver refuses a span with an attribute that has none)',
  value_too_deep: 'attribute dropped: its value nests arrays or key-value lists too deeply',
  invalid_event: 'event dropped: no valid timeUnixNano',
  invalid_link: 'link dropped: its traceId or spanId is not a valid id',
} as const;

export type TraceProblemCode = keyof typeof TRACE_PROBLEMS;

export interface TraceProblem {
  code: TraceProblemCode;
  /** What it means, for a log line. */
  message: string;
  count: number;
  /** Where the first one was, as a JSON path into the trace. */
  first: string;
}

export class TraceProblems {
  readonly #byCode = new Map<TraceProblemCode, TraceProblem>();

  /** `at` is called for the first problem of a kind only, so paths cost nothing on the usual path. */
  add(code: TraceProblemCode, at: () => string): void {
    const known = this.#byCode.get(code);
    if (known) known.count += 1;
    else this.#byCode.set(code, { code, message: TRACE_PROBLEMS[code], count: 1, first: at() });
  }

  list(): TraceProblem[] {
    return [...this.#byCode.values()];
  }
}

/** Each kind of problem with its count and where the first was: one log line says it all. */
export function countByKind(problems: readonly TraceProblem[]): Record<string, { count: number; first: string; means: string }> {
  const out: Record<string, { count: number; first: string; means: string }> = {};
  for (const p of problems)
    out[p.code] = { count: (out[p.code]?.count ?? 0) + p.count, first: out[p.code]?.first ?? p.first, means: p.message };
  return out;
}
