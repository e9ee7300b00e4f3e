// Request-body checks shared by the API routes, with the API's messages.
import { badRequest, invalidType, type ApiError } from './errors.js';

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const isError = (value: unknown): value is ApiError =>
  isObject(value) && typeof value.status === 'number' && typeof value.message === 'string' && typeof value.type === 'string';

/** The documented limits: at most 16 pairs, keys up to 64 characters, string values up to 512. */
export function parseMetadata(value: unknown, param = 'metadata'): Record<string, string> | undefined | ApiError {
  if (value === undefined) return undefined;
  if (value === null) return {};
  if (!isObject(value)) return invalidType(param, 'an object', value);
  const entries = Object.entries(value);
  if (entries.length > 16) {
    return badRequest(
      `Invalid '${param}': too many properties. Expected an object with at most 16 properties, but got an object with ${entries.length} properties instead.`,
      param,
      'object_above_max_properties',
    );
  }
  const out: Record<string, string> = {};
  for (const [key, v] of entries) {
    if (key.length > 64)
      return badRequest(
        `Invalid '${param}': string too long. Expected a string with maximum length 64, but got a string with length ${key.length} instead.`,
        `${param}.${key}`,
        'string_above_max_length',
      );
    if (typeof v !== 'string') return invalidType(`${param}.${key}`, 'a string', v);
    if (v.length > 512)
      return badRequest(
        `Invalid '${param}.${key}': string too long. Expected a string with maximum length 512, but got a string with length ${v.length} instead.`,
        `${param}.${key}`,
        'string_above_max_length',
      );
    out[key] = v;
  }
  return out;
}

export function optionalString(body: Record<string, unknown>, key: string): string | undefined | ApiError {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : invalidType(key, 'a string', v);
}

export function optionalNumber(body: Record<string, unknown>, key: string, integer = false): number | undefined | null | ApiError {
  const v = body[key];
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)))
    return invalidType(key, integer ? 'an integer' : 'a number', v);
  return v;
}
