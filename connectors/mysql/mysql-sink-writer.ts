/**
 * The writes of one MySQL/MariaDB sink transaction ({@link SinkWriter}). Each is idempotent by legacy
 * key or target id: sent again after a crash before the state committed, it changes nothing more.
 * Rows the server refuses are isolated (mysql-bisect.ts) and become outcomes; faults of the whole
 * call throw.
 */
import { FatalError } from '../errors.js';
import type { ArchiveRow, ChildTarget, DeleteOutcome, RowOutcome, SinkWriter } from '../sink.js';
import type { Row, TargetTable } from '../types.js';
import { quoteMysqlName } from '../sql/quote-name.js';
import { bisectRefusals, refusedOutcome } from './mysql-bisect.js';
import { RowRefusal } from './mysql-session.js';
import { chunks, exactlyEqual, exactlyIn, renderRows } from './mysql-statements.js';
import { keyColumns } from './mysql-target-table.js';
import { upsertRows, type UpsertContext } from './mysql-upsert.js';
import { toMysqlValue } from './mysql-values.js';


interface ResultHeader {
  readonly affectedRows?: number;
}

/** The writes of one transaction; used only until its `write` call returns. */
export class MysqlSinkWriter implements SinkWriter {
  readonly #context: UpsertContext;

  constructor(context: UpsertContext) {
    this.#context = context;
  }

