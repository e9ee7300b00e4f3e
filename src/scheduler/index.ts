// The scheduler stage: one request budget for every API attempt, and the timing of polls.
export { PRIORITIES, PRIORITY_RANK, isPriority, type Priority } from './priorities.js';
export { fullJitterDelay, type BackoffOptions, type RandomSource } from './backoff.js';
export {
  parseRateLimitDuration,
  parseRetryAfter,
  parseRetryAfterMs,
  readRequestQuota,
  serverRequestedWait,
  type HeaderReader,
  type RequestQuota,
  type ServerWait,
  type ThrottleSource,
} from './rate-limit-headers.js';
export { defaultPriorityFor, routeTemplate } from './route-label.js';
export {
  DEFAULT_LOW_REMAINING_FRACTION,
  DEFAULT_MARGIN_FRACTION,
  DEFAULT_MAX_PAUSE_MS,
  DEFAULT_THROTTLE_BACKOFF_BASE_MS,
  DEFAULT_THROTTLE_BACKOFF_CAP_MS,
  DEFAULT_WINDOW_MS,
  RequestBudget,
  effectiveLimit,
  type AttemptFinishEvent,
  type AttemptOutcome,
  type AttemptStartEvent,
  type RequestBudgetEvents,
  type RequestBudgetOptions,
  type RequestBudgetStats,
  type SlotOptions,
  type ThrottleEvent,
} from './request-budget.js';
export {
  DEFAULT_ATTEMPT_TIMEOUT_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_RETRY_BACKOFF_BASE_MS,
  DEFAULT_RETRY_BACKOFF_CAP_MS,
  PRIORITY_HEADER,
  createBudgetedFetch,
  isRetryableNetworkError,
  type BudgetedFetchOptions,
  type Fetch,
  type RetryInfo,
} from './budgeted-fetch.js';
export {
  PollPolicy,
  TERMINAL_RUN_STATUSES,
  WAITING_RUN_STATUSES,
  isTerminalRunStatus,
  type DiscoveryInput,
  type PollPolicyOptions,
  type RunPollInput,
} from './poll-policy.js';
export { DueQueue, type DueEntry } from './due-queue.js';
