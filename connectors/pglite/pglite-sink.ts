/**
 * PGlite as the target: an embedded PostgreSQL in a folder, so that the whole migration runs
 * without a database server. Also the state store beside file and API targets.
 */
import { constants } from 'node:fs';
import { access, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Kysely, type Transaction } from 'kysely';
import type { ContentProbe, Sink, SinkCapabilities, SinkWriter, StateDatabase, WriteOptions } from '../sink.js';
import type { TargetTable } from '../types.js';
import { ConnectorError, FatalError, classifyDriverError } from '../errors.js';
import { upsertRows } from '../sql/pg-upsert.js';
import { withSavepoint } from '../sql/savepoint.js';
import { pgContentProbe } from '../sql/pg-content-probe.js';
import { applyPgMigrations } from '../sql/pg-migrations.js';
import { analyzePgTable, countPgRows } from '../sql/pg-table-stats.js';
import { pgSinkWriter } from '../sql/pg-writer.js';
import type { PgliteConfig } from './pglite-config.js';
import { PgliteDialect, type PgliteDatabase } from './pglite-dialect.js';
import { acquireFolderLock, type FolderLock } from './folder-lock.js';
import { createClusterApart } from './create-cluster.js';
import { pgliteStartParams, useBaselineWasmCompiler } from './pglite-settings.js';

const PGLITE_MAX_PARAMS = 65_535;
/**
 * Rows per batch into PGlite. Up to four batches are in flight (prefetched, read ahead, planned,
 * committing), and each row costs ~10 KB of heap on the way: at 2,000 rows a MariaDB ▸ PGlite run
 * peaked ~45 MB higher than at 1,000, for ~10 % more speed (BENCHMARKS.md).
 */
const PGLITE_MAX_BATCH_ROWS = 1000;
// date, timestamp, timestamptz, numeric, int8 as text: nothing rounded, nothing shifted.
const TEXT_TYPES = [1082, 1114, 1184, 1700, 20];

export class PgliteSink implements Sink {
  readonly capabilities: SinkCapabilities = {
    transactional: true,
    state: 'target',
    deletes: true,
    counts: true,
    contentChecks: true,
    migrations: true,
    maxBatchRows: PGLITE_MAX_BATCH_ROWS,
  };
  readonly endpoint: string;
  readonly db: Kysely<any>;
  /** The target's own state database; also what `target.state` of a file or API target opens. */
  readonly stateDatabase: StateDatabase;
  readonly #lock: FolderLock | null;
  #closed = false;

  private constructor(config: PgliteConfig, database: PgliteDatabase, lock: FolderLock | null) {
    this.endpoint = config.endpoint;
    this.#lock = lock;
    this.db = new Kysely<any>({ dialect: new PgliteDialect(classifyingDatabase(database, this.endpoint)) });
    this.stateDatabase = {
      // No advisory locks are needed: the folder lock admits one process.
      capabilities: { sessionLocks: false, maxBatchRows: PGLITE_MAX_BATCH_ROWS },
      endpoint: this.endpoint,
      db: this.db,
      transaction: (fn) => this.#transaction((trx) => fn({ db: trx })),
      // The target's own: closed with the sink.
      close: async () => undefined,
    };
  }

  static async open(config: PgliteConfig): Promise<PgliteSink> {
    useBaselineWasmCompiler();
    const { PGlite } = await import('@electric-sql/pglite');
    let lock: FolderLock | null = null;
    if (config.dataDir !== null) {
      await mkdir(config.dataDir, { recursive: true });
      // PGlite reports a folder it may read but not write as "failed to initialize properly".
      await access(config.dataDir, constants.W_OK).catch((error: unknown) => {
        throw new FatalError(`${config.endpoint}: its data folder ${config.dataDir} is not writable for the user running cutover (${(error as NodeJS.ErrnoException).code ?? 'EACCES'}); make it writable, or choose another folder`, { cause: error });
      });
      lock = await acquireFolderLock(`${config.dataDir}.lock`, config.endpoint);
    }
    try {
      const parsers = Object.fromEntries(TEXT_TYPES.map((oid) => [oid, (value: string) => value]));
      const startParams = pgliteStartParams(PGlite.defaultStartParams);
      if (config.dataDir !== null && (await isEmptyFolder(config.dataDir))) await createClusterApart(config.dataDir, startParams, config.endpoint);
      const options = { parsers, startParams };
      const database = config.dataDir === null ? new PGlite(options) : new PGlite(config.dataDir, options);
      await database.waitReady;
      await database.query(`SET TimeZone = 'UTC'`);
      return new PgliteSink(config, database as unknown as PgliteDatabase, lock);
    } catch (error) {
      await lock?.release();
      throw error instanceof ConnectorError ? error : classifyDriverError(error, config.endpoint);
    }
  }

  write<T>(fn: (writer: SinkWriter) => Promise<T>, _options?: WriteOptions): Promise<T> {
    return this.#transaction((trx) =>
      fn(
        pgSinkWriter({
          db: trx,
          upsert: (target, rows) => upsertRows(trx, target, rows, PGLITE_MAX_PARAMS),
          savepoint: (run) => withSavepoint(trx, run),
          state: { db: trx },
        }),
      ),
    );
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

  /** The database's errors are connector errors already (classifyingDatabase); the caller's own go back to it as thrown. */
  #transaction<T>(fn: (trx: Transaction<any>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.db.destroy();
    } finally {
      await this.#lock?.release();
    }
  }
}

function classifyingDatabase(database: PgliteDatabase, where: string): PgliteDatabase {
  return {
    query: <T>(sql: string, params?: unknown[], options?: { rowMode?: 'object' }) =>
      database.query<T>(sql, params, options).catch((error: unknown) => {
        throw classifyDriverError(error, where);
      }),
    exec: (sql, options) =>
      database.exec(sql, options).catch((error: unknown) => {
        throw classifyDriverError(error, where);
      }),
    close: () => database.close(),
  };
}

/** A folder PGlite has not initialised yet (a folder with other files in it is left to PGlite, which refuses it). */
async function isEmptyFolder(dir: string): Promise<boolean> {
  if (await access(path.join(dir, 'PG_VERSION')).then(() => true, () => false)) return false;
  return (await readdir(dir)).length === 0;
}