  upsert(target: TargetTable, rows: readonly Row[]): Promise<RowOutcome[]> {
    return upsertRows(this.#context, target, rows);
  }

  /**
   * One UPDATE per record, sent many to a round trip (a multi-statement text under a savepoint);
   * records may set different fields. A key with no row is refused without a statement.
   */
  async patch(target: TargetTable, records: readonly Row[]): Promise<RowOutcome[]> {
    if (records.length === 0) return [];
    const { session, tables, limits } = this.#context;
    const where = `${this.#context.where} table ${target.table}`;
    const table = await tables.describe(session, target.table);
    const { key, id } = keyColumns(tables, table, target);
    const quotedKey = quoteMysqlName(key.name);
    const statements = records.map((record, index) => {
      const names = Object.keys(record);
      const [rendered] = renderRows(session, [record], tables.columnsOf(table, names, 'patch records hold'), key.name, `patch of ${where}`, index);
      const sets = names.filter((name) => name !== key.name).map((name) => `${quoteMysqlName(name)} = ${rendered!.literals[names.indexOf(name)]}`);
      // Setting the key to itself keeps the statement valid for a record with nothing else to set.
      sets.push(`${quotedKey} = ${quotedKey}`);
      const sql = `UPDATE ${table.quoted} SET ${sets.join(', ')} WHERE ${exactlyEqual(quotedKey, rendered!.keyLiteral)}`;
      return { ...rendered!, sql, bytes: Buffer.byteLength(sql) };
    });
    const outcomes: RowOutcome[] = new Array(records.length);
    for (const chunk of chunks(statements, 1, limits)) {
      const rows = await session.run(`SELECT CAST(${quotedKey} AS CHAR) AS k, CAST(${quoteMysqlName(id.name)} AS CHAR) AS i FROM ${table.quoted} WHERE ${exactlyIn(quotedKey, chunk.map((s) => s.keyLiteral))} FOR UPDATE`);
      const ids = new Map(rows.map((row) => [String(row.k), String(row.i)]));
      const present = chunk.filter((statement) => {
        if (ids.has(statement.key)) return true;
        outcomes[statement.index] = { ok: false, reason: `the target refused the row: no row has \`${key.name}\` = '${statement.key}'` };
        return false;
      });
      await bisectRefusals(
        present,
        (part) => session.savepoint(() => session.run(part.map((statement) => statement.sql).join(';\n'))).then(() => undefined),
        async (statement, refusal) => void (outcomes[statement.index] = refusedOutcome(refusal)),
      );
      for (const statement of present) outcomes[statement.index] ??= { ok: true, id: ids.get(statement.key)!, inserted: false };
    }
    return outcomes;
  }

  /** `DELETE … WHERE id IN (…)` per chunk; an id already gone is deleted; a row still referenced is refused. */
  async delete(target: TargetTable, ids: readonly string[]): Promise<DeleteOutcome[]> {
    if (ids.length === 0) return [];
    const { session, tables, limits } = this.#context;
    const table = await tables.describe(session, target.table);
    const { id } = keyColumns(tables, table, target);
    const quotedId = quoteMysqlName(id.name);
    const outcomes: DeleteOutcome[] = ids.map((value) => ({ id: value, ok: true }));
    const items = ids.map((value, index) => {
      const literal = session.escape(toMysqlValue(value, id));
      return { index, literal, bytes: Buffer.byteLength(literal) };
    });
    for (const chunk of chunks(items, 1, limits)) {
      await bisectRefusals(
        chunk,
        async (part) => void (await session.run(`DELETE FROM ${table.quoted} WHERE ${quotedId} IN (${part.map((item) => item.literal).join(',')})`)),
        async (item, refusal) => void (outcomes[item.index] = { id: ids[item.index]!, ok: false, reason: refusedOutcome(refusal).reason }),
      );
    }
    return outcomes;
  }

  /** `SET column = at WHERE id IN (…) AND column IS NULL`: a row archived before keeps its first time. */
  async archive(target: TargetTable, column: string, rows: readonly ArchiveRow[], at: Date): Promise<number> {
    if (rows.length === 0) return 0;
    const { session, tables, limits } = this.#context;
    const table = await tables.describe(session, target.table);
    const { id } = keyColumns(tables, table, target);
    const [archived] = tables.columnsOf(table, [column], 'mapping names as `archive_column`');
    const quoted = quoteMysqlName(column);
    const set = `UPDATE ${table.quoted} SET ${quoted} = ${session.escape(toMysqlValue(at, archived!))} WHERE ${quoted} IS NULL AND ${quoteMysqlName(id.name)} IN `;
    const items = rows.map((row) => {
      const literal = session.escape(toMysqlValue(row.targetId, id));
      return { literal, bytes: Buffer.byteLength(literal) };
    });
    let changed = 0;
    for (const chunk of chunks(items, 1, limits)) changed += await this.#update(`${set}(${chunk.map((item) => item.literal).join(',')})`, `archive in ${target.table}`);
    return changed;
  }

  /** Child rows by legacy key now hold `parentId`; rows that hold it already are not counted. */
  async repoint(child: ChildTarget, childKeys: readonly string[], parentId: string): Promise<number> {
    if (childKeys.length === 0) return 0;
    const { session, tables, limits } = this.#context;
    const table = await tables.describe(session, child.table);
    const { key } = keyColumns(tables, table, child);
    const [field] = tables.columnsOf(table, [child.field], 'lookup field names');
    const quoted = quoteMysqlName(child.field);
    const parent = session.escape(toMysqlValue(parentId, field!));
    const items = childKeys.map((value) => {
      const literal = session.escape(toMysqlValue(value, key));
      return { literal, bytes: Buffer.byteLength(literal) * 2 };
    });
    let changed = 0;
    for (const chunk of chunks(items, 1, limits)) {
      const keys = exactlyIn(quoteMysqlName(key.name), chunk.map((item) => item.literal));
      changed += await this.#update(`UPDATE ${table.quoted} SET ${quoted} = ${parent} WHERE ${keys} AND NOT (${quoted} <=> ${parent})`, `repoint of ${child.table}.${child.field}`);
    }
    return changed;
  }

  /** One UPDATE of many rows with one value: a refusal is of them all, so a fault of the call. */
  async #update(sql: string, what: string): Promise<number> {
    try {
      return (await this.#context.session.run<ResultHeader>(sql)).affectedRows ?? 0;
    } catch (error) {
      if (error instanceof RowRefusal) throw new FatalError(`${this.#context.where}: ${what}: the target refused it: ${error.serverMessage}`, { cause: error });
      throw error;
    }
  }
}
