/**
 * Reads a PostgreSQL table in keyset pages on `(cursor NULLS FIRST, key)`. Timestamps, dates and
 * numerics arrive as text (see postgres-pool.ts).
 */
import type { BoundedCountRequest, ColumnInfo, ReadRequest, Row, Source, SourceBatch, SourceCapabilities, SourceEntity, SourceRow, TableInfo, TableSchema } from '../types.js';
import { classifyDriverError, ConnectorError, FatalError } from '../errors.js';
import { POOL_SIZE_TO_COUNT_BESIDE_A_READ, readKeysetPages, type KeysetPageRequest } from '../sql/keyset.js';
import { qualifiedNameHint, quotePgName } from '../sql/quote-name.js';
import { groupPrimaryKeys } from '../sql/table-list.js';
import type { PostgresConfig } from './postgres-config.js';
import { classifyingPool, type PgClient, type PgPool } from './postgres-pool.js';
import { introspectPostgres, POSTGRES_TABLES_SQL } from './postgres-introspect.js';

export class PostgresSource implements Source {
  readonly capabilities: SourceCapabilities = { resumable: true, pushdownWhere: true, uniqueKeys: true, keyLookup: true };
  readonly #config: PostgresConfig;
  readonly #createPool: () => Promise<PgPool>;
  readonly #where: string;
  #pool: Promise<PgPool> | null = null;
  #closed = false;

  constructor(config: PostgresConfig, createPool: () => Promise<PgPool>) {
    this.#config = config;
    this.#createPool = createPool;
    this.#where = `PostgreSQL ${config.endpoint}`;
  }

  async *read(request: ReadRequest): AsyncGenerator<SourceBatch> {
    const { entity } = request;
    const table = quotePgName(entity.table);
    const key = quotePgName(entity.key);
    const cursor = entity.cursor === undefined ? undefined : quotePgName(entity.cursor);
    const scope = entity.where ? `(${entity.where})` : 'TRUE';
    const order = cursor ? `${cursor} ASC NULLS FIRST, ${key} ASC` : `${key} ASC`;
    const fetchPage = ({ after, limit }: KeysetPageRequest) => {
      const [condition, values] = pgKeysetCondition(after, key, cursor);
      return this.#query(`SELECT * FROM ${table} WHERE ${scope} AND ${condition} ORDER BY ${order} LIMIT ${limit}`, values, request.signal);
    };
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
    const scope = entity.where ? `(${entity.where})` : 'TRUE';
    const rows = await this.#query(`SELECT COUNT(*)::bigint AS n FROM ${quotePgName(entity.table)} WHERE ${scope}`, [], signal);
    return Number(rows[0]?.n ?? 0);
  }

