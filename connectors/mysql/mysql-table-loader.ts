/**
 * Loads backup tables into MySQL/MariaDB with multi-row INSERTs, all of a table's rows in one
 * transaction (MySQL commits a CREATE TABLE at once, so a failed load leaves the table, empty).
 *
 * SQL types by the kind the backup recorded:
 * | kind    | type                                              | read back as                        |
 * |---------|---------------------------------------------------|-------------------------------------|
 * | text    | `LONGTEXT` (a key: `VARCHAR(n)`, n from the source type or 255) | the same string      |
 * | number  | `INT` (`INT UNSIGNED`) for such an integer source type, else `DOUBLE` | the same number |
 * | boolean | `BOOLEAN` (`TINYINT(1)`)                          | 1 / 0: MySQL has no boolean type    |
 * | bytes   | `LONGBLOB` (a key: `VARBINARY(n)`)                | the same bytes (Buffer)             |
 * | json    | `JSON`                                            | MySQL: the value; MariaDB: its JSON text |
 * | mixed   | `JSON`                                            | as json                             |
 * Tables are `utf8mb4` with the binary collation, so that keys that differ only in case, accents
 * or trailing spaces (distinct in the backup) stay distinct.
 */
import type { Row } from '../types.js';
import { classifyDriverError } from '../errors.js';
import type { LoadColumn, LoadOptions, LoadTable, TableLoader, TableLoaderCapabilities, TableState } from '../table-loader.js';
import { integerRange, textLength } from '../table-loader.js';
import { quoteMysqlName } from '../sql/quote-name.js';
import type { MysqlConfig } from './mysql-config.js';
import type { MysqlPool } from './mysql-source.js';

/** An index on utf8mb4 text holds at most 3072 bytes: 768 characters. */
const MAX_KEY_CHARS = 768;
const DEFAULT_KEY_CHARS = 255;
/** An INSERT statement's text stays well under MariaDB's default 16 MB `max_allowed_packet`. */
const MAX_STATEMENT_BYTES = 4 * 1024 * 1024;

/** The MySQL type of a backup column; `key` is true for the primary-key column (which an index must bound). */
export function mysqlColumnType(column: LoadColumn, key: boolean): string {
  switch (column.kind) {
    case 'text':
      return key ? `VARCHAR(${keyLength(column)})` : 'LONGTEXT';
    case 'number':
      return { int32: 'INT', uint32: 'INT UNSIGNED', none: 'DOUBLE' }[integerRange(column.sourceType) ?? 'none'];
    case 'boolean':
      return 'BOOLEAN';
    case 'bytes':
      return key ? `VARBINARY(${keyLength(column)})` : 'LONGBLOB';
    case 'json':
    case 'mixed':
      return 'JSON';
  }
}

function keyLength(column: LoadColumn): number {
  return Math.min(textLength(column.sourceType) ?? DEFAULT_KEY_CHARS, MAX_KEY_CHARS);
}

export class MysqlTableLoader implements TableLoader {
  readonly capabilities: TableLoaderCapabilities = { nulInText: true, maxBatchRows: 5_000 };
  readonly where: string;
  readonly #pool: MysqlPool;
  #closed = false;

  constructor(config: MysqlConfig, pool: MysqlPool) {
    this.where = `MySQL ${config.endpoint}`;
    this.#pool = pool;
  }

  async tableState(table: string): Promise<TableState> {
    const found = await this.#query(table, 'SELECT 1 AS found FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?', [table]);
    if (found.length === 0) return 'missing';
    const any = await this.#query(table, `SELECT 1 AS found FROM ${quoteMysqlName(table)} LIMIT 1`);
    return any.length > 0 ? 'filled' : 'empty';
  }

  async load(table: LoadTable, batches: AsyncIterable<readonly Row[]>, options: LoadOptions): Promise<number> {
    const where = `${this.where} table ${table.name}`;
    const name = quoteMysqlName(table.name);
    let connection;
    try {
      connection = await this.#pool.getConnection();
    } catch (error) {
      throw classifyDriverError(error, where);
    }
    const open = connection;
    const run = (sql: string, values?: readonly unknown[]) =>
      open.query(sql, values).catch((error: unknown) => {
        throw classifyDriverError(error, where);
      });
    let failed = false;
    let rows = 0;
    try {
      if (options.mode === 'replace') await run(`DROP TABLE IF EXISTS ${name}`);
      if (options.mode !== 'append') await run(createTableSql(name, table));
      await run('START TRANSACTION');
      const insert = `INSERT INTO ${name} (${table.columns.map((c) => quoteMysqlName(c.name)).join(', ')}) VALUES ?`;
      for await (const batch of batches) {
        for (const values of statements(table.columns, batch)) {
          options.signal?.throwIfAborted();
          await run(insert, [values]);
          rows += values.length;
        }
      }
      await run('COMMIT');
      return rows;
    } catch (error) {
      failed = true;
      await connection.query('ROLLBACK').catch(() => undefined);
      // Driver errors are classified where they happen; the others (the rows' own source) pass as they are.
      throw error;
    } finally {
      // A connection that failed mid-statement may be in any state: it leaves the pool.
      if (failed) connection.destroy();
      else connection.release();
    }
  }

  async count(table: string): Promise<number> {
    const rows = await this.#query(table, `SELECT COUNT(*) AS n FROM ${quoteMysqlName(table)}`);
    return Number(rows[0]?.n ?? 0);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end().catch(() => undefined);
  }

  async #query(table: string, sql: string, values?: readonly unknown[]): Promise<Record<string, unknown>[]> {
    try {
      const [rows] = await this.#pool.query(sql, values);
      return rows as Record<string, unknown>[];
    } catch (error) {
      throw classifyDriverError(error, `${this.where} table ${table}`);
    }
  }
}

function createTableSql(name: string, table: LoadTable): string {
  const columns = table.columns.map((c) => `${quoteMysqlName(c.name)} ${mysqlColumnType(c, c.name === table.key)}${c.nullable && c.name !== table.key ? ' NULL' : ' NOT NULL'}`);
  if (table.key !== null) columns.push(`PRIMARY KEY (${quoteMysqlName(table.key)})`);
  return `CREATE TABLE ${name} (${columns.join(', ')}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`;
}

/**
 * The batch as rows of values for `VALUES ?` (mysql2 escapes strings, numbers, booleans and
 * Buffers; a JSON value goes as its text), cut so that no statement passes MAX_STATEMENT_BYTES.
 */
function* statements(columns: readonly LoadColumn[], rows: readonly Row[]): Generator<unknown[][]> {
  let values: unknown[][] = [];
  let bytes = 0;
  for (const row of rows) {
    const record: unknown[] = new Array(columns.length);
    let size = 16;
    for (let c = 0; c < columns.length; c++) {
      const column = columns[c]!;
      let value = row[column.name] ?? null;
      if (value !== null && (column.kind === 'json' || column.kind === 'mixed')) value = JSON.stringify(value);
      record[c] = value;
      // Escaped text may double (quotes, backslashes) and bytes go as hex: a bound, not a measure.
      size += typeof value === 'string' ? value.length * 3 + 8 : value instanceof Uint8Array ? value.length * 2 + 8 : 24;
    }
    if (values.length > 0 && bytes + size > MAX_STATEMENT_BYTES) {
      yield values;
      values = [];
      bytes = 0;
    }
    values.push(record);
    bytes += size;
  }
  if (values.length > 0) yield values;
}
