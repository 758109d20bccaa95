/**
 * MySQL/MariaDB as the target (SuiteCRM 8, EspoCRM, vtiger, Dolibarr run on it). Each
 * {@link Sink.write} is one transaction on one pooled connection; the state (id map, ledger,
 * watermarks) lives beside it, in the PostgreSQL or PGlite database of `target.state`, committed
 * after the rows. Every write is therefore idempotent by legacy key or target id: a batch sent
 * again after a crash between the two commits leaves exactly what one send leaves.
 */
import { FatalError } from '../errors.js';
import type { ContentProbe, Sink, SinkCapabilities, SinkWriter, WriteOptions } from '../sink.js';
import type { TargetTable } from '../types.js';
import { quoteMysqlName } from '../sql/quote-name.js';
import type { MysqlConfig } from './mysql-config.js';
import { mysqlContentProbe } from './mysql-content-probe.js';
import { applyMysqlMigrations } from './mysql-migrations.js';
import { MysqlSession, RowRefusal, type MysqlSinkPool } from './mysql-session.js';
import { MysqlSinkWriter } from './mysql-sink-writer.js';
import { statementLimits, type StatementLimits } from './mysql-statements.js';
import { TargetTables } from './mysql-target-table.js';

/** What the sink learnt of its server when it connected. */
export interface MysqlServer {
  readonly mariadb: boolean;
  /** `INSERT … RETURNING` exists (MariaDB 10.5 and later). */
  readonly canReturn: boolean;
  readonly maxAllowedPacket: number;
}

/**
 * Ways of writing the sink can take, for tests and benchmarks. The defaults cost the least measured
 * (scripts/bench-mysql-sink.ts, 100,000 rows, MariaDB 10.11): RETURNING took the same CPU for new
 * rows and about 10 % more for updates, as it sends every row back; a savepoint per INSERT cost
 * nothing measurable. Their wall-clock times were within the noise of a shared machine.
 */
export interface MysqlWriteChoices {
  /** Ids from `INSERT … RETURNING` (MariaDB) instead of a SELECT of the new keys after it. @default false */
  readonly returning: boolean;
  /** Each INSERT under a savepoint of its own (see UpsertContext.savepoints). @default false */
  readonly savepoints: boolean;
}

/**
 * @example
 * const sink = await mysqlConnector.createSink(config); // mariadb://migrator:${PASSWORD}@db:3306/newcrm
 * const outcomes = await sink.write((writer) => writer.upsert({ table: 'customers', key: 'legacy_id', id: 'id' }, rows));
 */
export class MysqlSink implements Sink {
  readonly capabilities: SinkCapabilities = { transactional: true, state: 'beside', deletes: true, counts: true, contentChecks: true, migrations: true };
  /** `MariaDB 127.0.0.1:3306/crm`; never the password. */
  readonly endpoint: string;
  readonly #pool: MysqlSinkPool;
  readonly #config: MysqlConfig;
  readonly #server: MysqlServer;
  readonly #choices: MysqlWriteChoices;
  readonly #limits: StatementLimits;
  readonly #tables: TargetTables;
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed = false;

  private constructor(config: MysqlConfig, pool: MysqlSinkPool, server: MysqlServer, choices: MysqlWriteChoices = { returning: false, savepoints: false }) {
    this.#config = config;
    this.#pool = pool;
    this.#server = server;
    this.#choices = choices;
    this.endpoint = `${server.mariadb ? 'MariaDB' : 'MySQL'} ${config.endpoint}`;
    this.#limits = statementLimits(server.maxAllowedPacket, config.statementBytes, config.statementRows);
    this.#tables = new TargetTables(this.endpoint, server.mariadb);
  }

  /** Asks the server what it is (MariaDB or MySQL, its packet limit) once, on a session of the sink's kind. */
  static async open(config: MysqlConfig, pool: MysqlSinkPool): Promise<MysqlSink> {
    const where = `MySQL ${config.endpoint}`;
    const session = await MysqlSession.open(pool, { where, queryTimeoutMs: config.queryTimeoutMs });
    try {
      const [row] = await session.run('SELECT VERSION() AS version, @@max_allowed_packet AS packet');
      const version = String(row?.version ?? '');
      const mariadb = /mariadb/i.test(version);
      const [major = 0, minor = 0] = version.split(/[.-]/).map(Number);
      return new MysqlSink(config, pool, {
        mariadb,
        canReturn: mariadb && (major > 10 || (major === 10 && minor >= 5)),
        maxAllowedPacket: Number(row?.packet ?? 4 * 1024 * 1024),
      });
    } finally {
      session.end();
    }
  }

