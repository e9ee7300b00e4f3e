// The Responses and Conversations simulator: a seeded world of responses on the simulator's
// clock, served next to the Assistants API by the same server (faults, credentials and request
// log shared), with Standard Webhooks for background responses.
import type { Clock } from '../clock.js';
import type { Dialect } from '../dialect.js';
import type { SimulatorMount } from '../mount.js';
import { handleResponsesControl, mergeWebhookConfig } from './control.js';
import { responsesDialectFor } from './dialect.js';
import { matchResponsesRoute } from './routes.js';
import { DEFAULT_WEBHOOK_CONFIG, WebhookDispatcher, type WebhookConfig } from './webhooks/dispatcher.js';
import { ResponsesWorld } from './world.js';
import type { ResponsesWorldSpec } from './worldgen.js';

export interface ResponsesOptions {
  world?: ResponsesWorldSpec;
  /** Webhooks for background responses; off until a URL is set (here or POST /_sim/webhooks). */
  webhooks?: { url?: string | null; secret?: string; timeoutMs?: number; retry?: Partial<WebhookConfig['retry']> };
}

export interface ResponsesSimulator {
  world: ResponsesWorld;
  webhooks: WebhookDispatcher;
  /** The Responses base URL for `dialect` (the SDK's baseURL), given the server's origin. */
  baseUrl(origin: string): string;
}

export function createResponsesMount(
  seed: number,
  clock: Clock,
  dialect: Dialect,
  options: ResponsesOptions = {},
  wallClockMs: () => number = Date.now,
): { mount: SimulatorMount; responses: ResponsesSimulator } {
  const world = new ResponsesWorld(seed, clock, options.world);
  const webhooks = new WebhookDispatcher(world, wallClockMs);
  const config = mergeWebhookConfig(DEFAULT_WEBHOOK_CONFIG, options.webhooks ?? {});
  if (typeof config === 'string') throw new RangeError(`webhooks: ${config}`);
  webhooks.configure(config);
  const prefix = responsesDialectFor(dialect).prefix;
  return {
    mount: {
      route: (method, path, d) => matchResponsesRoute(world, method, path, d),
      control: (ctx) => handleResponsesControl(ctx, world, webhooks),
      start: () => webhooks.start(),
      shutdown: () => webhooks.shutdown(),
    },
    responses: { world, webhooks, baseUrl: (origin) => `${origin}${dialect.basePath}${prefix}` },
  };
}

export {
  DEFAULT_RETRY,
  DEFAULT_WEBHOOK_CONFIG,
  retryDelay,
  type DeliveryMode,
  type DeliveryRecord,
  type RetrySchedule,
  type WebhookConfig,
} from './webhooks/dispatcher.js';
export { DEFAULT_WEBHOOK_SECRET } from './webhooks/signing.js';
export { FUTURE_ITEM_TYPE } from './items.js';
export { RESPONSE_KINDS, SCRIPT_ONLY_KINDS, type ResponseKind } from './kinds.js';
export type { ResponsesTruth, TruthResponse } from './world.js';
export { DEFAULT_RESPONSES_WORLD, type ResponsesWorldSpec } from './worldgen.js';
export { ResponsesWorld };
