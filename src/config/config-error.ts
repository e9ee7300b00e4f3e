/** Bad usage or configuration: the CLI prints the one-line message and exits 2. */
export class ConfigError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
    readonly source?: string,
  ) {
    super(`${field}: ${reason}${source ? ` (from ${source})` : ''}`);
    this.name = 'ConfigError';
  }
}
