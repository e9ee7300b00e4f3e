// The Assistants source (threads, runs and run steps of the Assistants v2 protocol) as the core
// sees it: one registration in src/sources/registry.ts.
import type { SourceRegistration } from '../../core/source.js';
import { ASSISTANTS_OBSERVED_METRICS } from './run-totals.js';

export const ASSISTANTS_SOURCE: SourceRegistration = {
  name: 'assistants',
  metrics: ASSISTANTS_OBSERVED_METRICS,
};
