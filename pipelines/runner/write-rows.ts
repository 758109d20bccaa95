/**
 * Writes a batch's rows inside its transaction. When the target refuses a row (a value too long, a
 * constraint), the batch is bisected under savepoints until the refused rows are isolated; they
 * become rejections at stage `write` with the database's reason, and the rest commits.
 */
import type { SqlSinkTransaction, TargetTable } from '../../connectors/types.js';
import { describeDataError, isolateRefusals as isolateUnderSavepoints, isRowDataError } from '../../connectors/sql/refusals.js';
import type { MappedRow } from '../../transforms/mapping-engine.js';
import { rejection, type Rejection } from '../../transforms/rejection.js';

export interface WrittenRow {
  readonly key: string;
  readonly targetId: string;
  readonly inserted: boolean;
  readonly hash: string;
  readonly references: Readonly<Record<string, string>> | null;
}

export interface WriteResult {
  readonly written: WrittenRow[];
  readonly rejected: Rejection[];
}

export async function writeRows(tx: SqlSinkTransaction, target: TargetTable, rows: readonly { row: MappedRow; hash: string }[]): Promise<WriteResult> {
  const result: WriteResult = { written: [], rejected: [] };
  const refused = await isolateRefusals(tx, rows, async (chunk) => {
    const outcomes = await tx.upsert(target, chunk.map(({ row }) => row.values));
    outcomes.forEach((outcome, index) => {
      const { row, hash } = chunk[index]!;
      result.written.push({ key: row.key, targetId: outcome.id, inserted: outcome.inserted, hash, references: row.references ?? null });
    });
  });
  for (const { item, error } of refused) {
    result.rejected.push(rejection('write', item.row.key, item.row.origin, `the target refused the row: ${describeDataError(error)}`, item.row.source));
  }
  return result;
}

/** Isolates the rows the target refuses, under the transaction's savepoints (connectors/sql/refusals.ts). */
export function isolateRefusals<T>(tx: SqlSinkTransaction, items: readonly T[], apply: (items: readonly T[]) => Promise<void>): Promise<{ item: T; error: unknown }[]> {
  return isolateUnderSavepoints((fn) => tx.savepoint(fn), items, apply);
}

export { describeDataError, isRowDataError };
