// Attribute limits applied while mapping, so what sits in the outbox is what gets exported.
import type { AttributeValue, Attributes } from '../core/span-record.js';

export interface MappingLimits {
  /** Longest string attribute value, in characters (OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT). */
  attributeValueLengthLimit: number;
  /** Most attributes per span (OTEL_ATTRIBUTE_COUNT_LIMIT). */
  attributeCountLimit: number;
}

/** Cuts a string to at most `max` characters without splitting a surrogate pair. */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  let cut = Math.max(0, max);
  const code = value.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return value.slice(0, cut);
}

function limitValue(value: AttributeValue, max: number): AttributeValue {
  if (typeof value === 'string') return truncate(value, max);
  if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) {
    return value.map((v) => truncate(v, max));
  }
  return value;
}

/** Applies the value-length and count limits; returns the kept attributes and how many were dropped. */
export function applyLimits(attributes: Attributes, limits: MappingLimits): { attributes: Attributes; dropped: number } {
  // The usual case, nothing over a limit: the map as it is (the caller's bag is its own), no copy.
  if (withinLimits(attributes, limits)) return { attributes, dropped: 0 };
  const kept: Attributes = {};
  let count = 0;
  let dropped = 0;
  for (const [key, value] of Object.entries(attributes)) {
    if (count >= limits.attributeCountLimit) {
      dropped += 1;
      continue;
    }
    kept[key] = limitValue(value, limits.attributeValueLengthLimit);
    count += 1;
  }
  return { attributes: kept, dropped };
}

function withinLimits(attributes: Attributes, limits: MappingLimits): boolean {
  let count = 0;
  for (const key in attributes) {
    count += 1;
    if (count > limits.attributeCountLimit) return false;
    const value = attributes[key];
    if (typeof value === 'string') {
      if (value.length > limits.attributeValueLengthLimit) return false;
    } else if (Array.isArray(value)) {
      for (const item of value) if (typeof item === 'string' && item.length > limits.attributeValueLengthLimit) return false;
    }
  }
  return true;
}

/** Builds an attribute map, skipping null/undefined/NaN so absent data is absent, not "null". */
export class AttributeBag {
  readonly values: Attributes = {};

  set(key: string, value: AttributeValue | null | undefined): this {
    if (value === null || value === undefined) return this;
    if (typeof value === 'number' && !Number.isFinite(value)) return this;
    this.values[key] = value;
    return this;
  }
}
