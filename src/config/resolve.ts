// The one merge of every source, done once: flags, then environment, then config file, then
// defaults. (The JS exporters let constructor options override the environment, so the bridge
// resolves everything itself and hands the exporter final values.)
import { resolveApi } from './api-profile.js';
import { ConfigError } from './config-error.js';
import { DEFAULTS } from './defaults.js';
import { envLayer } from './env-layer.js';
import { fileLayer } from './file-layer.js';
import type { BridgeConfig, ConfigLayer, TracesConfig } from './types.js';
import { SOURCES } from '../sources/registry.js';

export interface ConfigSources {
  flags: ConfigLayer;
  env: Record<string, string | undefined>;
  configFile?: string | undefined;
}

function mergeSection<T extends object>(defaults: T, layersLowToHigh: (Partial<T> | undefined)[]): T {
  const out = { ...defaults };
  for (const layer of layersLowToHigh) {
    if (!layer) continue;
    for (const [k, v] of Object.entries(layer)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

const tracesUrlFromBase = (base: string): string => `${base.replace(/\/+$/, '')}/v1/traces`;

function resolveTraces(layersLowToHigh: ConfigLayer[]): TracesConfig {
  const merged = mergeSection<TracesConfig & { endpointBase?: string }>(
    { ...DEFAULTS.traces },
    layersLowToHigh.map((l) => l.traces),
  );
  // The highest layer that names an endpoint decides it; within a layer the traces-specific one wins.
  let endpoint: string | null = null;
  for (const layer of [...layersLowToHigh].reverse()) {
    const t = layer.traces;
    if (t?.endpoint) {
      endpoint = t.endpoint;
      break;
    }
    if (t?.endpointBase) {
      endpoint = merged.protocol === 'grpc' ? t.endpointBase : tracesUrlFromBase(t.endpointBase);
      break;
    }
  }
  const exporterExplicit = layersLowToHigh.some((l) => l.traces?.exporter !== undefined);
  // Nothing configured at all: print spans rather than send them to a collector that is not there.
  const exporter = merged.exporter === 'otlp' && endpoint === null && !exporterExplicit ? 'console' : merged.exporter;
  if (exporter === 'otlp' && endpoint === null) {
    endpoint = merged.protocol === 'grpc' ? 'http://localhost:4317' : 'http://localhost:4318/v1/traces';
  }
  const { endpointBase: _unused, ...rest } = merged;
  return { ...rest, exporter, endpoint };
}

export function resolveConfig(sources: ConfigSources): BridgeConfig {
  const file = sources.configFile ? fileLayer(sources.configFile, sources.env) : {};
  const layers: ConfigLayer[] = [file, envLayer(sources.env), sources.flags];
  const section = <K extends keyof BridgeConfig>(key: K): BridgeConfig[K] =>
    mergeSection(
      DEFAULTS[key],
      layers.map((l) => l[key] as Partial<BridgeConfig[K]> | undefined),
    );
  const watch = section('watch');
  const sourceSettings: Record<string, unknown> = {};
  for (const r of SOURCES) {
    if (!r.settings) continue;
    const given = layers.flatMap((l) => (l.sources?.[r.name] === undefined ? [] : [l.sources[r.name]]));
    sourceSettings[r.name] = r.settings.merge(given);
  }
  const sinceFollowed = SOURCES.some((r) => r.settings?.usesSince?.(sourceSettings[r.name]) === true);
  if (watch.sinceSeconds !== null && !watch.allThreads && !sinceFollowed) {
    // --since says where discovery starts; without a discovery mode it would be silently ignored.
    const fromFlag = sources.flags.watch?.sinceSeconds !== undefined;
    const discoveries = [
      { key: 'watch.all_threads: true', flag: '--all-threads' },
      ...SOURCES.flatMap((r) => r.settings?.names ?? []).filter((n) => n.discovery === true),
    ].map((n) => (fromFlag ? n.flag : n.key));
    throw new ConfigError(
      fromFlag ? '--since' : 'watch.since',
      `applies only to a discovery (${discoveries.join(', ')}): add one to follow what it finds from that time, or drop it`,
      fromFlag ? 'the command line' : (sources.configFile ?? 'the config file'),
    );
  }
  // Tracking lists add up across sources rather than replace each other.
  const runs = new Map<string, { threadId: string; runId: string }>();
  for (const l of layers) for (const r of l.watch?.runs ?? []) runs.set(r.runId, r);
  const threads = new Set<string>(layers.flatMap((l) => l.watch?.threads ?? []));
  const api = resolveApi(layers, sources.env);
  for (const r of SOURCES) r.settings?.check?.(sourceSettings[r.name], api);
  const resource = section('resource');
  resource.attributes = Object.assign({}, ...layers.map((l) => l.resource?.attributes ?? {})) as Record<string, string>;
  return {
    api,
    traces: resolveTraces(layers),
    resource,
    content: section('content'),
    limits: section('limits'),
    watch: { ...watch, runs: [...runs.values()], threads: [...threads] },
    log: section('log'),
    ui: section('ui'),
    sources: sourceSettings,
  };
}
