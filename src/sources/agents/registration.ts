// The agents source (OpenAI Agents API sessions, turns and their published traces) as the core
// sees it: one registration in src/sources/registry.ts.
import { createApiClient } from '../../api/client.js';
import type { SourceRegistration, WatchingSource } from '../../core/source.js';
import { AgentsClient } from './client.js';
import { agentSessionRoutes } from './control-routes.js';
import { AgentsImporter } from './importer.js';
import { AGENTS_OBSERVED_METRICS } from './metrics.js';
import { AGENTS_SETTINGS, agentsSettingsOf } from './settings.js';
import { AGENTS_TRACE_IDS } from './trace-ids.js';
import { AGENTS, AgentsWatch } from './watch.js';

export const AGENTS_SOURCE: SourceRegistration = {
  name: AGENTS,
  metrics: AGENTS_OBSERVED_METRICS,
  settings: AGENTS_SETTINGS,
  watch: (ctx) =>
    new AgentsWatch({
      config: ctx.config,
      settings: agentsSettingsOf(ctx.settings),
      store: ctx.store,
      api: new AgentsClient(createApiClient(ctx.config.api, ctx.fetch)),
      log: ctx.log,
      looks: ctx.looks,
      onCommitted: ctx.onCommitted,
      nowSeconds: ctx.nowSeconds,
    }),
  controlRoutes: (watching, store, log) => agentSessionRoutes(agentsWatch(watching), store, log),
  importer: () => new AgentsImporter(),
  traceIds: AGENTS_TRACE_IDS,
};

/** The agents source's watch, from what the core hands back. */
export function agentsWatch(watching: WatchingSource | undefined): AgentsWatch {
  if (!(watching instanceof AgentsWatch)) throw new TypeError('the agents source is not at work in this watch');
  return watching;
}
