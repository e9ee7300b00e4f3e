// Says when a peer (the API, the collector) cannot be reached, keeps saying so at a bounded rate
// for as long as it lasts (with how long and how many attempts), and says when it answers again.
// A long outage is a line every `repeatMs`, not one line and then silence, nor one per attempt.

/** The part of the logger this needs. */
export interface ReachabilityLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
}

export interface ReachabilityLogOptions {
  log: ReachabilityLogger;
  /** The first words of each failure line, naming the peer and its address: `cannot reach the API at http://...`. */
  problem: string;
  /** The first words of the recovery line: `the API at http://... answers again`. */
  recovered: string;
  /** Fields of every line, e.g. `{ address }`. */
  fields?: Record<string, unknown>;
  /** More fields computed when a line is written, e.g. the outbox depth. */
  context?: () => Record<string, unknown>;
  repeatMs?: number;
  now?: () => number;
}

/** While failing, a line at most this often. */
export const DEFAULT_REPEAT_MS = 30_000;

export class ReachabilityLog {
  readonly #options: ReachabilityLogOptions;
  readonly #repeatMs: number;
  readonly #now: () => number;
  #failingSince: number | null = null;
  #loggedAt = 0;
  #failures = 0;

  constructor(options: ReachabilityLogOptions) {
    this.#options = options;
    this.#repeatMs = options.repeatMs ?? DEFAULT_REPEAT_MS;
    this.#now = options.now ?? Date.now;
  }

  /** Failing since this time (ms), or null while it answers. */
  get failingSince(): number | null {
    return this.#failingSince;
  }

  /** An attempt failed to reach the peer; `cause` says how (`connect ECONNREFUSED 127.0.0.1:9`). */
  failed(cause: string): void {
    const now = this.#now();
    this.#failures += 1;
    const { log, problem } = this.#options;
    if (this.#failingSince === null) {
      this.#failingSince = now;
      this.#loggedAt = now;
      log.warn(this.#fields({ cause }), `${problem}: ${cause}; retrying`);
      return;
    }
    if (now - this.#loggedAt < this.#repeatMs) return;
    this.#loggedAt = now;
    const seconds = Math.round((now - this.#failingSince) / 1000);
    log.warn(
      this.#fields({ cause, failingForS: seconds, failedAttempts: this.#failures }),
      `${problem} for ${seconds} s (${this.#failures} failed attempts): ${cause}`,
    );
  }

  /** An attempt got an answer (any answer: a 503 is the peer talking). */
  answered(): void {
    if (this.#failingSince === null) return;
    const seconds = Math.round((this.#now() - this.#failingSince) / 1000);
    this.#options.log.info(
      this.#fields({ failedForS: seconds, failedAttempts: this.#failures }),
      `${this.#options.recovered} after ${seconds} s (${this.#failures} failed attempts)`,
    );
    this.#failingSince = null;
    this.#failures = 0;
  }

  #fields(extra: Record<string, unknown>): Record<string, unknown> {
    return { ...this.#options.fields, ...extra, ...this.#options.context?.() };
  }
}
