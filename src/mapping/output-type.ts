import { isObj } from './json-values.js';

/** `gen_ai.output.type`: `json` for `json_object` and `json_schema`, `text` for `text`; nothing for `auto`. */
export function outputTypeOf(format: unknown): string | undefined {
  const type = typeof format === 'string' ? format : isObj(format) ? format.type : undefined;
  if (type === 'json_object' || type === 'json_schema') return 'json';
  if (type === 'text') return 'text';
  return undefined;
}
