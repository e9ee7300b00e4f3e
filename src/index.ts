// The package entry (`import { traceRuns } from 'assistants-otel-bridge'`): what an app needs so
// the runs it creates appear in its own traces. The bridge itself is the CLI (src/cli/main.ts).
export {
  traceRuns,
  flushRegistrations,
  registrationStats,
  type TraceRunsOptions,
  type AssistantsClientLike,
} from './library/trace-runs.js';
export { toolCallLink, toolCallSpanContext, type RunLike } from './library/tool-call-link.js';
export {
  Registrar,
  controlRouteRegister,
  DEFAULT_BRIDGE_URL,
  BRIDGE_URL_ENV,
  CONTROL_TOKEN_ENV,
  type RegisterRun,
  type RegistrarOptions,
  type RegistrationLogger,
  type RegistrationStats,
} from './library/registrar.js';
export { withTraceMetadata, METADATA_LIMITS } from './library/run-metadata.js';
export { activeTraceCarrier, formatTraceparent, type TraceCarrier } from './library/trace-context.js';
export { traceIdForRun, runSpanId, toolCallSpanId, parseTraceparent } from './mapping/ids.js';
