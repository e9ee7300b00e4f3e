// Attribute limits on forwarded values, so what sits in the outbox is what gets exported: a string
// longer than the value-length limit is cut to it wherever it sits (in arrays and key-value lists
// too, which published spans use for messages), and attributes past the count limit are dropped.
import type { AttributeValue, Attributes } from '../../core/span-record.js';
import { truncate } from '../../mapping/limits.js';
import { setAttribute } from './otlp-values.js';

export interface AttributeLimits {
  /** Longest string value, in characters (OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT). */
  attributeValueLengthLimit: number;
  /** Most attributes per span (OTEL_ATTRIBUTE_COUNT_LIMIT). */
  attributeCountLimit: number;
}

/** The value with every string in it cut to `max` characters; the same object when nothing is longer. */
export function limitValue(value: AttributeValue, max: number): AttributeValue {
  if (typeof value === 'string') return value.length > max ? truncate(value, max) : value;
  if (Array.isArray(value)) {
    const items = value.map((item) => limitValue(item, max));
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  if (value !== null && typeof value === 'object' && 'kvlist' in value) {
    const kvlist = value.kvlist.map((kv) => {
      const limited = limitValue(kv.value, max);
      return limited === kv.value ? kv : { key: kv.key, value: limited };
    });
    return kvlist.some((kv, i) => kv !== value.kvlist[i]) ? { kvlist } : value;
  }
  return value;
}

/** Every value cut to `max`; the same object when nothing was cut. */
export function limitValues(attributes: Attributes, max: number): Attributes {
  let out: Attributes | null = null;
  for (const key in attributes) {
    const value = attributes[key] as AttributeValue;
    const limited = limitValue(value, max);
    if (limited === value) continue;
    out ??= { ...attributes };
    out[key] = limited;
  }
  return out ?? attributes;
}

/** Both limits; `dropped` attributes past the count limit (the first ones, in order, are kept). */
export function limitAttributes(attributes: Attributes, limits: AttributeLimits): { attributes: Attributes; dropped: number } {
  const keys = Object.keys(attributes);
  if (keys.length <= limits.attributeCountLimit)
    return { attributes: limitValues(attributes, limits.attributeValueLengthLimit), dropped: 0 };
  const kept: Attributes = {};
  for (const key of keys.slice(0, limits.attributeCountLimit)) setAttribute(kept, key, attributes[key] as AttributeValue);
  return { attributes: limitValues(kept, limits.attributeValueLengthLimit), dropped: keys.length - limits.attributeCountLimit };
}
