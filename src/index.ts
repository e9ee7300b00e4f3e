// The package entry (`import { traceRuns, traceResponses } from 'assistants-otel-bridge'`): what an
// app needs so the runs and responses it creates appear in its own traces. The bridge itself is the
// CLI (src/cli/main.ts).
export { traceRuns, type TraceRunsOptions, type AssistantsClientLike } from './library/trace-runs.js';
export { traceResponses, type TraceResponsesOptions, type ResponsesClientLike } from './library/trace-responses.js';
export { flushRegistrations, registrationStats } from './library/client-registrations.js';
export { toolCallLink, toolCallSpanContext, type RunLike } from './library/tool-call-link.js';
export {
  responseToolCallLink,
  responseToolCallSpanContext,
  responseSpanContext,
  type ResponseLike,
} from './library/response-tool-call-link.js';
export {
  Registrar,
  ResponseRegistrar,
  controlRouteRegister,
  controlRouteRegisterResponse,
  DEFAULT_BRIDGE_URL,
  BRIDGE_URL_ENV,
  CONTROL_TOKEN_ENV,
  type RegisterRun,
  type RegisterResponse,
  type RegistrarOptions,
  type ResponseRegistrarOptions,
  type BridgeConnectionOptions,
  type RegistrationLogger,
  type RegistrationStats,
} from './library/registrar.js';
export { withTraceMetadata, METADATA_LIMITS } from './library/run-metadata.js';
export { activeTraceCarrier, formatTraceparent, type TraceCarrier } from './library/trace-context.js';
export { traceIdForRun, runSpanId, toolCallSpanId, parseTraceparent } from './mapping/ids.js';
export { traceIdForResponse, responseSpanId, responseItemSpanId } from './sources/responses/ids.js';
