/**
 * Reads a legacy MySQL/MariaDB table in keyset pages on `(cursor, key)`. Values are returned the
 * way the server stores them: DATETIME as `yyyy-MM-dd HH:mm:ss` text (no time zone guessing),
 * DECIMAL and BIGINT as text (no float rounding).
 */
import type { BoundedCountRequest, ColumnInfo, ReadRequest, Row, Source, SourceBatch, SourceCapabilities, SourceEntity, SourceRow, TableInfo, TableSchema } from '../types.js';
import { classifyDriverError, FatalError } from '../errors.js';
import { POOL_SIZE_TO_COUNT_BESIDE_A_READ, readKeysetPages, type KeysetPageRequest } from '../sql/keyset.js';
import { groupPrimaryKeys } from '../sql/table-list.js';
import { qualifiedNameHint, quoteMysqlName } from '../sql/quote-name.js';
import type { MysqlConfig } from './mysql-config.js';
import { introspectMysql, MYSQL_TABLES_SQL } from './mysql-introspect.js';

/** The subset of mysql2's promise pool this source uses (injected, as in kysely's MysqlPool). */
export interface MysqlPool {
  query(sql: string, values?: readonly unknown[]): Promise<[unknown, unknown]>;
  /** A connection of its own, for a query under a time-out (see #query). */
  getConnection(): Promise<MysqlConnection>;
  end(): Promise<void>;
}

/** The subset of a mysql2 pooled connection this source uses. */
export interface MysqlConnection {
  query(sql: string, values?: readonly unknown[]): Promise<[unknown, unknown]>;
  release(): void;
  /** Closes the socket at once and takes the connection out of the pool. */
  destroy(): void;
  /** The server's id of the connection, for `KILL QUERY`. */
  readonly threadId?: number | null | undefined;
}

export class MysqlSource implements Source {
  readonly capabilities: SourceCapabilities = { resumable: true, pushdownWhere: true, uniqueKeys: true, keyLookup: true };
  readonly #config: MysqlConfig;
  readonly #createPool: () => Promise<MysqlPool>;
  #pool: Promise<MysqlPool> | null = null;
  /** Whether the server is MariaDB (asked once): the two bound a statement's time differently. */
  #mariadb: Promise<boolean> | null = null;
  #closed = false;

  constructor(config: MysqlConfig, createPool: () => Promise<MysqlPool>) {
    this.#config = config;
    this.#createPool = createPool;
  }

