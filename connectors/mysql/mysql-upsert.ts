/**
 * The sink's upsert: per chunk of rows, the keys that exist are read and locked with their ids
 * (`SELECT … FOR UPDATE`), then one multi-row `INSERT … ON DUPLICATE KEY UPDATE` writes the chunk,
 * and one more SELECT reads the ids of the keys that were new (none when all rows existed). MariaDB's
 * `INSERT … RETURNING` would give the ids too, but sends every row back, updated ones as well: it
 * measured no faster and cost about 10 % more CPU on updates (scripts/bench-mysql-sink.ts), and
 * MySQL has none. A row is `inserted`
 * when its key did not exist before (nor earlier in the call).
 *
 * ON DUPLICATE KEY UPDATE fires on a conflict with ANY unique key, not only `target.key`: a new row
 * whose e-mail is unique elsewhere would silently update that other row, legacy key and all. So the
 * first assignment is a guard, `key = IF(key is exactly the row's key, key, 1/0)`: a conflict on
 * another row divides by zero, an error in strict mode (mysql-session.ts), the statement is rolled
 * back and the row is isolated like any refusal; its reason is then the server's own message for
 * the plain INSERT or UPDATE (`Duplicate entry 'a@example.com' for key 'email'`), asked under a
 * savepoint that is always rolled back. The guard compares bytes, so that two keys equal under a
 * case-insensitive collation stay two legacy records (the second is refused) instead of one.
 */
import { FatalError } from '../errors.js';
import type { RowOutcome } from '../sink.js';
import type { Row, TargetTable } from '../types.js';
import { bisectRefusals, refusedOutcome } from './mysql-bisect.js';
import { RowRefusal, type MysqlSession } from './mysql-session.js';
import { chunks, exactlyEqual, renderRows, type RenderedRow, type StatementLimits } from './mysql-statements.js';
import { keyColumns, type MysqlTargetTable, type TargetTables } from './mysql-target-table.js';
import { quoteMysqlName } from '../sql/quote-name.js';

/** The transaction an upsert (and every other write of the sink's writer) runs in, and the sink's choices. */
export interface UpsertContext {
  readonly session: MysqlSession;
  readonly tables: TargetTables;
  readonly limits: StatementLimits;
  /** Ids from `INSERT … RETURNING` (MariaDB 10.5 and later) instead of a SELECT after it; no faster (see above). */
  readonly returning: boolean;
  /**
   * Each INSERT under a SAVEPOINT of its own. Not needed: InnoDB rolls a failed statement back
   * alone, leaving the transaction as it was, and the INSERT is the only statement of a chunk that
   * writes. Kept to measure what it costs: nothing measurable (scripts/bench-mysql-sink.ts). @default false
   */
  readonly savepoints?: boolean | undefined;
  /** `MariaDB 127.0.0.1:3306/crm`. */
  readonly where: string;
}

/** Marks the explanation statement's success, so that its savepoint rolls back whatever happened. */
class Explained extends Error {}

/** One outcome per row, in input order; rows the server refuses are outcomes, faults of the call throw. */
export async function upsertRows(context: UpsertContext, target: TargetTable, rows: readonly Row[]): Promise<RowOutcome[]> {
  if (rows.length === 0) return [];
  const { session, tables, limits } = context;
  const where = `${context.where} table ${target.table}`;
  const table = await tables.describe(session, target.table);
  const names = Object.keys(rows[0]!);
  const columns = tables.columnsOf(table, names);
  const { key, id } = keyColumns(tables, table, target);
  const rendered = renderRows(session, rows, columns, key.name, `upsert into ${where}`);
  const statement = upsertStatement(table, names, key.name, id.name, context.returning);
  const outcomes: RowOutcome[] = new Array(rows.length);
  const quotedKey = quoteMysqlName(key.name);
  const quotedId = quoteMysqlName(id.name);

  for (const chunk of chunks(rendered, names.length, limits)) {
    const existing = await idsByKey(session, table, quotedKey, quotedId, chunk.map((row) => row.keyLiteral), true);
    const before = new Set(existing.keys());
    const ids = new Map<string, string>();
    const write = async (part: readonly RenderedRow[]) => {
      const values = part.map((row) => row.tuple).join(',');
      if (context.returning) {
        const returned = await session.run(`${statement.head}${values}${statement.tail}`);
        for (const row of returned) ids.set(String(row.k), String(row.i));
        return;
      }
      await session.run(`${statement.head}${values}${statement.tail}`);
      const fresh = part.filter((row) => !existing.has(row.key)).map((row) => row.keyLiteral);
      for (const [k, i] of fresh.length > 0 ? await idsByKey(session, table, quotedKey, quotedId, fresh, false) : []) ids.set(k, i);
      for (const row of part) if (existing.has(row.key)) ids.set(row.key, existing.get(row.key)!);
    };
    const attempt = context.savepoints ? (part: readonly RenderedRow[]) => session.savepoint(() => write(part)) : write;
    const refuse = async (row: RenderedRow, refusal: RowRefusal) => {
      const message = refusal.errno === 1365 ? await explainGuard(session, table, names, row, key.name, existing.has(row.key) || ids.has(row.key)) : refusal.serverMessage;
      outcomes[row.index] = refusedOutcome(refusal, message);
    };
    await bisectRefusals(chunk, attempt, refuse);
    // In input order: a key written earlier in this chunk (a repeated key) exists for the rows after it.
    for (const row of chunk) {
      if (outcomes[row.index]) continue;
      const written = ids.get(row.key);
      if (written === undefined) throw new FatalError(`upsert into ${where}: no row came back for key '${row.key}' (does \`${key.name}\` store it as sent?)`);
      outcomes[row.index] = { ok: true, id: written, inserted: !before.has(row.key) };
      before.add(row.key);
    }
  }
  return outcomes;
}

