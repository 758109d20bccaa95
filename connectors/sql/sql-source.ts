/**
 * A table of a SQL database read as a {@link Source}: keyset pages on `(cursor, key)` with NULL
 * cursors first, `where` pushed down, counts (exact, estimated, and bounded by the server), key
 * lookups, the catalog, and a pool opened on first use. What differs between databases is a
 * {@link SqlSourceDialect}; the driver is reached through a {@link SqlPool} adapter.
 *
 * Every statement runs on a connection of its own, so that an abort stops it: the caller hears
 * the abort at once, and the server cancels the statement (see own-connection.ts).
 */
import type { BoundedCountRequest, ColumnInfo, ReadRequest, Row, Source, SourceBatch, SourceCapabilities, SourceEntity, SourceRow, TableInfo, TableSchema } from '../types.js';
import { classifyDriverError, FatalError } from '../errors.js';
import { keysetCondition, POOL_SIZE_TO_COUNT_BESIDE_A_READ, readKeysetPages, type KeysetPageRequest } from './keyset.js';
import { onOwnConnection } from './own-connection.js';
import { Bindings, type SqlSourceDialect } from './sql-source-dialect.js';
import type { SqlConnection, SqlPool } from './sql-pool.js';
import { groupPrimaryKeys } from './table-list.js';

/** How long `close` waits for cancellations: one answers in a round trip; one that does not (a server gone) must not hold the close. */
const CANCEL_WAIT_MS = 5_000;

export interface SqlSourceOptions {
  /** How messages name the database: `MySQL 127.0.0.1:3306/legacy_crm`, never with a password. */
  readonly where: string;
  /** How origins name it: `legacy_crm` in `legacy_crm.customers id=42`. */
  readonly database: string;
  /** Connections the pool opens at most. */
  readonly poolSize: number;
}

export class SqlSource implements Source {
  readonly capabilities: SourceCapabilities = { resumable: true, pushdownWhere: true, uniqueKeys: true, keyLookup: true };
  readonly #dialect: SqlSourceDialect;
  readonly #openPool: () => Promise<SqlPool>;
  readonly #options: SqlSourceOptions;
  #pool: Promise<SqlPool> | null = null;
  /** Cancellations sent and not yet answered: `close` waits for them, or ending the pool would drop them. */
  readonly #cancelling = new Set<Promise<void>>();
  #closed = false;

  constructor(dialect: SqlSourceDialect, openPool: () => Promise<SqlPool>, options: SqlSourceOptions) {
    this.#dialect = dialect;
    this.#openPool = openPool;
    this.#options = options;
  }

