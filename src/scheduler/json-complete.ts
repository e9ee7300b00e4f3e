// Whether a JSON body arrived whole, without parsing it: the openai SDK parses every body anyway,
// and parsing each one a second time only to see that it is complete cost a string and a tree of
// objects per response (about a sixth of what `watch` allocated). A body cut short (a connection
// closed mid-answer behind a proxy, say) never closes its outermost bracket at its end.
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * True when `bytes` (UTF-8) is one object or array whose brackets, outside strings, close
 * exactly at its end (only whitespace may follow), false when they do not; null for any other
 * document (a bare value), which the caller checks another way. Scans bytes: in UTF-8 no byte of
 * a multi-byte character is an ASCII bracket, quote or backslash.
 */
export function bracketsCloseAtEnd(bytes: Uint8Array): boolean | null {
  const n = bytes.length;
  let i = 0;
  while (i < n && isSpace(bytes[i] as number)) i += 1;
  const first = bytes[i];
  if (first !== OPEN_OBJECT && first !== OPEN_ARRAY) return null;
  let depth = 0;
  let inString = false;
  for (; i < n; i += 1) {
    const b = bytes[i] as number;
    if (inString) {
      if (b === BACKSLASH) i += 1;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      depth += 1;
    } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
      depth -= 1;
      if (depth === 0) break;
    }
  }
  if (depth !== 0) return false;
  for (i += 1; i < n; i += 1) if (!isSpace(bytes[i] as number)) return false;
  return true;
}
