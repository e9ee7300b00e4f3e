// Flags shared by the commands, and their translation into the flags layer of the config.
import { Option, type Command } from 'commander';
import type { SettingNamer } from '../core/errors.js';
import { DEFAULTS, MAX_STOP_TIMEOUT_MS } from '../config/defaults.js';
import { API_AUTHS, API_PROVIDERS, OTLP_PROTOCOLS, type ConfigLayer } from '../config/types.js';
import { parseEnum, parseInteger, parseListen, parseRunRef, parseUrl, parseId, parseSince } from '../config/values.js';
import { parseTraceUrlTemplate, UI_URL_ENV } from '../config/trace-url.js';
import { SOURCES } from '../sources/registry.js';

/** The flags of `import`: where spans go and what they say; no request is made, so nothing about auth. */
export interface ImportFlags {
  config?: string;
  baseUrl?: string;
  otlpEndpoint?: string;
  otlpProtocol?: string;
  serviceName?: string;
  providerName?: string;
  provider?: string;
  captureContent?: boolean;
  contentMaxLength?: string;
  logLevel?: string;
  logFormat?: string;
}

export interface CommonFlags extends ImportFlags {
  apiVersion?: string;
  auth?: string;
}

export interface WatchFlags extends CommonFlags {
  run?: string[];
  thread?: string[];
  rpm?: string;
  state?: string;
  listen?: string;
  controlTokenFile?: string;
  exitWhenIdle?: boolean;
  allThreads?: boolean;
  since?: string;
  activeInterval?: string;
  stopTimeout?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const configOption = (cmd: Command): Command =>
  cmd.option('-c, --config <file>', 'YAML or JSON config file (see config/bridge.example.yaml)');

/** Where spans go, what they carry, and the logs: every command that exports has these. */
function addExportOptions(cmd: Command): Command {
  return cmd
    .option(
      '--otlp-endpoint <url>',
      'OTLP endpoint; /v1/traces is appended for HTTP (env OTEL_EXPORTER_OTLP_ENDPOINT; none: print spans to stdout)',
    )
    .addOption(
      new Option('--otlp-protocol <protocol>', 'OTLP protocol (env OTEL_EXPORTER_OTLP_PROTOCOL; default http/protobuf)').choices([
        ...OTLP_PROTOCOLS,
      ]),
    )
    .option('--service-name <name>', `service.name of the bridged spans (default ${DEFAULTS.resource.assistantServiceName})`);
}

function addContentAndLogOptions(cmd: Command): Command {
  return cmd
    .option(
      '--capture-content',
      'record instructions, tool arguments and results (env OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT; default off)',
    )
    .option('--content-max-length <chars>', `cut captured content to this many characters (default ${DEFAULTS.content.maxLength})`)
    .addOption(new Option('--log-level <level>', 'log level (default info)').choices(['debug', 'info', 'warn', 'error', 'silent']))
    .addOption(
      new Option('--log-format <format>', 'log format: auto is readable on a terminal, JSON otherwise (default auto)').choices([
        'auto',
        'json',
        'pretty',
      ]),
    );
}

const providerNameOption = (cmd: Command): Command =>
  cmd.option(
    '--provider-name <name>',
    `gen_ai.provider.name on every span (default per provider: ${DEFAULTS.api.providerName} for openai)`,
  );

/** `import` reads files: the service only names where the runs came from, on the spans. */
export function addImportOptions(cmd: Command): Command {
  configOption(cmd).option(
    '--base-url <url>',
    `the service the runs came from: server.address and server.port on the spans (env OPENAI_BASE_URL; default ${DEFAULTS.api.baseURL})`,
  );
  addExportOptions(cmd).addOption(
    new Option(
      '--provider <provider>',
      'the kind of service the runs came from: its gen_ai.provider.name and base URL layout (default openai)',
    ).choices([...API_PROVIDERS]),
  );
  return addContentAndLogOptions(providerNameOption(cmd));
}

/** Flags of the commands that talk to the service. */
export function addCommonOptions(cmd: Command): Command {
  configOption(cmd).option('--base-url <url>', `Assistants API base URL (env OPENAI_BASE_URL; default ${DEFAULTS.api.baseURL})`);
  addExportOptions(cmd)
    .addOption(
      new Option('--provider <provider>', 'service profile: base URL layout, api-version, auth and provider name (default openai)').choices(
        [...API_PROVIDERS],
      ),
    )
    .option('--api-version <version>', 'api-version query parameter (env OPENAI_API_VERSION for azure-openai; default per provider)')
    .addOption(
      new Option(
        '--auth <kind>',
        'api-key (OPENAI_API_KEY / AZURE_OPENAI_API_KEY), bearer-env (api.token_env) or entra-id (DefaultAzureCredential)',
      ).choices([...API_AUTHS]),
    );
  return addContentAndLogOptions(providerNameOption(cmd));
}

export function addWatchOptions(cmd: Command): Command {
  addCommonOptions(cmd)
    .option('-r, --run <THREAD_ID/RUN_ID>', 'a run to trace (repeatable)', collect)
    .option('-t, --thread <THREAD_ID>', 'a thread whose runs to trace, new ones included (repeatable)', collect)
    .option('--rpm <n>', `API requests per minute, retries included (default ${DEFAULTS.watch.rpm})`)
    .option('--state <file>', `state file, or :memory: (default ${DEFAULTS.watch.statePath})`)
    .option('--listen <host:port>', `address for /metrics, /healthz and control routes, or off (default ${DEFAULTS.watch.listen})`)
    .option('--control-token-file <file>', 'file holding the bearer token of the control routes (env ASSISTANTS_OTEL_BRIDGE_CONTROL_TOKEN)')
    .option('--all-threads', 'discover every thread the service lists (GET /threads; Azure AI Foundry Agent Service), new ones included')
    .option(
      '--since <time>',
      "with a discovery (--all-threads, or the sources' own, such as --foundry-agent): only work created since TIME (ISO 8601, Unix seconds, or an age like 6h or 2d; default: from the first start)",
    )
    .option(
      '--exit-when-idle',
      'exit 0 once every tracked unit of work (run, session turn, response) is finished and its spans are acknowledged',
    )
    .option('--active-interval <ms>', `poll interval while a run is active (default ${DEFAULTS.watch.activeIntervalMs})`)
    .option(
      '--stop-timeout <ms>',
      `on SIGINT/SIGTERM, export what is finished for at most this long, then exit 0; the rest stays in the outbox for the next start (default ${DEFAULTS.watch.stopTimeoutMs})`,
    );
  for (const r of SOURCES) r.settings?.addFlags(cmd);
  return cmd;
}

/** The flags of the settings an error's line may name (by their config keys). */
const SETTING_FLAGS: Readonly<Record<string, string>> = {
  'watch.state': '--state',
  'watch.listen': '--listen',
  'watch.all_threads': '--all-threads',
  'watch.threads': '--thread',
};

const SOURCE_SETTING_FLAGS: Readonly<Record<string, string>> = Object.fromEntries(
  SOURCES.flatMap((r) => r.settings?.names ?? []).map((n) => [n.key, n.flag]),
);

/** Names a setting by its flag: how the command line words an error's way out. */
export const settingFlag: SettingNamer = (setting) => SETTING_FLAGS[setting] ?? SOURCE_SETTING_FLAGS[setting] ?? setting;

/** The flags layer: only what was given on the command line. */
export function flagsLayer(flags: WatchFlags): ConfigLayer {
  const src = 'the command line';
  const api: NonNullable<ConfigLayer['api']> = {};
  const traces: NonNullable<ConfigLayer['traces']> = {};
  const resource: NonNullable<ConfigLayer['resource']> = {};
  const content: NonNullable<ConfigLayer['content']> = {};
  const watch: NonNullable<ConfigLayer['watch']> = {};
  const log: NonNullable<ConfigLayer['log']> = {};
  if (flags.baseUrl) api.baseURL = parseUrl(flags.baseUrl, '--base-url', src);
  if (flags.providerName) api.providerName = flags.providerName;
  if (flags.provider) api.provider = parseEnum(flags.provider, API_PROVIDERS, '--provider', src);
  if (flags.apiVersion) api.apiVersion = flags.apiVersion.trim();
  if (flags.auth) api.auth = parseEnum(flags.auth, API_AUTHS, '--auth', src);
  if (flags.otlpEndpoint) traces.endpointBase = parseUrl(flags.otlpEndpoint, '--otlp-endpoint', src);
  if (flags.otlpProtocol) traces.protocol = parseEnum(flags.otlpProtocol, OTLP_PROTOCOLS, '--otlp-protocol', src);
  if (flags.serviceName) resource.assistantServiceName = flags.serviceName;
  if (flags.captureContent) content.capture = true;
  if (flags.contentMaxLength) content.maxLength = parseInteger(flags.contentMaxLength, '--content-max-length', src, 1);
  if (flags.logLevel) log.level = parseEnum(flags.logLevel, ['debug', 'info', 'warn', 'error', 'silent'] as const, '--log-level', src);
  if (flags.logFormat) log.format = parseEnum(flags.logFormat, ['auto', 'json', 'pretty'] as const, '--log-format', src);
  if (flags.run) watch.runs = flags.run.map((r) => parseRunRef(r, '--run', src));
  if (flags.thread) watch.threads = flags.thread.map((t) => parseId(t, '--thread', src));
  if (flags.rpm) watch.rpm = parseInteger(flags.rpm, '--rpm', src, 1, 100_000);
  if (flags.state) watch.statePath = flags.state;
  if (flags.listen) watch.listen = parseListen(flags.listen, '--listen', src);
  if (flags.controlTokenFile)
    watch.controlToken = { from: 'file', path: flags.controlTokenFile, field: '--control-token-file', source: src };
  if (flags.exitWhenIdle) watch.exitWhenIdle = true;
  if (flags.allThreads) watch.allThreads = true;
  if (flags.since) watch.sinceSeconds = parseSince(flags.since, '--since', src);
  if (flags.activeInterval) watch.activeIntervalMs = parseInteger(flags.activeInterval, '--active-interval', src, 50);
  if (flags.stopTimeout) watch.stopTimeoutMs = parseInteger(flags.stopTimeout, '--stop-timeout', src, 0, MAX_STOP_TIMEOUT_MS);
  const sources: Record<string, unknown> = {};
  for (const r of SOURCES) {
    const given = r.settings?.fromFlags(flags as Readonly<Record<string, unknown>>, src);
    if (given && Object.keys(given).length > 0) sources[r.name] = given;
  }
  return { api, traces, resource, content, watch, log, sources };
}

export interface TraceIdFlags {
  state?: string;
  config?: string;
  uiUrl?: string;
}

export function addTraceIdOptions(cmd: Command): Command {
  return cmd
    .option(
      '--state <file>',
      'state file to look the run up in; a run that joined an app trace keeps that trace id (default ./data/bridge.sqlite when it exists)',
    )
    .option('-c, --config <file>', 'config file, for ui.trace_url')
    .option('--ui-url <template>', `also print a link to the trace: a URL with {trace_id} (env ${UI_URL_ENV}; config ui.trace_url)`);
}

export function traceIdFlagsLayer(flags: TraceIdFlags): ConfigLayer {
  return flags.uiUrl ? { ui: { traceUrl: parseTraceUrlTemplate(flags.uiUrl, '--ui-url', 'the command line') } } : {};
}
