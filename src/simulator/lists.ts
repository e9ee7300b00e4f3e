// Cursor pagination as the API does it: limit 1..100 (default 20), order asc|desc (default desc),
// `after` / `before` object ids, and the list envelope with first_id, last_id, has_more.
import { integerOutOfRange, invalidType, invalidValue, type ApiError } from './errors.js';

export interface ListParams {
  limit: number;
  order: 'asc' | 'desc';
  after: string | null;
  before: string | null;
}

export interface ListPage<T> {
  object: 'list';
  data: T[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

export function parseListParams(query: URLSearchParams): ListParams | ApiError {
  let limit = DEFAULT_LIMIT;
  const rawLimit = query.get('limit');
  if (rawLimit !== null) {
    if (!/^-?\d+$/.test(rawLimit.trim())) return invalidType('limit', 'an integer', rawLimit);
    limit = Number(rawLimit);
    if (limit < 1) return integerOutOfRange('limit', limit, 'min', 1);
    if (limit > MAX_LIMIT) return integerOutOfRange('limit', limit, 'max', MAX_LIMIT);
  }
  const order = query.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') return invalidValue('order', order, ['asc', 'desc']);
  return { limit, order, after: query.get('after') || null, before: query.get('before') || null };
}

/**
 * `items` must already be in ascending order (created_at, then creation sequence). An unknown
 * cursor gives an empty page rather than guessing a position from the id.
 */
export function paginate<T extends { id: string }>(items: readonly T[], params: ListParams): ListPage<T> {
  const ordered = params.order === 'asc' ? items : [...items].reverse();
  let start = 0;
  let end = ordered.length;
  if (params.after !== null) {
    const i = ordered.findIndex((item) => item.id === params.after);
    start = i === -1 ? ordered.length : i + 1;
  }
  if (params.before !== null) {
    const i = ordered.findIndex((item) => item.id === params.before);
    end = i === -1 ? 0 : i;
  }
  const window = start < end ? ordered.slice(start, end) : [];
  // With only `before`, the page is the one just before the cursor.
  const fromEnd = params.before !== null && params.after === null;
  const data = fromEnd ? window.slice(Math.max(0, window.length - params.limit)) : window.slice(0, params.limit);
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null,
    has_more: window.length > data.length,
  };
}
