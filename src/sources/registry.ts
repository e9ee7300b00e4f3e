// The one list of sources. Each entry names a source and the metrics it observes; the metrics
// registry stores an observation only when some entry's catalog has its name. A new source adds
// one line here and nothing under src/metrics.
import { ASSISTANTS_OBSERVED_METRICS } from './assistants/run-totals.js';
import type { MetricSpec } from '../metrics/catalog.js';
import { AGENTS_OBSERVED_METRICS } from './agents/metrics.js';
import { RESPONSES_OBSERVED_METRICS } from './responses/metrics.js';

/** What a source registers; grows into its full registration (units, looks, routes, ...). */
export interface SourceDescriptor {
  readonly name: string;
  /** Every metric its observations may name: its own and the shared gen_ai.client.* ones it records into. */
  readonly metrics: readonly MetricSpec[];
}

export const SOURCES: readonly SourceDescriptor[] = [
  { name: 'assistants', metrics: ASSISTANTS_OBSERVED_METRICS },
  { name: 'agents', metrics: AGENTS_OBSERVED_METRICS },
  { name: 'responses', metrics: RESPONSES_OBSERVED_METRICS },
];