  async *read(request: ReadRequest): AsyncGenerator<SourceBatch> {
    const { entity } = request;
    const { table, key, cursor, scope } = this.#names(entity);
    const order = cursor ? `${this.#dialect.ascendingNullsFirst(cursor)}, ${key}` : key;
    const fetchPage = ({ after, limit, signal }: KeysetPageRequest) => {
      const bindings = new Bindings(this.#dialect);
      const condition = keysetCondition(after, key, cursor, (value) => bindings.bind(value));
      return this.#query(this.#whereTable(entity), signal, `SELECT * FROM ${table} WHERE ${scope} AND ${condition} ORDER BY ${order} LIMIT ${limit}`, bindings.values);
    };
    yield* readKeysetPages({
      key: entity.key,
      cursor: entity.cursor,
      batchSize: request.batchSize,
      after: request.after,
      signal: request.signal,
      fetchPage,
      origin: (row) => this.#origin(entity, row),
    });
  }

  async count(entity: SourceEntity, signal?: AbortSignal): Promise<number> {
    const { table, scope } = this.#names(entity);
    const rows = await this.#query(this.#whereTable(entity), signal, `SELECT COUNT(*) AS n FROM ${table} WHERE ${scope}`);
    return Number(rows[0]?.n ?? 0);
  }

  /** The table statistics' estimate (see the dialect's `estimateRowsSql`): one catalog read, never a scan. */
  async estimateRows(entity: SourceEntity, signal?: AbortSignal): Promise<number | null> {
    if (entity.where) return null;
    const rows = await this.#query(this.#whereTable(entity), signal, this.#dialect.estimateRowsSql, [entity.table]);
    const estimate = Math.round(Number(rows[0]?.n ?? Number.NaN));
    return Number.isFinite(estimate) && estimate > 0 ? estimate : null;
  }

  /**
   * `COUNT(*)` with the read's scope and keyset predicate, on a connection of its own, under the
   * server's own limit, so that a slow count stops on the server too. An abort stops it there at
   * once (cancelled on the server, allowed on a user's own sessions) and drops the connection.
   */
  async countBounded(request: BoundedCountRequest): Promise<number | null> {
    const { entity, after, timeoutMs, signal } = request;
    if (this.#closed || signal?.aborted || this.#options.poolSize < POOL_SIZE_TO_COUNT_BESIDE_A_READ) return null;
    const { table, key, cursor, scope } = this.#names(entity);
    const bindings = new Bindings(this.#dialect);
    const condition = keysetCondition(after, key, cursor, (value) => bindings.bind(value));
    const select = `COUNT(*) AS n FROM ${table} WHERE ${scope} AND ${condition}`;
    const isStatementTimeout = (error: unknown) => this.#dialect.isStatementTimeout(error);
    try {
      return await this.#onConnection(this.#whereTable(entity), signal, (connection) => this.#dialect.countWithin(connection, select, bindings.values, timeoutMs), isStatementTimeout);
    } catch (error) {
      if (signal?.aborted || isStatementTimeout(error)) return null;
      throw error;
    }
  }

  async existingKeys(entity: SourceEntity, keys: readonly string[], signal?: AbortSignal): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const { table, key, scope } = this.#names(entity);
    const bindings = new Bindings(this.#dialect);
    const inList = this.#dialect.keyInList(key, bindings.bind(keys));
    const rows = await this.#query(this.#whereTable(entity), signal, `SELECT ${this.#dialect.keyAsText(key)} AS k FROM ${table} WHERE ${scope} AND ${inList}`, bindings.values);
    return new Set(rows.map((row) => String(row.k)));
  }

  async readKeys(entity: SourceEntity, keys: readonly string[], signal?: AbortSignal): Promise<SourceRow[]> {
    if (keys.length === 0) return [];
    const { table, key, scope } = this.#names(entity);
    const bindings = new Bindings(this.#dialect);
    const inList = this.#dialect.keyInList(key, bindings.bind(keys));
    const rows = await this.#query(this.#whereTable(entity), signal, `SELECT * FROM ${table} WHERE ${scope} AND ${inList}`, bindings.values);
    return rows.map((data) => ({ key: String(data[entity.key]), data, origin: this.#origin(entity, data) }));
  }

  async describe(entity: SourceEntity): Promise<readonly ColumnInfo[]> {
    const rows = await this.#query(this.#options.where, undefined, this.#dialect.columnsSql, [entity.table]);
    if (rows.length === 0) throw new FatalError(`${this.#options.where}: table \`${entity.table}\` does not exist${this.#dialect.missingTable(entity.table)}`);
    return rows.map((row) => ({ name: String(row.name), type: String(row.type), nullable: row.nullable === 'YES' }));
  }

  /** Base tables of the connection's database or schema (views left out), with their primary-key columns in key order. */
  async listTables(signal?: AbortSignal): Promise<readonly TableInfo[]> {
    return groupPrimaryKeys(await this.#query(this.#options.where, signal, this.#dialect.tablesSql));
  }

  /** Base tables with columns, keys, foreign keys and indexes (for `cutover init`). */
  async introspect(signal?: AbortSignal): Promise<readonly TableSchema[]> {
    return this.#dialect.introspect((sql) => this.#query(this.#options.where, signal, sql));
  }

  /** Idempotent; waits for the cancellations of aborted statements, then ends the pool. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const pool = this.#pool;
    this.#pool = null;
    if (this.#cancelling.size > 0) await settledWithin([...this.#cancelling], CANCEL_WAIT_MS);
    if (pool) await (await pool.catch(() => null))?.end().catch(() => undefined);
  }

  #names(entity: SourceEntity): { table: string; key: string; cursor: string | undefined; scope: string } {
    const quote = (name: string) => this.#dialect.quoteName(name);
    return {
      table: quote(entity.table),
      key: quote(entity.key),
      cursor: entity.cursor === undefined ? undefined : quote(entity.cursor),
      scope: entity.where ? `(${entity.where})` : '1=1',
    };
  }

  #whereTable(entity: SourceEntity): string {
    return `${this.#options.where} table ${entity.table}`;
  }

  #origin(entity: SourceEntity, row: Row): string {
    return `${this.#options.database}.${entity.table} ${entity.key}=${String(row[entity.key])}`;
  }

  #getPool(): Promise<SqlPool> {
    if (!this.#pool) {
      const opened = this.#openPool();
      this.#pool = opened;
      // A failed connect must not stick: the next attempt connects afresh.
      opened.catch(() => {
        if (this.#pool === opened) this.#pool = null;
      });
    }
    return this.#pool;
  }

  /**
   * One statement, classified; never retried here: the caller owns the retry budget (STYLE 7), and
   * a second layer of retries would multiply the attempts against a dead server.
   */
  #query(where: string, signal: AbortSignal | undefined, sql: string, values: readonly unknown[] = []): Promise<Row[]> {
    return this.#onConnection(where, signal, (connection) => connection.query(sql, values));
  }

  /** `work` on a connection of its own (see own-connection.ts); errors classified, an abort's reason as it is. */
  async #onConnection<T>(where: string, signal: AbortSignal | undefined, work: (connection: SqlConnection) => Promise<T>, keepAfter?: (error: unknown) => boolean): Promise<T> {
    if (this.#closed) throw new FatalError(`${where}: source is closed`);
    signal?.throwIfAborted();
    try {
      const pool = await this.#getPool();
      return await onOwnConnection(pool, work, { signal, keepAfter, cancel: (sessionId) => this.#cancel(pool, sessionId) });
    } catch (error) {
      if (signal?.aborted && error === signal.reason) throw error;
      throw classifyDriverError(error, where);
    }
  }

  #cancel(pool: SqlPool, sessionId: number): Promise<void> {
    const { sql, values } = this.#dialect.cancelStatement(sessionId);
    const cancelling = pool.query(sql, values).then(
      () => undefined,
      () => undefined,
    );
    this.#cancelling.add(cancelling);
    void cancelling.finally(() => this.#cancelling.delete(cancelling));
    return cancelling;
  }
}

async function settledWithin(promises: readonly Promise<unknown>[], timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([Promise.allSettled(promises), waited]);
  clearTimeout(timer);
}
