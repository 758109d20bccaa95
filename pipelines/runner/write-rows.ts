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

/**
 * Applies `apply` to all items under a savepoint; when the target refuses a row's data, bisects
 * until the refused items are alone, and returns them with the database's error. The rest is applied.
 */
export async function isolateRefusals<T>(tx: SqlSinkTransaction, items: readonly T[], apply: (items: readonly T[]) => Promise<void>): Promise<{ item: T; error: unknown }[]> {
  const refused: { item: T; error: unknown }[] = [];
  const attempt = async (chunk: readonly T[]): Promise<void> => {
    try {
      await tx.savepoint(() => apply(chunk));
    } catch (error) {
      if (!isRowDataError(error)) throw error;
      if (chunk.length === 1) {
        refused.push({ item: chunk[0]!, error });
        return;
      }
      const middle = Math.ceil(chunk.length / 2);
      await attempt(chunk.slice(0, middle));
      await attempt(chunk.slice(middle));
    }
  };
  if (items.length > 0) await attempt(items);
  return refused;
}

/**
 * SQLSTATE classes 22 (data exception: too long, out of range, bad date) and 23 (integrity:
 * not null, foreign key, unique, check) are about a row's values, not about the batch.
 */
export function isRowDataError(error: unknown): boolean {
  return error instanceof ConnectorError && typeof error.code === 'string' && /^(22|23)[0-9A-Z]{3}$/.test(error.code);
}

export function describeDataError(error: unknown): string {
  const cause = (error as { cause?: { message?: string; detail?: string; column?: string } }).cause;
  const detail = cause?.detail ? ` (${cause.detail})` : '';
  return `${cause?.message ?? (error as Error).message}${detail}`;
}
