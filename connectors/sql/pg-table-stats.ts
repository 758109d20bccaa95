/** Row counts and planner statistics of a target table on a PostgreSQL-family target. */
import { sql, type Kysely } from 'kysely';
import type { TargetTable } from '../types.js';

/** Rows of the table that carry a legacy key. */
export async function countPgRows(db: Kysely<any>, target: TargetTable): Promise<number> {
  const { rows } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${sql.table(target.table)} WHERE ${sql.ref(target.key)} IS NOT NULL`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Refreshes the planner's statistics of the table: one that grew from empty during a long run
 * keeps the plans chosen for an empty table otherwise (where autovacuum is off, for ever).
 */
export async function analyzePgTable(db: Kysely<any>, target: TargetTable): Promise<void> {
  await sql`ANALYZE ${sql.table(target.table)}`.execute(db);
}
