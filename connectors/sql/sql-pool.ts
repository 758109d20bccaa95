/**
 * What {@link SqlSource} needs of a database driver's pool: a connection of its own per operation,
 * one statement on any connection (to cancel another's), and an end. Each SQL source adapts its
 * driver's pool (mysql2, pg) to this in a few lines, as kysely's dialects adapt theirs.
 */
import type { Row } from '../types.js';

/** One connection taken from a pool for one operation; exactly one of `release` and `destroy` ends it. */
export interface SqlConnection {
  /** One statement; its rows. Errors are the driver's, or already connector errors. */
  query(sql: string, values: readonly unknown[]): Promise<Row[]>;
  /** The server's id of the session (MySQL thread id, PostgreSQL backend pid), to cancel its statement from another; undefined when unknown. */
  readonly sessionId: number | undefined;
  /** Back to the pool for the next operation: the connection is idle and sound. */
  release(): void;
  /** Closed and out of the pool: it may still be busy on the server, or broken. */
  destroy(): void;
}

/** A pool of connections to one database. */
export interface SqlPool {
  connect(): Promise<SqlConnection>;
  /** One statement on any free connection (a cancellation, which must not wait behind the one it cancels). */
  query(sql: string, values: readonly unknown[]): Promise<Row[]>;
  /** Closes every connection; called once. */
  end(): Promise<void>;
}
