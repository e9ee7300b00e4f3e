// Errors the state store raises. Each message is one line that says what is wrong and what to do,
// because it ends up verbatim on the operator's terminal (exit code 2 from the CLI).
import { BridgeError, EXIT, type Wording } from '../core/errors.js';

export type StateErrorCode = 'locked' | 'corrupt' | 'foreign' | 'newer-schema' | 'io';

/**
 * The way out through the state file setting, after the problem: another file (after `remedy`,
 * which is followed by `or …` and punctuated for it), the path of a file rather than a folder,
 * or the file `watch` uses.
 */
export type StateFileWayOut = { remedy: string | null; then: 'another-file' } | { then: 'a-file-path' | 'the-watch-file' };

const STATE_SETTING = 'watch.state';

/** `problem; way out`, naming the state setting as `name` does (the CLI's flag), else in words. */
function stateWording(problem: string, way: StateFileWayOut): Wording {
  return (name) => {
    const flag = name?.(STATE_SETTING) ?? null;
    switch (way.then) {
      case 'another-file': {
        const another = flag === null ? 'choose another state file' : `use ${flag} to choose another file`;
        return `${problem}; ${way.remedy === null ? another : `${way.remedy} or ${another}`}`;
      }
      case 'a-file-path':
        return `${problem}; give ${flag === null ? '' : `${flag} `}the path of a file (it is created when missing)`;
      case 'the-watch-file':
        return `${problem}; give the file \`watch\` uses${flag === null ? '' : ` with ${flag}`}`;
    }
  };
}

/**
 * The state file cannot be opened or written. At open it ends the command (exit 2); in the watch
 * loop a failed commit is tried again (a full disk may be freed, a reader let go).
 */
export class StateError extends BridgeError {
  readonly code: StateErrorCode;

  /** `message` says what is wrong and what to do; `way` adds the way out through the state file setting. */
  constructor(code: StateErrorCode, message: string, options: { cause?: unknown; way?: StateFileWayOut } = {}) {
    super('transient', options.way ? stateWording(message, options.way) : message, { exitCode: EXIT.usage, cause: options.cause });
    this.code = code;
  }
}

/**
 * The outbox holds `cap` spans and a commit would add more. Nothing of the commit was written:
 * the caller keeps its cursor where it was and retries once the sink has drained some rows.
 */
export class OutboxFullError extends BridgeError {
  readonly depth: number;
  readonly cap: number;
  /** Spans the refused commit would have added. */
  readonly refused: number;

  constructor(depth: number, cap: number, refused: number) {
    super(
      'backpressure',
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
  const code = error.errcode;
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
      return new StateError('corrupt', `state file ${path} is damaged (${why}); move it aside and start again, or restore a backup`, {
        cause: error,
      });
    case SQLITE.BUSY:
    case SQLITE.LOCKED:
      return new StateError('locked', `state file ${path} is held by another process (${why})`, {
        cause: error,
        way: { remedy: 'close whatever has it open', then: 'another-file' },
      });
    case SQLITE.FULL:
      return new StateError('io', `state file ${path} cannot grow: ${why}; free disk space and restart`, { cause: error });
    case SQLITE.PERM:
    case SQLITE.READONLY:
    case SQLITE.IOERR:
    case SQLITE.CANTOPEN:
      return new StateError('io', `state file ${path} cannot be read or written (${why})`, {
        cause: error,
        way: { remedy: 'check the path and its permissions', then: 'another-file' },
      });
    default:
      return error;
  }
}
