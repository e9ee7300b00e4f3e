// What the Azure dialects share: the required `api-version` query parameter, Azure's error
// body for authentication failures, and its request-id headers. The messages follow what
// Azure's gateways answer (see the README's compatibility notes for what is documented).
import type { IncomingHttpHeaders } from 'node:http';
import { randomUUID } from 'node:crypto';
import { errorBody, type ApiError } from '../errors.js';
import type { DialectRequest } from '../dialect.js';

/** Marks errors rendered in Azure's `{ error: { code, message } }` shape. */
const AZURE = 'azure_gateway_error';

export const azureError = (status: number, code: string, message: string): ApiError => ({
  status,
  message,
  type: AZURE,
  param: null,
  code,
});

export function azureErrorBody(error: ApiError): unknown {
  return error.type === AZURE ? { error: { code: error.code, message: error.message } } : errorBody(error);
}

export const azureRequestIdHeaders = (requestId: string): Record<string, string> => ({
  'apim-request-id': randomUUID(),
  'x-request-id': requestId,
});

export function checkApiVersion({ query, path }: DialectRequest, supported: readonly string[]): ApiError | null {
  const version = query.get('api-version');
  if (version === null || version.trim() === '') {
    return azureError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
  }
  if (!supported.includes(version)) {
    return azureError(
      400,
      'UnsupportedApiVersion',
      `The HTTP resource that matches the request URI '${path}' does not support the API version '${version}'. Supported: ${supported.join(', ')}.`,
    );
  }
  return null;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The token of an `Authorization: Bearer` header, if there is one. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const auth = single(headers.authorization);
  const match = typeof auth === 'string' ? /^Bearer\s+(.+)$/i.exec(auth.trim()) : null;
  return match?.[1]?.trim();
}

export function apiKeyHeader(headers: IncomingHttpHeaders): string | undefined {
  return single(headers['api-key'])?.trim();
}

/** Which bearer tokens a dialect accepts; `nowMs` lets a test issue tokens that expire. */
export type TokenCheck = (token: string, nowMs: number) => boolean;
