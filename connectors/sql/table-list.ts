/** Table listings shared by the database sources. */
import type { Row, TableInfo } from '../types.js';

/** `(name, pk)` rows, ordered by name then key position, as one entry per table. */
export function groupPrimaryKeys(rows: readonly Row[]): TableInfo[] {
  const tables = new Map<string, string[]>();
  for (const row of rows) {
    const name = String(row.name);
    const keys = tables.get(name) ?? [];
    if (row.pk !== null && row.pk !== undefined) keys.push(String(row.pk));
    tables.set(name, keys);
  }
  return [...tables].map(([name, primaryKey]) => ({ name, primaryKey }));
}
