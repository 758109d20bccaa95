/**
 * What differs between the SQL databases a {@link SqlSource} reads: how a name is quoted and a
 * value bound, how NULL cursors come first, how keys are looked up in a list, the catalog queries,
 * the count under a server-side limit, and how a running statement is cancelled. Everything else
 * (keyset paging, scope, counts, lookups, pools, aborts, messages) is the same code for all.
 */
import { ConnectorError } from '../errors.js';
import type { Row, TableSchema } from '../types.js';
import type { SqlConnection } from './sql-pool.js';

export interface SqlSourceDialect {
  /**
   * One identifier, dots and quotes included (MariaDB `` `a.b` ``, PostgreSQL `"a.b"`): the
   * connection URL names the database or schema, so a source table name is never qualified.
   */
  quoteName(name: string): string;
  /** The placeholder of the `index`-th bound value, counting from 1: `?` or `$1`. */
  placeholder(index: number): string;
  /** An `ORDER BY` term on `column`, ascending with NULL first (the watermark's order). */
  ascendingNullsFirst(column: string): string;
  /** `column` as text, for keys compared in JavaScript. */
  keyAsText(column: string): string;
  /** `column` is one of a list of keys bound as one value at `placeholder` (`IN (?)`, `= ANY($1)`); the index answers. */
  keyInList(column: string, placeholder: string): string;
  /** Columns `name`, `type`, `nullable` ('YES'/'NO') of one table, in order; one placeholder, the table's name. */
  readonly columnsSql: string;
  /** The table statistics' row estimate `n` of one table; one placeholder, the table's name. */
  readonly estimateRowsSql: string;
  /** Base tables as `(name, pk)` rows, by name then key position. */
  readonly tablesSql: string;
  /** Tables with columns, keys, foreign keys and indexes; `query` runs one catalog statement. */
  introspect(query: (sql: string) => Promise<Row[]>): Promise<TableSchema[]>;
  /** What follows "table `x` does not exist" in a message: where it was looked for, and how to name another place. */
  missingTable(table: string): string;
  /**
   * `SELECT <select>` (a `COUNT(*) AS n …`) on `connection` under a limit the server enforces
   * (MariaDB `max_statement_time`, MySQL `MAX_EXECUTION_TIME`, PostgreSQL `statement_timeout`).
   * At the limit it throws an error {@link isStatementTimeout} knows, leaving the connection usable.
   */
  countWithin(connection: SqlConnection, select: string, values: readonly unknown[], timeoutMs: number): Promise<number>;
  /** The error of a statement stopped at the server's limit: driver error, or a connector error caused by one. */
  isStatementTimeout(error: unknown): boolean;
  /** The statement, run from another connection, that cancels what session `sessionId` is running. */
  cancelStatement(sessionId: number): { readonly sql: string; readonly values: readonly unknown[] };
}

/** Values bound to one statement, each given the dialect's placeholder as it is added. */
export class Bindings {
  readonly values: unknown[] = [];
  readonly #dialect: SqlSourceDialect;

  constructor(dialect: SqlSourceDialect) {
    this.#dialect = dialect;
  }

  /** Binds `value`; returns its placeholder. */
  bind(value: unknown): string {
    this.values.push(value);
    return this.#dialect.placeholder(this.values.length);
  }
}

/** The driver's own error behind a connector error (its `cause`), or the error itself. */
export function driverErrorOf(error: unknown): unknown {
  return error instanceof ConnectorError && error.cause !== undefined ? error.cause : error;
}
