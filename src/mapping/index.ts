export { mapRunSpan, mapStepSpans, mapRunTrace, latestStepEnd, isRunTerminal, isStepTerminal } from './map-run.js';
export { traceIdForRun, runSpanId, stepSpanId, toolSpanId, parseTraceparent } from './ids.js';
export { stepEndSeconds } from './times.js';
export { describeToolCall } from './tool-calls.js';
export { truncate, applyLimits } from './limits.js';
export * from './span-record.js';
