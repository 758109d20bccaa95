/**
 * The writes of one transaction on a PostgreSQL-family target (PostgreSQL, PGlite), as the runner
 * asks for them ({@link SinkWriter}). Every write isolates the rows the database refuses under
 * savepoints (refusals.ts): they become outcomes with the database's reason, and the rest of the
 * transaction goes on.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { ArchiveRow, ChildTarget, DeleteOutcome, RowOutcome, SinkWriter, StateTransaction } from '../sink.js';
import type { Row, TargetTable } from '../types.js';
import { FatalError } from '../errors.js';
import type { UpsertedRow } from './pg-upsert.js';
import { describeDataError, isolateRefusals, type Savepoint } from './refusals.js';

/** Ids or keys per statement of a delete, archive or re-point: one array parameter each. */
const KEYS_PER_STATEMENT = 10_000;

/** What a PostgreSQL-family transaction gives its writer. */
export interface PgTransactionSession {
  /** Kysely bound to the open transaction. */
  readonly db: Kysely<any> | Transaction<any>;
  /** One upsert of rows with the same columns, by `target.key`; throws when the database refuses any of them. */
  upsert(target: TargetTable, rows: readonly Row[]): Promise<UpsertedRow[]>;
  readonly savepoint: Savepoint;
  /** The state store's view of the same transaction. */
  readonly state: StateTransaction;
}

export function pgSinkWriter(session: PgTransactionSession): SinkWriter {
  const { db, savepoint } = session;
  return {
    state: session.state,

    async upsert(target, rows) {
      const outcomes: RowOutcome[] = new Array(rows.length);
      const indexed = rows.map((row, index) => ({ row, index }));
      const refused = await isolateRefusals(savepoint, indexed, async (chunk) => {
        const upserted = await session.upsert(target, chunk.map((item) => item.row));
        upserted.forEach((row, i) => (outcomes[chunk[i]!.index] = { ok: true, id: row.id, inserted: row.inserted }));
      });
      for (const { item, error } of refused) outcomes[item.index] = { ok: false, reason: `the target refused the row: ${describeDataError(error)}`, detail: error };
      return outcomes;
    },

    async patch(target, records) {
      const outcomes: RowOutcome[] = new Array(records.length);
      const indexed = records.map((record, index) => ({ record, index }));
      const refused = await isolateRefusals(savepoint, indexed, async (chunk) => {
        for (const { record, index } of chunk) {
          const key = record[target.key];
          if (key === undefined || key === null) throw new FatalError(`patch of ${target.table}: a record lacks the key column \`${target.key}\``);
          const fields = Object.fromEntries(Object.entries(record).filter(([column]) => column !== target.key).map(([column, value]) => [column, parameter(value)]));
          if (Object.keys(fields).length === 0) throw new FatalError(`patch of ${target.table}: record '${String(key)}' has no field to set`);
          const { rows } = await sql<{ id: string }>`UPDATE ${sql.table(target.table)} SET ${sql.join(Object.entries(fields).map(([column, value]) => sql`${sql.ref(column)} = ${value}`))}
            WHERE ${sql.ref(target.key)} = ${String(key)} RETURNING ${sql.ref(target.id)}::text AS id`.execute(db);
          outcomes[index] = rows[0] ? { ok: true, id: rows[0].id, inserted: false } : { ok: false, reason: `the target has no row with ${target.key} '${String(key)}'` };
        }
      });
      for (const { item, error } of refused) outcomes[item.index] = { ok: false, reason: `the target refused the row: ${describeDataError(error)}`, detail: error };
      return outcomes;
    },

    async delete(target, ids) {
      const refusals = new Map<string, string>();
      for (const chunk of chunks(ids)) {
        const refused = await isolateRefusals(savepoint, chunk, async (part) => {
          await sql`DELETE FROM ${sql.table(target.table)} WHERE ${sql.ref(target.id)} = ANY(${[...part]})`.execute(db);
        });
        for (const { item, error } of refused) refusals.set(item, `the target refused the row: ${describeDataError(error)}`);
      }
      return ids.map((id): DeleteOutcome => (refusals.has(id) ? { id, ok: false, reason: refusals.get(id) } : { id, ok: true }));
    },

    async archive(target, column, rows: readonly ArchiveRow[], at) {
      let changed = 0;
      for (const chunk of chunks(rows.map((row) => row.targetId))) {
        // ISO text, which PostgreSQL reads as the column's type: timestamptz and timestamp alike, in UTC.
        const result = await sql`UPDATE ${sql.table(target.table)} SET ${sql.ref(column)} = ${at.toISOString()}
          WHERE ${sql.ref(target.id)} = ANY(${chunk}) AND ${sql.ref(column)} IS NULL`.execute(db);
        changed += Number(result.numAffectedRows ?? 0n);
      }
      return changed;
    },

    async repoint(child: ChildTarget, childKeys, parentId) {
      let changed = 0;
      for (const chunk of chunks(childKeys)) {
        // Only rows that point elsewhere change, so that a repeated re-point counts 0 (IS DISTINCT FROM: NULL points elsewhere too).
        const result = await sql`UPDATE ${sql.table(child.table)} SET ${sql.ref(child.field)} = ${parentId}
          WHERE ${sql.ref(child.key)} = ANY(${chunk}) AND ${sql.ref(child.field)} IS DISTINCT FROM ${parentId}`.execute(db);
        changed += Number(result.numAffectedRows ?? 0n);
      }
      return changed;
    },
  };
}

function* chunks<T>(items: readonly T[]): Generator<T[]> {
  for (let start = 0; start < items.length; start += KEYS_PER_STATEMENT) yield items.slice(start, start + KEYS_PER_STATEMENT);
}

/** Objects and arrays as JSON text, as pg-upsert.ts sends them. */
function parameter(value: unknown): unknown {
  return value !== null && typeof value === 'object' && !(value instanceof Date) ? JSON.stringify(value) : value ?? null;
}
