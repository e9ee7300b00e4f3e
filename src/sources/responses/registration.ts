// The responses source (Responses API responses: Foundry agents' listed by agent, OpenAI's told by
// webhooks or the app) as the core sees it: one registration in src/sources/registry.ts.
import type { SourceRegistration } from '../../core/source.js';
import { RESPONSES_OBSERVED_METRICS } from './metrics.js';

export const RESPONSES_SOURCE: SourceRegistration = {
  name: 'responses',
  metrics: RESPONSES_OBSERVED_METRICS,
};
