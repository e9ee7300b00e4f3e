// Due times in priority classes: the watcher's looks at active runs go before looks at waiting
// runs and finished backlog, which go before discovery. When the budget cannot keep up, strict
// priority would starve the lower classes for as long as anything is active, so every
// `shareEvery`-th pick made while a lower class also has something due goes to that class:
// active work keeps (shareEvery - 1) / shareEvery of the budget and nothing waits forever.
import { DueQueue, type DueEntry } from './due-queue.js';

export interface ClassedDueEntry<K, V> extends DueEntry<K, V> {
  /** 0 is the most urgent class. */
  readonly cls: number;
}

export interface ClassDueQueueOptions {
  /** Number of classes, 0 (most urgent) to classes - 1. */
  classes: number;
  /** One pick in this many goes to a lower class that has something due. Default 10. */
  shareEvery?: number;
}

export class ClassDueQueue<K, V = K> {
  readonly #queues: DueQueue<K, V>[];
  readonly #classOf = new Map<K, number>();
  readonly #shareEvery: number;
  /** Picks from the top class made while a lower class had something due. */
  #topStreak = 0;

  constructor(options: ClassDueQueueOptions) {
    if (!(Number.isInteger(options.classes) && options.classes >= 1))
      throw new RangeError(`classes must be an integer >= 1, got ${options.classes}`);
    this.#shareEvery = options.shareEvery ?? 10;
    if (!(Number.isInteger(this.#shareEvery) && this.#shareEvery >= 2))
      throw new RangeError(`shareEvery must be an integer >= 2, got ${this.#shareEvery}`);
    this.#queues = Array.from({ length: options.classes }, () => new DueQueue<K, V>());
  }

  get size(): number {
    return this.#classOf.size;
  }

  has(key: K): boolean {
    return this.#classOf.has(key);
  }

  dueAtOf(key: K): number | undefined {
    const cls = this.#classOf.get(key);
    return cls === undefined ? undefined : this.#queues[cls]?.dueAtOf(key);
  }

  classOf(key: K): number | undefined {
    return this.#classOf.get(key);
  }

  /** Adds `key` in class `cls`, or moves it there and to the new due time. */
  schedule(key: K, dueAt: number, value: V, cls: number): void {
    const queue = this.#queues[cls];
    if (queue === undefined) throw new RangeError(`class ${cls} is out of range 0..${this.#queues.length - 1}`);
    const current = this.#classOf.get(key);
    if (current !== undefined && current !== cls) this.#queues[current]?.remove(key);
    queue.schedule(key, dueAt, value);
    this.#classOf.set(key, cls);
  }

  remove(key: K): boolean {
    const cls = this.#classOf.get(key);
    if (cls === undefined) return false;
    this.#classOf.delete(key);
    return this.#queues[cls]?.remove(key) ?? false;
  }

  /** The earliest due time over every class, or undefined when empty. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const queue of this.#queues) {
      const at = queue.nextDueAt();
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  delayUntilNext(now: number): number | undefined {
    const next = this.nextDueAt();
    return next === undefined ? undefined : Math.max(0, next - now);
  }

  /** Removes and returns the next entry due at `now`: the most urgent class first, earliest first within it, with the lower classes' share. */
  popDue(now: number): ClassedDueEntry<K, V> | undefined {
    const due: number[] = [];
    for (let cls = 0; cls < this.#queues.length; cls++) {
      const at = this.#queues[cls]?.nextDueAt();
      if (at !== undefined && at <= now) due.push(cls);
    }
    const top = due[0];
    if (top === undefined) return undefined;
    let cls = top;
    if (due.length > 1) {
      this.#topStreak += 1;
      if (this.#topStreak >= this.#shareEvery) {
        this.#topStreak = 0;
        cls = due[1] as number;
      }
    } else {
      this.#topStreak = 0;
    }
    const entry = this.#queues[cls]?.popDue(now);
    if (entry === undefined) return undefined;
    this.#classOf.delete(entry.key);
    return { ...entry, cls };
  }
}
