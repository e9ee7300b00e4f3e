// Runs and steps saved as the API returns them: JSON (an object, an array, a list page, a run
// with its steps) or JSONL (one of those per line). Steps find their run by `run_id`.
import { readFileSync } from 'node:fs';
import { parseRun, parseStep, type RunPayload, type StepPayload } from './payloads.js';

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export interface SavedRuns {
  runs: Map<string, RunPayload>;
  steps: Map<string, StepPayload[]>;
  /** Assistant names found in the files (assistant objects), by id. */
  assistantNames: Map<string, string | null>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function emptySavedRuns(): SavedRuns {
  return { runs: new Map(), steps: new Map(), assistantNames: new Map() };
}

function addStep(into: SavedRuns, raw: unknown, where: string, runIdHint?: string): void {
  const parsed = parseStep(raw);
  if (!parsed.ok) throw new InputError(`${where}: ${parsed.error}`);
  const runId = parsed.value.run_id ?? runIdHint;
  if (!runId) throw new InputError(`${where}: run step ${parsed.value.id}: run_id is missing`);
  const list = into.steps.get(runId) ?? [];
  // The same step saved twice (two pages, two files) counts once; the later copy wins.
  const existing = list.findIndex((s) => s.id === parsed.value.id);
  if (existing >= 0) list[existing] = parsed.value;
  else list.push(parsed.value);
  into.steps.set(runId, list);
}

function addItem(into: SavedRuns, item: unknown, where: string): void {
  if (Array.isArray(item)) {
    item.forEach((entry, i) => addItem(into, entry, `${where}[${i}]`));
    return;
  }
  if (!isObj(item)) throw new InputError(`${where}: expected a run, a run step or a list, got ${item === null ? 'null' : typeof item}`);
  if (item.object === 'list' && Array.isArray(item.data)) return addItem(into, item.data, `${where}.data`);
  if (item.object === 'assistant' && typeof item.id === 'string') {
    into.assistantNames.set(item.id, typeof item.name === 'string' ? item.name : null);
    return;
  }
  if (item.object === 'thread.run.step' || (item.object === undefined && typeof item.run_id === 'string' && 'step_details' in item)) {
    return addStep(into, item, where);
  }
  // `{ run, steps }` or `{ runs, steps }` wrappers, as people saved them.
  if (!('id' in item) && ('run' in item || 'runs' in item || 'steps' in item)) {
    if (item.run !== undefined) addItem(into, item.run, `${where}.run`);
    if (item.runs !== undefined) addItem(into, item.runs, `${where}.runs`);
    const runId = isObj(item.run) && typeof item.run.id === 'string' ? item.run.id : undefined;
    addStepsField(into, item.steps, `${where}.steps`, runId);
    return;
  }
  const { steps, ...runFields } = item;
  const parsed = parseRun(runFields);
  if (!parsed.ok) throw new InputError(`${where}: ${parsed.error}`);
  into.runs.set(parsed.value.id, parsed.value);
  addStepsField(into, steps, `${where}.steps`, parsed.value.id);
}

function addStepsField(into: SavedRuns, steps: unknown, where: string, runId: string | undefined): void {
  if (steps === undefined || steps === null) return;
  const list = isObj(steps) && Array.isArray(steps.data) ? steps.data : steps;
  if (!Array.isArray(list)) throw new InputError(`${where}: expected an array of run steps or a list page`);
  list.forEach((s, i) => addStep(into, s, `${where}[${i}]`, runId));
}

/** Reads one file into `into`; throws InputError naming the file, the line and the field. */
export function readSavedRunsFile(path: string, into: SavedRuns): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const trimmed = text.trim();
  if (trimmed === '') throw new InputError(`${path}: the file is empty`);
  try {
    addItem(into, JSON.parse(trimmed), path);
    return;
  } catch (error) {
    if (error instanceof InputError) throw error;
  }
  // Not one JSON document: JSONL.
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new InputError(`${path}: line ${index + 1}: not valid JSON (${(error as Error).message})`);
    }
    addItem(into, value, `${path}: line ${index + 1}`);
  });
}
