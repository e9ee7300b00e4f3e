// Partial updates: the fields a caller gave (null included, as it clears), without the undefined ones.
export function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
