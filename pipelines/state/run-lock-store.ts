/**
 * The holder of the run lock, as a row of the state (`run_lock`): the run that may write. The
 * session advisory lock decides who may take it; this row is what each write transaction checks,
 * in its own transaction, so that a run whose lock went away cannot write one batch more once
 * another run has taken over.
 */
import { hostname } from 'node:os';
import { sql, type Kysely, type Transaction } from 'kysely';
import { isoTimestamp } from './iso-timestamp.js';

type Executor = Kysely<any> | Transaction<any>;

/** The run named in `run_lock`. */
export interface LockHolder {
  readonly runId: number;
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

export class RunLockStore {
  readonly #db: Kysely<any>;
  readonly #schema: string;

  constructor(db: Kysely<any>, schema: string) {
    this.#db = db;
    this.#schema = schema;
  }

  #table(name: string) {
    return sql.table(`${this.#schema}.${name}`);
  }

  /** The holder now (no lock taken); null when none. */
  async holder(db: Executor = this.#db): Promise<LockHolder | null> {
    const { rows } = await sql<HolderRow>`SELECT run_id::text, pid, host, since::text FROM ${this.#table('run_lock')} WHERE id = 1`.execute(db);
    return holderOf(rows[0]);
  }

  /**
   * The holder, read FOR SHARE in the caller's write transaction: a run taking over waits until
   * this transaction ends, and this transaction sees a takeover that committed before it.
   */
  async holderForShare(tx: Executor): Promise<LockHolder | null> {
    const { rows } = await sql<HolderRow>`SELECT run_id::text, pid, host, since::text FROM ${this.#table('run_lock')} WHERE id = 1 FOR SHARE`.execute(tx);
    return holderOf(rows[0]);
  }

  /**
   * Makes `runId` the holder, in the caller's transaction; blocks until the write transactions of
   * the previous holder have ended. Returns the previous holder (null when the lock was free).
   */
  async takeOver(tx: Executor, runId: number): Promise<LockHolder | null> {
    const { rows } = await sql<HolderRow>`SELECT run_id::text, pid, host, since::text FROM ${this.#table('run_lock')} WHERE id = 1 FOR UPDATE`.execute(tx);
    // clock_timestamp(), not now(): the moment the previous holder's last transaction had ended.
    await sql`UPDATE ${this.#table('run_lock')} SET run_id = ${runId}, pid = ${process.pid}, host = ${hostname()}, since = clock_timestamp() WHERE id = 1`.execute(tx);
    return holderOf(rows[0]);
  }

  /** Clears the holder if it is still `runId`. */
  async release(runId: number): Promise<void> {
    await sql`UPDATE ${this.#table('run_lock')} SET run_id = NULL, pid = NULL, host = NULL, since = NULL WHERE id = 1 AND run_id = ${runId}`.execute(this.#db);
  }
}

interface HolderRow {
  run_id: string | null;
  pid: number | null;
  host: string | null;
  since: string | null;
}

function holderOf(row: HolderRow | undefined): LockHolder | null {
  if (!row || row.run_id === null) return null;
  return { runId: Number(row.run_id), pid: row.pid ?? 0, host: row.host ?? '', since: row.since === null ? '' : isoTimestamp(row.since) };
}
