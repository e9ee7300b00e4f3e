// Runs and steps saved as the API returns them: JSON (an object, an array, a list page, a run
// with its steps) or JSONL (one of those per line). Steps find their run by `run_id`.
import { describePlaceLater, InputError, readImportFile, ValueProblem, type ValuePlace } from '../../core/import-input.js';
import type { JsonPath } from '../../core/json-text.js';
import type { ImportPlace } from '../../core/source.js';
import { parseRun, parseStep, type RunPayload, type StepPayload } from './payloads.js';

export { InputError };

/** Where an object was read: the file, the line for JSONL, the path inside the document or line. */
type Origin = ValuePlace;

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

function addStep(into: SavedRuns, raw: unknown, origin: Origin, runIdHint?: string): void {
  const parsed = parseStep(raw);
  if (!parsed.ok) throw new ValueProblem(origin.path, parsed.error);
  const runId = parsed.value.run_id ?? runIdHint;
  if (!runId) throw new ValueProblem(origin.path, `run step ${parsed.value.id}: run_id is missing`);
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
  if (!isObj(item))
    throw new ValueProblem(origin.path, `expected a run, a run step or a list, got ${item === null ? 'null' : typeof item}`);
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
  if (!parsed.ok) throw new ValueProblem(origin.path, parsed.error);
  into.runs.set(parsed.value.id, parsed.value);
  addStepsField(into, steps, at(origin, 'steps'), parsed.value.id);
}

function addStepsField(into: SavedRuns, steps: unknown, origin: Origin, runId: string | undefined): void {
  if (steps === undefined || steps === null) return;
  const page = isObj(steps) && Array.isArray(steps.data);
  const list = page ? (steps as { data: unknown[] }).data : steps;
  if (!Array.isArray(list)) throw new ValueProblem(origin.path, 'expected an array of run steps or a list page');
  const listOrigin = page ? at(origin, 'data') : origin;
  list.forEach((s, i) => addStep(into, s, at(listOrigin, i), runId));
}

const ASSISTANTS_OBJECTS: ReadonlySet<string> = new Set(['thread.run', 'thread.run.step', 'assistant']);

/**
 * Whether a top-level value is what this reader takes: runs, run steps and assistants, arrays and
 * list pages of them (an empty one too), runs saved with their steps, objects saved without `object`.
 */
export function isSavedRunsValue(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0 || value.some(isSavedRunsValue);
  if (!isObj(value)) return false;
  if (value.object === 'list' && Array.isArray(value.data)) return isSavedRunsValue(value.data);
  if (typeof value.object === 'string') return ASSISTANTS_OBJECTS.has(value.object);
  // Saved without `object` (runs, steps, `{ run, steps }` as people saved them): this reader's, as
  // before there were other sources; theirs always say what they are.
  return value.object === undefined;
}

/** Keeps one top-level value; throws ValueProblem at the object that is not what it claims. */
export function addSavedValue(into: SavedRuns, value: unknown, where: ImportPlace): void {
  addItem(into, value, { ...where, path: [] });
}

/** Reads one file into `into`; throws InputError naming the file, the line and the field. */
export function readSavedRunsFile(path: string, into: SavedRuns): void {
  readImportFile(path, (value, where) => addSavedValue(into, value, where));
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
  const where = origin ? describePlaceLater(origin) : 'the input';
  const more = orphans.length > 1 ? ` (steps of ${orphans.length - 1} more runs are missing their run too)` : '';
  throw new InputError(
    `${where}: run step ${step?.id ?? '?'}: its run ${first} is not in the input; import the file that holds the run as well${more}`,
  );
}
