/** Catalog rows of the database sources assembled into {@link TableSchema}s, the same way for MySQL and PostgreSQL. */
import type { ColumnInfo, ForeignKeyInfo, Row, TableInfo, TableSchema } from '../types.js';

/** The catalog of one database or schema, each list ordered by table, then by its own position. */
export interface CatalogRows {
  readonly tables: readonly TableInfo[];
  /** `table_name, name, type, nullable` (nullable as a boolean or `'YES'`). */
  readonly columns: readonly Row[];
  /** `table_name, constraint_name, column_name, referenced_table, referenced_column`, in key order. */
  readonly foreignKeys: readonly Row[];
  /** `table_name, index_name, column_name`, in index order. */
  readonly indexes: readonly Row[];
}

export function assembleTableSchemas(catalog: CatalogRows): TableSchema[] {
  const columns = groupBy(catalog.columns, (row): ColumnInfo => ({
    name: String(row.name),
    type: String(row.type),
    nullable: row.nullable === true || row.nullable === 'YES',
  }));
  const foreignKeys = new Map<string, ForeignKeyInfo[]>();
  for (const [table, rows] of groupRows(catalog.foreignKeys)) {
    const byName = new Map<string, { columns: string[]; referencedTable: string; referencedColumns: string[] }>();
    for (const row of rows) {
      const name = String(row.constraint_name);
      const key = byName.get(name) ?? { columns: [], referencedTable: String(row.referenced_table), referencedColumns: [] };
      key.columns.push(String(row.column_name));
      key.referencedColumns.push(String(row.referenced_column));
      byName.set(name, key);
    }
    foreignKeys.set(table, [...byName.values()]);
  }
  const indexes = new Map<string, string[][]>();
  for (const [table, rows] of groupRows(catalog.indexes)) {
    const byName = new Map<string, string[]>();
    for (const row of rows) {
      const name = String(row.index_name);
      byName.set(name, [...(byName.get(name) ?? []), String(row.column_name)]);
    }
    indexes.set(table, [...byName.values()]);
  }
  return catalog.tables.map((table) => ({
    ...table,
    columns: columns.get(table.name) ?? [],
    foreignKeys: foreignKeys.get(table.name) ?? [],
    indexes: indexes.get(table.name) ?? [],
  }));
}

function groupRows(rows: readonly Row[]): Map<string, Row[]> {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const table = String(row.table_name);
    const group = groups.get(table);
    if (group) group.push(row);
    else groups.set(table, [row]);
  }
  return groups;
}

function groupBy<T>(rows: readonly Row[], map: (row: Row) => T): Map<string, T[]> {
  return new Map([...groupRows(rows)].map(([table, group]) => [table, group.map(map)]));
}
