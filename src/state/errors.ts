// Errors the state store raises. Each message is one line that says what is wrong and what to do,
// because it ends up verbatim on the operator's terminal (exit code 1 or 2 from the CLI).

export type StateErrorCode = 'locked' | 'corrupt' | 'foreign' | 'newer-schema' | 'io';

export class StateError extends Error {
  override readonly name = 'StateError';
  readonly code: StateErrorCode;

  constructor(code: StateErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * The outbox holds `cap` spans and a commit would add more. Nothing of the commit was written:
 * the caller keeps its cursor where it was and retries once the sink has drained some rows.
 */
export class OutboxFullError extends Error {
  override readonly name = 'OutboxFullError';
  readonly depth: number;
  readonly cap: number;
  /** Spans the refused commit would have added. */
  readonly refused: number;

  constructor(depth: number, cap: number, refused: number) {
    super(
      `outbox is full (${depth} spans waiting, cap ${cap}); ${refused} new spans held back until the collector accepts the backlog`,
    );
    this.depth = depth;
    this.cap = cap;
    this.refused = refused;
  }
}

/** What node:sqlite attaches to its errors: the extended SQLite result code. */
export function sqliteResultCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('errcode' in error)) return undefined;
  const code = (error as { errcode: unknown }).errcode;
  // Extended result codes carry the primary code in their low byte.
  return typeof code === 'number' ? code & 0xff : undefined;
}

export const SQLITE = {
  PERM: 3,
  BUSY: 5,
  LOCKED: 6,
  READONLY: 8,
  IOERR: 10,
  CORRUPT: 11,
  FULL: 13,
  CANTOPEN: 14,
  NOTADB: 26,
} as const;

export function errorText(error: unknown): string {
  // Node's fs messages already begin with their code (`ENOENT: no such file ...`).
  return error instanceof Error ? error.message : String(error);
}

/**
 * Turns an SQLite failure about the file itself (disk full, I/O, corruption, busy) into a
 * StateError; anything else (a constraint, a bad argument) is a bug and is returned unchanged.
 */
export function classifySqliteError(error: unknown, path: string): unknown {
  if (error instanceof StateError) return error;
  const code = sqliteResultCode(error);
  const why = errorText(error);
  switch (code) {
    case SQLITE.CORRUPT:
    case SQLITE.NOTADB:
      return new StateError(
        'corrupt',
        `state file ${path} is damaged (${why}); move it aside and start again, or restore a backup`,
        { cause: error },
      );
    case SQLITE.BUSY:
    case SQLITE.LOCKED:
      return new StateError(
        'locked',
        `state file ${path} is held by another process (${why}); close whatever has it open or use --state to choose another file`,
        { cause: error },
      );
    case SQLITE.FULL:
      return new StateError('io', `state file ${path} cannot grow: ${why}; free disk space and restart`, { cause: error });
    case SQLITE.PERM:
    case SQLITE.READONLY:
    case SQLITE.IOERR:
    case SQLITE.CANTOPEN:
      return new StateError(
        'io',
        `state file ${path} cannot be read or written (${why}); check the path and its permissions or use --state to choose another file`,
        { cause: error },
      );
    default:
      return error;
  }
}
