// The Assistants source (threads, runs and run steps of the Assistants v2 protocol) as the core
// sees it: one registration in src/sources/registry.ts.
import { createApiClient } from '../../api/client.js';
import type { SourceRegistration, WatchingSource } from '../../core/source.js';
import { AssistantsSource } from './assistants-source.js';
import { AssistantsImporter } from './importer.js';
import { trackingRoutes } from './control-routes.js';
import { RunLedgerView } from './run-ledger.js';
import { ASSISTANTS_TRACE_IDS } from './trace-ids.js';
import { ASSISTANTS_OBSERVED_METRICS } from './run-totals.js';
import { AssistantsWatch } from './watch.js';

export const ASSISTANTS_SOURCE: SourceRegistration = {
  name: 'assistants',
  metrics: ASSISTANTS_OBSERVED_METRICS,
  watch: (ctx) =>
    new AssistantsWatch({
      config: ctx.config,
      store: ctx.store,
      source: new AssistantsSource({
        client: createApiClient(ctx.config.api, ctx.fetch),
        includeFileSearchContent: ctx.config.content.capture,
      }),
      log: ctx.log,
      looks: ctx.looks,
      onCommitted: ctx.onCommitted,
      nowSeconds: ctx.nowSeconds,
    }),
  controlRoutes: (watching, store, log) => trackingRoutes(assistantsWatch(watching), new RunLedgerView(store), log),
  importer: () => new AssistantsImporter(),
  traceIds: ASSISTANTS_TRACE_IDS,
};

/** The Assistants source's watch, from what the core hands back. */
export function assistantsWatch(watching: WatchingSource | undefined): AssistantsWatch {
  if (!(watching instanceof AssistantsWatch)) throw new TypeError('the assistants source is not at work in this watch');
  return watching;
}
