// The bridge's metrics: one MeterProvider with the bridge's resource, two readers. The
// Prometheus exporter serves `GET /metrics` through the control server on --listen (its own
// server is never started); an OTLP push reader is added when an endpoint is configured.
// Both readers get the stored run totals from the StoreMetricProducer and the health numbers
// from the SDK instruments.
//
// Resource: every metric carries the bridge's resource (`service.name` = the bridge's name,
// OTEL_SERVICE_NAME). One scrape target is one resource, and the run metrics are the bridge's
// observations as a client of the assistant service; which service the runs belong to is in
// their attributes (`gen_ai.provider.name`, agent id and model), and the run's trace (with the
// assistant service's `service.name`) is found by its `openai.run.id`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import { GEN_AI_CONVENTIONS, type GenAiConventions } from '../config/semconv.js';
import type { BridgeConfig } from '../config/types.js';
import type { SpanRecord } from '../core/span-record.js';
import { ATTR_GEN_AI_PROVIDER_NAME } from '../semconv/attributes.js';
import { bridgeResource, BRIDGE_SCOPE } from '../sink/resource.js';
import type { MetricTotal } from '../state/types.js';
import { createMetricExporter } from './create-metric-exporter.js';
import {
  registerHealthInstruments,
  type BudgetSource,
  type DrainSource,
  type HealthInstruments,
  type StateSource,
  type WatcherSource,
  type WebhookSource,
} from './health-instruments.js';
import { DEFAULT_LABEL_CAPS, type MetaStore } from './label-cap.js';
import { withFailureLog, type WarnLog } from './logged-metric-exporter.js';
import type { OtlpMetricsConfig } from './otlp-metrics-config.js';
import { StoreMetricProducer } from './store-metric-producer.js';

/** The state store as the metrics see it. */
export interface MetricsState extends StateSource, MetaStore {
  metricTotals(): MetricTotal[];
}

export interface BridgeMetricsOptions {
  config: Pick<BridgeConfig, 'resource' | 'api' | 'traces'>;
  /** The OTLP push (see otlpMetricsConfig), resolved beforehand; null for none. */
  otlp: OtlpMetricsConfig | null;
  state: MetricsState;
  budget?: BudgetSource;
  labelCaps?: Readonly<Record<string, number>>;
  /** Which GenAI metric names to export; default from OTEL_SEMCONV_STABILITY_OPT_IN. */
  conventions?: GenAiConventions;
  /** Where failed OTLP pushes are reported (rate-limited). */
  log?: WarnLog;
  now?: () => number;
}

export class BridgeMetrics {
  /** The OTLP push, or null when none is configured. */
  readonly otlp: OtlpMetricsConfig | null;
  readonly #provider: MeterProvider;
  readonly #prometheus: PrometheusExporter;
  readonly #health: HealthInstruments;
  #stopped: Promise<void> | null = null;

  constructor(options: BridgeMetricsOptions) {
    const now = options.now ?? Date.now;
    this.otlp = options.otlp;
    const producer = new StoreMetricProducer({
      store: options.state,
      scope: BRIDGE_SCOPE,
      commonAttributes: { [ATTR_GEN_AI_PROVIDER_NAME]: options.config.api.providerName },
      labelCaps: options.labelCaps ?? DEFAULT_LABEL_CAPS,
      conventions: options.conventions ?? GEN_AI_CONVENTIONS,
      now,
    });
    // One instrumentation scope: the otel_scope_* labels would only repeat it on every series.
    this.#prometheus = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true, metricProducers: [producer] });
    const readers: MetricReader[] = [this.#prometheus];
    if (this.otlp) {
      const t = options.config.traces;
      const exporter = createMetricExporter(this.otlp, {
        certificateFile: t.certificateFile,
        clientKeyFile: t.clientKeyFile,
        clientCertificateFile: t.clientCertificateFile,
      });
      readers.push(
        new PeriodicExportingMetricReader({
          exporter: options.log ? withFailureLog(exporter, options.log, this.otlp.endpoint) : exporter,
          exportIntervalMillis: this.otlp.intervalMs,
          exportTimeoutMillis: this.otlp.exportTimeoutMs,
          metricProducers: [producer],
        }),
      );
    }
    this.#provider = new MeterProvider({ resource: bridgeResource(options.config.resource), readers });
    this.#health = registerHealthInstruments(
      this.#provider.getMeter(BRIDGE_SCOPE.name, BRIDGE_SCOPE.version),
      options.state,
      options.budget ?? null,
      now(),
    );
  }

  /** `GET /metrics` in the Prometheus text format, for the control server. */
  readonly metricsHandler = (req: IncomingMessage, res: ServerResponse): void => {
    this.#prometheus.getMetricsRequestHandler(req, res);
  };

  /** The drain's onAcknowledged: export lag of step spans (news only). */
  readonly onAcknowledged = (spans: readonly SpanRecord[]): void => {
    this.#health.recordAcknowledged(spans);
  };

  /** The drain, watcher and webhook intake are built after the metrics (the drain takes onAcknowledged). */
  attach(parts: { drain?: DrainSource; watcher?: WatcherSource; webhooks?: WebhookSource }): void {
    if (parts.drain) this.#health.attachDrain(parts.drain);
    if (parts.watcher) this.#health.attachWatcher(parts.watcher);
    if (parts.webhooks) this.#health.attachWebhooks(parts.webhooks);
  }

  /** The readers run from construction: nothing to start. */
  start(): void {}

  /**
   * Pushes a last OTLP export (before the state file closes) and stops the readers, giving up
   * after `timeoutMs` (the rest of the stop budget): the totals live in the state file, and the
   * next start's first push carries them.
   */
  shutdown(timeoutMs?: number): Promise<void> {
    this.#stopped ??= this.#provider
      .shutdown(timeoutMs === undefined ? undefined : { timeoutMillis: Math.max(1, timeoutMs) })
      .catch(() => undefined);
    return this.#stopped;
  }
}