  async *read(request: ReadRequest): AsyncGenerator<SourceBatch> {
    const { entity } = request;
    const where = `MySQL ${this.#config.endpoint} table ${entity.table}`;
    const table = quoteMysqlName(entity.table);
    const key = quoteMysqlName(entity.key);
    const cursor = entity.cursor === undefined ? undefined : quoteMysqlName(entity.cursor);
    const scope = entity.where ? `(${entity.where})` : '1=1';
    const order = cursor ? `${cursor}, ${key}` : key;
    const fetchPage = ({ after, limit }: KeysetPageRequest) =>
      this.#query(where, request.signal, (pool) => {
        const [condition, values] = keysetCondition(after, key, cursor);
        return pool.query(`SELECT * FROM ${table} WHERE ${scope} AND ${condition} ORDER BY ${order} LIMIT ${limit}`, values);
      });
    yield* readKeysetPages({
      key: entity.key,
      cursor: entity.cursor,
      batchSize: request.batchSize,
      after: request.after,
      signal: request.signal,
      fetchPage,
      origin: (row) => `${this.#config.url.path}.${entity.table} ${entity.key}=${String(row[entity.key])}`,
    });
  }

  async count(entity: SourceEntity, signal?: AbortSignal): Promise<number> {
    const scope = entity.where ? `(${entity.where})` : '1=1';
    const rows = await this.#query(`MySQL ${this.#config.endpoint} table ${entity.table}`, signal, (pool) =>
      pool.query(`SELECT COUNT(*) AS n FROM ${quoteMysqlName(entity.table)} WHERE ${scope}`),
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** `information_schema.TABLES.TABLE_ROWS`: InnoDB's sampled estimate, often 10-50 % off, never a scan. */
  async estimateRows(entity: SourceEntity, signal?: AbortSignal): Promise<number | null> {
    if (entity.where) return null;
    const rows = await this.#query(`MySQL ${this.#config.endpoint} table ${entity.table}`, signal, (pool) =>
      pool.query('SELECT TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?', [entity.table]),
    );
    const rowsEstimate = Number(rows[0]?.n ?? Number.NaN);
    return Number.isFinite(rowsEstimate) && rowsEstimate > 0 ? rowsEstimate : null;
  }

  /**
   * `COUNT(*)` with the read's scope and keyset predicate, on a connection of its own, under the
   * server's own limit (MariaDB `max_statement_time`, MySQL `MAX_EXECUTION_TIME`), so that a slow
   * count stops on the server too. An abort stops it there at once (`KILL QUERY`, allowed on a
   * user's own connections) and drops the connection.
   */
  async countBounded(request: BoundedCountRequest): Promise<number | null> {
    const { entity, after, timeoutMs, signal } = request;
    if (this.#closed || signal?.aborted || this.#config.poolSize < POOL_SIZE_TO_COUNT_BESIDE_A_READ) return null;
    const where = `MySQL ${this.#config.endpoint} table ${entity.table}`;
    const key = quoteMysqlName(entity.key);
    const cursor = entity.cursor === undefined ? undefined : quoteMysqlName(entity.cursor);
    const [condition, values] = keysetCondition(after, key, cursor);
    const scope = entity.where ? `(${entity.where})` : '1=1';
    const select = `COUNT(*) AS n FROM ${quoteMysqlName(entity.table)} WHERE ${scope} AND ${condition}`;
    try {
      const pool = await this.#getPool();
      const mariadb = await this.#isMariadb(pool);
      const connection = await pool.getConnection();
      const sql = mariadb
        ? `SET STATEMENT max_statement_time = ${Math.max(timeoutMs, 1) / 1000} FOR SELECT ${select}`
        : `SELECT /*+ MAX_EXECUTION_TIME(${Math.max(Math.round(timeoutMs), 1)}) */ ${select}`;
      return await answerUnlessAborted(pool, connection, signal, async () => {
        const [rows] = await connection.query(sql, values);
        return Number((rows as Row[])[0]?.n ?? 0);
      });
    } catch (error) {
      if (isStatementTimeout(error)) return null;
      throw classifyDriverError(error, where);
    }
  }

  async existingKeys(entity: SourceEntity, keys: readonly string[], signal?: AbortSignal): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const scope = entity.where ? `(${entity.where})` : '1=1';
    const key = quoteMysqlName(entity.key);
    const rows = await this.#query(`MySQL ${this.#config.endpoint} table ${entity.table}`, signal, (pool) =>
      pool.query(`SELECT ${key} AS k FROM ${quoteMysqlName(entity.table)} WHERE ${scope} AND ${key} IN (?)`, [keys]),
    );
    return new Set(rows.map((row) => String(row.k)));
  }

  async readKeys(entity: SourceEntity, keys: readonly string[], signal?: AbortSignal): Promise<SourceRow[]> {
    if (keys.length === 0) return [];
    const scope = entity.where ? `(${entity.where})` : '1=1';
    const rows = await this.#query(`MySQL ${this.#config.endpoint} table ${entity.table}`, signal, (pool) =>
      pool.query(`SELECT * FROM ${quoteMysqlName(entity.table)} WHERE ${scope} AND ${quoteMysqlName(entity.key)} IN (?)`, [keys]),
    );
    return rows.map((data) => ({ key: String(data[entity.key]), data, origin: `${this.#config.url.path}.${entity.table} ${entity.key}=${String(data[entity.key])}` }));
  }

  async describe(entity: SourceEntity): Promise<readonly ColumnInfo[]> {
    const rows = await this.#query(`MySQL ${this.#config.endpoint}`, undefined, (pool) =>
      pool.query(
        `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable
           FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
        [entity.table],
      ),
    );
    if (rows.length === 0) {
      throw new FatalError(`MySQL ${this.#config.endpoint}: table \`${entity.table}\` does not exist${qualifiedNameHint(entity.table, 'database', 'name it in the connection URL (mysql://…/database)')}`);
    }
    return rows.map((row) => ({ name: String(row.name), type: String(row.type), nullable: row.nullable === 'YES' }));
  }

  /** Base tables of the connection's database (views left out), with their primary-key columns in key order. */
  async listTables(signal?: AbortSignal): Promise<readonly TableInfo[]> {
    return groupPrimaryKeys(await this.#query(`MySQL ${this.#config.endpoint}`, signal, (pool) => pool.query(MYSQL_TABLES_SQL)));
  }

  /** Base tables with columns, keys, foreign keys and indexes (for `cutover init`). */
  async introspect(signal?: AbortSignal): Promise<readonly TableSchema[]> {
    return introspectMysql((sql) => this.#query(`MySQL ${this.#config.endpoint}`, signal, (pool) => pool.query(sql)));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const pool = this.#pool;
    this.#pool = null;
    if (pool) await (await pool.catch(() => null))?.end().catch(() => undefined);
  }

  #isMariadb(pool: MysqlPool): Promise<boolean> {
    this.#mariadb ??= pool.query('SELECT VERSION() AS v').then(([rows]) => /mariadb/i.test(String((rows as Row[])[0]?.v)));
    // A failed question must not stick either.
    this.#mariadb.catch(() => (this.#mariadb = null));
    return this.#mariadb;
  }

  #getPool(): Promise<MysqlPool> {
    if (!this.#pool) {
      const created = this.#createPool();
      this.#pool = created;
      // A failed connect must not stick: the next attempt connects afresh.
      created.catch(() => {
        if (this.#pool === created) this.#pool = null;
      });
    }
    return this.#pool;
  }

  /**
   * One query, classified; never retried here: the caller owns the retry budget (STYLE 7), and a
   * second layer of retries would multiply the attempts against a dead server.
   */
  async #query(where: string, signal: AbortSignal | undefined, run: (pool: MysqlPool) => Promise<[unknown, unknown]>): Promise<Row[]> {
    if (this.#closed) throw new FatalError(`${where}: source is closed`);
    signal?.throwIfAborted();
    try {
      const pool = await this.#getPool();
      const [rows] = this.#config.queryTimeoutMs > 0 ? await queryWithTimeout(pool, this.#config.queryTimeoutMs, run) : await run(pool);
      return rows as Row[];
    } catch (error) {
      throw classifyDriverError(error, where);
    }
  }
}

/**
 * Runs `run` on a connection of its own, which is destroyed if no answer comes within `timeoutMs`:
 * the query would otherwise hold it, and the pool would hand it out again. Not mysql2's own query
 * `timeout`, whose timer outlives a connection lost mid-query and keeps the process alive.
 */
async function queryWithTimeout(pool: MysqlPool, timeoutMs: number, run: (pool: MysqlPool) => Promise<[unknown, unknown]>): Promise<[unknown, unknown]> {
  const connection = await pool.getConnection();
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      connection.destroy();
      reject(Object.assign(new Error(`Query inactivity timeout (${timeoutMs} ms)`), { code: 'PROTOCOL_SEQUENCE_TIMEOUT' }));
    }, timeoutMs);
  });
  const answer = run({ query: (sql, values) => connection.query(sql, values), getConnection: () => pool.getConnection(), end: () => pool.end() });
  answer.catch(() => undefined);
  try {
    return await Promise.race([answer, expired]);
  } finally {
    clearTimeout(timer);
    if (!timedOut) connection.release();
  }
}

