/**
 * The run lock as the state keeps it. Two parts: a session lock, held on a connection of its own
 * for the whole run, decides which run may take the lock (where the state database has session
 * locks: PostgreSQL's advisory locks; PGlite's folder lock already admits one process); and the
 * holder (a row of the state), which every write transaction of the run reads, shared, and checks
 * names its own run. Kept in PostgreSQL or PGlite by pg-run-lock-store.ts.
 */
import type { StateTransaction } from '../../connectors/sink.js';

/** The run named as the holder. */
export interface LockHolder {
  readonly runId: number;
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/** A connection held for the whole run, with the session lock taken on it. */
export interface LockSession {
  /** False once the connection (and with it the lock) is gone. */
  alive(): Promise<boolean>;
  /** Unlocks and gives the connection back; idempotent. */
  close(): Promise<void>;
}

export interface RunLockStore {
  /** The holder now (no lock taken); null when none. */
  holder(): Promise<LockHolder | null>;
  /**
   * The holder, read shared in the caller's write transaction: a run taking over waits until this
   * transaction ends, and this transaction sees a takeover that committed before it.
   */
  holderForShare(tx: StateTransaction): Promise<LockHolder | null>;
  /**
   * Makes `runId` the holder, in the caller's transaction; blocks until the write transactions of
   * the previous holder have ended. Returns the previous holder (null when the lock was free).
   */
  takeOver(tx: StateTransaction, runId: number): Promise<LockHolder | null>;
  /** Clears the holder if it is still `runId`. */
  release(runId: number): Promise<void>;
  /** Takes the session lock on a connection of its own; null when another session holds it. Only where the database has session locks. */
  openSession(): Promise<LockSession | null>;
  /** Whether a session holds the lock now, seen without trying to take it (which could turn away a run starting). */
  sessionHeld(): Promise<boolean>;
}
