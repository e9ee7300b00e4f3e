// `watch`: poll the tracked runs and threads and export their spans until stopped (or idle).
import type { Logger } from 'pino';
import { Watcher } from '../tracking/watcher.js';
import type { BridgeConfig } from '../config/types.js';
import { loadControlToken } from '../control/auth.js';
import { ControlServer, type Readiness } from '../control/server.js';
import { BridgeError, EXIT } from '../core/errors.js';
import { leaving, Lifecycle, type Stage } from '../core/lifecycle.js';
import { BridgeMetrics } from '../metrics/bridge-metrics.js';
import { otlpMetricsConfig } from '../metrics/otlp-metrics-config.js';
import { RequestBudget, WATCH_WINDOW_MS } from '../scheduler/request-budget.js';
import { createBudgetedFetch } from '../scheduler/budgeted-fetch.js';
import { createExporter } from '../sink/create-exporter.js';
import type { SpanRecordExporter } from '../sink/export-outcome.js';
import { OutboxDrain } from '../sink/outbox-drain.js';
import { settingFlag } from './options.js';
import { ReachabilityLog } from './reachability-log.js';
import { openStateStore, type StateStore } from '../state/store.js';
import { SOURCES } from '../sources/registry.js';
import { webhookSecretsBeforeStart, wireWebhooks, type WebhookWiring } from './webhook-wiring.js';

/** Polls under way when the stop begins may finish within this (part of the stop budget), then they are cut off. */
const POLL_GRACE_MS = 1_000;
/** Of the stop budget, kept for the last metrics push when one is configured (at most a quarter). */
const METRICS_PUSH_RESERVE_MS = 1_000;

export interface WatchHandle {
  watcher: Watcher;
  drain: OutboxDrain;
  budget: RequestBudget;
  /** Open until the bridge stopped (`state.closed`). */
  state: StateStore;
  /**
   * The bridge's parts in start order; shut down in reverse. A part added now (the status line)
   * starts at once and is shut down first.
   */
  lifecycle: Lifecycle;
  /** Resolves with the exit code once the bridge stopped. */
  done: Promise<number>;
  /** The --listen server once listening; null with `--listen off` or when listening failed. */
  control: Promise<ControlServer | null>;
  shutdown: (reason: string) => Promise<void>;
}

export interface WatchHooks {
  /** Wraps the exporter, e.g. to also draw what is exported (the demo). */
  wrapExporter?: (exporter: SpanRecordExporter) => SpanRecordExporter;
}

