// A strict stand-in for an OpenTelemetry collector, for end-to-end tests.
//
//   const rx = await startOtlpReceiver();
//   process.env.OTEL_EXPORTER_OTLP_ENDPOINT = rx.url;
//   ... run the bridge ...
//   const spans = await rx.waitForSpans(120);
//   rx.setFaults({ status: 503, retryAfterSeconds: 1, count: 3 });
//   await rx.close();
export { startOtlpReceiver, type OtlpReceiver, type OtlpReceiverOptions } from './http-receiver.js';
export { startOtlpGrpcReceiver, type OtlpGrpcReceiver, type OtlpGrpcReceiverOptions } from './grpc-receiver.js';
export type { ReceiverApi } from './receiver-core.js';
export type { Faults } from './faults.js';
export type {
  AttributeType,
  Attributes,
  AttributeValue,
  DuplicateSpan,
  Encoding,
  FaultKind,
  ReceivedDataPoint,
  ReceivedEvent,
  ReceivedLink,
  ReceivedMetric,
  ReceivedRequest,
  ReceivedSpan,
  Signal,
} from './types.js';
