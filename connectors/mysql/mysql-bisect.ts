/**
 * Finds the rows the server refuses among the rows of a statement: the statement is tried on all
 * of them, and on a refusal on each half, down to single rows. k refused rows among n cost about
 * k·log2(n) statements more; a batch with none costs nothing more.
 */
import { RowRefusal } from './mysql-session.js';

/**
 * Runs `attempt` on `items`; when it throws a {@link RowRefusal}, on each half, down to single
 * items, which `refuse` accounts. `attempt` must leave nothing behind when it throws: one
 * statement (InnoDB rolls a failed statement back alone) or several under a savepoint.
 */
export async function bisectRefusals<I>(
  items: readonly I[],
  attempt: (items: readonly I[]) => Promise<void>,
  refuse: (item: I, refusal: RowRefusal) => Promise<void>,
): Promise<void> {
  if (items.length === 0) return;
  try {
    await attempt(items);
  } catch (error) {
    if (!(error instanceof RowRefusal)) throw error;
    if (items.length === 1) return refuse(items[0]!, error);
    const half = Math.ceil(items.length / 2);
    await bisectRefusals(items.slice(0, half), attempt, refuse);
    await bisectRefusals(items.slice(half), attempt, refuse);
  }
}

/** The reason people and the rejects see: `the target refused the row: Data too long for column 'name'`. */
export function refusedOutcome(refusal: RowRefusal, message = refusal.serverMessage): { ok: false; reason: string; detail: unknown } {
  return { ok: false, reason: `the target refused the row: ${message}`, detail: { errno: refusal.errno, message: refusal.serverMessage } };
}
