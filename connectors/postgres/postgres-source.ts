/**
 * Reads a PostgreSQL table in keyset pages on `(cursor NULLS FIRST, key)`. Timestamps, dates and
 * numerics arrive as text (see postgres-pool.ts). All of the reading is {@link SqlSource}'s; here
 * are PostgreSQL's dialect and the adapter over pg's pool.
 */
import { classifyDriverError } from '../errors.js';
import { qualifiedNameHint, quotePgName } from '../sql/quote-name.js';
import type { SqlPool } from '../sql/sql-pool.js';
import { SqlSource } from '../sql/sql-source.js';
import { driverErrorOf, type SqlSourceDialect } from '../sql/sql-source-dialect.js';
import type { PostgresConfig } from './postgres-config.js';
import { introspectPostgres, POSTGRES_ESTIMATE_ROWS_SQL, POSTGRES_TABLE_COLUMNS_SQL, POSTGRES_TABLES_SQL } from './postgres-introspect.js';
import { classifyingPool, type PgPool } from './postgres-pool.js';

export class PostgresSource extends SqlSource {
  constructor(config: PostgresConfig, createPool: () => Promise<PgPool>) {
    const where = `PostgreSQL ${config.endpoint}`;
    // Errors are classified in the pool with the endpoint alone, as the sink's are.
    const openPool = () =>
      createPool().then(
        (pool) => pgSqlPool(classifyingPool(pool, where)),
        (error: unknown) => {
          throw classifyDriverError(error, where);
        },
      );
    super(postgresDialect(config), openPool, { where, database: config.url.path, poolSize: config.poolSize });
  }
}

/** PostgreSQL: double quotes, `$n`, `NULLS FIRST`, `= ANY($1)`, `pg_cancel_backend` from another connection. */
function postgresDialect(config: PostgresConfig): SqlSourceDialect {
  return {
    quoteName: quotePgName,
    placeholder: (index) => `$${index}`,
    ascendingNullsFirst: (column) => `${column} ASC NULLS FIRST`,
    keyAsText: (column) => `${column}::text`,
    // `= ANY($1)` takes the key column's type, so the primary-key index answers.
    keyInList: (column, placeholder) => `${column} = ANY(${placeholder})`,
    columnsSql: POSTGRES_TABLE_COLUMNS_SQL,
    estimateRowsSql: POSTGRES_ESTIMATE_ROWS_SQL,
    tablesSql: POSTGRES_TABLES_SQL,
    introspect: introspectPostgres,
    missingTable: (table) => ` in schema \`${config.schema}\`${qualifiedNameHint(table, 'schema', `put ?schema=${table.split('.')[0]} on the connection URL`)}`,
    // In a read-only transaction of its own, so that `SET LOCAL` bounds this count alone.
    async countWithin(connection, select, values, timeoutMs) {
      await connection.query('BEGIN READ ONLY', []);
      try {
        // set_config(…, true) is SET LOCAL: it ends with the transaction.
        await connection.query("SELECT set_config('statement_timeout', $1, true)", [String(Math.max(Math.round(timeoutMs), 1))]);
        const rows = await connection.query(`SELECT ${select}`, values);
        await connection.query('COMMIT', []);
        return Number(rows[0]?.n ?? 0);
      } catch (error) {
        await connection.query('ROLLBACK', []).catch(() => undefined);
        throw error;
      }
    },
    // 57014 query_canceled: here, by statement_timeout (an abort is told apart before this is asked).
    isStatementTimeout: (error) => (error as { code?: unknown } | null)?.code === '57014' || (driverErrorOf(error) as { code?: unknown } | null)?.code === '57014',
    // Allowed on a role's own sessions.
    cancelStatement: (sessionId) => ({ sql: 'SELECT pg_cancel_backend($1)', values: [sessionId] }),
  };
}

/** pg's pool as a {@link SqlPool}: a client per operation, destroyed (not released) when it may still be busy. */
function pgSqlPool(pool: PgPool): SqlPool {
  return {
    connect: async () => {
      const client = await pool.connect();
      // pg throws on a second release of one checkout.
      let ended = false;
      const end = (destroy: boolean) => {
        if (ended) return;
        ended = true;
        client.release(destroy || undefined);
      };
      return {
        sessionId: typeof client.processID === 'number' ? client.processID : undefined,
        query: async (sql, values) => (await client.query(sql, values)).rows,
        release: () => end(false),
        destroy: () => end(true),
      };
    },
    query: async (sql, values) => (await pool.query(sql, values)).rows,
    end: () => pool.end(),
  };
}
