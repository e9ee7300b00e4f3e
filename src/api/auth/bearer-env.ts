// A static bearer token from an environment variable. It cannot be renewed, so one that is
// missing or (as a JWT) already expired stops the start with a usage error.
import { ConfigError } from '../../config/config-error.js';

/** The `exp` claim of a JWT (Unix seconds), or null for anything that is not a JWT with one. Not verified: only read. */
export function jwtExpiry(token: string): number | null {
  const parts = token.split('.');
  const claims = parts[1];
  if (parts.length !== 3 || claims === undefined) return null;
  try {
    const payload = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as unknown;
    const exp = typeof payload === 'object' && payload !== null ? (payload as { exp?: unknown }).exp : undefined;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : null;
  } catch {
    return null;
  }
}

export function staticBearerToken(variable: string, token: string | null, nowMs: number = Date.now()): string {
  if (!token) throw new ConfigError('api.token_env', `${variable} is not set (bearer-env sends the token it holds)`);
  const exp = jwtExpiry(token);
  if (exp !== null && exp * 1000 <= nowMs) {
    throw new ConfigError(
      'api.token_env',
      `the token in ${variable} expired at ${new Date(exp * 1000).toISOString()} (tokens from \`az account get-access-token\` last about an hour; api.auth entra-id renews them)`,
    );
  }
  return token;
}
