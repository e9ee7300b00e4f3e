// Views of the SDK's objects with some methods replaced. A Proxy whose other methods are bound to
// the real object: the SDK keeps private fields that a Proxy receiver cannot reach.

export type Obj = Record<PropertyKey, unknown>;
export type Fn = (this: unknown, ...args: unknown[]) => unknown;

export const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null;
export const isFn = (value: unknown): value is Fn => typeof value === 'function';

/** A view of `target` where `overrides` replace properties (undefined: none) and methods are bound to `target`. */
export function overlay<T extends object>(target: T, overrides: (prop: PropertyKey) => unknown): T {
  const bound = new Map<PropertyKey, { fn: Fn; bound: unknown }>();
  return new Proxy(target, {
    get(t, prop) {
      const replaced = overrides(prop);
      if (replaced !== undefined) return replaced;
      const value: unknown = Reflect.get(t, prop, t);
      if (!isFn(value)) return value;
      const cached = bound.get(prop);
      if (cached?.fn === value) return cached.bound;
      const b = value.bind(t);
      bound.set(prop, { fn: value, bound: b });
      return b;
    },
  });
}

/** Whether `value` is a run as the API returns it (enough of one to register it). */
export function isRun(value: unknown): value is { id: string; thread_id: string } {
  return isObj(value) && typeof value.id === 'string' && typeof value.thread_id === 'string';
}

/**
 * Calls `onData` with what an APIPromise resolves to, keeping it an APIPromise (so
 * `.withResponse()` and `.asResponse()` still work) through the SDK's own `_thenUnwrap`; a plain
 * promise otherwise. `onData` returns what the caller gets.
 */
export function observeResult(result: unknown, onData: (data: unknown) => unknown): unknown {
  if (isObj(result) && isFn(result._thenUnwrap)) return result._thenUnwrap(onData);
  if (isObj(result) && isFn(result.then)) return (result as unknown as Promise<unknown>).then(onData);
  return result;
}

/** An iterator that hands each value it yields to `onItem` (which must not throw) on its way out. */
function watchIterator(iterator: AsyncIterator<unknown>, onItem: (value: unknown) => void): AsyncIterator<unknown> {
  const look = (result: IteratorResult<unknown>): IteratorResult<unknown> => {
    if (!result.done) onItem(result.value);
    return result;
  };
  const end = iterator.return?.bind(iterator);
  const raise = iterator.throw?.bind(iterator);
  return {
    next: async (...a: [] | [unknown]) => look(await iterator.next(...a)),
    ...(end ? { return: (value?: unknown) => end(value) } : {}),
    ...(raise ? { throw: (error?: unknown) => raise(error) } : {}),
  };
}

/**
 * Whether `data` is an SSE stream of the SDK (async iterable); if so, each event its iteration
 * yields is handed to `onItem` as well. The same object stays the caller's.
 */
export function observeIteration(data: unknown, onItem: (value: unknown) => void): boolean {
  if (!isObj(data) || !isFn(data[Symbol.asyncIterator])) return false;
  const original = (data[Symbol.asyncIterator] as () => AsyncIterator<unknown>).bind(data);
  Object.defineProperty(data, Symbol.asyncIterator, {
    configurable: true,
    writable: true,
    value: () => watchIterator(original(), onItem),
  });
  return true;
}
