// Checks of a control request's input every source's routes share: ids and the fields a body may have.
import { HttpError } from './http-reply.js';

/** The ids config/values.ts parseId accepts, without trimming: an API caller sends exact ids. */
const ID = /^[A-Za-z0-9_-]{1,128}$/;

export function validId(value: unknown, field: string): string {
  if (value === undefined || value === null) throw new HttpError(400, `${field} is required`, field);
  if (typeof value !== 'string') throw new HttpError(400, `${field} must be a string`, field);
  if (!ID.test(value)) throw new HttpError(400, `${field} must be 1 to 128 letters, digits, '_' or '-'`, field);
  return value;
}

export function onlyFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(body).find((k) => !allowed.includes(k));
  if (unknown !== undefined) throw new HttpError(400, `unknown field; expected ${allowed.join(', ')}`, unknown);
}
