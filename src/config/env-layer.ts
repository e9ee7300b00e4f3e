// The environment's share of the configuration: the openai SDK's variables and the standard OTEL_* ones.
import { OTLP_PROTOCOLS, type ConfigLayer, type TracesExporterKind } from './types.js';
import { parseBool, parseEnum, parseInteger, parseKeyValueList, parseUrl } from './values.js';
import { parseTraceUrlTemplate, UI_URL_ENV } from './trace-url.js';

type Env = Record<string, string | undefined>;

/** Bearer token of the control routes (the alternative is --control-token-file). */
export const CONTROL_TOKEN_ENV = 'ASSISTANTS_OTEL_BRIDGE_CONTROL_TOKEN';

/** The first variable of `names` that is set (non-empty), with its name. */
function first(env: Env, ...names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return { name, value };
  }
  return undefined;
}

export function envLayer(env: Env): ConfigLayer {
  const api: NonNullable<ConfigLayer['api']> = {};
  const traces: NonNullable<ConfigLayer['traces']> = {};
  const resource: NonNullable<ConfigLayer['resource']> = {};
  const content: NonNullable<ConfigLayer['content']> = {};
  const limits: NonNullable<ConfigLayer['limits']> = {};
  const layer: ConfigLayer = { api, traces, resource, content, limits };

  const key = first(env, 'OPENAI_API_KEY');
  if (key) api.apiKey = key.value.trim();
  const base = first(env, 'OPENAI_BASE_URL');
  if (base) api.baseURL = parseUrl(base.value, 'api.base_url', base.name);
  const org = first(env, 'OPENAI_ORG_ID');
  if (org) api.organization = org.value.trim();
  const project = first(env, 'OPENAI_PROJECT_ID');
  if (project) api.project = project.value.trim();

  // The Azure SDKs' variables; which of them count depends on api.provider (see api-profile.ts).
  const azureKey = first(env, 'AZURE_OPENAI_API_KEY');
  const openaiEndpoint = first(env, 'AZURE_OPENAI_ENDPOINT');
  const projectEndpoint = first(env, 'AZURE_AI_PROJECT_ENDPOINT');
  const apiVersion = first(env, 'OPENAI_API_VERSION');
  if (azureKey || openaiEndpoint || projectEndpoint || apiVersion) {
    api.azureEnv = {
      ...(azureKey ? { apiKey: azureKey.value.trim() } : {}),
      ...(openaiEndpoint ? { openaiEndpoint: { name: openaiEndpoint.name, value: openaiEndpoint.value.trim() } } : {}),
      ...(projectEndpoint ? { projectEndpoint: { name: projectEndpoint.name, value: projectEndpoint.value.trim() } } : {}),
      ...(apiVersion ? { openaiApiVersion: { name: apiVersion.name, value: apiVersion.value.trim() } } : {}),
    };
  }

  const exporter = first(env, 'OTEL_TRACES_EXPORTER');
  if (exporter) {
    // A list is allowed by the spec; the bridge exports to one place, so the first entry wins.
    const firstKind = exporter.value.split(',')[0]?.trim() ?? '';
    traces.exporter = parseEnum<TracesExporterKind>(firstKind, ['otlp', 'console', 'none'], 'otlp.exporter', exporter.name);
  }
  const disabled = first(env, 'OTEL_SDK_DISABLED');
  if (disabled && parseBool(disabled.value, 'otlp.exporter', disabled.name)) traces.exporter = 'none';

  const protocol = first(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL');
  if (protocol) traces.protocol = parseEnum(protocol.value, OTLP_PROTOCOLS, 'otlp.protocol', protocol.name);

  const signalEndpoint = first(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const genericEndpoint = first(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (signalEndpoint) {
    traces.endpoint = parseUrl(signalEndpoint.value, 'otlp.traces_endpoint', signalEndpoint.name);
  } else if (genericEndpoint) {
    traces.endpointBase = parseUrl(genericEndpoint.value, 'otlp.endpoint', genericEndpoint.name);
  }

  const allHeaders = first(env, 'OTEL_EXPORTER_OTLP_HEADERS');
  const traceHeaders = first(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS');
  const headers = {
    ...(allHeaders ? parseKeyValueList(allHeaders.value, 'otlp.headers', allHeaders.name) : {}),
    ...(traceHeaders ? parseKeyValueList(traceHeaders.value, 'otlp.headers', traceHeaders.name) : {}),
  };
  if (Object.keys(headers).length > 0) traces.headers = headers;

  const compression = first(env, 'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', 'OTEL_EXPORTER_OTLP_COMPRESSION');
  if (compression) traces.compression = parseEnum(compression.value, ['gzip', 'none'] as const, 'otlp.compression', compression.name);
  const timeout = first(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', 'OTEL_EXPORTER_OTLP_TIMEOUT');
  if (timeout) traces.timeoutMs = parseInteger(timeout.value, 'otlp.timeout_ms', timeout.name, 1);
  const cert = first(env, 'OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE', 'OTEL_EXPORTER_OTLP_CERTIFICATE');
  if (cert) traces.certificateFile = cert.value.trim();
  const clientKey = first(env, 'OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY', 'OTEL_EXPORTER_OTLP_CLIENT_KEY');
  if (clientKey) traces.clientKeyFile = clientKey.value.trim();
  const clientCert = first(env, 'OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE', 'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE');
  if (clientCert) traces.clientCertificateFile = clientCert.value.trim();
  const insecure = first(env, 'OTEL_EXPORTER_OTLP_TRACES_INSECURE', 'OTEL_EXPORTER_OTLP_INSECURE');
  if (insecure) traces.insecure = parseBool(insecure.value, 'otlp.insecure', insecure.name);

  const serviceName = first(env, 'OTEL_SERVICE_NAME');
  if (serviceName) resource.bridgeServiceName = serviceName.value.trim();
  const resourceAttrs = first(env, 'OTEL_RESOURCE_ATTRIBUTES');
  if (resourceAttrs) resource.attributes = parseKeyValueList(resourceAttrs.value, 'service.resource_attributes', resourceAttrs.name);

  const capture = first(env, 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT');
  if (capture) content.capture = parseBool(capture.value, 'content.capture', capture.name);

  const valueLimit = first(env, 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT');
  if (valueLimit) limits.attributeValueLengthLimit = parseInteger(valueLimit.value, 'limits.attribute_value_length', valueLimit.name, 1);
  const countLimit = first(env, 'OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', 'OTEL_ATTRIBUTE_COUNT_LIMIT');
  if (countLimit) limits.attributeCountLimit = parseInteger(countLimit.value, 'limits.attribute_count', countLimit.name, 1);

  const controlToken = first(env, CONTROL_TOKEN_ENV);
  if (controlToken) layer.watch = { controlToken: { from: 'env', variable: controlToken.name, value: controlToken.value.trim() } };

  const uiUrl = first(env, UI_URL_ENV);
  if (uiUrl) layer.ui = { traceUrl: parseTraceUrlTemplate(uiUrl.value, 'ui.trace_url', uiUrl.name) };

  return layer;
}
