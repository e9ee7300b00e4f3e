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
