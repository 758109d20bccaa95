/**
 * One pooled connection of the MySQL/MariaDB sink, with the session the sink's guarantees rest on,
 * every statement under the query time-out and the caller's abort signal, and driver errors sorted
 * into refusals of the rows sent (a value) and faults of the call (thrown, classified).
 */
import { classifyDriverError, ConnectorError, FatalError } from '../errors.js';

/** The subset of mysql2's promise pool the sink uses (injected, as in kysely's MysqlPool). */
export interface MysqlSinkPool {
  getConnection(): Promise<MysqlSinkConnection>;
  /** A value as an SQL literal (strings quoted and escaped with backslashes, numbers as digits). */
  escape(value: unknown): string;
  end(): Promise<void>;
}

/** The subset of a mysql2 pooled connection the sink uses. */
export interface MysqlSinkConnection {
  /** Results of one statement, or of each statement of a multi-statement text. */
  query(sql: string): Promise<[unknown, unknown]>;
  release(): void;
  /** Closes the socket at once and takes the connection out of the pool; the server rolls back. */
  destroy(): void;
  readonly threadId?: number | null | undefined;
}

/**
 * Set on every checkout, not once per connection: a migration file may change its session
 * (`SET FOREIGN_KEY_CHECKS = 0`, `SET sql_mode = ''`) and the pool would hand that connection out
 * again.
 * - `sql_mode` whole, not appended to: STRICT_ALL_TABLES makes a value too long, out of range or
 *   not a date an error of its row (the server would otherwise truncate it with a warning, and a
 *   row would be accounted as written with other values); the zero-date modes refuse `0000-00-00`;
 *   ERROR_FOR_DIVISION_BY_ZERO arms the upsert's guard (mysql-upsert.ts). Leaving out
 *   NO_BACKSLASH_ESCAPES and ANSI_QUOTES keeps the driver's escaping and backtick quoting right.
 * - `time_zone = '+00:00'`: DATETIME values are written and read as UTC (see mysql-values.ts),
 *   TIMESTAMP columns convert through the session zone, and so do NOW() and CURRENT_TIMESTAMP.
 * - utf8mb4: 4-byte characters (emoji, rare CJK) reach the server intact; `utf8` (utf8mb3) would
 *   refuse or mangle them.
 * - `foreign_key_checks` and `unique_checks` on: the target's constraints refuse bad rows.
 */
export const SESSION_SETTINGS =
  "SET NAMES utf8mb4, sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', " +
  "time_zone = '+00:00', foreign_key_checks = 1, unique_checks = 1";

/**
 * Server errors that refuse the rows of a statement, not the statement: the statement is rolled
 * back alone (InnoDB statement atomicity) and the rows are tried in halves to find the ones refused.
 */
export const REFUSAL_ERRNOS: ReadonlySet<number> = new Set([
  1048, // column cannot be null
  1062, // duplicate entry for a unique key
  1264, // out of range value
  1265, // data truncated (an ENUM or SET value it does not hold)
  1292, // incorrect date/time/number value
  1365, // division by 0: the upsert's guard against another unique key (mysql-upsert.ts)
  1366, // incorrect integer/decimal/string value (also a character the column's charset lacks)
  1406, // data too long for column
  1451, // a child row still references the row (delete)
  1452, // foreign key: the parent row does not exist
  1690, // value out of range in an expression
  3819, // MySQL: check constraint violated
  4025, // MariaDB: check constraint violated
]);

/** The server refused the rows of one statement; the rest of the transaction stands. */
export class RowRefusal extends Error {
  override readonly name = 'RowRefusal';
  readonly errno: number;
  /** The server's message without its `at row N`, which names a row of the statement, not of the batch. */
  readonly serverMessage: string;
  constructor(errno: number, serverMessage: string, options: { cause: unknown }) {
    super(serverMessage, options);
    this.errno = errno;
    this.serverMessage = serverMessage.replace(/ at row \d+$/, '');
  }
}

/** Where a session runs and how long a statement may take. */
export interface SessionOptions {
  /** `MariaDB 127.0.0.1:3306/crm`, for messages. */
  readonly where: string;
  /** 0 for none. */
  readonly queryTimeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

/** A checked-out connection in the sink's session; {@link end} gives it back (or drops it). */
export class MysqlSession {
  readonly #connection: MysqlSinkConnection;
  readonly #pool: MysqlSinkPool;
  readonly #options: SessionOptions;
  #ended = false;
  /** A statement failed without a server answer (connection lost, timed out, aborted): the connection may be in any state. */
  #doubtful = false;
  #savepoints = 0;

