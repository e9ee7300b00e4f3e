// The files given to `import`: each is one JSON document or JSONL (one JSON value a line), and
// each top-level value (the document, or a line) is handed on whole. What is wrong with a file
// is said in one line naming the file, the line (and column, for bad JSON) and the field, never
// quoting content. Knows no source: what a value means is the importer's business.
import { readFileSync } from 'node:fs';
import { BridgeError, EXIT } from './errors.js';
import { findJsonSyntaxProblem, formatJsonPath, lineColumnAt, offsetOfJsonPath, type JsonPath } from './json-text.js';
import type { ImportPlace } from './source.js';

/** A bad input file: the CLI prints the one line and exits 2. */
export class InputError extends BridgeError {
  constructor(message: string) {
    super('fatal', message, { exitCode: EXIT.usage });
  }
}

/** A problem with a value at `path` inside it; the reader adds the file and the line. */
export class ValueProblem extends Error {
  readonly path: JsonPath;

  constructor(path: JsonPath, message: string) {
    super(message);
    this.path = path;
  }
}

/** Where a value (or a part of it) was read. */
export interface ValuePlace extends ImportPlace {
  path: JsonPath;
}

/**
 * `file: line 3, column 7` or `file: line 12 at [0].steps[2]`: what an editor can jump to. The
 * line of a place inside a JSON document is found from its path in `text`.
 */
export function describePlace(place: ValuePlace, text: string | undefined, column?: number): string {
  let line = place.line;
  if (line === undefined && text !== undefined) line = lineColumnAt(text, offsetOfJsonPath(text, place.path)).line;
  const where = line === undefined ? place.file : `${place.file}: line ${line}${column === undefined ? '' : `, column ${column}`}`;
  return place.path.length > 0 ? `${where} at ${formatJsonPath(place.path)}` : where;
}

/** describePlace for a problem found after the files were read: a JSON document is read again for the line. */
export function describePlaceLater(place: ValuePlace): string {
  let text: string | undefined;
  if (place.line === undefined) {
    try {
      text = readFileSync(place.file, 'utf8');
    } catch {
      // Gone since it was read: the path inside it still names the place.
    }
  }
  return describePlace(place, text);
}

function syntaxError(file: string, text: string, firstLine: number): InputError {
  const problem = findJsonSyntaxProblem(text);
  const { line, column } = lineColumnAt(text, problem?.offset ?? 0);
  return new InputError(
    `${describePlace({ file, line: firstLine + line - 1, path: [] }, undefined, column)}: not valid JSON: ${problem?.reason ?? 'unreadable'}`,
  );
}

/** JSONL when the name says so, or when the first of several lines holds a whole object or list by itself. */
function looksLikeJsonLines(path: string, lines: string[]): boolean {
  if (/\.(jsonl|ndjson)$/i.test(path)) return true;
  const filled = lines.filter((l) => l.trim() !== '');
  if (filled.length < 2) return false;
  try {
    return typeof JSON.parse(filled[0] as string) === 'object';
  } catch {
    return false;
  }
}

/** Hands `add` one top-level value; a ValueProblem it throws becomes an InputError placed in the file. */
function addPlaced(add: (value: unknown, place: ImportPlace) => void, value: unknown, place: ImportPlace, text: string | undefined) {
  try {
    add(value, place);
  } catch (error) {
    if (error instanceof ValueProblem) throw new InputError(`${describePlace({ ...place, path: error.path }, text)}: ${error.message}`);
    throw error;
  }
}

/**
 * Reads one file and hands each top-level value to `add`, in order; throws InputError naming the
 * file, the line and the field (add's ValueProblem placed in the file).
 */
export function readImportFile(path: string, add: (value: unknown, place: ImportPlace) => void): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    throw new InputError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (text.trim() === '') throw new InputError(`${path}: the file is empty`);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    const lines = text.split('\n');
    if (!looksLikeJsonLines(path, lines)) throw syntaxError(path, text, 1);
    lines.forEach((line, index) => {
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw syntaxError(path, line, index + 1);
      }
      addPlaced(add, value, { file: path, line: index + 1 }, undefined);
    });
    return;
  }
  addPlaced(add, document, { file: path }, text);
}

/**
 * The objects a saved value holds, each with its path: the items of an array or of a list page
 * (`{"object": "list", "data": [...]}`, as every list route returns), else the value itself.
 */
export function listedItems(value: unknown): { item: unknown; path: JsonPath }[] {
  if (Array.isArray(value)) return value.map((item: unknown, i) => ({ item, path: [i] }));
  if (typeof value === 'object' && value !== null) {
    const page = value as { object?: unknown; data?: unknown };
    if (page.object === 'list' && Array.isArray(page.data)) return page.data.map((item: unknown, i) => ({ item, path: ['data', i] }));
  }
  return [{ item: value, path: [] }];
}
