/**
 * One operation on a connection of its own, that an abort really stops: the caller hears the
 * abort at once, the server is told to cancel the statement, and the connection, which may still
 * be busy, never serves anyone again. Neither driver can cancel a statement it sent (mysql2 has no
 * cancel at all; pg's needs the session's secret key, which its pool keeps to itself), so the
 * cancellation goes through another connection of the same pool.
 */
import type { SqlConnection, SqlPool } from './sql-pool.js';

export interface OwnConnectionOptions {
  readonly signal?: AbortSignal | undefined;
  /** Asks the server, from another connection, to cancel what session `sessionId` runs; never rejects. */
  cancel(sessionId: number): Promise<void>;
  /** After a failure of `work`: the connection is still sound (a statement stopped at its limit). @default never */
  keepAfter?: ((error: unknown) => boolean) | undefined;
}

/**
 * Runs `work` on a connection taken from `pool`, released once it answers. An abort, while the
 * connection is being taken or while `work` runs, rejects with the signal's reason at once.
 * A failure destroys the connection unless `keepAfter` says it is sound: a half-read result or a
 * lost socket must not reach the next operation.
 */
export async function onOwnConnection<T>(pool: SqlPool, work: (connection: SqlConnection) => Promise<T>, options: OwnConnectionOptions): Promise<T> {
  const { signal } = options;
  signal?.throwIfAborted();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    const taking = pool.connect();
    let connection: SqlConnection;
    try {
      connection = await Promise.race([taking, aborted]);
    } catch (error) {
      // Aborted while waiting for the pool: the connection, when it comes, goes back unused.
      if (signal?.aborted) void taking.then((late) => late.release(), () => undefined);
      throw error;
    }
    const answer = work(connection);
    answer.catch(() => undefined);
    try {
      const result = await Promise.race([answer, aborted]);
      connection.release();
      return result;
    } catch (error) {
      if (signal?.aborted && error === signal.reason) {
        // Told first, then dropped: where the pool is full, dropping frees the slot the cancellation waits for.
        if (connection.sessionId !== undefined) void options.cancel(connection.sessionId);
        connection.destroy();
      } else if (options.keepAfter?.(error)) connection.release();
      else connection.destroy();
      throw error;
    }
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
