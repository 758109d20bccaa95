/**
 * The run lock (run-lock-store.ts) on a PostgreSQL or PGlite state database: the holder is the
 * row of `run_lock`, read FOR SHARE by every write transaction; the session lock is a session
 * advisory lock named after the schema, taken on a pooled connection kept for the whole run.
 */
import { hostname } from 'node:os';
import { sql, type Kysely } from 'kysely';
import type { StateTransaction } from '../../connectors/sink.js';
import { PgStateTables } from './pg-state-tables.js';
import { isoTimestamp } from './iso-timestamp.js';
import type { LockHolder, LockSession, RunLockStore } from './run-lock-store.js';

/** `application_name` of the connection holding the lock, for pg_stat_activity. */
export function lockApplicationName(schema: string): string {
  return `cutover run lock ${schema}`.slice(0, 63);
}

/** The advisory lock's name; its key is `hashtext(name)`. */
export function runLockName(schema: string): string {
  return `cutover:${schema}`;
}

export class PgRunLockStore extends PgStateTables implements RunLockStore {
  async holder(): Promise<LockHolder | null> {
    const { rows } = await sql<HolderRow>`SELECT run_id::text, pid, host, since::text FROM ${this.table('run_lock')} WHERE id = 1`.execute(this.db);
    return holderOf(rows[0]);
  }

  async holderForShare(tx: StateTransaction): Promise<LockHolder | null> {
    const { rows } = await sql<HolderRow>`SELECT run_id::text, pid, host, since::text FROM ${this.table('run_lock')} WHERE id = 1 FOR SHARE`.execute(tx.db);
    return holderOf(rows[0]);
  }

  async takeOver(tx: StateTransaction, runId: number): Promise<LockHolder | null> {
    const { rows } = await sql<HolderRow>`SELECT run_id::text, pid, host, since::text FROM ${this.table('run_lock')} WHERE id = 1 FOR UPDATE`.execute(tx.db);
    // clock_timestamp(), not now(): the moment the previous holder's last transaction had ended.
    await sql`UPDATE ${this.table('run_lock')} SET run_id = ${runId}, pid = ${process.pid}, host = ${hostname()}, since = clock_timestamp() WHERE id = 1`.execute(tx.db);
    return holderOf(rows[0]);
  }

  async release(runId: number): Promise<void> {
    await sql`UPDATE ${this.table('run_lock')} SET run_id = NULL, pid = NULL, host = NULL, since = NULL WHERE id = 1 AND run_id = ${runId}`.execute(this.db);
  }

  openSession(): Promise<LockSession | null> {
    return AdvisoryLockSession.open(this.db, this.stateSchema);
  }

  async sessionHeld(): Promise<boolean> {
    // Read from pg_locks, not taken: trying the lock, even for a moment, could turn away a run starting.
    const { rows } = await sql<{ pid: number }>`
      SELECT l.pid FROM pg_locks l
       WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtext(${runLockName(this.stateSchema)})::bigint`.execute(this.db);
    return rows.length > 0;
  }
}

/** A pooled connection held for the whole run, with the session advisory lock taken on it. */
class AdvisoryLockSession implements LockSession {
  readonly #connection: Kysely<any>;
  readonly #done: Promise<void>;
  readonly #release: () => void;
  #closed = false;

  private constructor(connection: Kysely<any>, done: Promise<void>, release: () => void) {
    this.#connection = connection;
    this.#done = done;
    this.#release = release;
  }

  /** Takes the lock on a connection of its own; null when another session holds it. */
  static open(db: Kysely<any>, schema: string): Promise<AdvisoryLockSession | null> {
    const name = runLockName(schema);
    return new Promise<AdvisoryLockSession | null>((resolve, reject) => {
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let opened = false;
      const done = db.connection().execute(async (connection) => {
        const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(hashtext(${name})) AS locked`.execute(connection);
        if (!rows[0]?.locked) {
          opened = true;
          resolve(null);
          return;
        }
        // Named, so that it can be told apart from the batch connections in pg_stat_activity.
        await sql`SELECT set_config('application_name', ${lockApplicationName(schema)}, false)`.execute(connection);
        opened = true;
        resolve(new AdvisoryLockSession(connection, done, release));
        await released;
        await sql`SELECT pg_advisory_unlock(hashtext(${name}))`.execute(connection).catch(() => undefined);
        await sql`RESET application_name`.execute(connection).catch(() => undefined);
      });
      done.catch((error: unknown) => {
        if (!opened) reject(error);
      });
    });
  }

  async alive(): Promise<boolean> {
    try {
      await sql`SELECT 1`.execute(this.#connection);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#release();
    await this.#done.catch(() => undefined);
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
