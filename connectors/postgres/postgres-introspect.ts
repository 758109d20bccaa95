/**
 * The catalog of a PostgreSQL schema (the connection's, first on the search path), for
 * `cutover init`: types as `format_type` writes them (`numeric(18,2)`, `character varying(150)`),
 * foreign keys and indexes from pg_catalog, four queries in all.
 */
import type { Row, TableSchema } from '../types.js';
import { groupPrimaryKeys } from '../sql/table-list.js';
import { assembleTableSchemas } from '../sql/table-schema.js';

export const POSTGRES_TABLES_SQL = `SELECT t.table_name AS name, k.column_name AS pk
   FROM information_schema.tables t
   LEFT JOIN information_schema.table_constraints c
     ON c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.constraint_type = 'PRIMARY KEY'
   LEFT JOIN information_schema.key_column_usage k
     ON k.constraint_schema = c.constraint_schema AND k.constraint_name = c.constraint_name AND k.table_name = t.table_name
  WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
  ORDER BY t.table_name, k.ordinal_position`;

/** Columns of one table (`$1`: its name) in the connection's schema, in order, with `information_schema`'s type names: what `describe` gives. */
export const POSTGRES_TABLE_COLUMNS_SQL = `SELECT column_name AS name, data_type AS type, is_nullable AS nullable FROM information_schema.columns
        WHERE table_name = $1 AND table_schema = current_schema() ORDER BY ordinal_position`;

/** `pg_class.reltuples` of one table (`$1`), as of the last VACUUM or ANALYZE (autovacuum keeps it near); -1 (PostgreSQL 14+) before any. */
export const POSTGRES_ESTIMATE_ROWS_SQL = `SELECT c.reltuples::float8 AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
        WHERE s.nspname = current_schema() AND c.relname = $1 AND c.relkind IN ('r', 'p')`;

const COLUMNS_SQL = `SELECT c.relname AS table_name, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable
   FROM pg_attribute a
   JOIN pg_class c ON c.oid = a.attrelid
   JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
  ORDER BY c.relname, a.attnum`;

const FOREIGN_KEYS_SQL = `SELECT c.relname AS table_name, con.conname AS constraint_name, a.attname AS column_name,
        r.relname AS referenced_table, ra.attname AS referenced_column
   FROM pg_constraint con
   JOIN pg_class c ON c.oid = con.conrelid
   JOIN pg_namespace n ON n.oid = c.relnamespace
   JOIN pg_class r ON r.oid = con.confrelid AND r.relnamespace = c.relnamespace
   CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, refnum, ord)
   JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
   JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.refnum
  WHERE con.contype = 'f' AND n.nspname = current_schema()
  ORDER BY c.relname, con.conname, k.ord`;

const INDEXES_SQL = `SELECT c.relname AS table_name, i.relname AS index_name, a.attname AS column_name
   FROM pg_index x
   JOIN pg_class c ON c.oid = x.indrelid
   JOIN pg_class i ON i.oid = x.indexrelid
   JOIN pg_namespace n ON n.oid = c.relnamespace
   CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
   JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
  WHERE n.nspname = current_schema()
  ORDER BY c.relname, i.relname, k.ord`;

/** `query` runs one statement (classified by the source) and returns its rows. */
export async function introspectPostgres(query: (sql: string) => Promise<Row[]>): Promise<TableSchema[]> {
  const tables = groupPrimaryKeys(await query(POSTGRES_TABLES_SQL));
  const [columns, foreignKeys, indexes] = [await query(COLUMNS_SQL), await query(FOREIGN_KEYS_SQL), await query(INDEXES_SQL)];
  return assembleTableSchemas({ tables, columns, foreignKeys, indexes });
}
