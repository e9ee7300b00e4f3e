// Who may use the control routes: anyone on a loopback address without a token, the token's
// holder when there is one, nobody off loopback without one.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/config-error.js';
import type { ControlTokenSource } from '../config/types.js';
import { isLoopbackHost } from './listen-address.js';

/** `open`: no token needed; `token`: bearer token required; `disabled`: control routes answer 404. */
export type ControlAccess = 'open' | 'token' | 'disabled';

export function controlAccess(listenHost: string, token: string | null): ControlAccess {
  if (token !== null) return 'token';
  return isLoopbackHost(listenHost) ? 'open' : 'disabled';
}

/** The token of `source`, read once at start; throws ConfigError (exit 2) for a missing, unreadable or empty file. */
export function loadControlToken(source: ControlTokenSource | undefined): string | null {
  if (!source) return null;
  if (source.from === 'env') {
    // No value in the message: it may be most of the secret.
    if (source.value === '' || /\s/.test(source.value)) throw new ConfigError(source.variable, 'must be one token without spaces');
    return source.value;
  }
  let text: string;
  try {
    text = readFileSync(source.path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(source.field, `cannot read the control token file ${source.path} (${code})`, source.source);
  }
  // A file written by `echo` ends in a newline that is not part of the token.
  const token = text.trim();
  if (token === '') throw new ConfigError(source.field, `the control token file ${source.path} is empty`, source.source);
  if (/\s/.test(token))
    throw new ConfigError(source.field, `the control token file ${source.path} must hold one token on one line`, source.source);
  return token;
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

/** Constant time in the token's content and length: both sides are hashed to 32 bytes first. */
export function tokenMatches(expected: string, presented: string): boolean {
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(presented, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * A tokenless loopback listener still refuses requests whose Host header names something else:
 * a web page can point its own host name at 127.0.0.1 (DNS rebinding) and reach the port.
 */
export function isLoopbackHostHeader(host: string | undefined): boolean {
  if (!host) return false;
  const name = /^\[[^\]]+\]/.exec(host)?.[0] ?? host.replace(/:\d+$/, '');
  return isLoopbackHost(name);
}
