import { describe, expect, it } from 'vitest';
import { classifySqliteError, OutboxFullError, StateError } from '../../src/state/errors.js';

/** node:sqlite's error shape: an extended result code in `errcode`. */
function sqliteError(errcode: number, errstr: string): Error {
  return Object.assign(new Error(errstr), { code: 'ERR_SQLITE_ERROR', errcode, errstr });
}

describe('classifySqliteError', () => {
  const cases: [string, number, string][] = [
    ['disk full', 13, 'io'],
    ['I/O error (extended code SQLITE_IOERR_FSYNC)', 10 | (4 << 8), 'io'],
    ['read-only file', 8, 'io'],
    ['malformed image', 11, 'corrupt'],
    ['not a database', 26, 'corrupt'],
    ['busy', 5, 'locked'],
  ];
  for (const [what, errcode, code] of cases) {
    it(`turns ${what} into a one-line StateError '${code}'`, () => {
      const error = classifySqliteError(sqliteError(errcode, what), '/data/bridge.sqlite');
      expect(error).toBeInstanceOf(StateError);
      expect(error).toMatchObject({ code });
      expect((error as StateError).message).toContain('/data/bridge.sqlite');
      expect((error as StateError).message).not.toContain('\n');
    });
  }

  it('leaves bugs such as a constraint failure as they are', () => {
    const constraint = sqliteError(1299, 'NOT NULL constraint failed');
    expect(classifySqliteError(constraint, 'x')).toBe(constraint);
    const plain = new TypeError('bad');
    expect(classifySqliteError(plain, 'x')).toBe(plain);
  });
});

describe('OutboxFullError', () => {
  it('carries depth, cap and the refused count', () => {
    const error = new OutboxFullError(10, 10, 3);
    expect(error).toMatchObject({ name: 'OutboxFullError', depth: 10, cap: 10, refused: 3 });
    expect(error.message).toContain('cap 10');
  });
});
