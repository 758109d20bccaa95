/**
 * Batched upsert on PostgreSQL-compatible targets (PostgreSQL, PGlite): one multi-row
 * `INSERT … ON CONFLICT (key) DO UPDATE` per chunk, returning the target id and whether the row
 * was new (`xmax = 0`), mapped back to input order by key.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Row, TargetTable } from '../types.js';
import { FatalError } from '../errors.js';

/** A row an upsert wrote: its target id, as text, and whether it was new. */
export interface UpsertedRow {
  readonly id: string;
  readonly inserted: boolean;
}

interface ReturnedRow {
  readonly __id: string;
  readonly __key: string;
  readonly __inserted: boolean;
}

export async function upsertRows(
  db: Kysely<any> | Transaction<any>,
  target: TargetTable,
  rows: readonly Row[],
  maxParams: number,
): Promise<UpsertedRow[]> {
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]!);
  if (!columns.includes(target.key)) throw new FatalError(`upsert into ${target.table}: rows lack the key column \`${target.key}\``);
  const perStatement = Math.max(1, Math.floor(maxParams / columns.length));
  const updates = columns.filter((column) => column !== target.key);
  const byKey = new Map<string, UpsertedRow>();
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement).map((row) => toParameters(row, columns));
    const returned = (await db
      .insertInto(target.table)
      .values(chunk)
      .onConflict((conflict) =>
        conflict.column(target.key).doUpdateSet(
          Object.fromEntries((updates.length > 0 ? updates : [target.key]).map((column) => [column, sql.ref(`excluded.${column}`)])),
        ),
      )
      .returning([
        sql<string>`${sql.ref(target.id)}::text`.as('__id'),
        sql<string>`${sql.ref(target.key)}::text`.as('__key'),
        sql<boolean>`(xmax = 0)`.as('__inserted'),
      ])
      .execute()) as ReturnedRow[];
    for (const row of returned) byKey.set(row.__key, { id: row.__id, inserted: row.__inserted });
  }
  return rows.map((row) => {
    const outcome = byKey.get(String(row[target.key]));
    if (!outcome) throw new FatalError(`upsert into ${target.table}: no row came back for key '${String(row[target.key])}'`);
    return outcome;
  });
}

/** Values as the pg protocol takes them: objects and arrays as JSON text (pg would send arrays as PostgreSQL arrays). */
function toParameters(row: Row, columns: readonly string[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const column of columns) {
    const value = row[column];
    values[column] = value !== null && typeof value === 'object' && !(value instanceof Date) ? JSON.stringify(value) : value ?? null;
  }
  return values;
}

/** `"schema"."table"` from `schema.table`. */
export function quotePgIdentifier(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.');
}
