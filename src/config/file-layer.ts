// The config file (YAML or JSON). Unknown keys are errors, so a typo never silently does nothing.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { z as Zod } from 'zod';
import { ConfigError } from './config-error.js';
import { API_AUTHS, API_PROVIDERS, OTLP_PROTOCOLS, type ApiAuth, type ApiProvider, type ConfigLayer } from './types.js';
import { parseId, parseListen, parseRunRef, parseUrl, parseSince } from './values.js';
import { parseTraceUrlTemplate } from './trace-url.js';

// yaml and zod load when a file is read, not with this module: most runs have no config file,
// and the two took ~110 ms of every start. Both ship CommonJS builds, so a synchronous require
// keeps resolveConfig synchronous.
const requirePackage = createRequire(import.meta.url);
let schema: FileSchema | undefined;
const fileSchema = (): FileSchema => (schema ??= buildSchema((requirePackage('zod') as { z: typeof Zod }).z));
const parseYaml = (text: string): unknown => (requirePackage('yaml') as typeof Yaml).parse(text);

type FileSchema = ReturnType<typeof buildSchema>;

function buildSchema(z: typeof Zod) {
  const stringMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));
  const posInt = z.number().int().positive();
  return z.strictObject({
    api: z
      .strictObject({
        base_url: z.string().optional(),
        api_key_env: z.string().optional(),
        organization: z.string().optional(),
        project: z.string().optional(),
        default_query: stringMap.optional(),
        headers: stringMap.optional(),
        timeout_ms: posInt.optional(),
        provider_name: z.string().min(1).optional(),
        provider: z.enum(API_PROVIDERS as [ApiProvider, ...ApiProvider[]]).optional(),
        api_version: z.string().min(1).optional(),
        auth: z.enum(API_AUTHS as [ApiAuth, ...ApiAuth[]]).optional(),
        token_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
        token_scope: z.string().min(1).optional(),
      })
      .optional(),
    otlp: z
      .strictObject({
        exporter: z.enum(['otlp', 'console', 'none']).optional(),
        endpoint: z.string().optional(),
        traces_endpoint: z.string().optional(),
        protocol: z.enum(OTLP_PROTOCOLS as [string, ...string[]]).optional(),
        headers: stringMap.optional(),
        compression: z.enum(['gzip', 'none']).optional(),
        timeout_ms: posInt.optional(),
        certificate: z.string().optional(),
        client_key: z.string().optional(),
        client_certificate: z.string().optional(),
        insecure: z.boolean().optional(),
      })
      .optional(),
    service: z
      .strictObject({
        name: z.string().min(1).optional(),
        bridge_name: z.string().min(1).optional(),
        resource_attributes: stringMap.optional(),
      })
      .optional(),
    content: z.strictObject({ capture: z.boolean().optional(), max_length: posInt.optional() }).optional(),
    limits: z.strictObject({ attribute_value_length: posInt.optional(), attribute_count: posInt.optional() }).optional(),
    watch: z
      .strictObject({
        runs: z.array(z.string()).optional(),
        threads: z.array(z.string()).optional(),
        rpm: posInt.optional(),
        state: z.string().min(1).optional(),
        listen: z.string().optional(),
        control_token_file: z.string().min(1).optional(),
        exit_when_idle: z.boolean().optional(),
        all_threads: z.boolean().optional(),
        since: z.union([z.string(), z.number()]).optional(),
        active_interval_ms: posInt.optional(),
        max_wait_interval_ms: posInt.optional(),
        discovery_interval_ms: posInt.optional(),
        export_batch_size: posInt.optional(),
        outbox_cap: posInt.optional(),
      })
      .optional(),
    log: z
      .strictObject({
        level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).optional(),
        format: z.enum(['auto', 'json', 'pretty']).optional(),
      })
      .optional(),
    ui: z.strictObject({ trace_url: z.string().optional() }).optional(),
  });
}

type FileConfig = Zod.infer<FileSchema>;

function describeIssue(issue: Zod.core.$ZodIssue): { field: string; reason: string } {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    return { field: [...path, key].join('.'), reason: 'unknown setting (check the spelling against config/bridge.example.yaml)' };
  }
  return { field: path.join('.') || '(top level)', reason: issue.message };
}

