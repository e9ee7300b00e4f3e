// The responses source (Responses API responses: Foundry agents' listed by agent, OpenAI's told by
// webhooks or the app) as the core sees it: one registration in src/sources/registry.ts.
import { createApiClient } from '../../api/client.js';
import type { SourceRegistration, WatchingSource } from '../../core/source.js';
import { ResponsesClient, responsesLayoutOf } from './client.js';
import { foundryAgentRoutes, responseRoutes } from './control-routes.js';
import { ResponsesImporter } from './importer.js';
import { RESPONSES_OBSERVED_METRICS } from './metrics.js';
import { RESPONSES_SETTINGS, responsesSettingsOf } from './settings.js';
import { RESPONSES_TRACE_IDS } from './trace-ids.js';
import { RESPONSES, ResponsesWatch } from './watch.js';
import { ResponseWebhooks } from './webhooks.js';
import type { ApiProvider } from '../../config/types.js';

export const RESPONSES_SOURCE: SourceRegistration = {
  name: RESPONSES,
  metrics: RESPONSES_OBSERVED_METRICS,
  settings: RESPONSES_SETTINGS,
  watch: (ctx) => {
    const { provider, apiVersion } = ctx.config.api;
    return new ResponsesWatch({
      config: ctx.config,
      settings: responsesSettingsOf(ctx.settings),
      store: ctx.store,
      api: new ResponsesClient(createApiClient(ctx.config.api, ctx.fetch), responsesLayoutOf(provider, apiVersion)),
      log: ctx.log,
      looks: ctx.looks,
      onCommitted: ctx.onCommitted,
      nowSeconds: ctx.nowSeconds,
    });
  },
  controlRoutes: (watching, store, log) => {
    const watch = responsesWatch(watching);
    return [...foundryAgentRoutes(watch, store, log), ...responseRoutes(watch, store, log)];
  },
  importer: () => new ResponsesImporter(),
  traceIds: RESPONSES_TRACE_IDS,
  // OpenAI announces the end of background responses by webhook (it lists none); a Foundry project
  // lists its agents' responses and Azure OpenAI sends no such webhooks: no handler, no secret needed.
  takesWebhooks: (api) => takesWebhooks(api.provider),
  webhooks: (watching, log) => {
    const watch = responsesWatch(watching);
    return takesWebhooks(watch.provider) ? [new ResponseWebhooks(watch, log)] : [];
  },
};

const takesWebhooks = (provider: ApiProvider | undefined): boolean => (provider ?? 'openai') === 'openai';

/** The responses source's watch, from what the core hands back. */
export function responsesWatch(watching: WatchingSource | undefined): ResponsesWatch {
  if (!(watching instanceof ResponsesWatch)) throw new TypeError('the responses source is not at work in this watch');
  return watching;
}
