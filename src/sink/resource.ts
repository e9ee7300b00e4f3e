import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ResourceConfig } from '../config/types.js';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION, ATTR_TELEMETRY_SDK_LANGUAGE, ATTR_TELEMETRY_SDK_NAME } from '../semconv/attributes.js';
import { BRIDGE_VERSION } from '../version.js';

/**
 * The resource of bridged spans: the assistant service, not the bridge, since the spans describe
 * the service's work (the bridge's own telemetry has bridgeResource).
 */
export function assistantResource(config: ResourceConfig): Resource {
  return resourceFromAttributes({
    ...config.attributes,
    [ATTR_SERVICE_NAME]: config.assistantServiceName,
    [ATTR_TELEMETRY_SDK_LANGUAGE]: 'nodejs',
    [ATTR_TELEMETRY_SDK_NAME]: 'opentelemetry',
  });
}

/** The resource of the bridge's own telemetry. */
export function bridgeResource(config: ResourceConfig): Resource {
  return resourceFromAttributes({
    ...config.attributes,
    [ATTR_SERVICE_NAME]: config.bridgeServiceName,
    [ATTR_SERVICE_VERSION]: BRIDGE_VERSION,
  });
}

export const BRIDGE_SCOPE = { name: 'assistants-otel-bridge', version: BRIDGE_VERSION };
