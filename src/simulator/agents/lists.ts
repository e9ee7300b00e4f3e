// List pages of the Agents API: `limit` 1..100 (default 20), `order` (default `desc`) and an
// exclusive `after` cursor, positioned among every object the list could hold (a cursor on an
// object the filter now hides, an unpublished trace say, still marks its place).
import { parseListParams, type ListPage, type ListParams } from '../lists.js';
import type { ApiError } from '../errors.js';
import { isError } from '../validate.js';

export type AgentsListParams = Omit<ListParams, 'before'>;

export function parseAgentsListParams(query: URLSearchParams): AgentsListParams | ApiError {
  const params = parseListParams(query);
  if (isError(params)) return params;
  const { before: _before, ...rest } = params;
  return rest;
}

/**
 * `universe` is in ascending order; `visible` says which of it the page may show. A cursor the
 * universe does not hold gives an empty page rather than a guessed position.
 */
export function pageOf<T extends { id: string }>(
  universe: readonly T[],
  visible: (item: T) => boolean,
  params: AgentsListParams,
): ListPage<T> {
  const ordered = params.order === 'asc' ? universe : [...universe].reverse();
  let start = 0;
  if (params.after !== null) {
    const i = ordered.findIndex((item) => item.id === params.after);
    start = i === -1 ? ordered.length : i + 1;
  }
  const data: T[] = [];
  let hasMore = false;
  for (const item of ordered.slice(start)) {
    if (!visible(item)) continue;
    if (data.length === params.limit) {
      hasMore = true;
      break;
    }
    data.push(item);
  }
  return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null, has_more: hasMore };
}
