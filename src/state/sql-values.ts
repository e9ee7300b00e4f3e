// Column values as node:sqlite hands them back, read as the types the schema declares.
import type { DatabaseSync, SQLOutputValue, StatementSync } from 'node:sqlite';

export function str(value: SQLOutputValue | undefined): string {
  return typeof value === 'string' ? value : String(value ?? '');
}

export function optStr(value: SQLOutputValue | undefined): string | null {
  return value === null || value === undefined ? null : str(value);
}

export function num(value: SQLOutputValue | undefined): number {
  return typeof value === 'number' ? value : Number(value ?? 0);
}

/** A statement returning rows as arrays: node:sqlite builds an object per row several times slower, which shows at 10,000 units. */
export function prepareArrays(db: DatabaseSync, sql: string): StatementSync {
  const stmt = db.prepare(sql);
  stmt.setReturnArrays(true);
  return stmt;
}
