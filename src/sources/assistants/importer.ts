// `import` for the Assistants source: runs, run steps and assistants saved as the API returns them,
// mapped run by run exactly as a watch maps them (file-source.ts says what a file may hold).
import type { BridgeConfig } from '../../config/types.js';
import type { SourceImporter } from '../../core/source.js';
import type { SpanRecord } from '../../core/span-record.js';
import { addSavedValue, checkStepsHaveRuns, emptySavedRuns, isSavedRunsValue, type SavedRuns } from './file-source.js';
import { mapRunTrace } from './mapping/map-run.js';
import { agentIdOf, newRunContext } from './run-context.js';

/** Each saved run's spans, run by run, in the order the runs were read. */
export function* mapRunsOneByOne(saved: SavedRuns, config: BridgeConfig, nowSeconds: number): Generator<SpanRecord[]> {
  for (const run of saved.runs.values()) {
    const agentId = agentIdOf(run);
    // A saved file holds the assistants' names, not their descriptions.
    const agent = { name: agentId ? (saved.assistantNames.get(agentId) ?? null) : null, description: null };
    const ctx = newRunContext(run, agent, config, nowSeconds);
    yield mapRunTrace(run, saved.steps.get(run.id) ?? [], ctx, config.limits);
  }
}

export class AssistantsImporter implements SourceImporter {
  readonly reads = 'Assistants v2 runs, run steps and assistants (objects, arrays, list pages, runs with a "steps" array)';
  readonly #saved = emptySavedRuns();

  accepts(value: unknown): boolean {
    return isSavedRunsValue(value);
  }

  add(value: unknown, where: { file: string; line?: number }): void {
    addSavedValue(this.#saved, value, where);
  }

  /** Checks, before anything is exported, that every step's run was read: a step without its run would be dropped, not traced. */
  spans(config: BridgeConfig, nowSeconds: number): Iterable<SpanRecord[]> {
    checkStepsHaveRuns(this.#saved);
    return mapRunsOneByOne(this.#saved, config, nowSeconds);
  }

  counts(): Record<string, number> {
    const steps = [...this.#saved.steps.values()].reduce((n, list) => n + list.length, 0);
    return { runs: this.#saved.runs.size, steps };
  }
}
