/**
 * What the sink reads of a target table before it writes to it: its columns with their kinds (to
 * send values as the column takes them) and its engine. Read once per table and sink; migrations
 * applied by the sink forget what was read.
 */
import { FatalError } from '../errors.js';
import { quoteMysqlName } from '../sql/quote-name.js';
import type { TargetTable } from '../types.js';
import type { MysqlSession } from './mysql-session.js';
import { mysqlColumnKind, type MysqlColumn } from './mysql-values.js';

/** A target table as the catalog describes it. */
export interface MysqlTargetTable {
  /** `crm.customers` or `customers`, as the mapping names it. */
  readonly name: string;
  /** `` `crm`.`customers` ``. */
  readonly quoted: string;
  readonly columns: ReadonlyMap<string, MysqlColumn>;
}

/** `crm.customers` is table `customers` of database `crm`; a name without a dot is in the connection's database. */
export function quoteTargetName(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? quoteMysqlName(name) : `${quoteMysqlName(name.slice(0, dot))}.${quoteMysqlName(name.slice(dot + 1))}`;
}

function splitName(name: string): [schema: string | null, table: string] {
  const dot = name.indexOf('.');
  return dot < 0 ? [null, name] : [name.slice(0, dot), name.slice(dot + 1)];
}

/** Engines that roll a statement or a transaction back; MyISAM and friends keep what a failed statement wrote. */
const TRANSACTIONAL_ENGINES = new Set(['innodb', 'xtradb']);

/** The tables a sink has described, by the name the mappings give them. */
export class TargetTables {
  readonly #where: string;
  readonly #mariadb: boolean;
  readonly #known = new Map<string, MysqlTargetTable>();

  constructor(where: string, mariadb: boolean) {
    this.#where = where;
    this.#mariadb = mariadb;
  }

  /** The table, read from the catalog on first use; a FatalError when it does not exist or cannot roll back. */
  async describe(session: MysqlSession, name: string): Promise<MysqlTargetTable> {
    const known = this.#known.get(name);
    if (known) return known;
    const [schema, table] = splitName(name);
    const database = schema === null ? 'DATABASE()' : session.escape(schema);
    const scope = `TABLE_SCHEMA = ${database} AND TABLE_NAME = ${session.escape(table)}`;
    const [tables, columns, checks] = [
      await session.run(`SELECT ENGINE AS engine FROM information_schema.TABLES WHERE ${scope}`),
      await session.run(`SELECT COLUMN_NAME AS name, DATA_TYPE AS data_type, COLUMN_TYPE AS column_type, COLLATION_NAME AS collation FROM information_schema.COLUMNS WHERE ${scope} ORDER BY ORDINAL_POSITION`),
      // MariaDB's JSON is LONGTEXT with a json_valid() check named after the column.
      this.#mariadb ? await session.run(`SELECT CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ${database} AND TABLE_NAME = ${session.escape(table)}`) : [],
    ];
    if (tables.length === 0) throw new FatalError(`${this.#where}: target table \`${name}\` does not exist; create it (a migration) or fix \`target.table\``);
    const engine = String(tables[0]!.engine ?? '');
    if (!TRANSACTIONAL_ENGINES.has(engine.toLowerCase())) {
      throw new FatalError(
        `${this.#where}: target table \`${name}\` uses the ${engine || 'unknown'} engine, which cannot roll back a failed batch; convert it with ALTER TABLE ${quoteTargetName(name)} ENGINE=InnoDB`,
      );
    }
    const jsonChecked = new Set(checks.map((row) => /^json_valid\(`((?:[^`]|``)+)`\)$/i.exec(String(row.clause))?.[1]?.replaceAll('``', '`')).filter((c) => c !== undefined));
    const described: MysqlTargetTable = {
      name,
      quoted: quoteTargetName(name),
      columns: new Map(
        columns.map((row) => {
          const column = String(row.name);
          const dataType = String(row.data_type).toLowerCase();
          const columnType = String(row.column_type);
          return [column, { name: column, dataType, columnType, collation: row.collation == null ? null : String(row.collation), kind: mysqlColumnKind(dataType, columnType, jsonChecked.has(column)) }];
        }),
      ),
    };
    this.#known.set(name, described);
    return described;
  }

  /** The columns of `names` in `table`; a FatalError naming every one it lacks. */
  columnsOf(table: MysqlTargetTable, names: readonly string[], what = 'rows hold'): MysqlColumn[] {
    const missing = names.filter((name) => !table.columns.has(name));
    if (missing.length > 0) {
      throw new FatalError(`${this.#where}: target table \`${table.name}\` has no column ${missing.map((c) => `\`${c}\``).join(', ')}, which the ${what}`);
    }
    return names.map((name) => table.columns.get(name)!);
  }

  /** The sink changed tables (migrations): read them again on next use. */
  forget(): void {
    this.#known.clear();
  }
}

/** The key and id columns of `target`, checked to exist. */
export function keyColumns(tables: TargetTables, table: MysqlTargetTable, target: TargetTable): { key: MysqlColumn; id: MysqlColumn } {
  const [key, id] = tables.columnsOf(table, [target.key, target.id], 'mapping names as `target.key` and `target.id`');
  return { key: key!, id: id! };
}
