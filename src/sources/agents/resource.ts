// A forwarded span keeps its published resource; the configured one (service name,
// OTEL_RESOURCE_ATTRIBUTES) fills only the keys it lacks. A span published without a resource
// gets the configured one as it is.
import type { AttributeValue, Attributes, ResourceRecord } from '../../core/span-record.js';
import { setAttribute } from './otlp-values.js';

/** Merges each published resource once, however many spans share it. */
export class ResourceMerger {
  readonly #merged = new Map<ResourceRecord, ResourceRecord>();

  private readonly configured: Attributes;

  constructor(configured: Attributes) {
    this.configured = configured;
  }

  merge(published: ResourceRecord | undefined): ResourceRecord | undefined {
    if (published === undefined) return undefined;
    let merged = this.#merged.get(published);
    if (merged === undefined) {
      merged = fillResource(published, this.configured);
      this.#merged.set(published, merged);
    }
    return merged;
  }
}

export function fillResource(published: ResourceRecord, configured: Attributes): ResourceRecord {
  const lacking = Object.keys(configured).filter((key) => !Object.hasOwn(published.attributes, key));
  if (lacking.length === 0) return published;
  const attributes: Attributes = { ...published.attributes };
  for (const key of lacking) setAttribute(attributes, key, configured[key] as AttributeValue);
  return { ...published, attributes };
}
