// OTEL_TRACES_EXPORTER=console: one JSON line per span on stdout, easy to read and to pipe.
import type { SpanRecord } from '../mapping/span-record.js';
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
          parentSpanId: s.parentSpanId ?? null,
          name: s.name,
          kind: KIND[s.kind],
          startTimeUnixNano: `${s.startSeconds}000000000`,
          endTimeUnixNano: `${s.endSeconds}000000000`,
          status: { code: STATUS[s.status.code], ...(s.status.message ? { message: s.status.message } : {}) },
          attributes: s.attributes,
          ...(s.events
            ? { events: s.events.map((e) => ({ name: e.name, timeUnixNano: `${e.timeSeconds}000000000`, attributes: e.attributes ?? {} })) }
            : {}),
          ...(s.links ? { links: s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: l.attributes ?? {} })) } : {}),
          resource: this.resourceAttributes,
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
