/**
 * A stable hash of a mapped row: equal values in the same columns give the same hash on every run
 * and every machine. Unchanged rows are skipped by comparing it with the id map.
 */
import { hash } from 'node:crypto';

/** SHA-1 (not for security: a 160-bit fingerprint) of the values in the given column order. */
export function rowHash(values: Readonly<Record<string, unknown>>, columns: readonly string[]): string {
  let text = '';
  for (const column of columns) text += `${canonical(values[column])}\u001f`;
  return hash('sha1', text, 'base64url');
}

function canonical(value: unknown): string {
  if (value === null || value === undefined) return '\u0000';
  switch (typeof value) {
    case 'string':
      return `s${value}`;
    case 'number':
      return `n${value}`;
    case 'boolean':
      return value ? 'T' : 'F';
    case 'bigint':
      return `n${value.toString()}`;
    default:
      return value instanceof Date ? `d${value.toISOString()}` : `j${JSON.stringify(value)}`;
  }
}