  /** `pg_class.reltuples`, as of the last VACUUM or ANALYZE (autovacuum keeps it near); -1 (PostgreSQL 14+) before any. */
  async estimateRows(entity: SourceEntity, signal?: AbortSignal): Promise<number | null> {
    if (entity.where) return null;
    const rows = await this.#query(
      `SELECT c.reltuples::float8 AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
        WHERE s.nspname = current_schema() AND c.relname = $1 AND c.relkind IN ('r', 'p')`,
      [entity.table],
      signal,
    );
    const estimate = Math.round(Number(rows[0]?.n ?? Number.NaN));
    return Number.isFinite(estimate) && estimate > 0 ? estimate : null;
  }

  /**
   * `COUNT(*)` with the read's scope and keyset predicate, in a read-only transaction under a
   * `statement_timeout` of its own, so that a slow count stops on the server. An abort cancels it
   * there at once (`pg_cancel_backend`, allowed on a role's own sessions) and drops the client.
   */
  async countBounded(request: BoundedCountRequest): Promise<number | null> {
    const { entity, after, timeoutMs, signal } = request;
    if (this.#closed || signal?.aborted || this.#config.poolSize < POOL_SIZE_TO_COUNT_BESIDE_A_READ) return null;
    const key = quotePgName(entity.key);
    const cursor = entity.cursor === undefined ? undefined : quotePgName(entity.cursor);
    const [condition, values] = pgKeysetCondition(after, key, cursor);
    const scope = entity.where ? `(${entity.where})` : 'TRUE';
    const pool = await this.#getPool();
    const client = await pool.connect();
    // Aborted while the client was being taken: an abort listener added now would never hear it.
    if (signal?.aborted) {
      client.release();
      return null;
    }
    const backend: { pid?: number } = {};
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<null>((resolve) => {
      onAbort = () => resolve(null);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    const answer = countInTransaction(client, `SELECT COUNT(*)::bigint AS n FROM ${quotePgName(entity.table)} WHERE ${scope} AND ${condition}`, values, timeoutMs, backend);
    answer.catch(() => undefined);
    try {
      const first = await Promise.race([answer, aborted]);
      if (first !== null) {
        client.release();
        return first;
      }
      if (backend.pid !== undefined) void pool.query('SELECT pg_cancel_backend($1)', [backend.pid]).catch(() => undefined);
      // The statement may still be running on this client, which must not serve anyone else.
      client.release(true);
      return null;
    } catch (error) {
      const timedOut = error instanceof ConnectorError && error.code === '57014';
      client.release(timedOut ? undefined : true);
      if (timedOut) return null;
      throw error;
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  async existingKeys(entity: SourceEntity, keys: readonly string[], signal?: AbortSignal): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const scope = entity.where ? `(${entity.where})` : 'TRUE';
    const key = quotePgName(entity.key);
    // `= ANY($1)` takes the key column's type, so the primary-key index answers.
    const rows = await this.#query(`SELECT ${key}::text AS k FROM ${quotePgName(entity.table)} WHERE ${scope} AND ${key} = ANY($1)`, [keys], signal);
    return new Set(rows.map((row) => String(row.k)));
  }

  async readKeys(entity: SourceEntity, keys: readonly string[], signal?: AbortSignal): Promise<SourceRow[]> {
    if (keys.length === 0) return [];
    const scope = entity.where ? `(${entity.where})` : 'TRUE';
    const key = quotePgName(entity.key);
    const rows = await this.#query(`SELECT * FROM ${quotePgName(entity.table)} WHERE ${scope} AND ${key} = ANY($1)`, [keys], signal);
    return rows.map((data) => ({ key: String(data[entity.key]), data, origin: `${this.#config.url.path}.${entity.table} ${entity.key}=${String(data[entity.key])}` }));
  }

  async describe(entity: SourceEntity): Promise<readonly ColumnInfo[]> {
    const rows = await this.#query(
      `SELECT column_name AS name, data_type AS type, is_nullable AS nullable FROM information_schema.columns
        WHERE table_name = $1 AND table_schema = current_schema() ORDER BY ordinal_position`,
      [entity.table],
    );
    if (rows.length === 0) {
      const hint = qualifiedNameHint(entity.table, 'schema', `put ?schema=${entity.table.split('.')[0]} on the connection URL`);
      throw new FatalError(`${this.#where}: table \`${entity.table}\` does not exist in schema \`${this.#config.schema}\`${hint}`);
    }
    return rows.map((row) => ({ name: String(row.name), type: String(row.type), nullable: row.nullable === 'YES' }));
  }

  /** Base tables of the connection's schema (first on the search path), with their primary-key columns in key order. */
  async listTables(signal?: AbortSignal): Promise<readonly TableInfo[]> {
    return groupPrimaryKeys(await this.#query(POSTGRES_TABLES_SQL, [], signal));
  }

  /** Base tables with columns, keys, foreign keys and indexes (for `cutover init`). */
  async introspect(signal?: AbortSignal): Promise<readonly TableSchema[]> {
    return introspectPostgres((sql) => this.#query(sql, [], signal));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const pool = this.#pool;
    this.#pool = null;
    if (pool) await (await pool.catch(() => null))?.end().catch(() => undefined);
  }

  #getPool(): Promise<PgPool> {
    if (!this.#pool) {
      const created = this.#createPool().then(
        (pool) => classifyingPool(pool, this.#where),
        (error: unknown) => {
          throw classifyDriverError(error, this.#where);
        },
      );
      this.#pool = created;
      created.catch(() => {
        if (this.#pool === created) this.#pool = null;
      });
    }
    return this.#pool;
  }

  /** One statement, classified; never retried here: the caller owns the retry budget (STYLE 7). */
  async #query(text: string, values: readonly unknown[], signal?: AbortSignal): Promise<Row[]> {
    if (this.#closed) throw new FatalError(`${this.#where}: source is closed`);
    signal?.throwIfAborted();
    return (await (await this.#getPool()).query(text, values)).rows;
  }
}

/** One count in its own read-only transaction, so that `SET LOCAL` bounds it alone; `backend.pid` names the session, to cancel. */
async function countInTransaction(client: PgClient, text: string, values: readonly unknown[], timeoutMs: number, backend: { pid?: number }): Promise<number> {
  await client.query('BEGIN READ ONLY');
  try {
    // set_config(…, true) is SET LOCAL: it ends with the transaction.
    const { rows: session } = await client.query("SELECT pg_backend_pid() AS pid, set_config('statement_timeout', $1, true)", [String(Math.max(Math.round(timeoutMs), 1))]);
    backend.pid = Number(session[0]?.pid);
    const { rows } = await client.query(text, values);
    await client.query('COMMIT');
    return Number(rows[0]?.n ?? 0);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

export function pgKeysetCondition(after: KeysetPageRequest['after'], key: string, cursor: string | undefined): [string, unknown[]] {
  if (after === null) return ['TRUE', []];
  if (cursor === undefined) return after.key === null ? ['TRUE', []] : [`${key} > $1`, [after.key]];
  if (after.cursor === null) {
    return after.key === null ? ['TRUE', []] : [`((${cursor} IS NULL AND ${key} > $1) OR ${cursor} IS NOT NULL)`, [after.key]];
  }
  if (after.key === null) return [`${cursor} >= $1`, [after.cursor]];
  return [`${cursor} >= $1 AND (${cursor} > $1 OR ${key} > $2)`, [after.cursor, after.key]];
}
