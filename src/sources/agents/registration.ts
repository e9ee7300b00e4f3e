// The agents source (OpenAI Agents API sessions, turns and their published traces) as the core
// sees it: one registration in src/sources/registry.ts.
import type { SourceRegistration } from '../../core/source.js';
import { AGENTS_OBSERVED_METRICS } from './metrics.js';

export const AGENTS_SOURCE: SourceRegistration = {
  name: 'agents',
  metrics: AGENTS_OBSERVED_METRICS,
};
