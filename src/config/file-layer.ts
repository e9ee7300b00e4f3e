// The config file (YAML or JSON). Unknown keys are errors, so a typo never silently does nothing.
// Every problem in the file is reported at once, each with its field, its line and the value given.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { z as Zod } from 'zod';
import { findJsonSyntaxProblem, formatJsonPath, lineColumnAt, offsetOfJsonPath, type JsonPath } from '../core/json-text.js';
import { ConfigError, ConfigProblems } from './config-error.js';
import { MAX_STOP_TIMEOUT_MS } from './defaults.js';
import { API_AUTHS, API_PROVIDERS, OTLP_PROTOCOLS, type ApiAuth, type ApiProvider, type ConfigLayer } from './types.js';
import { parseHostPort, parseId, parseListen, parseRunRef, parseUrl, parseSince } from './values.js';
import { parseTraceUrlTemplate } from './trace-url.js';
import { SOURCES } from '../sources/registry.js';

// yaml and zod load when a file is read, not with this module: most runs have no config file,
// and the two took ~110 ms of every start. Both ship CommonJS builds, so a synchronous require
// keeps resolveConfig synchronous.
const requirePackage = createRequire(import.meta.url);
let schema: FileSchema | undefined;
const zod = (): typeof Zod => (requirePackage('zod') as { z: typeof Zod }).z;
const fileSchema = (): FileSchema => (schema ??= buildSchema(zod()));
const yaml = (): typeof Yaml => requirePackage('yaml') as typeof Yaml;

type FileSchema = ReturnType<typeof buildSchema>;

