// The one list of sources. The core (CLI and config plumbing, the watch, the control address,
// `import`, `trace-id`, the metrics registry) iterates it and names no source: a new source is a
// folder under src/sources/ and one line here.
import type { SourceRegistration } from '../core/source.js';
import { registerObservedMetrics } from '../metrics/stored-totals.js';
import { AGENTS_SOURCE } from './agents/registration.js';
import { ASSISTANTS_SOURCE } from './assistants/registration.js';
import { RESPONSES_SOURCE } from './responses/registration.js';

export const SOURCES: readonly SourceRegistration[] = [ASSISTANTS_SOURCE, AGENTS_SOURCE, RESPONSES_SOURCE];

registerObservedMetrics(SOURCES);
