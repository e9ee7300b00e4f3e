// The responses source (Responses API responses: Foundry agents' listed by agent, OpenAI's told by
// webhooks or the app) as the core sees it: one registration in src/sources/registry.ts.
import type { SourceRegistration } from '../../core/source.js';
import { ResponsesImporter } from './importer.js';
import { RESPONSES_OBSERVED_METRICS } from './metrics.js';
import { RESPONSES_SOURCE_NAME, RESPONSES_TRACE_IDS } from './trace-ids.js';

export const RESPONSES_SOURCE: SourceRegistration = {
  name: RESPONSES_SOURCE_NAME,
  metrics: RESPONSES_OBSERVED_METRICS,
  importer: () => new ResponsesImporter(),
  traceIds: RESPONSES_TRACE_IDS,
};