function buildSchema(z: typeof Zod) {
  /** A value checked by one of the value parsers, whose reason (quoting the value given) becomes the issue. */
  const parsedBy =
    <T>(parse: (raw: string) => T) =>
    (raw: string | number, ctx: Zod.RefinementCtx): T => {
      try {
        return parse(String(raw));
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        ctx.issues.push({ code: 'custom', message: error.reason, input: raw });
        return z.NEVER;
      }
    };
  const checked = <T>(parse: (raw: string) => T) => z.string({ error: 'must be a string' }).transform(parsedBy(parse));
  // The field and source of a parser's error are the file's, added when the issue is reported.
  const url = checked((raw) => parseUrl(raw, '', ''));
  const wholeNumber = 'must be a whole number >= 1';
  const posInt = z.number({ error: wholeNumber }).int({ error: wholeNumber }).positive({ error: wholeNumber });
  const stopRange = `must be a whole number of milliseconds from 0 to ${MAX_STOP_TIMEOUT_MS}`;
  const stopMs = z
    .number({ error: stopRange })
    .int({ error: stopRange })
    .min(0, { error: stopRange })
    .max(MAX_STOP_TIMEOUT_MS, { error: stopRange });
  const text = z.string({ error: 'must be a string' });
  const nonEmpty = text.min(1, { error: 'must not be empty' });
  const bool = z.boolean({ error: 'must be true or false' });
  const oneOf = <T extends string>(values: readonly T[]) => z.enum(values as [T, ...T[]], { error: `must be one of ${values.join(', ')}` });
  const stringMap = z.record(
    z.string(),
    z.union([z.string(), z.number(), z.boolean()], { error: 'must be a string, a number or true/false' }).transform(String),
    {
      error: 'must be a map of names to values',
    },
  );
  /** The keys each registered source reads under `watch:`, checked by the source's own parsers. */
  const sourceKeys = () =>
    Object.fromEntries(
      SOURCES.flatMap((r) => Object.entries(r.settings?.fileKeys ?? {})).map(([key, parse]) => [
        key,
        z
          .unknown()
          .transform((raw, ctx) => {
            try {
              return parse(raw);
            } catch (error) {
              if (!(error instanceof ConfigError)) throw error;
              ctx.issues.push({ code: 'custom', message: error.reason, input: raw });
              return z.NEVER;
            }
          })
          .optional(),
      ]),
    );
  // A section whose keys are all commented out reads as null: no settings.
  const section = <S extends Zod.core.$ZodLooseShape>(shape: S) => z.strictObject(shape, { error: 'must be a map of settings' }).nullish();
  return z.strictObject(
    {
      api: section({
        base_url: url.optional(),
        api_key_env: text.optional(),
        organization: text.optional(),
        project: text.optional(),
        default_query: stringMap.optional(),
        headers: stringMap.optional(),
        timeout_ms: posInt.optional(),
        provider_name: nonEmpty.optional(),
        provider: oneOf<ApiProvider>(API_PROVIDERS).optional(),
        api_version: nonEmpty.optional(),
        auth: oneOf<ApiAuth>(API_AUTHS).optional(),
        token_env: text.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name' }).optional(),
        token_scope: nonEmpty.optional(),
      }),
      otlp: section({
        exporter: oneOf(['otlp', 'console', 'none'] as const).optional(),
        endpoint: url.optional(),
        traces_endpoint: url.optional(),
        protocol: oneOf(OTLP_PROTOCOLS).optional(),
        headers: stringMap.optional(),
        compression: oneOf(['gzip', 'none'] as const).optional(),
        timeout_ms: posInt.optional(),
        certificate: text.optional(),
        client_key: text.optional(),
        client_certificate: text.optional(),
        insecure: bool.optional(),
      }),
      service: section({
        name: nonEmpty.optional(),
        bridge_name: nonEmpty.optional(),
        resource_attributes: stringMap.optional(),
      }),
      content: section({ capture: bool.optional(), max_length: posInt.optional() }),
      limits: section({ attribute_value_length: posInt.optional(), attribute_count: posInt.optional() }),
      watch: section({
        runs: z
          .array(
            checked((raw) => parseRunRef(raw, '', '')),
            { error: 'must be a list' },
          )
          .optional(),
        threads: z
          .array(
            checked((raw) => parseId(raw, '', '')),
            { error: 'must be a list' },
          )
          .optional(),
        rpm: posInt.optional(),
        state: nonEmpty.optional(),
        listen: checked((raw) => parseListen(raw, '', '')).optional(),
        control_token_file: nonEmpty.optional(),
        webhook_listen: checked((raw) => parseHostPort(raw, '', '')).optional(),
        webhook_secret_file: nonEmpty.optional(),
        exit_when_idle: bool.optional(),
        all_threads: bool.optional(),
        since: z
          .union([z.string(), z.number()], { error: 'must be an ISO 8601 time, Unix seconds, or an age like 6h or 2d' })
          .transform(parsedBy((raw) => parseSince(raw, '', '')))
          .optional(),
        active_interval_ms: posInt.optional(),
        max_wait_interval_ms: posInt.optional(),
        discovery_interval_ms: posInt.optional(),
        export_batch_size: posInt.optional(),
        outbox_cap: posInt.optional(),
        stop_timeout_ms: stopMs.optional(),
        ...sourceKeys(),
      }),
      log: section({
        level: oneOf(['debug', 'info', 'warn', 'error', 'silent'] as const).optional(),
        format: oneOf(['auto', 'json', 'pretty'] as const).optional(),
      }),
      ui: section({ trace_url: checked((raw) => parseTraceUrlTemplate(raw, '', '')).optional() }),
    },
    { error: 'the file must be a map of sections (api, otlp, watch, ...)' },
  );
}

type FileConfig = Zod.infer<FileSchema>;

/** Each source's settings from the `watch:` keys it owns that the file sets. */
function sourcesFromFile(watch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of SOURCES) {
    if (!r.settings) continue;
    const given = Object.fromEntries(Object.keys(r.settings.fileKeys).flatMap((k) => (watch[k] === undefined ? [] : [[k, watch[k]]])));
    if (Object.keys(given).length > 0) out[r.name] = r.settings.fromFile(given);
  }
  return out;
}

/** Every key a config file may hold, as `section.key`: what config/bridge.example.yaml must list. */
export function configFileKeys(): string[] {
  const shapeOf = (schema: unknown): Record<string, unknown> => {
    let s = schema as { shape?: Record<string, unknown>; unwrap?: () => unknown };
    while (!s.shape && s.unwrap) s = s.unwrap() as typeof s;
    return s.shape ?? {};
  };
  return Object.entries(fileSchema().shape).flatMap(([section, schema]) => Object.keys(shapeOf(schema)).map((key) => `${section}.${key}`));
}

/** Fields whose values may hold credentials: their problems never repeat the value. */
const SECRET_FIELDS = new Set(['headers', 'default_query']);

