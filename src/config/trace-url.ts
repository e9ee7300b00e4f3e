// The trace UI link `trace-id` prints: a URL template with `{trace_id}`, for Jaeger
// (`http://localhost:16686/trace/{trace_id}`) or Grafana (an Explore URL holding the placeholder).
import { ConfigError } from './config-error.js';

export const TRACE_ID_PLACEHOLDER = '{trace_id}';
export const UI_URL_ENV = 'ASSISTANTS_OTEL_BRIDGE_UI_URL';

/** Checks a template: an http(s) URL once the placeholder is filled in, with the placeholder in it. */
export function parseTraceUrlTemplate(raw: string, field: string, source: string): string {
  const template = raw.trim();
  if (!template.includes(TRACE_ID_PLACEHOLDER)) {
    throw new ConfigError(
      field,
      `must contain ${TRACE_ID_PLACEHOLDER}, e.g. http://localhost:16686/trace/${TRACE_ID_PLACEHOLDER} (got '${raw}')`,
      source,
    );
  }
  let url: URL;
  try {
    url = new URL(traceUrl(template, '0'.repeat(32)));
  } catch {
    throw new ConfigError(field, `must be an absolute http(s) URL with ${TRACE_ID_PLACEHOLDER} in it (got '${raw}')`, source);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(field, `must be an http or https URL (got '${url.protocol}')`, source);
  return template;
}

export const traceUrl = (template: string, traceId: string): string => template.replaceAll(TRACE_ID_PLACEHOLDER, traceId);
