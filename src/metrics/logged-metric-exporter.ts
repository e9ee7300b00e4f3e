// The OTLP push fails silently otherwise (the SDK reports to its own diag logger, off by
// default): say so in the bridge's log, at most once per interval, and when it recovers.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';

export interface WarnLog {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
}

export function withFailureLog(
  exporter: PushMetricExporter,
  log: WarnLog,
  target: string,
  quietMs = 5 * 60_000,
  now: () => number = Date.now,
): PushMetricExporter {
  let lastWarned = Number.NEGATIVE_INFINITY;
  let failing = false;
  const wrapped: PushMetricExporter = {
    export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
      exporter.export(metrics, (result) => {
        if (result.code === ExportResultCode.SUCCESS) {
          if (failing) log.info({ target }, 'metrics export works again');
          failing = false;
        } else {
          failing = true;
          if (now() - lastWarned >= quietMs) {
            lastWarned = now();
            log.warn(
              { target, reason: result.error?.message ?? 'unknown' },
              'metrics export failed; the next one carries the same totals (GET /metrics is unaffected)',
            );
          }
        }
        resultCallback(result);
      });
    },
    forceFlush: () => exporter.forceFlush(),
    shutdown: () => exporter.shutdown(),
  };
  if (exporter.selectAggregationTemporality) wrapped.selectAggregationTemporality = exporter.selectAggregationTemporality.bind(exporter);
  if (exporter.selectAggregation) wrapped.selectAggregation = exporter.selectAggregation.bind(exporter);
  return wrapped;
}
