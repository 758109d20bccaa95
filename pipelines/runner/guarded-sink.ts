/**
 * The state database of a session, with every transaction checked against the run lock while a
 * run holds it: the check is the first statement of the transaction, so a write path added later
 * cannot forget it, and a run that lost the lock cannot commit one more batch, deletion or
 * review decision.
 */
import type { SqlSink, SqlSinkTransaction } from '../../connectors/types.js';
import type { WriteGuard } from '../state/state-store.js';

export class GuardedSqlSink implements SqlSink {
  readonly kind = 'sql' as const;
  readonly #inner: SqlSink;
  #guard: WriteGuard | null = null;

  constructor(inner: SqlSink) {
    this.#inner = inner;
  }

  get capabilities() {
    return this.#inner.capabilities;
  }

  get db() {
    return this.#inner.db;
  }

  /** Checks every transaction from now on with `guard`; null stops checking. */
  guardWith(guard: WriteGuard | null): void {
    this.#guard = guard;
  }

  transaction<T>(fn: (tx: SqlSinkTransaction) => Promise<T>): Promise<T> {
    const guard = this.#guard;
    if (!guard) return this.#inner.transaction(fn);
    return this.#inner.transaction(async (tx) => {
      await guard(tx.db);
      return fn(tx);
    });
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
