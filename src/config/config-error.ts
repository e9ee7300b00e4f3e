import { BridgeError, EXIT } from '../core/errors.js';

/** Bad usage or configuration: the CLI prints the one-line message and exits 2. */
export class ConfigError extends BridgeError {
  constructor(
    readonly field: string,
    readonly reason: string,
    readonly source?: string,
    /** The line of the config file that holds the field. */
    readonly line?: number,
  ) {
    super('fatal', `${field}: ${reason}${source ? ` (from ${source}${line ? `, line ${line}` : ''})` : ''}`, { exitCode: EXIT.usage });
  }
}

/**
 * Every problem of one config file, so one run shows them all: a line each. `field`, `reason`
 * and `source` are the first problem's.
 */
export class ConfigProblems extends ConfigError {
  readonly problems: readonly ConfigError[];

  constructor(problems: readonly ConfigError[]) {
    const first = problems[0];
    if (!first) throw new RangeError('ConfigProblems needs at least one problem');
    super(first.field, first.reason, first.source, first.line);
    this.problems = problems;
    this.message = problems.map((p) => p.message).join('\n');
  }
}
