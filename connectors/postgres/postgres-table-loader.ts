/**
 * Loads backup tables into PostgreSQL: each table is created and filled with `COPY … FROM STDIN`
 * in one transaction, so a restore that fails or is killed leaves no half-filled table.
 *
 * SQL types by the kind the backup recorded (the value read back is the value backed up):
 * | kind    | type                                                         | read back as            |
 * |---------|--------------------------------------------------------------|-------------------------|
 * | text    | `text`                                                       | the same string         |
 * | number  | `integer` for a 32-bit integer source type, else `double precision` (exact to 2^53; `bigint` would read back as text) | the same number |
 * | boolean | `boolean`                                                    | the same boolean        |
 * | bytes   | `bytea`                                                      | the same bytes (Buffer) |
 * | json    | `json` (keeps the text as written, unlike `jsonb`)           | the same value          |
 * | mixed   | `json`                                                       | the same value          |
 */
import type { Row } from '../types.js';
import type { LoadColumn, LoadOptions, LoadTable, TableLoader, TableLoaderCapabilities, TableState } from '../table-loader.js';
import { integerRange } from '../table-loader.js';
import { quotePgName } from '../sql/quote-name.js';
import type { PostgresConfig } from './postgres-config.js';
import { classifyingPool, type PgPool } from './postgres-pool.js';

/** The PostgreSQL type of a backup column. */
export function postgresColumnType(column: LoadColumn): string {
  switch (column.kind) {
    case 'text':
      return 'text';
    case 'number':
      return integerRange(column.sourceType) === 'int32' ? 'integer' : 'double precision';
    case 'boolean':
      return 'boolean';
    case 'bytes':
      return 'bytea';
    case 'json':
    case 'mixed':
      return 'json';
  }
}

export class PostgresTableLoader implements TableLoader {
  readonly capabilities: TableLoaderCapabilities = { nulInText: false, maxBatchRows: 5_000 };
  readonly where: string;
  readonly #pool: PgPool;
  readonly #schema: string;
  #closed = false;

  constructor(config: PostgresConfig, pool: PgPool) {
    this.where = `PostgreSQL ${config.endpoint}`;
    this.#pool = classifyingPool(pool, this.where);
    this.#schema = config.schema;
  }

  async tableState(table: string): Promise<TableState> {
    const { rows } = await this.#pool.query('SELECT to_regclass($1) IS NOT NULL AS found', [this.#qualified(table)]);
    if (rows[0]?.found !== true) return 'missing';
    const { rows: any } = await this.#pool.query(`SELECT 1 FROM ${this.#qualified(table)} LIMIT 1`);
    return any.length > 0 ? 'filled' : 'empty';
  }

  async load(table: LoadTable, batches: AsyncIterable<readonly Row[]>, options: LoadOptions): Promise<number> {
    const client = await this.#pool.connect();
    const name = this.#qualified(table.name);
    const columns = table.columns.map((c) => quotePgName(c.name)).join(', ');
    let failed = false;
    let rows = 0;
    try {
      await client.query('BEGIN');
      if (options.mode === 'replace') await client.query(`DROP TABLE IF EXISTS ${name}`);
      if (options.mode !== 'append') await client.query(createTableSql(name, table));
      for await (const batch of batches) {
        options.signal?.throwIfAborted();
        if (batch.length === 0) continue;
        await client.copyIn!(`COPY ${name} (${columns}) FROM STDIN`, copyRows(table.columns, batch));
        rows += batch.length;
      }
      await client.query('COMMIT');
      return rows;
    } catch (error) {
      failed = true;
      await client.query('ROLLBACK').catch(() => undefined);
      // Driver errors come classified from the pool; the others (the rows' own source) pass as they are.
      throw error;
    } finally {
      // A client that failed mid-transaction may have lost its connection: do not reuse it.
      client.release(failed ? true : undefined);
    }
  }

  async count(table: string): Promise<number> {
    const { rows } = await this.#pool.query(`SELECT COUNT(*)::bigint AS n FROM ${this.#qualified(table)}`);
    return Number(rows[0]?.n ?? 0);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  #qualified(table: string): string {
    return `${quotePgName(this.#schema)}.${quotePgName(table)}`;
  }
}

function createTableSql(name: string, table: LoadTable): string {
  const columns = table.columns.map((c) => `${quotePgName(c.name)} ${postgresColumnType(c)}${c.nullable && c.name !== table.key ? '' : ' NOT NULL'}`);
  if (table.key !== null) columns.push(`PRIMARY KEY (${quotePgName(table.key)})`);
  return `CREATE TABLE ${name} (${columns.join(', ')})`;
}

/** The rows in COPY's text format, each value by its column's kind. */
function copyRows(columns: readonly LoadColumn[], rows: readonly Row[]): string {
  let text = '';
  for (const row of rows) {
    for (let c = 0; c < columns.length; c++) {
      if (c > 0) text += '\t';
      text += copyField(row[columns[c]!.name], columns[c]!);
    }
    text += '\n';
  }
  return text;
}

function copyField(value: unknown, column: LoadColumn): string {
  if (value === null || value === undefined) return '\\N';
  switch (column.kind) {
    case 'json':
    case 'mixed':
      return escapeCopy(JSON.stringify(value));
    case 'bytes':
      return `\\\\x${Buffer.from(value as Uint8Array).toString('hex')}`;
    case 'boolean':
      return value === true ? 't' : 'f';
    default:
      // `\N` written by a user is text, not NULL: the backslash is escaped.
      return escapeCopy(String(value));
  }
}

function escapeCopy(text: string): string {
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (ch) => (ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r')) : text;
}