/**
 * `count()` on `connection`, released when it answers; an abort answers null at once, kills the
 * query on the server (mysql2 cannot cancel one) and destroys the connection.
 */
async function answerUnlessAborted(pool: MysqlPool, connection: MysqlConnection, signal: AbortSignal | undefined, count: () => Promise<number>): Promise<number | null> {
  // Aborted while the connection was being taken: an abort listener added now would never hear it.
  if (signal?.aborted) {
    connection.release();
    return null;
  }
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<null>((resolve) => {
    onAbort = () => resolve(null);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  const answer = count();
  answer.catch(() => undefined);
  try {
    const first = await Promise.race([answer, aborted]);
    if (first !== null) {
      connection.release();
      return first;
    }
    if (typeof connection.threadId === 'number') void pool.query(`KILL QUERY ${connection.threadId}`).catch(() => undefined);
    connection.destroy();
    return null;
  } catch (error) {
    // A statement time-out leaves the connection usable; anything else may not.
    if (isStatementTimeout(error)) connection.release();
    else connection.destroy();
    throw error;
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/** MariaDB ER_STATEMENT_TIMEOUT (1969), MySQL ER_QUERY_TIMEOUT (3024): the server's own limit on a statement. */
function isStatementTimeout(error: unknown): boolean {
  const errno = (error as { errno?: unknown } | null)?.errno;
  return errno === 1969 || errno === 3024;
}

/**
 * Rows strictly after `after` in `ORDER BY cursor, key` (MySQL sorts NULL first). Written as
 * `cursor >= ? AND (cursor > ? OR key > ?)` so that the optimiser uses a range on the index.
 */
export function keysetCondition(after: KeysetPageRequest['after'], key: string, cursor: string | undefined): [string, unknown[]] {
  if (after === null) return ['1=1', []];
  if (cursor === undefined) return after.key === null ? ['1=1', []] : [`${key} > ?`, [after.key]];
  if (after.cursor === null) {
    return after.key === null ? ['1=1', []] : [`((${cursor} IS NULL AND ${key} > ?) OR ${cursor} IS NOT NULL)`, [after.key]];
  }
  if (after.key === null) return [`${cursor} >= ?`, [after.cursor]];
  return [`${cursor} >= ? AND (${cursor} > ? OR ${key} > ?)`, [after.cursor, after.cursor, after.key]];
}
