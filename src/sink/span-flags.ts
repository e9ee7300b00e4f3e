// What both OTLP encoders write the same way: the remote bits of span and link flags, and the
// tracestate a TraceState keeps of a header.
import { TraceState } from '@opentelemetry/core';

/** Span.flags and Link.flags: whether the other span is remote is known (0x100), and it is (0x200). */
const FLAGS_HAS_IS_REMOTE = 0x100;
const FLAGS_IS_REMOTE = 0x200;

/** The remote bits for a parent or linked span that is remote, is not, or is not known to be either (null). */
export function remoteFlags(remote: boolean | null): number {
  return remote === null ? 0 : remote ? FLAGS_HAS_IS_REMOTE | FLAGS_IS_REMOTE : FLAGS_HAS_IS_REMOTE;
}

/** What TraceState keeps of a tracestate header (it drops invalid members), once per value. */
export class TraceStates {
  readonly #kept = new Map<string, string>();

  serialize(value: string): string {
    let kept = this.#kept.get(value);
    if (kept === undefined) {
      kept = new TraceState(value).serialize();
      if (this.#kept.size < 1024) this.#kept.set(value, kept);
    }
    return kept;
  }
}
