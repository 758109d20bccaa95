import { sql, type Kysely, type Transaction } from 'kysely';

let counter = 0;

/** `SAVEPOINT` around `fn`; on failure rolls back to it and rethrows, leaving the transaction usable. */
export async function withSavepoint<T>(db: Kysely<any> | Transaction<any>, fn: () => Promise<T>): Promise<T> {
  const name = sql.id(`cutover_sp_${++counter}`);
  await sql`SAVEPOINT ${name}`.execute(db);
  try {
    const result = await fn();
    await sql`RELEASE SAVEPOINT ${name}`.execute(db);
    return result;
  } catch (error) {
    await sql`ROLLBACK TO SAVEPOINT ${name}`.execute(db);
    throw error;
  }
}
