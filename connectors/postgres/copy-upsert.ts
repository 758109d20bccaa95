/**
 * The PostgreSQL sink's fast upsert: the batch goes in with one `COPY … FROM STDIN` into a
 * session-local staging table, then one set-based `INSERT … SELECT … ON CONFLICT DO UPDATE
 * RETURNING` moves it into the target and empties the staging table in the same statement.
 *
 * Same outcome as the multi-row INSERT of pg-upsert.ts (one outcome per input row, in input order,
 * with the target id and whether the row was new), for fewer bytes on the wire and no parameter
 * binding: COPY parses text rows, the INSERT is the same statement for every batch.
 *
 * The staging table has the target's column types (`CREATE TABLE … AS SELECT … WITH NO DATA`), so a
 * value too long or out of range fails in the COPY with the same SQLSTATE (22xxx) as the INSERT
 * would, and NOT NULL, unique and check constraints fail in the INSERT (23xxx): the runner's
 * savepoint bisection isolates the row either way.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Row, TargetTable } from '../types.js';
import { FatalError } from '../errors.js';
import { quotePgIdentifier, type UpsertedRow } from '../sql/pg-upsert.js';

/** pg's own conversion of a JavaScript value to its text parameter, so that COPY sends what a bound parameter would. */
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as { prepareValue(value: unknown): string | Buffer | null };

/** What the fast path needs of a checked-out client. */
export interface CopyClient {
  query(text: string, values?: readonly unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  /** `COPY … FROM STDIN` with `data` as the input; rejects with the server's error. */
  copyIn(text: string, data: string): Promise<void>;
}

/**
 * Staging tables known to exist on a client, by name. A table created in a transaction or under a
 * savepoint that rolls back is gone again, so names are only remembered once the transaction that
 * created them commits, and forgotten when the savepoint they were created under rolls back.
 */
export class StagingTables {
  readonly #committed = new Set<string>();
  #pending = new Set<string>();

  /** Ensures the staging table for `target` and `columns` exists in this session; returns its name. */
  async ensure(client: CopyClient, target: TargetTable, columns: readonly string[]): Promise<string> {
    const digest = createHash('sha1').update(`${target.table}\0${columns.join('\0')}`).digest('hex').slice(0, 16);
    const name = `cutover_stage_${digest}`;
    if (this.#committed.has(name)) return name;
    // Temporary: one per session, invisible to other sessions; emptied at every commit.
    await client.query(
      `CREATE TEMPORARY TABLE IF NOT EXISTS ${name} ON COMMIT DELETE ROWS AS SELECT ${columns.map(quotePgIdentifier).join(', ')} FROM ${quotePgIdentifier(target.table)} WITH NO DATA`,
    );
    this.#pending.add(name);
    return name;
  }

  /** Runs `fn`, a savepoint: if it fails, the tables created in it are gone with it. */
  async within<T>(fn: () => Promise<T>): Promise<T> {
    const before = new Set(this.#pending);
    try {
      return await fn();
    } catch (error) {
      this.#pending = before;
      throw error;
    }
  }

  committed(): void {
    for (const name of this.#pending) this.#committed.add(name);
    this.#pending.clear();
  }

  rolledBack(): void {
    this.#pending.clear();
  }
}

interface ReturnedRow {
  readonly __id: string;
  readonly __key: string;
  readonly __inserted: boolean;
}

export async function copyUpsertRows(client: CopyClient, staging: StagingTables, target: TargetTable, rows: readonly Row[]): Promise<UpsertedRow[]> {
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]!);
  if (!columns.includes(target.key)) throw new FatalError(`upsert into ${target.table}: rows lack the key column \`${target.key}\``);
  const stage = await staging.ensure(client, target, columns);
  const list = columns.map(quotePgIdentifier).join(', ');
  await client.copyIn(`COPY ${stage} (${list}) FROM STDIN`, copyText(rows, columns));
  const updates = columns.filter((column) => column !== target.key);
  const set = (updates.length > 0 ? updates : [target.key]).map((column) => `${quotePgIdentifier(column)} = EXCLUDED.${quotePgIdentifier(column)}`).join(', ');
  // DELETE … RETURNING empties the staging table in the same statement, so a second upsert in the
  // same transaction (the runner's bisection) starts from an empty table.
  const { rows: returned } = await client.query(
    `WITH staged AS (DELETE FROM ${stage} RETURNING ${list}) ` +
      `INSERT INTO ${quotePgIdentifier(target.table)} (${list}) SELECT ${list} FROM staged ` +
      `ON CONFLICT (${quotePgIdentifier(target.key)}) DO UPDATE SET ${set} ` +
      `RETURNING ${quotePgIdentifier(target.id)}::text AS __id, ${quotePgIdentifier(target.key)}::text AS __key, (xmax = 0) AS __inserted`,
  );
  const byKey = new Map<string, UpsertedRow>();
  for (const row of returned as unknown as ReturnedRow[]) byKey.set(row.__key, { id: row.__id, inserted: row.__inserted });
  return rows.map((row) => {
    const outcome = byKey.get(String(row[target.key]));
    if (!outcome) throw new FatalError(`upsert into ${target.table}: no row came back for key '${String(row[target.key])}'`);
    return outcome;
  });
}

/** Rows that cannot exist yet, straight into `schema.table` with one COPY. */
export async function copyAppend(client: CopyClient, schema: string, table: string, rows: readonly Row[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  await client.copyIn(`COPY ${quotePgIdentifier(schema)}.${quotePgIdentifier(table)} (${columns.map(quotePgIdentifier).join(', ')}) FROM STDIN`, copyText(rows, columns));
}

/** The rows in COPY's text format: tab-separated, `\N` for NULL, backslash escapes. */
export function copyText(rows: readonly Row[], columns: readonly string[]): string {
  const lines: string[] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    let line = '';
    for (let c = 0; c < columns.length; c++) {
      if (c > 0) line += '\t';
      line += copyField(row[columns[c]!]);
    }
    lines[r] = line;
  }
  return `${lines.join('\n')}\n`;
}

const SPECIAL = /[\\\t\n\r]/;

function copyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'string') return SPECIAL.test(value) ? escape(value) : value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  // Objects and arrays go as JSON text, as in pg-upsert.ts (pg would send arrays as PostgreSQL arrays).
  if (typeof value === 'object' && !(value instanceof Date)) return escape(JSON.stringify(value));
  const prepared = prepareValue(value);
  if (prepared === null) return '\\N';
  if (Buffer.isBuffer(prepared)) return `\\\\x${prepared.toString('hex')}`;
  return escape(prepared);
}

function escape(text: string): string {
  return text.replace(/[\\\t\n\r]/g, (ch) => (ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r'));
}
