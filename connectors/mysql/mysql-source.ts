/**
 * Reads a legacy MySQL/MariaDB table in keyset pages on `(cursor, key)`. Values are returned the
 * way the server stores them: DATETIME as `yyyy-MM-dd HH:mm:ss` text (no time zone guessing),
 * DECIMAL and BIGINT as text (no float rounding). All of the reading is {@link SqlSource}'s; here
 * are MySQL's dialect and the adapter over mysql2's pool.
 */
import type { Row } from '../types.js';
import { qualifiedNameHint, quoteMysqlName } from '../sql/quote-name.js';
import type { SqlConnection, SqlPool } from '../sql/sql-pool.js';
import { SqlSource } from '../sql/sql-source.js';
import { driverErrorOf, type SqlSourceDialect } from '../sql/sql-source-dialect.js';
import type { MysqlConfig } from './mysql-config.js';
import { introspectMysql, MYSQL_ESTIMATE_ROWS_SQL, MYSQL_TABLE_COLUMNS_SQL, MYSQL_TABLES_SQL } from './mysql-introspect.js';

/** The subset of mysql2's promise pool this connector uses (injected, as in kysely's MysqlPool). */
export interface MysqlPool {
  query(sql: string, values?: readonly unknown[]): Promise<[unknown, unknown]>;
  /** A connection of its own, for one operation (see mysqlSqlPool). */
  getConnection(): Promise<MysqlConnection>;
  end(): Promise<void>;
}

/** The subset of a mysql2 pooled connection this connector uses. */
export interface MysqlConnection {
  query(sql: string, values?: readonly unknown[]): Promise<[unknown, unknown]>;
  release(): void;
  /** Closes the socket at once and takes the connection out of the pool. */
  destroy(): void;
  /** The server's id of the connection, for `KILL QUERY`. */
  readonly threadId?: number | null | undefined;
}

export class MysqlSource extends SqlSource {
  constructor(config: MysqlConfig, createPool: () => Promise<MysqlPool>) {
    super(mysqlDialect(), async () => mysqlSqlPool(await createPool(), config.queryTimeoutMs), {
      where: `MySQL ${config.endpoint}`,
      database: config.url.path,
      poolSize: config.poolSize,
    });
  }
}

/** MariaDB and MySQL: backticks, `?`, NULL first in `ASC` already, `KILL QUERY` from another connection. */
function mysqlDialect(): SqlSourceDialect {
  /** Whether the server is MariaDB (asked once): the two bound a statement's time differently. */
  let mariadb: Promise<boolean> | null = null;
  const isMariadb = (connection: SqlConnection): Promise<boolean> => {
    const asking = (mariadb ??= connection.query('SELECT VERSION() AS v', []).then((rows) => /mariadb/i.test(String(rows[0]?.v))));
    // A failed question must not stick either.
    asking.catch(() => {
      if (mariadb === asking) mariadb = null;
    });
    return asking;
  };
  return {
    quoteName: quoteMysqlName,
    placeholder: () => '?',
    // MySQL sorts NULL first in ascending order.
    ascendingNullsFirst: (column) => column,
    keyAsText: (column) => column,
    // mysql2 expands an array bound at `?` into a list.
    keyInList: (column, placeholder) => `${column} IN (${placeholder})`,
    columnsSql: MYSQL_TABLE_COLUMNS_SQL,
    estimateRowsSql: MYSQL_ESTIMATE_ROWS_SQL,
    tablesSql: MYSQL_TABLES_SQL,
    introspect: introspectMysql,
    missingTable: (table) => qualifiedNameHint(table, 'database', 'name it in the connection URL (mysql://…/database)'),
    async countWithin(connection, select, values, timeoutMs) {
      const sql = (await isMariadb(connection))
        ? `SET STATEMENT max_statement_time = ${Math.max(timeoutMs, 1) / 1000} FOR SELECT ${select}`
        : `SELECT /*+ MAX_EXECUTION_TIME(${Math.max(Math.round(timeoutMs), 1)}) */ ${select}`;
      const rows = await connection.query(sql, values);
      return Number(rows[0]?.n ?? 0);
    },
    // MariaDB ER_STATEMENT_TIMEOUT (1969), MySQL ER_QUERY_TIMEOUT (3024): the server's own limit on a statement.
    isStatementTimeout: (error) => {
      const errno = (driverErrorOf(error) as { errno?: unknown } | null)?.errno;
      return errno === 1969 || errno === 3024;
    },
    // Allowed on a user's own connections; the thread id is the server's integer.
    cancelStatement: (sessionId) => ({ sql: `KILL QUERY ${Math.trunc(sessionId)}`, values: [] }),
  };
}

/** mysql2's pool as a {@link SqlPool}; `queryTimeoutMs` (0: none) bounds each statement of a taken connection. */
function mysqlSqlPool(pool: MysqlPool, queryTimeoutMs: number): SqlPool {
  return {
    connect: async () => mysqlSqlConnection(await pool.getConnection(), queryTimeoutMs),
    query: async (sql, values) => (await pool.query(sql, values))[0] as Row[],
    end: () => pool.end(),
  };
}

/**
 * A connection that is destroyed if a statement gets no answer within `queryTimeoutMs`: the
 * statement would otherwise hold it, and the pool would hand it out again. Not mysql2's own query
 * `timeout`, whose timer outlives a connection lost mid-query and keeps the process alive.
 */
function mysqlSqlConnection(connection: MysqlConnection, queryTimeoutMs: number): SqlConnection {
  let ended = false;
  const destroy = () => {
    if (ended) return;
    ended = true;
    connection.destroy();
  };
  return {
    sessionId: typeof connection.threadId === 'number' ? connection.threadId : undefined,
    query: (sql, values) => {
      const answer = connection.query(sql, values).then(([rows]) => rows as Row[]);
      return queryTimeoutMs > 0 ? answerWithin(answer, queryTimeoutMs, destroy) : answer;
    },
    release: () => {
      if (ended) return;
      ended = true;
      connection.release();
    },
    destroy,
  };
}

function answerWithin<T>(answer: Promise<T>, timeoutMs: number, onTimeout: () => void): Promise<T> {
  answer.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(Object.assign(new Error(`Query inactivity timeout (${timeoutMs} ms)`), { code: 'PROTOCOL_SEQUENCE_TIMEOUT' }));
    }, timeoutMs);
  });
  return Promise.race([answer, expired]).finally(() => clearTimeout(timer));
}
