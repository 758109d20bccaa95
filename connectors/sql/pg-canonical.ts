/**
 * The canonical forms of pipelines/reconcile/canonical-value.ts computed by PostgreSQL (and PGlite)
 * from the stored columns, so that a key range of a target table is checked with one aggregate and
 * no row leaves the database. Each expression must give exactly the text `canonicalValue` gives in
 * JavaScript for the same value (test/integration/content-reconcile.test.ts proves it per kind).
 */
import { sql, type RawBuilder } from 'kysely';
import type { ColumnKind, TargetColumn } from '../sink.js';
import { NULL_MARK } from './canonical-form.js';

/** The kind of a column from `information_schema.columns.data_type` (or `udt_name`). */
export function pgColumnKind(dataType: string): ColumnKind {
  const type = dataType.toLowerCase();
  if (/^(smallint|integer|bigint|numeric|decimal|real|double precision|int[248]|float[48])$/.test(type)) return 'number';
  if (type.startsWith('timestamp')) return 'instant';
  if (type === 'date') return 'date';
  if (type === 'boolean' || type === 'bool') return 'boolean';
  if (type === 'json' || type === 'jsonb') return 'json';
  if (type === 'uuid') return 'uuid';
  // char(n) pads with blanks, which its text form drops.
  if (type === 'character' || type === 'bpchar') return 'padded';
  return 'text';
}

/** The canonical form of a column's value, computed by PostgreSQL from the stored column. */
export function canonicalSql(column: TargetColumn, table?: string): RawBuilder<string | null> {
  const c = table ? sql.ref(`${table}.${column.name}`) : sql.ref(column.name);
  switch (column.kind) {
    case 'number':
      return sql<string | null>`trim_scale(${c}::numeric)::text`;
    case 'instant':
      return sql<string | null>`floor(extract(epoch from ${c}) * 1000)::bigint::text`;
    case 'date':
      return sql<string | null>`to_char(${c}, 'YYYY-MM-DD')`;
    case 'boolean':
      return sql<string | null>`CASE WHEN ${c} THEN 'T' WHEN NOT ${c} THEN 'F' END`;
    case 'json':
      return sql<string | null>`${c}::jsonb::text`;
    case 'uuid':
      return sql<string | null>`${c}::text`;
    case 'padded':
    case 'text':
      return sql<string | null>`nullif(${c}::text, '')`;
  }
}

/** The row text (`rowText` in JavaScript) over the canonical expressions of the columns. */
export function rowTextSql(columns: readonly TargetColumn[], table?: string): RawBuilder<string> {
  const parts = columns.map((column) => {
    const value = canonicalSql(column, table);
    return sql`coalesce(octet_length(${value})::text || ':' || ${value}, ${NULL_MARK}) || ';'`;
  });
  return sql<string>`(${sql.join(parts, sql` || `)})`;
}

/** The per-row digest (`rowDigest` in JavaScript); summed per key range as `numeric`, so sums never overflow. */
export function rowDigestSql(columns: readonly TargetColumn[], table?: string): RawBuilder<string> {
  return sql<string>`('x' || substr(md5(${rowTextSql(columns, table)}), 1, 15))::bit(60)::bigint`;
}
