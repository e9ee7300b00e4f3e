// The webhook intake in a watch: started only when a source at work registers a handler. Its
// secrets are read before the state file is locked (a bad one is a usage error with nothing to
// undo); its routes go on the listen address, or with `--webhook-listen` on a server of their own
// and nowhere else, so exposing them exposes neither /metrics nor the control routes.
import type { Logger } from 'pino';
import { ConfigError } from '../config/config-error.js';
import type { SettingGiven, WatchConfig } from '../config/types.js';
import type { Stage } from '../core/lifecycle.js';
import type { Route } from '../control/router.js';
import type { WebhookHandler } from '../webhooks/handler.js';
import { WebhookIntake, type ReplayLedger } from '../webhooks/intake.js';
import { loadWebhookSecrets, WEBHOOK_SECRET_ENV, webhookSecretsFromEnv, type WebhookSecrets } from '../webhooks/secrets.js';
import { WebhookServer } from '../webhooks/server.js';

const SECRET_FILE_FLAG = '--webhook-secret-file';

export type WebhookSettings = Pick<WatchConfig, 'listen' | 'webhookListen' | 'webhookSecretFile'>;

const noSourceTakesWebhooks = (given: SettingGiven<string>): ConfigError =>
  new ConfigError(given.field, 'no source takes webhooks in this configuration; drop it', given.source);

/**
 * The secrets to verify webhooks with, read before the state file is locked; null when nothing
 * gives any. As every setting: a secret file given as a flag, else the environment
 * (OPENAI_WEBHOOK_SECRET[_PREVIOUS]), else a secret file from the config file. `mayTakeWebhooks`:
 * some registered source can register a handler; when none can, the webhook settings are refused
 * and the environment is not read (its secret may be the app's, for nothing the bridge does).
 */
export function webhookSecretsBeforeStart(
  watch: WebhookSettings,
  mayTakeWebhooks: boolean,
  env: Readonly<Record<string, string | undefined>>,
): WebhookSecrets | null {
  if (!mayTakeWebhooks) {
    const given = watch.webhookListen ?? watch.webhookSecretFile;
    if (given) throw noSourceTakesWebhooks(given);
    return null;
  }
  const file = watch.webhookSecretFile;
  const fromFile = (f: SettingGiven<string>): WebhookSecrets =>
    loadWebhookSecrets({ from: 'file', path: f.value, field: f.field, source: f.source });
  if (file?.field === SECRET_FILE_FLAG) return fromFile(file);
  const fromEnv = webhookSecretsFromEnv(env);
  if (fromEnv) return loadWebhookSecrets(fromEnv);
  return file ? fromFile(file) : null;
}

export interface WebhookWiringOptions {
  /** The handlers of the sources at work. */
  handlers: readonly WebhookHandler[];
  /** From webhookSecretsBeforeStart. */
  secrets: WebhookSecrets | null;
  settings: WebhookSettings;
  /** The state file's replay ledger. */
  ledger: ReplayLedger;
  log: Logger;
}

export interface WebhookWiring {
  intake: WebhookIntake;
  /** Routes for the listen address: the webhook routes, or none when they have a server of their own. */
  listenRoutes: readonly Route[];
  /** With `--webhook-listen`: the server of the webhook routes alone. */
  server: WebhookServer | null;
  /**
   * Lifecycle stages: the intake after the polls and the server beside the control server, so a
   * stop closes the servers, then waits for deliveries under way, before the polls and the state stop.
   */
  stages: { intake: Stage; server: Stage | null };
}

/**
 * The intake with every handler registered, or null when there is none (no intake at all).
 * Also null when handlers exist but nothing asks for webhooks (no secret and no `--webhook-listen`).
 * Throws a ConfigError when the webhook settings cannot be honoured: given while no source takes
 * webhooks, `--webhook-listen` with no secret, or no address to serve the routes on.
 */
export function wireWebhooks(options: WebhookWiringOptions): WebhookWiring | null {
  const { handlers, secrets, settings, ledger, log } = options;
  if (handlers.length === 0) {
    const given = settings.webhookListen ?? settings.webhookSecretFile;
    if (given) throw noSourceTakesWebhooks(given);
    return null;
  }
  const routes = [...new Set(handlers.map((h) => `/v1/webhooks/${h.route}`))].join(', ');
  if (!secrets && !settings.webhookListen) {
    // A source could take webhooks but nothing asks for them (no secret, no webhook address): the
    // watch goes on without, as it always did, rather than demand a secret from every watch.
    log.debug({ routes }, 'no webhook secret configured: the webhook routes are not served');
    return null;
  }
  if (!secrets) {
    throw new ConfigError(
      WEBHOOK_SECRET_ENV,
      `must be set, or a secret file given (--webhook-secret-file, watch.webhook_secret_file), to verify the webhooks on ${routes}`,
    );
  }
  if (settings.listen === null && !settings.webhookListen) {
    throw new ConfigError(
      '--listen',
      `is off, so nothing would serve the webhooks on ${routes}: give an address with --listen or --webhook-listen (watch.webhook_listen)`,
    );
  }
  const intake = new WebhookIntake({ secrets, ledger, log });
  for (const handler of handlers) intake.register(handler);
  const intakeStage: Stage = { name: 'webhook intake', part: intake, waitUntilDone: true };
  const listen = settings.webhookListen;
  if (!listen) return { intake, listenRoutes: intake.routes, server: null, stages: { intake: intakeStage, server: null } };
  const server = new WebhookServer({ listen: listen.value, intake, log, setting: 'watch.webhook_listen' });
  return {
    intake,
    listenRoutes: [],
    server,
    stages: { intake: intakeStage, server: { name: 'webhook server', part: server, waitUntilDone: true } },
  };
}
