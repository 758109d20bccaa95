/**
 * PostgreSQL as the target: rows and the migration state commit in one transaction per batch. The
 * state database is the target's own (same pool), and a batch's writer hands the state store the
 * same transaction.
 */
import { Kysely, PostgresDialect } from 'kysely';
import type { ContentProbe, Sink, SinkCapabilities, SinkWriter, StateDatabase, StateTransaction, WriteOptions } from '../sink.js';
import type { Row, TargetTable } from '../types.js';
import { copyAppend, copyUpsertRows, StagingTables, type CopyClient } from './copy-upsert.js';
import { withSavepoint } from '../sql/savepoint.js';
import { pgContentProbe } from '../sql/pg-content-probe.js';
import { applyPgMigrations } from '../sql/pg-migrations.js';
import { analyzePgTable, countPgRows } from '../sql/pg-table-stats.js';
import { pgSinkWriter } from '../sql/pg-writer.js';
import type { UpsertedRow } from '../sql/pg-upsert.js';
import type { PostgresConfig } from './postgres-config.js';
import { classifyingPool, type PgClient, type PgPool } from './postgres-pool.js';

/** One open transaction on a checked-out client, with the COPY paths of that client. */
interface PgTransaction {
  readonly db: Kysely<any>;
  upsert(target: TargetTable, rows: readonly Row[]): Promise<UpsertedRow[]>;
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
  readonly state: StateTransaction;
}

export class PostgresSink implements Sink {
  readonly capabilities: SinkCapabilities = { transactional: true, state: 'target', deletes: true, counts: true, contentChecks: true, migrations: true };
  readonly endpoint: string;
  /** Kysely on the pool, outside any transaction (also the state database's). */
  readonly db: Kysely<any>;
  readonly stateDatabase: StateDatabase;
  readonly #pool: PgPool;
  /** Staging tables of the fast upsert, per pooled connection (they are session-local). */
  readonly #staging = new WeakMap<object, StagingTables>();
  #closed = false;

  constructor(config: PostgresConfig, pool: PgPool) {
    this.endpoint = `PostgreSQL ${config.endpoint}`;
    this.#pool = classifyingPool(pool, this.endpoint);
    this.db = new Kysely<any>({ dialect: new PostgresDialect({ pool: this.#pool as never }) });
    this.stateDatabase = {
      capabilities: { sessionLocks: true },
      endpoint: this.endpoint,
      db: this.db,
      transaction: (fn) => this.#transaction((tx) => fn(tx.state)),
      // The target's own: closed with the sink.
      close: async () => undefined,
    };
  }

  write<T>(fn: (writer: SinkWriter) => Promise<T>, _options?: WriteOptions): Promise<T> {
    return this.#transaction((tx) => fn(pgSinkWriter(tx)));
  }

  countRows(target: TargetTable): Promise<number> {
    return countPgRows(this.db, target);
  }

  contentProbe(target: TargetTable, columns: readonly string[]): Promise<ContentProbe> {
    return pgContentProbe(this.db, target, columns);
  }

  applyMigrations(dir: string, ledgerSchema: string): Promise<string[]> {
    return applyPgMigrations(this.db, dir, ledgerSchema);
  }

  analyze(target: TargetTable): Promise<void> {
    return analyzePgTable(this.db, target);
  }

  async #transaction<T>(fn: (tx: PgTransaction) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken: unknown = undefined;
    const session = client.session ?? client;
    const staging = this.#staging.get(session) ?? new StagingTables();
    this.#staging.set(session, staging);
    try {
      await client.query('BEGIN');
      const db = kyselyOnClient(client);
      const result = await fn({
        db,
        upsert: (target, rows) => copyUpsertRows(client as CopyClient, staging, target, rows),
        savepoint: (run) => staging.within(() => withSavepoint(db, run)),
        state: { db, append: (schema, table, rows) => copyAppend(client as CopyClient, schema, table, rows) },
      });
      await client.query('COMMIT');
      staging.committed();
      return result;
    } catch (error) {
      broken = error;
      staging.rolledBack();
      await client.query('ROLLBACK').catch(() => undefined);
      // The client's statements fail as connector errors already (classifyingPool); anything else
      // is the caller's own error, and goes back to it as it was thrown.
      throw error;
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
