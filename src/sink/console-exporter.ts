// OTEL_TRACES_EXPORTER=console: one JSON line per span on stdout, easy to read and to pipe.
// Attribute values print as the span record holds them (an int64 beyond 2^53 as {"int": "..."}, say).
import type { SpanRecord } from '../core/span-record.js';
import type { ExportOutcome, SpanRecordExporter } from './export-outcome.js';

const KIND = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS = ['UNSET', 'OK', 'ERROR'];

export class ConsoleExporter implements SpanRecordExporter {
  readonly target = 'console (stdout)';

  constructor(
    private readonly resourceAttributes: Record<string, unknown>,
    private readonly write: (line: string) => void = (line) => process.stdout.write(line),
  ) {}

  export(spans: readonly SpanRecord[]): Promise<ExportOutcome> {
    for (const s of spans) {
      this.write(
        `${JSON.stringify({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parent?.spanId ?? null,
          name: s.name,
          kind: KIND[s.kind],
          startTimeUnixNano: s.start,
          endTimeUnixNano: s.end,
          status: { code: STATUS[s.status.code], ...(s.status.message ? { message: s.status.message } : {}) },
          attributes: s.attributes,
          ...(s.events ? { events: s.events.map((e) => ({ name: e.name, timeUnixNano: e.time, attributes: e.attributes })) } : {}),
          ...(s.links ? { links: s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: l.attributes })) } : {}),
          resource: s.resource?.attributes ?? this.resourceAttributes,
          ...(s.scope ? { scope: { name: s.scope.name, ...(s.scope.version ? { version: s.scope.version } : {}) } } : {}),
        })}\n`,
      );
    }
    return Promise.resolve({ kind: 'accepted', rejectedSpans: 0 });
  }

  start(): void {}

  async shutdown(): Promise<void> {}
}

export class NoneExporter implements SpanRecordExporter {
  readonly target = 'none (OTEL_TRACES_EXPORTER=none)';
  export(): Promise<ExportOutcome> {
    return Promise.resolve({ kind: 'accepted', rejectedSpans: 0 });
  }
  start(): void {}
  async shutdown(): Promise<void> {}
}
