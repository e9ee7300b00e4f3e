// JSON answers and the one error shape of the --listen address:
// { "error": { "message": "...", "field": "run_id" } }.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { BridgeError } from '../core/errors.js';

export interface Reply {
  status: number;
  body: unknown;
  headers?: OutgoingHttpHeaders;
}

/** A request refused with `status`; `field` names the input at fault. */
export class HttpError extends BridgeError {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    readonly headers: OutgoingHttpHeaders = {},
  ) {
    super('refused', message);
  }
}

export function errorBody(message: string, field?: string): { error: { message: string; field?: string } } {
  return { error: field === undefined ? { message } : { message, field } };
}

export function errorReply(error: HttpError): Reply {
  return { status: error.status, body: errorBody(error.message, error.field), headers: error.headers };
}

export function sendJson(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = `${JSON.stringify(reply.body)}\n`;
  res.statusCode = reply.status;
  for (const [name, value] of Object.entries(reply.headers ?? {})) if (value !== undefined) res.setHeader(name, value);
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.setHeader('cache-control', 'no-store');
  // A body left unread (refused before reading it, or too large) is not drained: close instead.
  if (!req.complete) res.setHeader('connection', 'close');
  res.end(text);
}