/** The value given, as a problem quotes it: short, and never the inside of a map or list. */
function shown(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return `'${value.length > 80 ? `${value.slice(0, 77)}...` : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return Array.isArray(value) ? 'a list' : 'a map';
}

function valueAt(raw: unknown, path: JsonPath): unknown {
  let value = raw;
  for (const key of path)
    value = typeof value === 'object' && value !== null ? (value as Record<string | number, unknown>)[key] : undefined;
  return value;
}

interface Problem {
  path: JsonPath;
  reason: string;
}

function problemsOf(issues: readonly Zod.core.$ZodIssue[], raw: unknown): Problem[] {
  return issues.flatMap((issue): Problem[] => {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (issue.code === 'unrecognized_keys') {
      // Never the value: an unknown key is often a secret put in the wrong place (api.api_key).
      return issue.keys.map((key) => ({
        path: [...path, key],
        reason: 'unknown setting (check the spelling against config/bridge.example.yaml)',
      }));
    }
    // A parser's reason already quotes the value.
    if (issue.code === 'custom' || path.some((p) => SECRET_FIELDS.has(String(p)))) return [{ path, reason: issue.message }];
    return [{ path, reason: `${issue.message} (got ${shown(valueAt(raw, path))})` }];
  });
}

/** The 1-based line of the setting at a path, or undefined when the text does not show it. */
type LineOf = (path: JsonPath) => number | undefined;

function parseYamlFile(path: string, text: string): { raw: unknown; lineOf: LineOf } {
  const Y = yaml();
  const lineCounter = new Y.LineCounter();
  const doc = Y.parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) throw yamlSyntaxError(path, text, doc.errors, Y);
  const lineOf: LineOf = (settingPath) => {
    let node: unknown = doc.contents;
    let offset: number | undefined;
    for (const key of settingPath) {
      if (Y.isMap(node)) {
        const pair = node.items.find((p) => String(Y.isScalar(p.key) ? p.key.value : p.key) === String(key));
        if (!pair) break;
        offset = Y.isNode(pair.key) ? pair.key.range?.[0] : offset;
        node = pair.value;
      } else if (Y.isSeq(node) && typeof key === 'number' && Y.isNode(node.items[key])) {
        node = node.items[key];
        offset = (node as Yaml.Node).range?.[0] ?? offset;
      } else {
        break;
      }
    }
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
  return { raw: doc.toJS(), lineOf };
}

/**
 * YAML's first error, placed where the mistake is: a key indented deeper than the one above is
 * reported by the parser on the line above, and an unclosed quote where the file ends.
 */
function yamlSyntaxError(path: string, text: string, errors: readonly Yaml.YAMLError[], Y: typeof Yaml): ConfigError {
  const first = errors[0] as Yaml.YAMLError;
  let offset = first.pos[0];
  let reason = first.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '');
  const continued = errors.find(
    (e) => e.code === 'MULTILINE_IMPLICIT_KEY' && e.pos[0] === first.pos[0] && /^Implicit keys need/.test(e.message),
  );
  if (first.code === 'BLOCK_AS_IMPLICIT_KEY' && continued) {
    const lineStart = text.lastIndexOf('\n', continued.pos[1] - 1) + 1;
    offset = lineStart + (/^[ ]*/.exec(text.slice(lineStart))?.[0].length ?? 0);
    reason = 'this line is indented deeper than the one above it, which already has a value';
  } else if (first.code === 'MISSING_CHAR' && /quote/.test(first.message)) {
    const opened = unclosedQuoteOffset(text, Y);
    if (opened !== undefined) {
      offset = opened;
      reason = 'this quoted string is never closed';
    }
  }
  const { line, column } = lineColumnAt(text, offset);
  return new ConfigError('--config', `${path}: line ${line}, column ${column}: not valid YAML: ${reason}`);
}

/** Where the quoted scalar that runs to the end of the text opens. */
function unclosedQuoteOffset(text: string, Y: typeof Yaml): number | undefined {
  let found: number | undefined;
  const visit = (token: unknown): void => {
    if (typeof token !== 'object' || token === null) return;
    const t = token as { type?: string; offset?: number; source?: string };
    if (
      (t.type === 'double-quoted-scalar' || t.type === 'single-quoted-scalar') &&
      typeof t.offset === 'number' &&
      typeof t.source === 'string'
    ) {
      const quote = t.type === 'double-quoted-scalar' ? '"' : "'";
      if (t.source.length < 2 || !t.source.trimEnd().endsWith(quote)) found ??= t.offset;
    }
    for (const value of Object.values(token)) if (typeof value === 'object') visit(value);
  };
  for (const token of new Y.Parser().parse(text)) visit(token);
  return found;
}

function parseJsonFile(path: string, text: string): { raw: unknown; lineOf: LineOf } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    const problem = findJsonSyntaxProblem(text);
    const { line, column } = lineColumnAt(text, problem?.offset ?? 0);
    throw new ConfigError('--config', `${path}: line ${line}, column ${column}: not valid JSON: ${problem?.reason ?? 'unreadable'}`);
  }
  return { raw, lineOf: (settingPath) => lineColumnAt(text, offsetOfJsonPath(text, settingPath)).line };
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
  const { raw, lineOf } = path.endsWith('.json') ? parseJsonFile(path, text) : parseYamlFile(path, text);
  const parsed = fileSchema().safeParse(raw ?? {});
  const problems = parsed.success ? [] : problemsOf(parsed.error.issues, raw);
  // The key variable is checked here too, so a missing one is reported with the rest.
  const keyEnv = valueAt(raw, ['api', 'api_key_env']);
  if (typeof keyEnv === 'string' && !env[keyEnv])
    problems.push({ path: ['api', 'api_key_env'], reason: `environment variable ${keyEnv} is not set` });
  if (problems.length > 0 || !parsed.success) {
    const located = problems.map((p) => ({ ...p, line: lineOf(p.path) })).sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    throw new ConfigProblems(located.map((p) => new ConfigError(formatJsonPath(p.path) || '(top level)', p.reason, path, p.line)));
  }
  return toLayer(parsed.data, path, env);
}

function toLayer(f: FileConfig, source: string, env: Record<string, string | undefined>): ConfigLayer {
  const layer: ConfigLayer = {};
  if (f.api) {
    const a = f.api;
    layer.api = {
      ...(a.base_url !== undefined ? { baseURL: a.base_url } : {}),
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
    // Checked to be set in fileLayer.
    if (a.api_key_env !== undefined) layer.api.apiKey = env[a.api_key_env] ?? null;
  }
  if (f.otlp) {
    const o = f.otlp;
    layer.traces = {
      ...(o.exporter ? { exporter: o.exporter } : {}),
      ...(o.endpoint !== undefined ? { endpointBase: o.endpoint } : {}),
      ...(o.traces_endpoint !== undefined ? { endpoint: o.traces_endpoint } : {}),
      ...(o.protocol ? { protocol: o.protocol } : {}),
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
      ...(w.runs ? { runs: w.runs } : {}),
      ...(w.threads ? { threads: w.threads } : {}),
      ...(w.rpm !== undefined ? { rpm: w.rpm } : {}),
      ...(w.state !== undefined ? { statePath: w.state } : {}),
      ...(w.listen !== undefined ? { listen: w.listen } : {}),
      ...(w.control_token_file !== undefined
        ? { controlToken: { from: 'file' as const, path: w.control_token_file, field: 'watch.control_token_file', source } }
        : {}),
      ...(w.webhook_listen !== undefined ? { webhookListen: { value: w.webhook_listen, field: 'watch.webhook_listen', source } } : {}),
      ...(w.webhook_secret_file !== undefined
        ? { webhookSecretFile: { value: w.webhook_secret_file, field: 'watch.webhook_secret_file', source } }
        : {}),
      ...(w.exit_when_idle !== undefined ? { exitWhenIdle: w.exit_when_idle } : {}),
      ...(w.all_threads !== undefined ? { allThreads: w.all_threads } : {}),
      ...(w.since !== undefined ? { sinceSeconds: w.since } : {}),
      ...(w.active_interval_ms !== undefined ? { activeIntervalMs: w.active_interval_ms } : {}),
      ...(w.max_wait_interval_ms !== undefined ? { maxWaitIntervalMs: w.max_wait_interval_ms } : {}),
      ...(w.discovery_interval_ms !== undefined ? { discoveryIntervalMs: w.discovery_interval_ms } : {}),
      ...(w.export_batch_size !== undefined ? { exportBatchSize: w.export_batch_size } : {}),
      ...(w.outbox_cap !== undefined ? { outboxCap: w.outbox_cap } : {}),
      ...(w.stop_timeout_ms !== undefined ? { stopTimeoutMs: w.stop_timeout_ms } : {}),
    };
    const sources = sourcesFromFile(w);
    if (Object.keys(sources).length > 0) layer.sources = sources;
  }
  if (f.log) layer.log = { ...(f.log.level ? { level: f.log.level } : {}), ...(f.log.format ? { format: f.log.format } : {}) };
  if (f.ui?.trace_url !== undefined) layer.ui = { traceUrl: f.ui.trace_url };
  return layer;
}
