// For a value the code knows is there but the type checker cannot see it: an index inside its
// array, a key the same code has just set, a group its regular expression always captures. A
// missing one is a bug, and it fails here, by name, rather than as a TypeError further on.

/** `value`, which must not be undefined; `what` names it in the error when it is. */
export function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing`);
  return value;
}
