export { openStateStore, StateStore, DEFAULT_OUTBOX_CAP, OUTBOX_REFUSED_COMMITS_METRIC, canonicalLabels } from './store.js';
export { StateError, OutboxFullError, type StateErrorCode } from './errors.js';
export { APPLICATION_ID, SCHEMA_VERSION, ORIGINS } from './schema.js';
export { lockFileFor, ownerFileFor, type LockOwner } from './lock.js';
export type {
  CommitResult,
  DeadLetter,
  DeadLetterRequest,
  MetricDelta,
  MetricTotal,
  Origin,
  OutboxItem,
  ProgressCommit,
  StateStats,
  StateStoreOptions,
  TrackedRun,
  TrackedThread,
} from './types.js';
