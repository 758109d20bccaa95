/**
 * The catalog of a MySQL/MariaDB database (the one in the URL), for `cutover init`: four queries
 * on information_schema, whatever the number of tables. MyISAM tables (SuiteCRM's) declare no
 * foreign keys; `init` then infers them from column names.
 */
import type { Row, TableSchema } from '../types.js';
import { groupPrimaryKeys } from '../sql/table-list.js';
import { assembleTableSchemas } from '../sql/table-schema.js';

export const MYSQL_TABLES_SQL = `SELECT t.TABLE_NAME AS name, k.COLUMN_NAME AS pk
   FROM information_schema.TABLES t
   LEFT JOIN information_schema.KEY_COLUMN_USAGE k
     ON k.TABLE_SCHEMA = t.TABLE_SCHEMA AND k.TABLE_NAME = t.TABLE_NAME AND k.CONSTRAINT_NAME = 'PRIMARY'
  WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'
  ORDER BY t.TABLE_NAME, k.ORDINAL_POSITION`;

/** Columns of one table (`?`: its name), in order, with their full types (`decimal(18,2)`): what `describe` gives. */
export const MYSQL_TABLE_COLUMNS_SQL = `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable
   FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`;

/** `information_schema.TABLES.TABLE_ROWS` of one table (`?`): InnoDB's sampled estimate, often 10-50 % off, never a scan. */
export const MYSQL_ESTIMATE_ROWS_SQL = 'SELECT TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?';

const COLUMNS_SQL = `SELECT TABLE_NAME AS table_name, COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable
   FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`;

const FOREIGN_KEYS_SQL = `SELECT TABLE_NAME AS table_name, CONSTRAINT_NAME AS constraint_name, COLUMN_NAME AS column_name,
        REFERENCED_TABLE_NAME AS referenced_table, REFERENCED_COLUMN_NAME AS referenced_column
   FROM information_schema.KEY_COLUMN_USAGE
  WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL
  ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION`;

const INDEXES_SQL = `SELECT TABLE_NAME AS table_name, INDEX_NAME AS index_name, COLUMN_NAME AS column_name
   FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`;

/** `query` runs one statement (classified by the source) and returns its rows. */
export async function introspectMysql(query: (sql: string) => Promise<Row[]>): Promise<TableSchema[]> {
  const tables = groupPrimaryKeys(await query(MYSQL_TABLES_SQL));
  const [columns, foreignKeys, indexes] = [await query(COLUMNS_SQL), await query(FOREIGN_KEYS_SQL), await query(INDEXES_SQL)];
  return assembleTableSchemas({ tables, columns, foreignKeys, indexes });
}
