/**
 * A small kysely dialect for PGlite (embedded PostgreSQL in WebAssembly). PGlite is one session,
 * so the driver hands out one connection at a time; PostgreSQL's adapter, compiler and
 * introspector apply unchanged.
 */
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';

/** The subset of PGlite this dialect uses. */
export interface PgliteDatabase {
  query<T>(sql: string, params?: unknown[], options?: { rowMode?: 'object' }): Promise<{ rows: T[]; affectedRows?: number }>;
  /** Simple-protocol execution: several statements in one text, no parameters. */
  exec(sql: string, options?: { rowMode?: 'object' }): Promise<{ rows: unknown[]; affectedRows?: number }[]>;
  close(): Promise<void>;
}

export class PgliteDialect implements Dialect {
  readonly #database: PgliteDatabase;

  constructor(database: PgliteDatabase) {
    this.#database = database;
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createDriver(): Driver {
    return new PgliteDriver(this.#database);
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
}

class PgliteDriver implements Driver {
  readonly #database: PgliteDatabase;
  readonly #connection: PgliteConnection;
  /** Resolves when the connection is free; a FIFO of waiters. */
  #queue: Promise<void> = Promise.resolve();
  #release: (() => void) | null = null;

  constructor(database: PgliteDatabase) {
    this.#database = database;
    this.#connection = new PgliteConnection(database);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#queue;
    let release!: () => void;
    this.#queue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.#release = release;
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('BEGIN'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('COMMIT'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('ROLLBACK'));
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = null;
    release?.();
  }

  async destroy(): Promise<void> {
    await this.#database.close();
  }
}

function lastResult<R>(results: { rows: unknown[]; affectedRows?: number }[]): { rows: R[]; affectedRows?: number } {
  const last = results[results.length - 1];
  return { rows: (last?.rows ?? []) as R[], ...(last?.affectedRows === undefined ? {} : { affectedRows: last.affectedRows }) };
}

class PgliteConnection implements DatabaseConnection {
  readonly #database: PgliteDatabase;

  constructor(database: PgliteDatabase) {
    this.#database = database;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    // Without parameters, the simple protocol runs multi-statement scripts (SQL migration files).
    const result =
      compiledQuery.parameters.length === 0
        ? lastResult<R>(await this.#database.exec(compiledQuery.sql, { rowMode: 'object' }))
        : await this.#database.query<R>(compiledQuery.sql, [...compiledQuery.parameters], { rowMode: 'object' });
    return {
      rows: result.rows,
      ...(result.affectedRows === undefined ? {} : { numAffectedRows: BigInt(result.affectedRows) }),
    };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGlite does not stream query results; read in keyset pages instead');
  }
}
