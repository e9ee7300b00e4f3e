// The runs being watched, with what the run poller keeps of each, indexed by thread so a thread
// pass touches its own runs, not every tracked run.
import type { RunTask } from './run-next-look.js';

const NONE: ReadonlySet<string> = new Set();

export class RunTable {
  readonly #runs = new Map<string, RunTask>();
  readonly #byThread = new Map<string, Set<string>>();

  get size(): number {
    return this.#runs.size;
  }

  get(runId: string): RunTask | undefined {
    return this.#runs.get(runId);
  }

  has(runId: string): boolean {
    return this.#runs.has(runId);
  }

  entries(): IterableIterator<[string, RunTask]> {
    return this.#runs.entries();
  }

  /** Ids of the runs watched on `threadId`. */
  ofThread(threadId: string): ReadonlySet<string> {
    return this.#byThread.get(threadId) ?? NONE;
  }

  set(runId: string, task: RunTask): void {
    this.#runs.set(runId, task);
    let ids = this.#byThread.get(task.threadId);
    if (!ids) {
      ids = new Set();
      this.#byThread.set(task.threadId, ids);
    }
    ids.add(runId);
  }

  drop(runId: string): void {
    const task = this.#runs.get(runId);
    if (!task) return;
    this.#runs.delete(runId);
    const ids = this.#byThread.get(task.threadId);
    ids?.delete(runId);
    if (ids?.size === 0) this.#byThread.delete(task.threadId);
  }
}
