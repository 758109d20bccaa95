/**
 * PostgreSQL as the target: rows and the migration state commit in one transaction per batch.
 */
import { Kysely, PostgresDialect } from 'kysely';
import type { Row, SinkCapabilities, SqlSink, SqlSinkTransaction, TargetTable, UpsertOutcome } from '../types.js';
import { ConnectorError, classifyDriverError } from '../errors.js';
import { copyAppend, copyUpsertRows, StagingTables, type CopyClient } from './copy-upsert.js';
import { withSavepoint } from '../sql/savepoint.js';
import type { PostgresConfig } from './postgres-config.js';
import { classifyingPool, type PgClient, type PgPool } from './postgres-pool.js';

const POSTGRES_MAX_PARAMS = 65_535;

export class PostgresSink implements SqlSink {
  readonly kind = 'sql' as const;
  readonly capabilities: SinkCapabilities = { transactional: true, maxParams: POSTGRES_MAX_PARAMS, sessionLocks: true };
  readonly db: Kysely<any>;
  readonly #pool: PgPool;
  readonly #where: string;
  /** Staging tables of the fast upsert, per pooled connection (they are session-local). */
  readonly #staging = new WeakMap<object, StagingTables>();
  #closed = false;

  constructor(config: PostgresConfig, pool: PgPool) {
    this.#where = `PostgreSQL ${config.endpoint}`;
    this.#pool = classifyingPool(pool, this.#where);
    this.db = new Kysely<any>({ dialect: new PostgresDialect({ pool: this.#pool as never }) });
  }

  async transaction<T>(fn: (tx: SqlSinkTransaction) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken: unknown = undefined;
    const session = client.session ?? client;
    const staging = this.#staging.get(session) ?? new StagingTables();
    this.#staging.set(session, staging);
    try {
      await client.query('BEGIN');
      const db = kyselyOnClient(client);
      const tx: SqlSinkTransaction = {
        db,
        upsert: (target: TargetTable, rows: readonly Row[]): Promise<UpsertOutcome[]> => copyUpsertRows(client as CopyClient, staging, target, rows),
        savepoint: (run) => staging.within(() => withSavepoint(db, run)),
        append: (schema, table, rows) => copyAppend(client as CopyClient, schema, table, rows),
      };
      const result = await fn(tx);
      await client.query('COMMIT');
      staging.committed();
      return result;
    } catch (error) {
      broken = error;
      staging.rolledBack();
      await client.query('ROLLBACK').catch(() => undefined);
      throw error instanceof ConnectorError ? error : classifyDriverError(error, this.#where);
    } finally {
      // A client that failed mid-transaction may have lost its connection: do not reuse it.
      client.release(broken === undefined ? undefined : true);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.db.destroy();
    // kysely ends the pool only if it ran a query; a sink closed before that still holds a client.
    await this.#pool.end();
  }
}

/** A Kysely bound to one checked-out client, so that statements join its open transaction. */
function kyselyOnClient(client: PgClient): Kysely<any> {
  const pool = {
    connect: async () => ({ query: client.query.bind(client), release: () => undefined }),
    end: async () => undefined,
  };
  return new Kysely<any>({ dialect: new PostgresDialect({ pool: pool as never }) });
}
