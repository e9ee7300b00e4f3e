// Named priorities for the shared request budget. Finishing work (runs already known to be
// active or changed) goes before discovery (looking for new runs), which goes before background
// lookups (assistant names): when the budget is tight, what is nearly done gets done first.

export const PRIORITIES = ['finishing', 'discovery', 'background'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** p-queue starts higher numbers first. */
export const PRIORITY_RANK: Readonly<Record<Priority, number>> = {
  finishing: 2,
  discovery: 1,
  background: 0,
};

export function isPriority(value: unknown): value is Priority {
  return typeof value === 'string' && (PRIORITIES as readonly string[]).includes(value);
}
