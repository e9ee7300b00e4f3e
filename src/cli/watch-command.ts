// `watch`: poll the tracked runs and threads and export their spans until stopped (or idle).
import type { Logger } from 'pino';
import { Watcher } from '../tracking/watcher.js';
import type { BridgeConfig } from '../config/types.js';
import { loadControlToken } from '../control/auth.js';
import { startControlServer, type ControlServer, type Readiness } from '../control/server.js';
import { BridgeMetrics } from '../metrics/bridge-metrics.js';
import { otlpMetricsConfig } from '../metrics/otlp-metrics-config.js';
import { RequestBudget, WATCH_WINDOW_MS } from '../scheduler/request-budget.js';
import { createBudgetedFetch } from '../scheduler/budgeted-fetch.js';
import { createExporter } from '../sink/create-exporter.js';
import type { SpanRecordExporter } from '../sink/export-outcome.js';
import { OutboxDrain } from '../sink/outbox-drain.js';
import { ReachabilityLog } from './reachability-log.js';
import { AssistantsSource } from '../source/assistants-source.js';
import { createApiClient } from '../source/client.js';
import { openStateStore, type StateStore } from '../state/store.js';

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
  /** Resolves with the exit code once the bridge stopped. */
  done: Promise<number>;
  /** The --listen server once listening; null with `--listen off` or when listening failed. */
  control: Promise<ControlServer | null>;
  shutdown: (reason: string) => Promise<void>;
}

export interface WatchHooks {
  /** Wraps the exporter, e.g. to also draw what is exported (the demo). */
  wrapExporter?: (exporter: SpanRecordExporter) => SpanRecordExporter;
  /** Shutdown began (signal, idle, fatal): e.g. take the status line down before the last messages. */
  onShutdown?: () => void;
}

