// The next thing to poll, out of thousands of tracked runs and threads: an indexed binary
// min-heap of due times. Adding, rescheduling, removing and taking the earliest are O(log n),
// so 10 000 tracked runs cost a few comparisons per poll. Equal due times come out in the
// order they were scheduled.

export interface DueEntry<K, V> {
  readonly key: K;
  readonly dueAt: number;
  readonly value: V;
}

interface Slot<K, V> {
  key: K;
  dueAt: number;
  value: V;
  seq: number;
}

export class DueQueue<K, V = K> {
  #heap: Slot<K, V>[] = [];
  readonly #index = new Map<K, number>();
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  has(key: K): boolean {
    return this.#index.has(key);
  }

  dueAtOf(key: K): number | undefined {
    const at = this.#index.get(key);
    return at === undefined ? undefined : this.#heap[at]?.dueAt;
  }

  /** Adds `key`, or moves it to the new due time (and value) if already there. */
  schedule(key: K, dueAt: number, value: V): void {
    if (Number.isNaN(dueAt)) throw new RangeError('dueAt must not be NaN');
    const seq = this.#seq++;
    const at = this.#index.get(key);
    if (at === undefined) {
      this.#heap.push({ key, dueAt, value, seq });
      this.#index.set(key, this.#heap.length - 1);
      this.#up(this.#heap.length - 1);
      return;
    }
    const slot = this.#heap[at] as Slot<K, V>;
    Object.assign(slot, { dueAt, value, seq });
    this.#up(at);
    this.#down(this.#index.get(key) as number);
  }

  remove(key: K): boolean {
    const at = this.#index.get(key);
    if (at === undefined) return false;
    this.#removeAt(at);
    return true;
  }

  peek(): DueEntry<K, V> | undefined {
    const top = this.#heap[0];
    return top === undefined ? undefined : { key: top.key, dueAt: top.dueAt, value: top.value };
  }

  /** The earliest due time, or undefined when empty. */
  nextDueAt(): number | undefined {
    return this.#heap[0]?.dueAt;
  }

  /** Milliseconds from `now` until the earliest entry is due (0 if overdue); undefined when empty. */
  delayUntilNext(now: number): number | undefined {
    const next = this.nextDueAt();
    return next === undefined ? undefined : Math.max(0, next - now);
  }

  /** Removes and returns the earliest entry if it is due at `now`. */
  popDue(now: number): DueEntry<K, V> | undefined {
    const top = this.#heap[0];
    if (top === undefined || top.dueAt > now) return undefined;
    this.#removeAt(0);
    return { key: top.key, dueAt: top.dueAt, value: top.value };
  }

  /** Removes and returns every entry due at `now` (at most `limit`), earliest first. */
  drainDue(now: number, limit = Infinity): DueEntry<K, V>[] {
    const due: DueEntry<K, V>[] = [];
    while (due.length < limit) {
      const entry = this.popDue(now);
      if (entry === undefined) break;
      due.push(entry);
    }
    return due;
  }

  clear(): void {
    this.#heap = [];
    this.#index.clear();
  }

  #removeAt(at: number): void {
    const heap = this.#heap;
    const removed = heap[at] as Slot<K, V>;
    const last = heap.pop() as Slot<K, V>;
    this.#index.delete(removed.key);
    if (at === heap.length) return;
    heap[at] = last;
    this.#index.set(last.key, at);
    this.#up(at);
    this.#down(this.#index.get(last.key) as number);
  }

  #before(a: Slot<K, V>, b: Slot<K, V>): boolean {
    return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);
  }

  #up(start: number): void {
    const heap = this.#heap;
    let at = start;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.#before(heap[at] as Slot<K, V>, heap[parent] as Slot<K, V>)) break;
      this.#swap(at, parent);
      at = parent;
    }
  }

  #down(start: number): void {
    const heap = this.#heap;
    let at = start;
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let smallest = at;
      if (left < heap.length && this.#before(heap[left] as Slot<K, V>, heap[smallest] as Slot<K, V>)) smallest = left;
      if (right < heap.length && this.#before(heap[right] as Slot<K, V>, heap[smallest] as Slot<K, V>)) smallest = right;
      if (smallest === at) return;
      this.#swap(at, smallest);
      at = smallest;
    }
  }

  #swap(a: number, b: number): void {
    const heap = this.#heap;
    const first = heap[a] as Slot<K, V>;
    const second = heap[b] as Slot<K, V>;
    heap[a] = second;
    heap[b] = first;
    this.#index.set(second.key, a);
    this.#index.set(first.key, b);
  }
}
