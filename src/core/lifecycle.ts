// Starting and stopping the bridge's long-lived parts, in one stated order. Parts start in the
// order they are listed and shut down in reverse, each given its share of the stop budget: what
// a part leaves unfinished at the end of its share (spans not yet exported, a metrics push not
// yet answered) stays where it is, and the next part goes on.

/** A long-lived part. Both calls are idempotent; `shutdown` is safe before `start`. */
export interface Part {
  start(): void | Promise<void>;
  /**
   * Stops; within `budgetMs` when given, abandoning what is unfinished then (the promise may
   * resolve before abandoned work has settled).
   */
  shutdown(budgetMs?: number): Promise<void>;
}

/** Of the stop budget left when its turn comes (ms), what a part may take. */
export type Share = (leftMs: number) => number;

/** All that is left. */
export const ALL_LEFT: Share = (left) => left;

/** What is left, less `reserveMs` kept for the parts shut down after it. */
export const leaving =
  (reserveMs: number): Share =>
  (left) =>
    Math.max(0, left - reserveMs);

export interface Stage {
  /** Names the part in the stated order and when its shutdown fails. */
  readonly name: string;
  readonly part: Part;
  /** What the part is given of the budget left at its turn; default ALL_LEFT. */
  readonly share?: Share;
  /**
   * Waited for until it is done: the part bounds its own shutdown (keeping to its share, or a
   * grace of its own), and what it finishes late (an acknowledgement written to the state file)
   * must land before the parts after it stop. Otherwise it is waited for within its share at
   * most, then left to finish on its own.
   */
  readonly waitUntilDone?: boolean;
}

export interface LifecycleOptions {
  /**
   * A part's shutdown failed (the others still shut down). Without this, `shutdown` rejects
   * once every part had its turn.
   */
  onError?: (stage: string, error: unknown) => void;
}

export class Lifecycle implements Part {
  readonly #stages: Stage[];
  readonly #onError: ((stage: string, error: unknown) => void) | undefined;
  /** Stages before this index were started (or are starting). */
  #next = 0;
  #started: Promise<void> | null = null;
  #stopping: Promise<void> | null = null;

  /** `stages` in start order. */
  constructor(stages: readonly Stage[], options: LifecycleOptions = {}) {
    this.#stages = [...stages];
    this.#onError = options.onError;
  }

  /** Start order; shutdown is the reverse. */
  get order(): string[] {
    return this.#stages.map((s) => s.name);
  }

  /**
   * Adds a part after the others: started after them (at once when the lifecycle has started),
   * shut down before them. Added once the shutdown began, it is never started.
   */
  add(stage: Stage): void {
    if (this.#stopping) {
      void this.#stopStage(stage, 0, false).catch(() => undefined);
      return;
    }
    this.#stages.push(stage);
    if (!this.#started) return;
    this.#started = this.#started.then(() => this.#startFromNext());
    // Whoever started the lifecycle learns of a failure from start(), which returns this promise.
    this.#started.catch(() => undefined);
  }

  /**
   * Starts the parts in order: a part that starts synchronously is started before this returns;
   * one that returns a promise is waited for before the next starts. Rejects with the first
   * failure, leaving the parts after it unstarted (shut everything down then).
   */
  start(): Promise<void> {
    this.#started ??= this.#startFromNext();
    return this.#started;
  }

  /** Shuts every part down in reverse order within `budgetMs` (none: as long as they take). */
  shutdown(budgetMs: number = Number.POSITIVE_INFINITY): Promise<void> {
    this.#stopping ??= this.#stopAll(budgetMs);
    return this.#stopping;
  }

  #startFromNext(): Promise<void> {
    for (let stage = this.#stages[this.#next]; stage !== undefined; stage = this.#stages[this.#next]) {
      if (this.#stopping) return Promise.resolve();
      this.#next += 1;
      let started: void | Promise<void>;
      try {
        started = stage.part.start();
      } catch (error) {
        return Promise.reject(error);
      }
      if (started instanceof Promise) return started.then(() => this.#startFromNext());
    }
    return Promise.resolve();
  }

  async #stopAll(budgetMs: number): Promise<void> {
    const deadline = Date.now() + budgetMs;
    const errors: unknown[] = [];
    for (const stage of [...this.#stages].reverse()) {
      const left = Math.max(0, deadline - Date.now());
      try {
        await this.#stopStage(stage, (stage.share ?? ALL_LEFT)(left), stage.waitUntilDone === true);
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors.length === 1 ? errors[0] : new AggregateError(errors, 'parts failed to shut down');
  }

  /** Rejects only when the failure is the caller's to report (no onError). */
  async #stopStage(stage: Stage, ms: number, untilDone: boolean): Promise<void> {
    // Filled by the callback below, where the type checker does not follow assignments.
    const failures: unknown[] = [];
    let work: Promise<void>;
    try {
      work = stage.part.shutdown(Number.isFinite(ms) ? ms : undefined);
    } catch (error) {
      work = Promise.reject(error);
    }
    // A failure after the share ran out goes to onError all the same; it is never left unhandled.
    const settled = work.then(
      () => undefined,
      (error: unknown) => {
        if (this.#onError) this.#onError(stage.name, error);
        else failures.push(error);
      },
    );
    await within(settled, untilDone ? Number.POSITIVE_INFINITY : ms);
    if (failures.length > 0) throw failures[0];
  }
}

/** Waits for `work`, or `ms` at most (Infinity: until it settles); the work goes on unawaited. Never rejects. */
export async function within(work: Promise<unknown>, ms: number): Promise<void> {
  const settled = work.then(
    () => undefined,
    () => undefined,
  );
  if (!Number.isFinite(ms)) return settled;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([settled, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, ms))))]);
  clearTimeout(timer);
}
