// What an error means, asked by whoever meets it: the watch loop (stop, untrack, retry, hold back
// or let it be), the control server (answer with a status) and `main` (the exit code and the
// line to print). Nothing decides by listing error classes.

/** Exit codes of the command line. */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** A runtime failure, e.g. the collector refused spans. */
  failure: 1,
  /** Bad usage or configuration, or a service that refuses what the bridge is set up to ask. */
  usage: 2,
} as const;

export type ErrorMeaning =
  /** Nothing later will work: stop, and exit with the error's code and its line as the last word. */
  | 'fatal'
  /** What the look was about is gone upstream (deleted): stop tracking it. */
  | 'gone'
  /** May pass: try again later, under the request budget. */
  | 'transient'
  /** The outbox is full: hold new spans back and try again once the sink has sent some. */
  | 'backpressure'
  /** Cut short because the bridge is stopping: no failure. */
  | 'shutdown'
  /** One request was refused as sent (the control routes answer it with its status); nothing else is affected. */
  | 'refused';

/** How the reader knows a setting (by its config key, e.g. `watch.state`): the CLI gives its flag. */
export type SettingNamer = (setting: string) => string;

/**
 * An error's line, given how to name the settings it mentions: null below the CLI, where a
 * setting is said in words ("choose another state file"); the CLI passes its flags.
 */
export type Wording = (name: SettingNamer | null) => string;

export interface BridgeErrorOptions {
  /** Default: EXIT.usage for a fatal error, else EXIT.failure. */
  exitCode?: number;
  cause?: unknown;
  /** Said once for all by whoever watches that dependency (the API's reachability log): the loop logs it quietly. */
  reportedElsewhere?: boolean;
}

/**
 * An error that says what it means. `meaning` is for a loop that meets it; `exitCode` and the
 * line are for `main`, when the error gets that far (a state file that fails during a watch is
 * tried again; the same error at start ends the command with exit 2).
 */
export class BridgeError extends Error {
  readonly meaning: ErrorMeaning;
  /** The exit code when this error ends the process. */
  readonly exitCode: number;
  readonly reportedElsewhere: boolean;
  /** Null when the line names no setting: then it is the message (which a subclass may still set). */
  readonly #wording: Wording | null;

  /** `message` is the line; a Wording when the line names a setting. */
  constructor(meaning: ErrorMeaning, message: string | Wording, options: BridgeErrorOptions = {}) {
    super(typeof message === 'string' ? message : message(null), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.meaning = meaning;
    this.exitCode = options.exitCode ?? (meaning === 'fatal' ? EXIT.usage : EXIT.failure);
    this.reportedElsewhere = options.reportedElsewhere ?? false;
    this.#wording = typeof message === 'string' ? null : message;
  }

  /** The error's line for a reader who knows settings by `name` (the CLI: its flags); without, the message. */
  lineFor(name: SettingNamer | null): string {
    return name === null || this.#wording === null ? this.message : this.#wording(name);
  }
}

/** Refused because the part asked was shut down (the request budget, the state store). */
export class ShutdownError extends BridgeError {
  constructor(message: string) {
    super('shutdown', message);
  }
}

/** What `error` means to a loop: an error that does not say is unexpected, and may pass. */
export function meaningOf(error: unknown): ErrorMeaning {
  return error instanceof BridgeError ? error.meaning : 'transient';
}
