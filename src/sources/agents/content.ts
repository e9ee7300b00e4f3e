// Content in published spans (messages, instructions, tool arguments and results) is sensitive:
// with capture off, the default, it is removed from spans and their events, and counted; an event
// left with no attributes by that is dropped. With capture on it is kept, cut to the configured
// content length as the bridge's own content is.
import type { Attributes } from '../../core/span-record.js';
import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
} from '../../semconv/attributes.js';
import type { PublishedSpan } from './otlp-json.js';
import { limitValue } from './value-limits.js';

/** The attributes that are content, always; a configured deny-list adds to them. */
export const CONTENT_ATTRIBUTES: readonly string[] = [
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
];

export interface ContentSettings {
  capture: boolean;
  /** Content kept (capture on) is cut to this many characters. */
  maxLength: number;
  /** More attribute keys to treat as content. */
  denyList?: readonly string[];
}

export interface ContentRemoved {
  /** Attribute values removed, from spans and events. */
  attributes: number;
  /** Events dropped because removal left them with no attributes. */
  events: number;
}

export const NOTHING_REMOVED: Readonly<ContentRemoved> = { attributes: 0, events: 0 };

/** The keys the settings treat as content. */
export const contentKeys = (settings: ContentSettings): readonly string[] =>
  settings.denyList && settings.denyList.length > 0 ? [...new Set([...CONTENT_ATTRIBUTES, ...settings.denyList])] : CONTENT_ATTRIBUTES;

/** The span as the settings allow it out, and what was removed; the same span when nothing changes. */
export function applyContentRule<S extends PublishedSpan>(span: S, settings: ContentSettings): { span: S; removed: ContentRemoved } {
  const keys = contentKeys(settings);
  const edit = settings.capture ? (a: Attributes) => cutContent(a, keys, settings.maxLength) : (a: Attributes) => removeContent(a, keys);
  const removed = { attributes: 0, events: 0 };
  const own = edit(span.attributes);
  removed.attributes += own.removed;
  let events = span.events;
  if (events) {
    const kept = [];
    for (const event of events) {
      const edited = edit(event.attributes);
      removed.attributes += edited.removed;
      if (edited.removed > 0 && Object.keys(edited.attributes).length === 0) {
        removed.events += 1;
        continue;
      }
      kept.push(edited.attributes === event.attributes ? event : { ...event, attributes: edited.attributes });
    }
    if (kept.length !== events.length || kept.some((e, i) => e !== events?.[i])) events = kept;
  }
  if (own.attributes === span.attributes && events === span.events) return { span, removed };
  const out: S = { ...span, attributes: own.attributes };
  if (events && events.length > 0) out.events = events;
  else delete out.events;
  return { span: out, removed };
}

function removeContent(attributes: Attributes, keys: readonly string[]): { attributes: Attributes; removed: number } {
  if (!keys.some((key) => Object.hasOwn(attributes, key))) return { attributes, removed: 0 };
  const out = { ...attributes };
  let removed = 0;
  for (const key of keys) {
    if (!Object.hasOwn(out, key)) continue;
    // A computed delete of an own key is safe for `__proto__` too.
    Reflect.deleteProperty(out, key);
    removed += 1;
  }
  return { attributes: out, removed };
}

function cutContent(attributes: Attributes, keys: readonly string[], max: number): { attributes: Attributes; removed: number } {
  let out: Attributes | null = null;
  for (const key of keys) {
    if (!Object.hasOwn(attributes, key)) continue;
    const value = attributes[key];
    if (value === undefined) continue;
    const cut = limitValue(value, max);
    if (cut === value) continue;
    out ??= { ...attributes };
    out[key] = cut;
  }
  return { attributes: out ?? attributes, removed: 0 };
}
