import type { BridgeConfig } from '../config/types.js';
import { ConsoleExporter, NoneExporter } from './console-exporter.js';
import type { SpanRecordExporter } from './export-outcome.js';
import { OtlpGrpcExporter } from './otlp-grpc-exporter.js';
import { OtlpHttpExporter } from './otlp-http-exporter.js';
import { assistantResource, BRIDGE_SCOPE } from './resource.js';

export function createExporter(config: BridgeConfig): SpanRecordExporter {
  const resource = assistantResource(config.resource);
  const traces = config.traces;
  if (traces.exporter === 'none') return new NoneExporter();
  if (traces.exporter === 'console' || traces.endpoint === null) return new ConsoleExporter(resource.attributes);
  const withEndpoint = { ...traces, endpoint: traces.endpoint };
  return traces.protocol === 'grpc'
    ? new OtlpGrpcExporter(withEndpoint, resource, BRIDGE_SCOPE)
    : new OtlpHttpExporter(withEndpoint, resource, BRIDGE_SCOPE);
}
