/**
 * Writes a batch's rows inside its transaction. When the target refuses a row (a value too long, a
 * constraint), the batch is bisected under savepoints until the refused rows are isolated; they
 * become rejections at stage `write` with the database's reason, and the rest commits.
 */
import type { SqlSinkTransaction, TargetTable } from '../../connectors/types.js';
import { ConnectorError } from '../../connectors/errors.js';
import type { MappedRow } from '../../transforms/mapping-engine.js';
import { rejection, type Rejection } from '../../transforms/rejection.js';

export interface WrittenRow {
  readonly key: string;
  readonly targetId: string;
  readonly inserted: boolean;
  readonly hash: string;
}

export interface WriteResult {
  readonly written: WrittenRow[];
  readonly rejected: Rejection[];
}

export async function writeRows(tx: SqlSinkTransaction, target: TargetTable, rows: readonly { row: MappedRow; hash: string }[]): Promise<WriteResult> {
  const result: WriteResult = { written: [], rejected: [] };
  if (rows.length > 0) await writeIsolating(tx, target, rows, result);
  return result;
}

async function writeIsolating(tx: SqlSinkTransaction, target: TargetTable, rows: readonly { row: MappedRow; hash: string }[], result: WriteResult): Promise<void> {
  try {
    const outcomes = await tx.savepoint(() => tx.upsert(target, rows.map(({ row }) => row.values)));
    outcomes.forEach((outcome, index) => {
      const { row, hash } = rows[index]!;
      result.written.push({ key: row.key, targetId: outcome.id, inserted: outcome.inserted, hash });
    });
  } catch (error) {
    if (!isRowDataError(error)) throw error;
    if (rows.length === 1) {
      const { row } = rows[0]!;
      result.rejected.push(rejection('write', row.key, row.origin, `the target refused the row: ${describeDataError(error)}`, row.source));
      return;
    }
    const middle = Math.ceil(rows.length / 2);
    await writeIsolating(tx, target, rows.slice(0, middle), result);
    await writeIsolating(tx, target, rows.slice(middle), result);
  }
}

/**
 * SQLSTATE classes 22 (data exception: too long, out of range, bad date) and 23 (integrity:
 * not null, foreign key, unique, check) are about a row's values, not about the batch.
 */
export function isRowDataError(error: unknown): boolean {
  return error instanceof ConnectorError && typeof error.code === 'string' && /^(22|23)[0-9A-Z]{3}$/.test(error.code);
}

function describeDataError(error: unknown): string {
  const cause = (error as { cause?: { message?: string; detail?: string; column?: string } }).cause;
  const detail = cause?.detail ? ` (${cause.detail})` : '';
  return `${cause?.message ?? (error as Error).message}${detail}`;
}