export function startWatch(config: BridgeConfig, log: Logger, hooks: WatchHooks = {}): WatchHandle {
  // Before the state file is locked: a bad token file is a usage error (exit 2) with nothing to undo.
  const controlToken = config.watch.listen === null ? null : loadControlToken(config.watch.controlToken);
  const metricsPush = otlpMetricsConfig(process.env);
  const state = openStateStore(config.watch.statePath, { outboxCap: config.watch.outboxCap });
  const budget = new RequestBudget({ rpm: config.watch.rpm, windowMs: WATCH_WINDOW_MS });
  // Aborted when the stop's grace for polls under way is over.
  const stopPolls = new AbortController();
  const apiAddress = new URL(config.api.baseURL).origin;
  const apiReach = new ReachabilityLog({ log, problem: `cannot reach the API at ${apiAddress}`, recovered: `the API at ${apiAddress} answers again`, fields: { api: apiAddress } });
  const fetch = createBudgetedFetch(budget, {
    attemptTimeoutMs: config.api.timeoutMs,
    onRetry: (info) => log.debug({ route: info.route, attempt: info.attempt, reason: info.reason, status: info.status, retryInMs: info.delayMs }, 'API request retried'),
    onConnection: (event) => (event.ok ? apiReach.answered() : apiReach.failed(event.cause)),
    stopSignal: stopPolls.signal,
  });
  if (log.isLevelEnabled('debug')) budget.on('attemptStart', (a) => log.debug({ route: a.route, priority: a.priority, attempt: a.attempt, at: a.at }, 'API request'));
  budget.on('throttle', (t) => log.warn({ pauseMs: t.ms, source: t.source, route: t.route }, 'the API is rate limiting; every request pauses'));
  const source = new AssistantsSource({ client: createApiClient(config.api, fetch), includeFileSearchContent: config.content.capture });
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
  const drain = new OutboxDrain(state, exporter, { batchSize: config.watch.exportBatchSize, log, onAcknowledged: metrics.onAcknowledged, health: collectorReach });
  let firstPoll = false;
  const watcher = new Watcher({ config, state, source, log, onCommitted: () => drain.notify(), onFirstPoll: () => (firstPoll = true) });
  metrics.attach({ drain, watcher });

  for (const r of config.watch.runs) watcher.addRun(r.threadId, r.runId, 'cli');
  for (const t of config.watch.threads) watcher.addThread(t, 'cli');
  for (const warning of state.warnings) log.warn({ state: config.watch.statePath }, warning);
  if (config.api.baseUrlNote) log.warn({ api: config.api.baseURL }, config.api.baseUrlNote);
  log.info(
    {
      api: config.api.baseURL,
      exportTo: exporter.target,
      metricsTo: metricsPush ? `${metricsPush.endpoint} (${metricsPush.protocol})` : 'GET /metrics only',
      rpm: config.watch.rpm,
      state: config.watch.statePath,
      runs: state.stats().activeRuns,
      threads: state.stats().trackedThreads,
      stopTimeoutMs: config.watch.stopTimeoutMs,
    },
    'watching',
  );
  watcher.start();
  drain.start();

  let ready = false;
  const readiness = (): Readiness => {
    if (state.closed) return { ready: false, reason: 'stopping' };
    // Nothing tracked means nothing to poll: ready, so the control routes can add the first run.
    ready ||= firstPoll || watcher.isIdle();
    if (ready) return { ready: true };
    return { ready: false, reason: `waiting for the first successful poll of the API (${watcher.counters.transientErrors} failed so far)` };
  };
  const listen = config.watch.listen;
  const control: Promise<ControlServer | null> =
    listen === null
      ? Promise.resolve(null)
      : startControlServer({ listen, target: watcher, state, log, token: controlToken, readiness, metricsHandler: metrics.metricsHandler }).catch((error: unknown) => {
          process.stderr.write(`assistants-otel-bridge: ${error instanceof Error ? error.message : String(error)}\n`);
          void shutdown('cannot listen', 2);
          return null;
        });

  let resolveDone: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve;
  });
  let stopping: Promise<void> | null = null;
  const debugTimer = log.isLevelEnabled('debug') ? setInterval(() => log.debug(watcher.snapshot(), 'poll loop'), 2000) : undefined;
  const idleTimer = setInterval(() => {
    if (watcher.fatal) void shutdown('fatal', 2);
    else if (config.watch.exitWhenIdle && watcher.isIdle() && state.outboxDepth() === 0) void shutdown('idle: every tracked run finished and its spans were acknowledged', 0);
  }, 200);

  // The whole stop, polls under way, last exports and the last metrics push, fits in the stop
  // budget (--stop-timeout): what is not exported by then stays in the outbox for the next start.
  function shutdown(reason: string, code = 0): Promise<void> {
    stopping ??= (async () => {
      const startedAt = Date.now();
      const deadline = startedAt + (code === 2 ? 0 : config.watch.stopTimeoutMs);
      const remaining = (): number => Math.max(0, deadline - Date.now());
      hooks.onShutdown?.();
      clearInterval(idleTimer);
      clearInterval(debugTimer);
      if (code !== 2) {
        log.info({ reason, stopTimeoutMs: config.watch.stopTimeoutMs }, `stopping: no new polls; exporting what is finished for up to ${seconds(config.watch.stopTimeoutMs)}`);
      }
      // First, so no control change lands while the state winds down.
      await (await control)?.close();
      const polled = watcher.stop();
      // With the API out of reach, polls under way are only waiting to retry: no grace.
      await within(polled, apiReach.failingSince === null ? Math.min(POLL_GRACE_MS, remaining()) : 0);
      stopPolls.abort();
      await within(polled, remaining());
      const exportedBefore = drain.stats.exported;
      const metricsReserve = metrics.otlp ? Math.min(METRICS_PUSH_RESERVE_MS, Math.floor(config.watch.stopTimeoutMs / 4)) : 0;
      await drain.stop(Math.max(0, remaining() - metricsReserve));
      const exported = drain.stats.exported - exportedBefore;
      const left = state.outboxDepth();
      // A last OTLP push of the totals, while the state file is still open.
      await metrics.shutdown(remaining());
      budget.close();
      await within(exporter.shutdown(), remaining());
      state.close();
      if (code !== 2) {
        const fields = { exported, left, tookMs: Date.now() - startedAt };
        if (left === 0) log.info(fields, `stopped: exported ${exported} spans while stopping; the outbox is empty`);
        else log.warn(fields, `stopped: exported ${exported} spans while stopping; ${left} spans left in the outbox of ${config.watch.statePath}, exported at the next start on it`);
      }
      if (watcher.fatal) {
        // The fatal line is the last word: a request still in flight must not log after it.
        log.level = 'silent';
        process.stderr.write(`assistants-otel-bridge: ${watcher.fatal.message}\n`);
      }
      resolveDone(watcher.fatal ? 2 : code);
    })();
    return stopping;
  }

  return { watcher, drain, budget, state, done, control, shutdown: (reason) => shutdown(reason) };
}

/** Waits for `work`, or `ms` at most (the work goes on unawaited). */
async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(1))} s`;
