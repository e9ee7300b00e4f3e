// Positions in JSON text: the first syntax error agrees with JSON.parse on what is valid, and a
// path leads to where its value starts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findJsonSyntaxProblem, formatJsonPath, lineColumnAt, offsetOfJsonPath, type JsonPath } from '../../src/core/json-text.js';

const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/** Every path in a value, with the value there. */
function pathsOf(value: unknown, prefix: JsonPath = []): [JsonPath, unknown][] {
  const out: [JsonPath, unknown][] = [[prefix, value]];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  return out;
}

describe('findJsonSyntaxProblem', () => {
  it('finds a problem exactly when JSON.parse refuses the text, on valid JSON and on broken variants of it', () => {
    const broken = fc
      .tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', '"', ']', '}', '{', '[', ':', '\n', "'", 'x', '\\', '\u0001'))
      .map(([json, at, insert]) => {
        const cut = at % (json.length + 1);
        return `${json.slice(0, cut)}${insert}${json.slice(cut + (insert === '' ? 1 : 0))}`;
      });
    fc.assert(
      fc.property(fc.oneof(fc.json(), broken, fc.string()), (text) => {
        const problem = findJsonSyntaxProblem(text);
        expect(problem === null).toBe(parses(text));
        if (problem) expect(problem.offset).toBeGreaterThanOrEqual(0);
        if (problem) expect(problem.offset).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 3000 },
    );
  });

  it.each<[string, string, string]>([
    [
      'a missing comma: where it belongs, not where the next value starts',
      '{\n  "a": 1\n  "b": 2\n}',
      "2:9 missing ',' or '}' after this value; next comes a string at line 3, column 3",
    ],
    ['a trailing comma', '[1, 2,]', "1:7 expected a value, found ']'; is there a comma too many before it?"],
    [
      'a trailing comma in an object',
      '{"a": 1,}',
      "1:9 expected a property name in double quotes, found '}'; is there a comma too many before it?",
    ],
    ['single quotes', "{'a': 1}", `1:2 expected a property name in double quotes, found "'"`],
    ['an unclosed string, named where it opens', '{"a": "never closed}', '1:7 this string is never closed'],
    ['a raw line break in a string', '["one\ntwo"]', '1:6 a string cannot hold a line break; is a quote missing before it?'],
    [
      'a truncated file',
      '[\n  {"a": [1, 2]},\n  {"b": 3',
      "3:10 the input ends before the object opened at column 3 is closed; '}' is missing",
    ],
    ['an empty text', '   ', '1:4 the input ends before a value'],
    ['text after the value', '{"a": 1}\n{"a": 2}', "2:1 unexpected '{' after the end of the JSON value"],
    ['a bad escape', '"a\\qb"', "1:3 'q' cannot follow a backslash in a string"],
    ['a control character, named by its code', '[1, \u0007]', '1:5 expected a value, found U+0007'],
  ])('%s', (_label, text, expected) => {
    const problem = findJsonSyntaxProblem(text);
    expect(problem).not.toBeNull();
    const { line, column } = lineColumnAt(text, problem!.offset);
    expect(`${line}:${column} ${problem!.reason}`).toBe(expected);
  });

  it('survives nesting far deeper than the call stack', () => {
    const deep = '['.repeat(200_000);
    expect(findJsonSyntaxProblem(deep)?.reason).toMatch(/ends before the list opened at column 200000/);
    expect(findJsonSyntaxProblem(`${deep}${']'.repeat(200_000)}`)).toBeNull();
  });
});

describe('offsetOfJsonPath', () => {
  it('finds where the value at every path starts, in compact JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        for (const [path, at] of pathsOf(JSON.parse(text))) {
          const offset = offsetOfJsonPath(text, path);
          expect(text.slice(offset, offset + JSON.stringify(at).length)).toBe(JSON.stringify(at));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives the line of a value in a pretty-printed file, and the last of duplicate keys as JSON.parse keeps', () => {
    const text = JSON.stringify({ object: 'list', data: [{ id: 'a' }, { id: 'b', steps: [{ id: 's' }] }] }, null, 2);
    const line = (path: JsonPath): number => lineColumnAt(text, offsetOfJsonPath(text, path)).line;
    expect(text.split('\n')[line(['data', 1, 'steps', 0]) - 1]?.trim()).toBe('{');
    expect(line(['data', 1, 'steps', 0, 'id'])).toBe(11);
    const dup = '{"a": 1,\n "a": 2}';
    expect(lineColumnAt(dup, offsetOfJsonPath(dup, ['a']))).toEqual({ line: 2, column: 7 });
  });

  it('stops at the deepest value on a path that goes deeper than the text', () => {
    const text = '{"a": [1, {"b": "x"}]}';
    expect(offsetOfJsonPath(text, ['a', 1, 'b', 'c'])).toBe(text.indexOf('"x"'));
    expect(offsetOfJsonPath(text, ['a', 5])).toBe(text.indexOf('['));
  });
});

describe('formatJsonPath', () => {
  it('writes a path as a reader would', () => {
    expect(formatJsonPath([0, 'steps', 2])).toBe('[0].steps[2]');
    expect(formatJsonPath(['data', 1, 'run'])).toBe('data[1].run');
    expect(formatJsonPath(['a key', 0])).toBe('["a key"][0]');
    expect(formatJsonPath([])).toBe('');
  });
});
