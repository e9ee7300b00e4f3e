// Runs and steps saved as the API returns them: JSON (an object, an array, a list page, a run
// with its steps) or JSONL (one of those per line). Steps find their run by `run_id`.
import { readFileSync } from 'node:fs';
import { BridgeError, EXIT } from '../../core/errors.js';
import { findJsonSyntaxProblem, formatJsonPath, lineColumnAt, offsetOfJsonPath, type JsonPath } from '../../core/json-text.js';
import { parseRun, parseStep, type RunPayload, type StepPayload } from './payloads.js';

export class InputError extends BridgeError {
  constructor(message: string) {
    super('fatal', message, { exitCode: EXIT.usage });
  }
}

/** Where an object was read: the file, the line for JSONL, the path inside the document or line. */
interface Origin {
  file: string;
  /** The JSONL line; absent for a JSON document, whose line is found from the path when needed. */
  line?: number;
  path: JsonPath;
}

export interface SavedRuns {
  runs: Map<string, RunPayload>;
  steps: Map<string, StepPayload[]>;
  /** Assistant names found in the files (assistant objects), by id. */
  assistantNames: Map<string, string | null>;
  /** Where the first step of each run id was read, to name it when its run is missing. */
  firstStepOrigin: Map<string, Origin>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function emptySavedRuns(): SavedRuns {
  return { runs: new Map(), steps: new Map(), assistantNames: new Map(), firstStepOrigin: new Map() };
}

/** A problem with one object, placed by its path; the reader adds the file and the line. */
class ObjectError extends Error {
  constructor(
    readonly path: JsonPath,
    message: string,
  ) {
    super(message);
  }
}

function addStep(into: SavedRuns, raw: unknown, origin: Origin, runIdHint?: string): void {
  const parsed = parseStep(raw);
  if (!parsed.ok) throw new ObjectError(origin.path, parsed.error);
  const runId = parsed.value.run_id ?? runIdHint;
  if (!runId) throw new ObjectError(origin.path, `run step ${parsed.value.id}: run_id is missing`);
  const list = into.steps.get(runId) ?? [];
  // The same step saved twice (two pages, two files) counts once; the later copy wins.
  const existing = list.findIndex((s) => s.id === parsed.value.id);
  if (existing >= 0) list[existing] = parsed.value;
  else list.push(parsed.value);
  into.steps.set(runId, list);
  if (!into.firstStepOrigin.has(runId)) into.firstStepOrigin.set(runId, origin);
}

const at = (origin: Origin, ...more: JsonPath): Origin => ({ ...origin, path: [...origin.path, ...more] });

/** `{ run, steps }`, `{ runs, steps }` or `{ steps }` alone, as people saved them; not a run whose id is missing. */
function isWrapper(item: Obj): boolean {
  if ('id' in item || 'object' in item) return false;
  const keys = Object.keys(item);
  return 'run' in item || 'runs' in item || (keys.length === 1 && keys[0] === 'steps');
}

function addItem(into: SavedRuns, item: unknown, origin: Origin): void {
  if (Array.isArray(item)) {
    item.forEach((entry, i) => addItem(into, entry, at(origin, i)));
    return;
  }
  if (!isObj(item)) throw new ObjectError(origin.path, `expected a run, a run step or a list, got ${item === null ? 'null' : typeof item}`);
  if (item.object === 'list' && Array.isArray(item.data)) return addItem(into, item.data, at(origin, 'data'));
  if (item.object === 'assistant' && typeof item.id === 'string') {
    into.assistantNames.set(item.id, typeof item.name === 'string' ? item.name : null);
    return;
  }
  if (item.object === 'thread.run.step' || (item.object === undefined && typeof item.run_id === 'string' && 'step_details' in item)) {
    return addStep(into, item, origin);
  }
  if (isWrapper(item)) {
    if (item.run !== undefined) addItem(into, item.run, at(origin, 'run'));
    if (item.runs !== undefined) addItem(into, item.runs, at(origin, 'runs'));
    const runId = isObj(item.run) && typeof item.run.id === 'string' ? item.run.id : undefined;
    addStepsField(into, item.steps, at(origin, 'steps'), runId);
    return;
  }
  const { steps, ...runFields } = item;
  const parsed = parseRun(runFields);
  if (!parsed.ok) throw new ObjectError(origin.path, parsed.error);
  into.runs.set(parsed.value.id, parsed.value);
  addStepsField(into, steps, at(origin, 'steps'), parsed.value.id);
}

function addStepsField(into: SavedRuns, steps: unknown, origin: Origin, runId: string | undefined): void {
  if (steps === undefined || steps === null) return;
  const page = isObj(steps) && Array.isArray(steps.data);
  const list = page ? (steps as { data: unknown[] }).data : steps;
  if (!Array.isArray(list)) throw new ObjectError(origin.path, 'expected an array of run steps or a list page');
  const listOrigin = page ? at(origin, 'data') : origin;
  list.forEach((s, i) => addStep(into, s, at(listOrigin, i), runId));
}

/** `file: line 3, column 7` or `file: line 12 at [0].steps[2]`: what an editor can jump to. */
function placeOf(origin: Origin, text: string | undefined, column?: number): string {
  let line = origin.line;
  if (line === undefined && text !== undefined) line = lineColumnAt(text, offsetOfJsonPath(text, origin.path)).line;
  const where = line === undefined ? origin.file : `${origin.file}: line ${line}${column === undefined ? '' : `, column ${column}`}`;
  return origin.path.length > 0 ? `${where} at ${formatJsonPath(origin.path)}` : where;
}

function syntaxError(file: string, text: string, firstLine: number): InputError {
  const problem = findJsonSyntaxProblem(text);
  const { line, column } = lineColumnAt(text, problem?.offset ?? 0);
  return new InputError(
    `${placeOf({ file, line: firstLine + line - 1, path: [] }, undefined, column)}: not valid JSON: ${problem?.reason ?? 'unreadable'}`,
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

/** Reads one file into `into`; throws InputError naming the file, the line and the field. */
export function readSavedRunsFile(path: string, into: SavedRuns): void {
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
    return readJsonLines(path, lines, into);
  }
  try {
    addItem(into, document, { file: path, path: [] });
  } catch (error) {
    if (error instanceof ObjectError) throw new InputError(`${placeOf({ file: path, path: error.path }, text)}: ${error.message}`);
    throw error;
  }
}

function readJsonLines(path: string, lines: string[], into: SavedRuns): void {
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const origin: Origin = { file: path, line: index + 1, path: [] };
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw syntaxError(path, line, index + 1);
    }
    try {
      addItem(into, value, origin);
    } catch (error) {
      if (error instanceof ObjectError) throw new InputError(`${placeOf({ ...origin, path: error.path }, undefined)}: ${error.message}`);
      throw error;
    }
  });
}

/**
 * Every step's run must be in the input: a step span takes its model, thread and trace from
 * its run. Throws InputError naming where the first orphan step was read.
 */
export function checkStepsHaveRuns(saved: SavedRuns): void {
  const orphans = [...saved.steps.keys()].filter((runId) => !saved.runs.has(runId));
  const first = orphans[0];
  if (first === undefined) return;
  const origin = saved.firstStepOrigin.get(first);
  const step = saved.steps.get(first)?.[0];
  let text: string | undefined;
  if (origin && origin.line === undefined) {
    try {
      text = readFileSync(origin.file, 'utf8');
    } catch {
      // Gone since it was read: the path inside it still names the place.
    }
  }
  const where = origin ? placeOf(origin, text) : 'the input';
  const more = orphans.length > 1 ? ` (steps of ${orphans.length - 1} more runs are missing their run too)` : '';
  throw new InputError(
    `${where}: run step ${step?.id ?? '?'}: its run ${first} is not in the input; import the file that holds the run as well${more}`,
  );
}
