/**
 * Every source row lands in exactly one bucket. The equation
 * `read = inserted + updated + unchanged + merged + rejected + filtered` holds per batch, per
 * entity and per run. Two counters sit outside the buckets: `deleted` counts target rows deleted
 * or archived because their legacy row was deleted, `sourceDeleted` legacy rows found gone from
 * the source (`--detect-deletes`); neither is a row read.
 */

export const LEDGER_BUCKETS = ['inserted', 'updated', 'unchanged', 'merged', 'rejected', 'filtered'] as const;
export type LedgerBucket = (typeof LEDGER_BUCKETS)[number];

export type LedgerCounts = Record<'read' | LedgerBucket | 'deleted' | 'sourceDeleted', number>;

export function emptyLedger(): LedgerCounts {
  return { read: 0, inserted: 0, updated: 0, unchanged: 0, merged: 0, rejected: 0, filtered: 0, deleted: 0, sourceDeleted: 0 };
}

export function addLedger(into: LedgerCounts, more: Readonly<LedgerCounts>): LedgerCounts {
  for (const name of Object.keys(into) as (keyof LedgerCounts)[]) into[name] += more[name];
  return into;
}

export function accounted(counts: Readonly<LedgerCounts>): number {
  return LEDGER_BUCKETS.reduce((sum, bucket) => sum + counts[bucket], 0);
}

/** Rows read but in no bucket (or in two); zero when the books balance. */
export function unaccounted(counts: Readonly<LedgerCounts>): number {
  return counts.read - accounted(counts);
}
