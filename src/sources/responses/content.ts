// Content a response's spans may carry with capture on: its instructions as the conventions'
// `gen_ai.system_instructions` (a JSON array of text parts). Cut to the content limit first, then
// further where the JSON would not fit the attribute limit, which would otherwise cut the JSON.
import { isObj } from '../../mapping/json-values.js';
import { truncate } from '../../mapping/limits.js';

/** The texts of `instructions`: a string, or input items (a prompt template's messages and their text parts). */
export function instructionTexts(instructions: unknown): string[] {
  if (typeof instructions === 'string') return instructions.length > 0 ? [instructions] : [];
  if (!Array.isArray(instructions)) return [];
  const out: string[] = [];
  for (const item of instructions) {
    if (!isObj(item)) continue;
    if (typeof item.content === 'string') out.push(item.content);
    else if (Array.isArray(item.content))
      for (const part of item.content) if (isObj(part) && typeof part.text === 'string') out.push(part.text);
  }
  return out.filter((t) => t.length > 0);
}

/** The parts as JSON within `max` characters, each text first cut to `contentMax`; null when there is no text. */
export function systemInstructionsJson(texts: readonly string[], contentMax: number, max: number): string | null {
  if (texts.length === 0) return null;
  const parts = texts.map((t) => truncate(t, contentMax));
  for (;;) {
    const json = JSON.stringify(parts.map((content) => ({ type: 'text', content })));
    if (json.length <= max) return json;
    // Shorten the last part that still has text by what is over, and try again.
    let last = parts.length - 1;
    while (last > 0 && (parts[last] ?? '').length === 0) last -= 1;
    const part = parts[last] ?? '';
    if (part.length === 0) return null;
    parts[last] = truncate(part, Math.max(0, part.length - (json.length - max)));
  }
}
