import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ResourceConfig } from '../config/types.js';
import { BRIDGE_VERSION } from '../version.js';

/** The resource of bridged spans: the assistant service, not the bridge (DESIGN, "Resources"). */
export function assistantResource(config: ResourceConfig): Resource {
  return resourceFromAttributes({
    ...config.attributes,
    'service.name': config.assistantServiceName,
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'opentelemetry',
  });
}

/** The resource of the bridge's own telemetry. */
export function bridgeResource(config: ResourceConfig): Resource {
  return resourceFromAttributes({
    ...config.attributes,
    'service.name': config.bridgeServiceName,
    'service.version': BRIDGE_VERSION,
  });
}

export const BRIDGE_SCOPE = { name: 'assistants-otel-bridge', version: BRIDGE_VERSION };
