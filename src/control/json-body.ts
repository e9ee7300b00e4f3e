// The body of a request, at most `limitBytes`; a control POST's is JSON, an object.
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-reply.js';

export const BODY_LIMIT_BYTES = 16 * 1024;

function isJsonType(contentType: string | undefined): boolean {
  const [mediaType = ''] = (contentType ?? '').split(';');
  const type = mediaType.trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** The raw body, refused with 413 (before reading, when content-length says so) beyond `limitBytes`. */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const tooLarge = (): HttpError => new HttpError(413, `the body must be at most ${limitBytes} bytes`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limitBytes) throw tooLarge();
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export async function readJsonObject(req: IncomingMessage, limitBytes = BODY_LIMIT_BYTES): Promise<Record<string, unknown>> {
  if (!isJsonType(req.headers['content-type'])) {
    throw new HttpError(415, 'the body must be JSON (content-type: application/json)');
  }
  const text = (await readBody(req, limitBytes)).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, text.trim() === '' ? 'the body is empty; send a JSON object' : 'the body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HttpError(400, 'the body must be a JSON object');
  return parsed as Record<string, unknown>;
}
