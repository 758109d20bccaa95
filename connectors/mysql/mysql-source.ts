/**
 * Reads a legacy MySQL/MariaDB table in keyset pages on `(cursor, key)`. Values are returned the
 * way the server stores them: DATETIME as `yyyy-MM-dd HH:mm:ss` text (no time zone guessing),
 * DECIMAL and BIGINT as text (no float rounding).
 */
import type { ColumnInfo, ReadRequest, Row, Source, SourceBatch, SourceCapabilities, SourceEntity, SourceRow, TableInfo } from '../types.js';
import { classifyDriverError, FatalError } from '../errors.js';
import { readKeysetPages, type KeysetPageRequest } from '../sql/keyset.js';
import { groupPrimaryKeys } from '../sql/table-list.js';
import { qualifiedNameHint, quoteMysqlName } from '../sql/quote-name.js';
import type { MysqlConfig } from './mysql-config.js';

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
}

export class MysqlSource implements Source {
  readonly capabilities: SourceCapabilities = { resumable: true, pushdownWhere: true, uniqueKeys: true, keyLookup: true };
  readonly #config: MysqlConfig;
  readonly #createPool: () => Promise<MysqlPool>;
  #pool: Promise<MysqlPool> | null = null;
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
    const rows = await this.#query(`MySQL ${this.#config.endpoint}`, signal, (pool) =>
      pool.query(
        `SELECT t.TABLE_NAME AS name, k.COLUMN_NAME AS pk
           FROM information_schema.TABLES t
           LEFT JOIN information_schema.KEY_COLUMN_USAGE k
             ON k.TABLE_SCHEMA = t.TABLE_SCHEMA AND k.TABLE_NAME = t.TABLE_NAME AND k.CONSTRAINT_NAME = 'PRIMARY'
          WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'
          ORDER BY t.TABLE_NAME, k.ORDINAL_POSITION`,
      ),
    );
    return groupPrimaryKeys(rows);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const pool = this.#pool;
    this.#pool = null;
    if (pool) await (await pool.catch(() => null))?.end().catch(() => undefined);
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
