// Tells a bridge about runs the app created: over its control route (POST /v1/runs) or through a
// function the app supplies (a bridge in the same process). A failure is counted and reported,
// never thrown: tracing must not break the app's call.
import { sleep } from '../core/timing.js';

/** Registers one run; may throw or reject, which is counted as a failure. */
export type RegisterRun = (threadId: string, runId: string) => Promise<void> | void;

/** Where registration failures are reported: `console`, a pino logger, anything with `warn(message)`. */
export interface RegistrationLogger {
  warn(message: string): void;
}

export interface RegistrarOptions {
  /** The bridge's --listen address. Default: env ASSISTANTS_OTEL_BRIDGE_URL, else http://127.0.0.1:9464. */
  bridgeUrl?: string;
  /** Bearer token of the control routes. Default: env ASSISTANTS_OTEL_BRIDGE_CONTROL_TOKEN (the variable the bridge reads). */
  token?: string;
  /** In place of the control route: e.g. the Assistants watch's `addRun(t, r, 'library')` for a bridge in this process. */
  register?: RegisterRun;
  /** Per registration attempt. Default 2000 ms. */
  timeoutMs?: number;
  logger?: RegistrationLogger;
  /** The fetch used for the control route (default: the global one). */
  fetch?: typeof fetch;
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

/** POST {bridgeUrl}/v1/runs {thread_id, run_id}; resolves on 200 or 201. */
export function controlRouteRegister(options: Pick<RegistrarOptions, 'bridgeUrl' | 'token' | 'timeoutMs' | 'fetch'> = {}): RegisterRun {
  const url = `${normalizeBridgeUrl(options.bridgeUrl ?? process.env[BRIDGE_URL_ENV] ?? DEFAULT_BRIDGE_URL)}/v1/runs`;
  const token = options.token ?? process.env[CONTROL_TOKEN_ENV]?.trim();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const doFetch = options.fetch ?? fetch;
  const attempt = async (threadId: string, runId: string): Promise<void> => {
    const response = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ thread_id: threadId, run_id: runId }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status === 200 || response.status === 201) {
      await response.body?.cancel();
      return;
    }
    throw new HttpAnswerError(`the bridge at ${url} answered ${response.status}: ${await answerMessage(response)}`);
  };
  return async (threadId, runId) => {
    try {
      await attempt(threadId, runId);
    } catch (error) {
      if (error instanceof HttpAnswerError) throw error;
      await sleep(NETWORK_RETRY_MS);
      try {
        await attempt(threadId, runId);
      } catch (again) {
        if (again instanceof HttpAnswerError) throw again;
        throw new Error(`cannot reach the bridge at ${url}: ${describe(again)}`, { cause: again });
      }
    }
  };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

export class Registrar {
  readonly #register: RegisterRun;
  readonly #logger: RegistrationLogger | undefined;
  readonly #pending = new Set<Promise<void>>();
  #registered = 0;
  #failed = 0;
  #lastError: string | null = null;

  constructor(options: RegistrarOptions = {}) {
    this.#register = options.register ?? controlRouteRegister(options);
    this.#logger = options.logger;
  }

  /** Starts registering the run; the promise settles when done and never rejects. */
  register(threadId: string, runId: string): Promise<void> {
    const done = (async () => {
      try {
        await this.#register(threadId, runId);
        this.#registered += 1;
      } catch (error) {
        this.#failed += 1;
        this.#lastError = describe(error);
        try {
          this.#logger?.warn(
            `assistants-otel-bridge: run ${runId} on thread ${threadId} was not registered with the bridge: ${this.#lastError}`,
          );
        } catch {
          // A logger that throws must not turn a counted failure into the app's failure.
        }
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