  private constructor(pool: MysqlSinkPool, connection: MysqlSinkConnection, options: SessionOptions) {
    this.#pool = pool;
    this.#connection = connection;
    this.#options = options;
  }

  /** A connection from the pool with {@link SESSION_SETTINGS} applied. */
  static async open(pool: MysqlSinkPool, options: SessionOptions): Promise<MysqlSession> {
    options.signal?.throwIfAborted();
    let connection: MysqlSinkConnection;
    try {
      connection = await pool.getConnection();
    } catch (error) {
      throw classifyDriverError(error, options.where);
    }
    const session = new MysqlSession(pool, connection, options);
    try {
      await session.run(SESSION_SETTINGS);
    } catch (error) {
      session.end();
      throw error;
    }
    return session;
  }

  /** A value as an SQL literal. */
  escape(value: unknown): string {
    return this.#pool.escape(value);
  }

  /** The rows (or result header) of one statement; throws {@link RowRefusal} or a classified error. */
  async run<T = Record<string, unknown>[]>(sql: string): Promise<T> {
    const { signal, queryTimeoutMs, where } = this.#options;
    if (this.#ended) throw new FatalError(`${where}: the connection of this transaction is gone (lost, timed out or aborted)`);
    signal?.throwIfAborted();
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const interrupted = new Promise<never>((_resolve, reject) => {
      if (queryTimeoutMs > 0) {
        timer = setTimeout(() => {
          this.#drop();
          reject(classifyDriverError(Object.assign(new Error(`Query inactivity timeout (${queryTimeoutMs} ms)`), { code: 'PROTOCOL_SEQUENCE_TIMEOUT' }), where));
        }, queryTimeoutMs);
      }
      if (signal) {
        onAbort = () => {
          this.#drop();
          reject(signal.reason instanceof Error ? signal.reason : new DOMException('This operation was aborted', 'AbortError'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }
    });
    interrupted.catch(() => undefined);
    const answer = this.#connection.query(sql);
    answer.catch(() => undefined);
    try {
      const [result] = await Promise.race([answer, interrupted]);
      return result as T;
    } catch (error) {
      throw this.#sort(error);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Runs `fn` under a savepoint: when it throws, its statements are undone and the transaction
   * goes on. Savepoints are named by depth and never released: a savepoint of the same name
   * replaces the older one and COMMIT frees them all, so nesting costs no RELEASE round trips.
   */
  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const name = `cutover_sp_${++this.#savepoints}`;
    try {
      await this.run(`SAVEPOINT ${name}`);
      try {
        return await fn();
      } catch (error) {
        if (!this.#ended) await this.run(`ROLLBACK TO SAVEPOINT ${name}`);
        throw error;
      }
    } finally {
      this.#savepoints--;
    }
  }

  /** Gives the connection back to the pool, or drops it when it may be in any state. Idempotent. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#doubtful) this.#connection.destroy();
    else this.#connection.release();
  }

  /** Ends the transaction the hard way: the server rolls back when the connection goes. */
  #drop(): void {
    if (this.#ended) return;
    this.#ended = true;
    // mysql2 cannot cancel a statement; KILL QUERY (allowed on one's own connections) stops it on
    // the server too, instead of leaving it to run on, holding its locks.
    const thread = this.#connection.threadId;
    if (typeof thread === 'number') {
      void this.#pool
        .getConnection()
        .then(async (other) => {
          await other.query(`KILL QUERY ${thread}`).catch(() => undefined);
          other.release();
        })
        .catch(() => undefined);
    }
    this.#connection.destroy();
  }

  #sort(error: unknown): unknown {
    if (error instanceof ConnectorError || (error as { name?: unknown } | null)?.name === 'AbortError') return error;
    const driver = (error ?? {}) as { errno?: unknown; sqlState?: unknown; sqlMessage?: unknown; fatal?: unknown };
    // A server's answer carries its SQLSTATE; a socket error has an errno too, but no SQLSTATE.
    const answered = typeof driver.sqlState === 'string' && driver.fatal !== true;
    if (answered && typeof driver.errno === 'number' && REFUSAL_ERRNOS.has(driver.errno)) {
      return new RowRefusal(driver.errno, String(driver.sqlMessage ?? (error as Error).message), { cause: error });
    }
    if (!answered) this.#doubtful = true;
    return classifyDriverError(error, this.#options.where);
  }
}
