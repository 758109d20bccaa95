/**
 * One run at a time per target: a PostgreSQL session advisory lock held for the whole run, on its
 * own connection. (PGlite needs none: its folder lock already admits one process.) When the lock is
 * taken, the message names the run that holds it.
 */
import { sql } from 'kysely';
import type { SqlSink } from '../../connectors/types.js';
import { RunError } from '../errors.js';
import type { StateStore } from '../state/state-store.js';

export async function withRunLock<T>(sink: SqlSink, state: StateStore, fn: () => Promise<T>): Promise<T> {
  if (!sink.capabilities.sessionLocks) return fn();
  const name = `cutover:${state.schema}`;
  return sink.db.connection().execute(async (connection) => {
    const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(hashtext(${name})) AS locked`.execute(connection);
    if (!rows[0]?.locked) {
      const holder = (await state.runs(5)).find((run) => run.status === 'running');
      const who = holder
        ? `run ${holder.runId} (${holder.mode} of ${holder.entities.join(', ')}) by process ${holder.pid} on ${holder.host}, started ${holder.startedAt}`
        : 'another session';
      throw new RunError(`another cutover run is in progress on this target: ${who}`, {
        hint: 'wait for it to finish, or stop that process; runs resume from their last committed batch',
      });
    }
    try {
      return await fn();
    } finally {
      await sql`SELECT pg_advisory_unlock(hashtext(${name}))`.execute(connection).catch(() => undefined);
    }
  });
}