interface UpsertStatement {
  /** Up to `VALUES `. */
  readonly head: string;
  /** From ` ON DUPLICATE KEY UPDATE`. */
  readonly tail: string;
}

function upsertStatement(table: MysqlTargetTable, names: readonly string[], key: string, id: string, returning: boolean): UpsertStatement {
  const k = quoteMysqlName(key);
  // Evaluated first, and left to right: the guard sees the row as it was, and nothing is assigned before it.
  const guard = `${k} = IF(CAST(${k} AS BINARY) <=> CAST(VALUES(${k}) AS BINARY), ${k}, 1/0)`;
  const updates = names.filter((name) => name !== key).map((name) => `${quoteMysqlName(name)} = VALUES(${quoteMysqlName(name)})`);
  return {
    head: `INSERT INTO ${table.quoted} (${names.map(quoteMysqlName).join(', ')}) VALUES `,
    tail: ` ON DUPLICATE KEY UPDATE ${[guard, ...updates].join(', ')}${returning ? ` RETURNING CAST(${k} AS CHAR) AS k, CAST(${quoteMysqlName(id)} AS CHAR) AS i` : ''}`,
  };
}

/** Target id by key (as text, exactly as sent) of the rows with these keys; `lock` takes their row locks for the transaction. */
async function idsByKey(session: MysqlSession, table: MysqlTargetTable, key: string, id: string, literals: readonly string[], lock: boolean): Promise<Map<string, string>> {
  const rows = await session.run(`SELECT CAST(${key} AS CHAR) AS k, CAST(${id} AS CHAR) AS i FROM ${table.quoted} WHERE ${key} IN (${literals.join(',')})${lock ? ' FOR UPDATE' : ''}`);
  // A collation may match look-alikes (`ABC` for `abc`); callers look keys up exactly as sent.
  return new Map(rows.map((row) => [String(row.k), String(row.i)]));
}

/**
 * The server's own reason for a row the guard stopped: the plain INSERT (a new key) or UPDATE (a
 * key that exists) of that row, under a savepoint rolled back whatever it does.
 */
async function explainGuard(session: MysqlSession, table: MysqlTargetTable, names: readonly string[], row: RenderedRow, key: string, exists: boolean): Promise<string> {
  const statement = exists
    ? `UPDATE ${table.quoted} SET ${names.map((name, i) => `${quoteMysqlName(name)} = ${row.literals[i]}`).join(', ')} WHERE ${exactlyEqual(quoteMysqlName(key), row.keyLiteral)}`
    : `INSERT INTO ${table.quoted} (${names.map(quoteMysqlName).join(', ')}) VALUES ${row.tuple}`;
  try {
    await session.savepoint(async () => {
      await session.run(statement);
      throw new Explained();
    });
  } catch (error) {
    if (error instanceof RowRefusal) return error.serverMessage;
    if (!(error instanceof Explained)) throw error;
  }
  return `another row holds one of its unique values (a unique key other than \`${key}\`)`;
}
