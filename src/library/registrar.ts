// Tells a bridge about the work the app created (runs: POST /v1/runs; responses: POST
// /v1/responses) over its control routes, or through a function the app supplies (a bridge in the
// same process). A failure is counted and reported, never thrown: tracing must not break the app's call.
import { sleep } from '../core/timing.js';

/** Registers one run; may throw or reject, which is counted as a failure. */
export type RegisterRun = (threadId: string, runId: string) => Promise<void> | void;
/** Registers one response; may throw or reject, which is counted as a failure. */
export type RegisterResponse = (responseId: string) => Promise<void> | void;

/** Where registration failures are reported: `console`, a pino logger, anything with `warn(message)`. */
export interface RegistrationLogger {
  warn(message: string): void;
}

/** How the control routes of the bridge are reached. */
export interface BridgeConnectionOptions {
  /** The bridge's --listen address. Default: env ASSISTANTS_OTEL_BRIDGE_URL, else http://127.0.0.1:9464. */
  bridgeUrl?: string;
  /** Bearer token of the control routes. Default: env ASSISTANTS_OTEL_BRIDGE_CONTROL_TOKEN (the variable the bridge reads). */
  token?: string;
  /** Per registration attempt. Default 2000 ms. */
  timeoutMs?: number;
  /** The fetch used for the control route (default: the global one). */
  fetch?: typeof fetch;
}

export interface RegistrarOptions extends BridgeConnectionOptions {
  /** In place of the control route: e.g. the Assistants watch's `addRun(t, r, 'library')` for a bridge in this process. */
  register?: RegisterRun;
  logger?: RegistrationLogger;
}

export interface ResponseRegistrarOptions extends BridgeConnectionOptions {
  /** In place of the control route: e.g. the responses watch's `addResponse(id, 'library')` for a bridge in this process. */
  register?: RegisterResponse;
  logger?: RegistrationLogger;
}

export interface RegistrationStats {
  registered: number;
  failed: number;
  /** Registrations still on their way. */
  pending: number;
  lastError: string | null;
}

export const DEFAULT_BRIDGE_URL = 'http://127.0.0.1:9464';
export const BRIDGE_URL_ENV = 'ASSISTANTS_OTEL_BRIDGE_URL';
export const CONTROL_TOKEN_ENV = 'ASSISTANTS_OTEL_BRIDGE_CONTROL_TOKEN';
const DEFAULT_TIMEOUT_MS = 2_000;
/** A refused connection is retried once after this long (a bridge restarting); an HTTP answer is not. */
const NETWORK_RETRY_MS = 250;

/** `host:port` or a URL, as `http://host:port` without a trailing slash. */
export function normalizeBridgeUrl(value: string): string {
  const trimmed = value.trim().replace(/\/+$/, '');
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
}

class HttpAnswerError extends Error {}

async function answerMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: unknown } };
    return typeof body.error?.message === 'string' ? body.error.message : response.statusText;
  } catch {
    return response.statusText;
  }
}

/** POSTs a JSON body to `{bridgeUrl}{path}`; resolves on 200 or 201, retries a refused connection once. */
export function controlRoutePost(path: string, options: BridgeConnectionOptions = {}): (body: Record<string, unknown>) => Promise<void> {
  const url = `${normalizeBridgeUrl(options.bridgeUrl ?? process.env[BRIDGE_URL_ENV] ?? DEFAULT_BRIDGE_URL)}${path}`;
  const token = options.token ?? process.env[CONTROL_TOKEN_ENV]?.trim();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const doFetch = options.fetch ?? fetch;
  const attempt = async (body: Record<string, unknown>): Promise<void> => {
    const response = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status === 200 || response.status === 201) {
      await response.body?.cancel();
      return;
    }
    throw new HttpAnswerError(`the bridge at ${url} answered ${response.status}: ${await answerMessage(response)}`);
  };
  return async (body) => {
    try {
      await attempt(body);
    } catch (error) {
      if (error instanceof HttpAnswerError) throw error;
      await sleep(NETWORK_RETRY_MS);
      try {
        await attempt(body);
      } catch (again) {
        if (again instanceof HttpAnswerError) throw again;
        throw new Error(`cannot reach the bridge at ${url}: ${describe(again)}`, { cause: again });
      }
    }
  };
}

/** POST {bridgeUrl}/v1/runs {thread_id, run_id}; resolves on 200 or 201. */
export function controlRouteRegister(options: BridgeConnectionOptions = {}): RegisterRun {
  const post = controlRoutePost('/v1/runs', options);
  return (threadId, runId) => post({ thread_id: threadId, run_id: runId });
}

/** POST {bridgeUrl}/v1/responses {response_id}; resolves on 200 or 201. */
export function controlRouteRegisterResponse(options: BridgeConnectionOptions = {}): RegisterResponse {
  const post = controlRoutePost('/v1/responses', options);
  return (responseId) => post({ response_id: responseId });
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/** Registrations under way and how they went: counted, failures logged, nothing ever thrown. */
export abstract class Registrations {
  readonly #logger: RegistrationLogger | undefined;
  readonly #pending = new Set<Promise<boolean>>();
  #registered = 0;
  #failed = 0;
  #lastError: string | null = null;

  constructor(logger: RegistrationLogger | undefined) {
    this.#logger = logger;
  }

  /**
   * Starts `task`; the promise settles when done, true when it registered, and never rejects.
   * `what` names the work in the warning.
   */
  protected track(what: string, task: () => Promise<void> | void): Promise<boolean> {
    const done = (async () => {
      try {
        await task();
        this.#registered += 1;
        return true;
      } catch (error) {
        this.#failed += 1;
        this.#lastError = describe(error);
        try {
          this.#logger?.warn(`assistants-otel-bridge: ${what} was not registered with the bridge: ${this.#lastError}`);
        } catch {
          // A logger that throws must not turn a counted failure into the app's failure.
        }
        return false;
      }
    })();
    this.#pending.add(done);
    void done.finally(() => this.#pending.delete(done));
    return done;
  }

  /** Resolves once every registration started so far has settled. */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  stats(): RegistrationStats {
    return { registered: this.#registered, failed: this.#failed, pending: this.#pending.size, lastError: this.#lastError };
  }
}

/** Registers runs: over POST /v1/runs, or through `options.register`. */
export class Registrar extends Registrations {
  readonly #register: RegisterRun;

  constructor(options: RegistrarOptions = {}) {
    super(options.logger);
    this.#register = options.register ?? controlRouteRegister(options);
  }

  /** Starts registering the run; the promise settles when done and never rejects. */
  async register(threadId: string, runId: string): Promise<void> {
    await this.track(`run ${runId} on thread ${threadId}`, () => this.#register(threadId, runId));
  }
}

/** Registers responses: over POST /v1/responses, or through `options.register`. */
export class ResponseRegistrar extends Registrations {
  readonly #register: RegisterResponse;

  constructor(options: ResponseRegistrarOptions = {}) {
    super(options.logger);
    this.#register = options.register ?? controlRouteRegisterResponse(options);
  }

  /** Starts registering the response; the promise settles when done (true: registered) and never rejects. */
  register(responseId: string): Promise<boolean> {
    return this.track(`response ${responseId}`, () => this.#register(responseId));
  }
}
