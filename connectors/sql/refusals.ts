/**
 * Rows a PostgreSQL-family target refuses, told apart from faults of the whole statement: a batch
 * is applied under a savepoint, and when the database refuses a row's data the batch is bisected
 * (each half under its own savepoint) until the refused rows are alone. The rest is applied, and
 * the refused rows come back with the database's error, for their outcomes.
 */
import { ConnectorError } from '../errors.js';

/** Runs `fn` under a savepoint of the open transaction: when it throws, its statements are rolled back and the transaction stays usable. */
export type Savepoint = <T>(fn: () => Promise<T>) => Promise<T>;

/**
 * Applies `apply` to all items under a savepoint; when the target refuses a row's data, bisects
 * until the refused items are alone, and returns them with the database's error. The rest is applied.
 * Any other error (a lost connection) is thrown as it is.
 */
export async function isolateRefusals<T>(savepoint: Savepoint, items: readonly T[], apply: (items: readonly T[]) => Promise<void>): Promise<{ item: T; error: unknown }[]> {
  const refused: { item: T; error: unknown }[] = [];
  const attempt = async (chunk: readonly T[]): Promise<void> => {
    try {
      await savepoint(() => apply(chunk));
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

/** The database's message, with its detail (`Key (customer_id)=(…) is still referenced …`) where it gives one. */
export function describeDataError(error: unknown): string {
  const cause = (error as { cause?: { message?: string; detail?: string; column?: string } }).cause;
  const detail = cause?.detail ? ` (${cause.detail})` : '';
  return `${cause?.message ?? (error as Error).message}${detail}`;
}