export function startWatch(config: BridgeConfig, log: Logger, hooks: WatchHooks = {}): WatchHandle {
  // Before the state file is locked: a bad token or webhook secret is a usage error (exit 2) with nothing to undo.
  const controlToken = config.watch.listen === null ? null : loadControlToken(config.watch.controlToken);
  const webhookSecrets = webhookSecretsBeforeStart(
    config.watch,
    SOURCES.some((r) => r.watch !== undefined && r.webhooks !== undefined && (r.takesWebhooks?.(config.api) ?? true)),
    process.env,
  );
  const metricsPush = otlpMetricsConfig(process.env);
  const state = openStateStore(config.watch.statePath, { outboxCap: config.watch.outboxCap });
  const budget = new RequestBudget({ rpm: config.watch.rpm, windowMs: WATCH_WINDOW_MS });
  // Aborted when the stop's grace for polls under way is over.
  const stopPolls = new AbortController();
  const apiAddress = new URL(config.api.baseURL).origin;
  const apiReach = new ReachabilityLog({
    log,
    problem: `cannot reach the API at ${apiAddress}`,
    recovered: `the API at ${apiAddress} answers again`,
    fields: { api: apiAddress },
  });
  const fetch = createBudgetedFetch(budget, {
    attemptTimeoutMs: config.api.timeoutMs,
    onRetry: (info) =>
      log.debug(
        { route: info.route, attempt: info.attempt, reason: info.reason, status: info.status, retryInMs: info.delayMs },
        'API request retried',
      ),
    onConnection: (event) => (event.ok ? apiReach.answered() : apiReach.failed(event.cause)),
    stopSignal: stopPolls.signal,
  });
  if (log.isLevelEnabled('debug'))
    budget.on('attemptStart', (a) => log.debug({ route: a.route, priority: a.priority, attempt: a.attempt, at: a.at }, 'API request'));
  budget.on('throttle', (t) =>
    log.warn({ pauseMs: t.ms, source: t.source, route: t.route }, 'the API is rate limiting; every request pauses'),
  );
  const baseExporter = createExporter(config);
  const exporter = hooks.wrapExporter ? hooks.wrapExporter(baseExporter) : baseExporter;
  const metrics = new BridgeMetrics({ config, otlp: metricsPush, state, budget, log });
  const collectorReach = new ReachabilityLog({
    log,
    problem: `cannot export to ${exporter.target}`,
    recovered: `export to ${exporter.target} works again`,
    fields: { exportTo: exporter.target },
    // Read only while failing; the state is open then (the drain stops before it closes).
    context: () => ({ outboxDepth: state.outboxDepth() }),
  });
  const drain = new OutboxDrain(state, exporter, {
    batchSize: config.watch.exportBatchSize,
    log,
    onAcknowledged: metrics.onAcknowledged,
    health: collectorReach,
  });
  let firstPoll = false;
  /** The first error after which nothing would work: its line is the last word, its code the exit code. */
  let fatal: BridgeError | null = null;
  const watcher = new Watcher({
    config,
    store: state,
    sources: SOURCES,
    fetch,
    log,
    onCommitted: () => drain.notify(),
    onFirstPoll: () => (firstPoll = true),
    onFatal: (error) => {
      fatal ??= error;
      void shutdown('fatal', error.exitCode);
    },
    // With the API out of reach, polls under way are only waiting to retry: no grace.
    pollGraceMs: () => (apiReach.failingSince === null ? POLL_GRACE_MS : 0),
    cutOff: stopPolls,
  });
  metrics.attach({ drain, watcher });
  let webhooks: WebhookWiring | null;
  try {
    webhooks = wireWebhooks({
      handlers: SOURCES.flatMap((r) => {
        const watching = watcher.source(r.name);
        return watching && r.webhooks ? r.webhooks(watching, log) : [];
      }),
      secrets: webhookSecrets,
      settings: config.watch,
      ledger: state.webhookLedger,
      log,
    });
  } catch (error) {
    // Nothing has started yet: release the state file's lock before the usage error ends the process.
    void state.shutdown();
    throw error;
  }
  if (webhooks) metrics.attach({ webhooks: webhooks.intake });

  for (const warning of state.warnings) log.warn({ state: config.watch.statePath }, warning);
  if (config.api.baseUrlNote) log.warn({ api: config.api.baseURL }, config.api.baseUrlNote);
  log.info(
    {
      api: config.api.baseURL,
      exportTo: exporter.target,
      metricsTo: metricsPush ? `${metricsPush.endpoint} (${metricsPush.protocol})` : 'GET /metrics only',
      rpm: config.watch.rpm,
      state: config.watch.statePath,
      ...watcher.summary(),
      ...(webhooks ? { webhooks: webhooks.intake.routeNames.map((r) => `/v1/webhooks/${r}`) } : {}),
      stopTimeoutMs: config.watch.stopTimeoutMs,
    },
    'watching',
  );

  let ready = false;
  const readiness = (): Readiness => {
    if (state.closed) return { ready: false, reason: 'stopping' };
    // Nothing tracked means nothing to poll: ready, so the control routes can add the first run.
    ready ||= firstPoll || watcher.isIdle();
    if (ready) return { ready: true };
    return { ready: false, reason: `waiting for the first successful poll of the API (${watcher.counters.transientErrors} failed so far)` };
  };
  const listen = config.watch.listen;
  const controlServer =
    listen === null
      ? null
      : new ControlServer({
          listen,
          routes: [
            ...SOURCES.flatMap((r) => {
              const watching = watcher.source(r.name);
              return watching && r.controlRoutes ? r.controlRoutes(watching, state, log) : [];
            }),
            ...(webhooks?.listenRoutes ?? []),
          ],
          state,
          log,
          token: controlToken,
          readiness,
          metricsHandler: metrics.metricsHandler,
        });

  // The whole stop fits in the stop budget (--stop-timeout); what is not exported by then stays
  // in the outbox for the next start. In reverse of this order: the servers first, so no control
  // change or webhook delivery lands while the rest winds down (their own grace for open
  // connections); the webhook intake, which waits for deliveries under way (their units are
  // tracked while the polls and the state file still run); the polls (those under way get a
  // grace, then are cut off); the drain, with what is left less the reserve for the last
  // metrics push, which goes out while the state file is still open; the request budget, the
  // exporter (cut off at the end of the budget) and the state file.
  const metricsReserve = metrics.otlp ? Math.min(METRICS_PUSH_RESERVE_MS, Math.floor(config.watch.stopTimeoutMs / 4)) : 0;
  const stages: Stage[] = [
    { name: 'state store', part: state },
    { name: 'exporter', part: exporter },
    { name: 'request budget', part: budget },
    { name: 'metrics', part: metrics, waitUntilDone: true },
    { name: 'outbox drain', part: drain, share: leaving(metricsReserve), waitUntilDone: true },
    { name: 'polls', part: watcher, waitUntilDone: true },
  ];
  if (webhooks) stages.push(webhooks.stages.intake);
  if (controlServer) stages.push({ name: 'control server', part: controlServer, waitUntilDone: true });
  if (webhooks?.stages.server) stages.push(webhooks.stages.server);
  const lifecycle = new Lifecycle(stages, {
    onError: (part, error) => log.warn({ part, err: error }, 'a part of the bridge did not shut down cleanly'),
  });

  let resolveDone: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve;
  });
  let stopping: Promise<void> | null = null;
  const debugTimer = log.isLevelEnabled('debug') ? setInterval(() => log.debug(watcher.snapshot(), 'poll loop'), 2000) : undefined;
  const idleTimer = config.watch.exitWhenIdle
    ? setInterval(() => {
        if (watcher.isIdle() && state.outboxDepth() === 0)
          void shutdown('idle: every tracked run finished and its spans were acknowledged', EXIT.ok);
      }, 200)
    : undefined;

  // Only the servers can fail to start (an address they cannot listen on): exit 2 with its line.
  const control: Promise<ControlServer | null> = lifecycle.start().then(
    () => controlServer,
    (error: unknown) => {
      process.stderr.write(
        `assistants-otel-bridge: ${error instanceof BridgeError ? error.lineFor(settingFlag) : error instanceof Error ? error.message : String(error)}\n`,
      );
      void shutdown('cannot start', EXIT.usage);
      return null;
    },
  );

  // A stop for a failure (a fatal error, an address it cannot listen on) has no budget and says nothing until its last line.
  function shutdown(reason: string, code: number = EXIT.ok): Promise<void> {
    stopping ??= (async () => {
      const startedAt = Date.now();
      const failed = code !== EXIT.ok;
      clearInterval(idleTimer);
      clearInterval(debugTimer);
      if (!failed) {
        log.info(
          { reason, stopTimeoutMs: config.watch.stopTimeoutMs },
          `stopping: no new polls; exporting what is finished for up to ${seconds(config.watch.stopTimeoutMs)}`,
        );
      }
      await lifecycle.shutdown(failed ? 0 : config.watch.stopTimeoutMs);
      if (!failed) {
        const { exported, left } = drain.stopReport() ?? { exported: 0, left: 0 };
        const fields = { exported, left, tookMs: Date.now() - startedAt };
        if (left === 0) log.info(fields, `stopped: exported ${exported} spans while stopping; the outbox is empty`);
        else
          log.warn(
            fields,
            `stopped: exported ${exported} spans while stopping; ${left} spans left in the outbox of ${config.watch.statePath}, exported at the next start on it`,
          );
      }
      if (fatal) {
        // The fatal line is the last word: a request still in flight must not log after it.
        log.level = 'silent';
        process.stderr.write(`assistants-otel-bridge: ${fatal.lineFor(settingFlag)}\n`);
      }
      resolveDone(fatal ? fatal.exitCode : code);
    })();
    return stopping;
  }

  return { watcher, drain, budget, state, lifecycle, done, control, shutdown: (reason) => shutdown(reason) };
}

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(1))} s`;
