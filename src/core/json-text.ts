// Where in a JSON text something is: the first syntax error, or the value at a path. V8's
// JSON.parse messages give no position for some errors ("Unexpected end of JSON input") and
// quote the input for others (saved runs hold conversation content), so the bridge finds
// positions itself. Both scanners are iterative: a deeply nested file cannot overflow the stack.

export type JsonPath = readonly (string | number)[];

export interface JsonSyntaxProblem {
  /** Offset in the text where the problem shows. */
  offset: number;
  reason: string;
}

export interface LineColumn {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units as editors count them. */
  column: number;
}

export function lineColumnAt(text: string, offset: number): LineColumn {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** `[0].steps[2]`, `run.id`: a path as a reader writes it. */
export function formatJsonPath(path: JsonPath): string {
  return path
    .map((p, i) =>
      typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `${i === 0 ? '' : '.'}${p}` : `[${JSON.stringify(p)}]`,
    )
    .join('');
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

/** One character, named without quoting anything around it. */
function describe(ch: string | undefined): string {
  if (ch === undefined) return 'the end of the input';
  if (ch === '\n' || ch === '\r') return 'a line break';
  if (ch === '"') return 'a string';
  if (ch === "'") return `"'"`;
  const code = ch.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}` : `'${ch}'`;
}

class Problem extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

function skipWhitespace(text: string, i: number): number {
  while (i < text.length && WHITESPACE.has(text[i] as string)) i += 1;
  return i;
}

/** The offset after the string that opens at `start`. */
function skipString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '"') return i + 1;
    if (ch === '\\') {
      const next = text[i + 1];
      if (next === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) throw new Problem(i, 'a \\u escape needs four hex digits');
        i += 6;
        continue;
      }
      if (next === undefined || !ESCAPES.has(next)) throw new Problem(i, `${describe(next)} cannot follow a backslash in a string`);
      i += 2;
      continue;
    }
    if (ch.charCodeAt(0) < 0x20) throw new Problem(i, `a string cannot hold ${describe(ch)}; is a quote missing before it?`);
    i += 1;
  }
  throw new Problem(start, 'this string is never closed');
}

/** The offset after the scalar (string, number, literal) at `i`, which is not whitespace. */
function skipScalar(text: string, i: number): number {
  const ch = text[i];
  if (ch === '"') return skipString(text, i);
  for (const literal of ['true', 'false', 'null']) if (text.startsWith(literal, i)) return i + literal.length;
  NUMBER.lastIndex = i;
  if (NUMBER.test(text)) return NUMBER.lastIndex;
  throw new Problem(i, `expected a value, found ${describe(ch)}${ch === "'" ? '; JSON strings take double quotes' : ''}`);
}

type Expect = 'value' | 'value-or-close' | 'key' | 'key-or-close' | 'colon' | 'comma-or-close' | 'end';

/** The first syntax error in `text`, or null when it is one valid JSON value. */
export function findJsonSyntaxProblem(text: string): JsonSyntaxProblem | null {
  /** Offsets of the lists and objects not closed yet. */
  const open: number[] = [];
  let expect: Expect = 'value';
  let i = 0;
  let valueEnd = 0;
  const closer = (): string => (text[open.at(-1) ?? 0] === '[' ? ']' : '}');
  /** Where `offset` is, said relative to the problem at `from`: the column alone on the same line. */
  const place = (offset: number, from: number): string => {
    const { line, column } = lineColumnAt(text, offset);
    return line === lineColumnAt(text, from).line ? `column ${column}` : `line ${line}, column ${column}`;
  };
  try {
    for (;;) {
      i = skipWhitespace(text, i);
      const ch = text[i];
      if (ch === undefined) {
        if (expect === 'end') return null;
        if (open.length === 0) return { offset: i, reason: 'the input ends before a value' };
        const opened = open.at(-1) as number;
        return {
          offset: i,
          reason: `the input ends before the ${text[opened] === '[' ? 'list' : 'object'} opened at ${place(opened, i)} is closed; '${closer()}' is missing`,
        };
      }
      const afterValue = (): Expect => {
        valueEnd = i;
        return open.length > 0 ? 'comma-or-close' : 'end';
      };
      switch (expect) {
        case 'value':
        case 'value-or-close':
          if (ch === ']' && expect === 'value-or-close') {
            open.pop();
            i += 1;
            expect = afterValue();
          } else if (ch === '[' || ch === '{') {
            open.push(i);
            i += 1;
            expect = ch === '[' ? 'value-or-close' : 'key-or-close';
          } else {
            if (ch === ']' || ch === '}') throw new Problem(i, `expected a value, found '${ch}'; is there a comma too many before it?`);
            i = skipScalar(text, i);
            expect = afterValue();
          }
          break;
        case 'key':
        case 'key-or-close':
          if (ch === '}' && expect === 'key-or-close') {
            open.pop();
            i += 1;
            expect = afterValue();
          } else if (ch === '"') {
            i = skipString(text, i);
            expect = 'colon';
          } else {
            throw new Problem(
              i,
              `expected a property name in double quotes, found ${describe(ch)}${ch === '}' ? '; is there a comma too many before it?' : ''}`,
            );
          }
          break;
        case 'colon':
          if (ch !== ':') throw new Problem(i, `expected ':' after the property name, found ${describe(ch)}`);
          i += 1;
          expect = 'value';
          break;
        case 'comma-or-close':
          if (ch === ',') {
            i += 1;
            expect = closer() === ']' ? 'value' : 'key';
          } else if (ch === closer()) {
            open.pop();
            i += 1;
            expect = afterValue();
          } else {
            // Reported where the comma belongs, which is often the line before the next value.
            throw new Problem(
              valueEnd,
              `missing ',' or '${closer()}' after this value; next comes ${describe(ch)} at ${place(i, valueEnd)}`,
            );
          }
          break;
        case 'end':
          throw new Problem(i, `unexpected ${describe(ch)} after the end of the JSON value`);
      }
    }
  } catch (error) {
    if (error instanceof Problem) return { offset: error.offset, reason: error.reason };
    throw error;
  }
}

/**
 * The offset where the value at `path` starts in `text`, a valid JSON text; for a path that
 * goes deeper than the text, where the deepest value on it starts.
 */
export function offsetOfJsonPath(text: string, path: JsonPath): number {
  let i = skipWhitespace(text, 0);
  for (const step of path) {
    const ch = text[i];
    if (ch !== '[' && ch !== '{') return i;
    const found = ch === '[' ? seekElement(text, i, step) : seekProperty(text, i, step);
    if (found === null) return i;
    i = found;
  }
  return i;
}

/** Offset of the element `index` of the list opening at `start`, or null. */
function seekElement(text: string, start: number, index: string | number): number | null {
  if (typeof index !== 'number') return null;
  let i = skipWhitespace(text, start + 1);
  for (let n = 0; text[i] !== ']' && i < text.length; n += 1) {
    if (n === index) return i;
    i = skipWhitespace(text, skipValue(text, i));
    if (text[i] === ',') i = skipWhitespace(text, i + 1);
  }
  return null;
}

/** Offset of the value of property `key` of the object opening at `start` (the last one, as JSON.parse keeps), or null. */
function seekProperty(text: string, start: number, key: string | number): number | null {
  let i = skipWhitespace(text, start + 1);
  let found: number | null = null;
  while (text[i] === '"') {
    const keyEnd = skipString(text, i);
    const name = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWhitespace(text, skipWhitespace(text, keyEnd) + 1);
    if (name === String(key)) found = i;
    i = skipWhitespace(text, skipValue(text, i));
    if (text[i] === ',') i = skipWhitespace(text, i + 1);
  }
  return found;
}

/** The offset after the value at `start` in valid JSON, nesting tracked by a count. */
function skipValue(text: string, start: number): number {
  let depth = 0;
  let i = start;
  do {
    i = skipWhitespace(text, i);
    const ch = text[i];
    if (ch === '[' || ch === '{') depth += 1;
    else if (ch === ']' || ch === '}') depth -= 1;
    else if (ch === ',' || ch === ':') {
      /* separators inside the value */
    } else {
      i = skipScalar(text, i);
      continue;
    }
    i += 1;
  } while (depth > 0 && i < text.length);
  return i;
}