/** Reads and validates a config file into a layer; `env` resolves `api.api_key_env`. */
export function fileLayer(path: string, env: Record<string, string | undefined>): ConfigLayer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError('--config', `cannot read ${path} (${code})`);
  }
  let raw: unknown;
  try {
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError('--config', `${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = fileSchema().safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const { field, reason } = issue ? describeIssue(issue) : { field: '(file)', reason: 'invalid' };
    throw new ConfigError(field, reason, path);
  }
  return toLayer(parsed.data, path, env);
}

function toLayer(f: FileConfig, source: string, env: Record<string, string | undefined>): ConfigLayer {
  const layer: ConfigLayer = {};
  if (f.api) {
    const a = f.api;
    layer.api = {
      ...(a.base_url !== undefined ? { baseURL: parseUrl(a.base_url, 'api.base_url', source) } : {}),
      ...(a.organization !== undefined ? { organization: a.organization } : {}),
      ...(a.project !== undefined ? { project: a.project } : {}),
      ...(a.default_query ? { defaultQuery: a.default_query } : {}),
      ...(a.headers ? { headers: a.headers } : {}),
      ...(a.timeout_ms !== undefined ? { timeoutMs: a.timeout_ms } : {}),
      ...(a.provider_name !== undefined ? { providerName: a.provider_name } : {}),
      ...(a.provider !== undefined ? { provider: a.provider } : {}),
      ...(a.api_version !== undefined ? { apiVersion: a.api_version } : {}),
      ...(a.auth !== undefined ? { auth: a.auth } : {}),
      ...(a.token_env !== undefined ? { tokenEnv: { name: a.token_env, source } } : {}),
      ...(a.token_scope !== undefined ? { tokenScope: a.token_scope } : {}),
    };
    if (a.api_key_env !== undefined) {
      const value = env[a.api_key_env];
      if (!value) throw new ConfigError('api.api_key_env', `environment variable ${a.api_key_env} is not set`, source);
      layer.api.apiKey = value;
    }
  }
  if (f.otlp) {
    const o = f.otlp;
    layer.traces = {
      ...(o.exporter ? { exporter: o.exporter } : {}),
      ...(o.endpoint !== undefined ? { endpointBase: parseUrl(o.endpoint, 'otlp.endpoint', source) } : {}),
      ...(o.traces_endpoint !== undefined ? { endpoint: parseUrl(o.traces_endpoint, 'otlp.traces_endpoint', source) } : {}),
      ...(o.protocol ? { protocol: o.protocol as (typeof OTLP_PROTOCOLS)[number] } : {}),
      ...(o.headers ? { headers: o.headers } : {}),
      ...(o.compression ? { compression: o.compression } : {}),
      ...(o.timeout_ms !== undefined ? { timeoutMs: o.timeout_ms } : {}),
      ...(o.certificate !== undefined ? { certificateFile: o.certificate } : {}),
      ...(o.client_key !== undefined ? { clientKeyFile: o.client_key } : {}),
      ...(o.client_certificate !== undefined ? { clientCertificateFile: o.client_certificate } : {}),
      ...(o.insecure !== undefined ? { insecure: o.insecure } : {}),
    };
  }
  if (f.service) {
    layer.resource = {
      ...(f.service.name ? { assistantServiceName: f.service.name } : {}),
      ...(f.service.bridge_name ? { bridgeServiceName: f.service.bridge_name } : {}),
      ...(f.service.resource_attributes ? { attributes: f.service.resource_attributes } : {}),
    };
  }
  if (f.content) {
    layer.content = {
      ...(f.content.capture !== undefined ? { capture: f.content.capture } : {}),
      ...(f.content.max_length !== undefined ? { maxLength: f.content.max_length } : {}),
    };
  }
  if (f.limits) {
    layer.limits = {
      ...(f.limits.attribute_value_length !== undefined ? { attributeValueLengthLimit: f.limits.attribute_value_length } : {}),
      ...(f.limits.attribute_count !== undefined ? { attributeCountLimit: f.limits.attribute_count } : {}),
    };
  }
  if (f.watch) {
    const w = f.watch;
    layer.watch = {
      ...(w.runs ? { runs: w.runs.map((r, i) => parseRunRef(r, `watch.runs[${i}]`, source)) } : {}),
      ...(w.threads ? { threads: w.threads.map((t, i) => parseId(t, `watch.threads[${i}]`, source)) } : {}),
      ...(w.rpm !== undefined ? { rpm: w.rpm } : {}),
      ...(w.state !== undefined ? { statePath: w.state } : {}),
      ...(w.listen !== undefined ? { listen: parseListen(w.listen, 'watch.listen', source) } : {}),
      ...(w.control_token_file !== undefined
        ? { controlToken: { from: 'file' as const, path: w.control_token_file, field: 'watch.control_token_file', source } }
        : {}),
      ...(w.exit_when_idle !== undefined ? { exitWhenIdle: w.exit_when_idle } : {}),
      ...(w.all_threads !== undefined ? { allThreads: w.all_threads } : {}),
      ...(w.since !== undefined ? { sinceSeconds: parseSince(String(w.since), 'watch.since', source) } : {}),
      ...(w.active_interval_ms !== undefined ? { activeIntervalMs: w.active_interval_ms } : {}),
      ...(w.max_wait_interval_ms !== undefined ? { maxWaitIntervalMs: w.max_wait_interval_ms } : {}),
      ...(w.discovery_interval_ms !== undefined ? { discoveryIntervalMs: w.discovery_interval_ms } : {}),
      ...(w.export_batch_size !== undefined ? { exportBatchSize: w.export_batch_size } : {}),
      ...(w.outbox_cap !== undefined ? { outboxCap: w.outbox_cap } : {}),
    };
  }
  if (f.log) layer.log = { ...(f.log.level ? { level: f.log.level } : {}), ...(f.log.format ? { format: f.log.format } : {}) };
  if (f.ui?.trace_url !== undefined) layer.ui = { traceUrl: parseTraceUrlTemplate(f.ui.trace_url, 'ui.trace_url', source) };
  return layer;
}
