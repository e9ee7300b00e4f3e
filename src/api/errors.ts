// The Assistants source's errors, each saying what it means for the watch loop, and the one
// place that turns what the openai SDK threw into one of them.
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { BridgeError, EXIT, type SettingNamer } from '../core/errors.js';
import { describeNetworkError } from '../core/network-error.js';
import { CredentialFailure } from './auth/credential-failure.js';
import { OPENAI_KEY_HINTS, type CredentialHints } from './auth/credential-hints.js';

/** The API says the object is gone (deleted thread or run): untrack it. */
export class NotFound extends BridgeError {
  readonly what: string;

  constructor(what: string) {
    super('gone', `${what} was not found (deleted?)`);
    this.what = what;
  }
}

/**
 * GET /threads answered 404 (NotFound, the `cause`): the service has no thread list (OpenAI), so
 * following every thread cannot work. The route is missing, not a unit: fatal.
 */
export class ThreadListUnavailable extends BridgeError {
  constructor(cause: unknown) {
    super('fatal', threadListWording, { exitCode: EXIT.usage, cause });
  }
}

function threadListWording(name: SettingNamer | null): string {
  const problem = 'this service does not list threads (GET /threads answered 404)';
  if (name === null) return `cannot follow every thread: ${problem}; track threads one by one instead`;
  return `${name('watch.all_threads')}: ${problem}; track threads with ${name('watch.threads')} or the control routes instead`;
}

/** The key or token is wrong: nothing will work until the user fixes it. */
export class AuthFailure extends BridgeError {
  /** `message` words it for the credential in use (see auth/credential-hints.ts). */
  constructor(
    readonly status: number,
    message: string = status === 401 ? OPENAI_KEY_HINTS.rejected : OPENAI_KEY_HINTS.denied,
  ) {
    super('fatal', message, { exitCode: EXIT.usage });
  }
}

/**
 * The service refused what the bridge asks (400): a wrong api-version, base URL or profile.
 * Every later request would be refused the same way, so it is fatal.
 */
export class RequestRefused extends BridgeError {
  constructor(what: string, detail: string) {
    super('fatal', `the API refused the request for ${what} (400: ${detail}); check the base URL, the provider profile and api-version`, {
      exitCode: EXIT.usage,
    });
  }
}

/** A failure that may pass: 429/5xx after the budgeted fetch gave up, a body that was not JSON. */
export class TransientFailure extends BridgeError {
  constructor(
    message: string,
    readonly status?: number,
    options: { reportedElsewhere?: boolean } = {},
  ) {
    super('transient', message, options);
  }
}

/** The API could not be reached, or did not answer in time: the watch command's reachability log says so. */
export class ConnectionFailure extends TransientFailure {
  constructor(message: string) {
    super(message, undefined, { reportedElsewhere: true });
  }
}

/** What the SDK threw while asking for `what`, as one of the errors above. */
export function classifyApiError(what: string, error: unknown, hints: CredentialHints): BridgeError {
  // No token could be had at all (no Azure identity, a rejected secret): as fatal as a 401.
  if (error instanceof CredentialFailure) return new AuthFailure(401, error.summary);
  if (error instanceof APIError) {
    // instanceof leaves the class's type parameters, and so the status, as any.
    const status = typeof error.status === 'number' ? error.status : undefined;
    if (status === 404) return new NotFound(what);
    if (status === 400) return new RequestRefused(what, firstLine(error.message).slice(0, 200));
    if (status === 401 || status === 403) return new AuthFailure(status, status === 401 ? hints.rejected : hints.denied);
    if (error instanceof APIConnectionTimeoutError) return new ConnectionFailure(`${what}: request timed out`);
    // The SDK's message is always `Connection error.`; what happened is in its cause.
    if (error instanceof APIConnectionError)
      return new ConnectionFailure(`${what}: connection failed (${error.cause ? describeNetworkError(error.cause) : error.message})`);
    return new TransientFailure(`${what}: HTTP ${status ?? '?'}: ${firstLine(error.message)}`, status);
  }
  // A body that is not JSON surfaces as a SyntaxError from the SDK.
  return new TransientFailure(`${what}: ${firstLine(error instanceof Error ? error.message : String(error))}`);
}

const firstLine = (s: string): string => s.split('\n')[0]?.slice(0, 300) ?? '';
