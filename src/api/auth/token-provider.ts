// Bearer tokens from a TokenCredential (the @azure/identity interface), cached and renewed
// before they expire, so no request goes out with a token about to lapse and concurrent
// requests share one renewal.
import { CredentialFailure, oneLine } from './credential-failure.js';

/** What `TokenCredential.getToken` returns (@azure/core-auth's AccessToken). */
export interface AccessTokenLike {
  token: string;
  /** Milliseconds since the epoch. */
  expiresOnTimestamp: number;
  /** When the issuer suggests renewing (milliseconds since the epoch). */
  refreshAfterTimestamp?: number;
}

/** The part of @azure/core-auth's TokenCredential the bridge uses. */
export interface TokenCredentialLike {
  getToken(scopes: string | string[]): Promise<AccessTokenLike | null>;
}

export interface TokenProviderOptions {
  scope: string;
  /** Renew this long before expiry (at most half the token's lifetime). Default 5 minutes. */
  refreshMarginMs?: number;
  now?: () => number;
}

/** Errors after which asking again cannot help: no identity configured, a rejected secret. */
function isPermanent(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof CredentialFailure) return true;
  if (error.name === 'CredentialUnavailableError' || error.name === 'AggregateAuthenticationError') return true;
  const status = (error as { statusCode?: unknown }).statusCode;
  return error.name === 'AuthenticationError' && typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * A function for the openai client's `apiKey` (it is called for every request attempt). A
 * permanent credential error becomes a CredentialFailure; any other failure is thrown as is
 * (the source retries it) unless the token in hand is still valid, which is then used.
 */
export function createTokenProvider(credential: () => Promise<TokenCredentialLike>, options: TokenProviderOptions): () => Promise<string> {
  const now = options.now ?? Date.now;
  const margin = options.refreshMarginMs ?? 5 * 60_000;
  let current: { token: AccessTokenLike; renewAt: number } | null = null;
  let pending: Promise<AccessTokenLike> | null = null;

  const fetchToken = async (): Promise<AccessTokenLike> => {
    const obtainedAt = now();
    let token: AccessTokenLike | null;
    try {
      token = await (await credential()).getToken(options.scope);
    } catch (error) {
      if (error instanceof CredentialFailure) throw error;
      if (isPermanent(error)) throw new CredentialFailure(`entra-id: no token for ${options.scope}: ${describe(error)}${hintFor(error)}`);
      throw new Error(`entra-id: getting a token failed: ${oneLine(error)}`, { cause: error });
    }
    if (!token || typeof token.token !== 'string' || token.token === '')
      throw new CredentialFailure(`entra-id: the credential returned no token for ${options.scope}`);
    const lifetime = Math.max(0, token.expiresOnTimestamp - obtainedAt);
    const renewAt = token.refreshAfterTimestamp ?? token.expiresOnTimestamp - Math.min(margin, lifetime / 2);
    current = { token, renewAt };
    return token;
  };

  return async () => {
    const held = current;
    if (held && now() < held.renewAt) return held.token.token;
    pending ??= fetchToken().finally(() => {
      pending = null;
    });
    try {
      return (await pending).token;
    } catch (error) {
      if (!(error instanceof CredentialFailure) && held && now() < held.token.expiresOnTimestamp) return held.token.token;
      throw error;
    }
  };
}

/** The first sentence of a message, without an `Error: ` prefix, cut to `max`. */
function firstSentence(error: unknown, max: number): string {
  const line = oneLine(error, 1000).replace(/^(Error:\s*)+/, '');
  const end = line.indexOf('. ');
  return oneLine(end > 0 ? line.slice(0, end) : line.replace(/\.$/, ''), max);
}

/** One line; for a chain of credentials, why each one failed. */
function describe(error: unknown): string {
  const inner = (error as { errors?: unknown }).errors;
  if (Array.isArray(inner) && inner.length > 0) {
    return oneLine(`no credential in the chain worked (${inner.map((e) => firstSentence(e, 80)).join('; ')})`, 400);
  }
  return oneLine(error);
}

function hintFor(error: unknown): string {
  if (error instanceof Error && (error.name === 'CredentialUnavailableError' || error.name === 'AggregateAuthenticationError')) {
    return ' (sign in with `az login`, set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET, or run with a managed identity; AZURE_TOKEN_CREDENTIALS picks which)';
  }
  return '';
}