  /** For tests and benchmarks: the same sink (the same pool) with other choices of writing and statement sizes. */
  withChoices(choices: Partial<MysqlWriteChoices> & { statementRows?: number; statementBytes?: number }): MysqlSink {
    if (choices.returning && !this.#server.canReturn) throw new FatalError(`${this.endpoint}: the server has no INSERT … RETURNING (MariaDB 10.5 and later)`);
    const config = { ...this.#config, statementRows: choices.statementRows ?? this.#config.statementRows, statementBytes: choices.statementBytes ?? this.#config.statementBytes };
    return new MysqlSink(config, this.#pool, this.#server, { returning: choices.returning ?? this.#choices.returning, savepoints: choices.savepoints ?? this.#choices.savepoints });
  }

  write<T>(fn: (writer: SinkWriter) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    return this.#track(async () => {
      const session = await this.#session(options.signal);
      try {
        await session.run('START TRANSACTION');
        const writer = new MysqlSinkWriter({ session, tables: this.#tables, limits: this.#limits, returning: this.#choices.returning, savepoints: this.#choices.savepoints, where: this.endpoint });
        const result = await fn(writer);
        await session.run('COMMIT');
        return result;
      } catch (error) {
        // A connection lost, timed out or aborted is gone already, and the server rolled back with it.
        await session.run('ROLLBACK').catch(() => undefined);
        if (error instanceof RowRefusal) throw new FatalError(`${this.endpoint}: the target refused a statement outside any row: ${error.serverMessage}`, { cause: error });
        throw error;
      } finally {
        session.end();
      }
    });
  }

  /** Rows whose legacy key is not NULL. */
  countRows(target: TargetTable): Promise<number> {
    return this.#withSession(async (session) => {
      const table = await this.#tables.describe(session, target.table);
      this.#tables.columnsOf(table, [target.key], 'mapping names as `target.key`');
      const [row] = await session.run(`SELECT COUNT(*) AS n FROM ${table.quoted} WHERE ${quoteMysqlName(target.key)} IS NOT NULL`);
      return Number(row?.n ?? 0);
    });
  }

  contentProbe(target: TargetTable, columns: readonly string[]): Promise<ContentProbe> {
    return this.#track(() => mysqlContentProbe({ tables: this.#tables, openSession: () => this.#session(undefined) }, target, columns));
  }

  applyMigrations(dir: string, ledgerSchema: string): Promise<string[]> {
    return this.#withSession(async (session) => {
      try {
        return await applyMysqlMigrations(session, dir, ledgerSchema, this.endpoint);
      } finally {
        this.#tables.forget();
      }
    });
  }

  /** `ANALYZE TABLE`, which answers its problems as rows rather than errors. */
  analyze(target: TargetTable): Promise<void> {
    return this.#withSession(async (session) => {
      const table = await this.#tables.describe(session, target.table);
      const rows = await session.run(`ANALYZE TABLE ${table.quoted}`);
      const problem = rows.find((row) => String(row.Msg_type ?? row.msg_type ?? '').toLowerCase() === 'error');
      if (problem) throw new FatalError(`${this.endpoint}: ANALYZE TABLE ${target.table}: ${String(problem.Msg_text ?? problem.msg_text)}`);
    });
  }

  /** Waits for the calls in flight, then closes the pool. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#inFlight]);
    await this.#pool.end().catch(() => undefined);
  }

  #session(signal: AbortSignal | undefined): Promise<MysqlSession> {
    return MysqlSession.open(this.#pool, { where: this.endpoint, queryTimeoutMs: this.#config.queryTimeoutMs, signal });
  }

  #withSession<T>(fn: (session: MysqlSession) => Promise<T>): Promise<T> {
    return this.#track(async () => {
      const session = await this.#session(undefined);
      try {
        return await fn(session);
      } catch (error) {
        if (error instanceof RowRefusal) throw new FatalError(`${this.endpoint}: ${error.serverMessage}`, { cause: error });
        throw error;
      } finally {
        session.end();
      }
    });
  }

  #track<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new FatalError(`${this.endpoint}: the sink is closed`));
    const call = fn();
    this.#inFlight.add(call);
    const forget = () => this.#inFlight.delete(call);
    call.then(forget, forget);
    return call;
  }
}
